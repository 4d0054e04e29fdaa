// The whole catalogue on this kernel, as `mptcp-lab run` runs it: every lab
// passes or SKIPs with a reason, every group has a lab that really ran, the
// results folder is complete, and the host is as it was.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Parser } from 'tap-parser';
import { loadLabFile } from '../../harness/lab/load.js';
import { cannotRun, hostSnapshot, labProcesses, namespacesOf, runCli } from './host-state.js';

interface ResultsJson {
  run: { seed: number; kernels: { spec: string }[] };
  results: {
    lab: string;
    file: string;
    group: string;
    status: string;
    target: { kind: string };
    skipReason?: string;
    checks: { name: string; ok: boolean; expected: string; actual: string; source?: string }[];
    error?: string;
  }[];
}

const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-catalogue-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the whole catalogue passes on this kernel, two labs at a time', { skip: cannotRun() }, async () => {
  const before = hostSnapshot();
  let pid = 0;
  const r = await runCli(['run', '--jobs', '2', '--retries', '1', '--seed', '2026', '--results', dir, '--junit', join(dir, 'junit.xml')], {
    onSpawn: (c) => (pid = c.pid!),
  });
  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsJson;
  const failed = results.results.filter((x) => x.status === 'fail');
  const why = failed
    .map(
      (f) =>
        `${f.lab}: ${f.error ?? ''} ${f.checks
          .filter((c) => !c.ok)
          .map((c) => `${c.name} expected ${c.expected} actual ${c.actual} (${c.source})`)
          .join('; ')}`,
    )
    .join('\n');
  assert.equal(failed.length, 0, why);
  assert.equal(r.code, 0, r.stderr);

  const tap = await new Promise<{ ok: boolean; count: number; fail: number }>((resolve) => {
    const p = new Parser({ strict: true }, (res) => resolve({ ok: res.ok, count: res.count, fail: res.fail }));
    p.end(r.stdout);
  });
  assert.equal(tap.ok, true);
  assert.equal(tap.count, results.results.length);
  // By default every lab also runs on the engine, and the two runs are compared: as many times as the lab's repeat: asks.
  const labs = new Set(results.results.map((x) => x.lab));
  for (const lab of labs) {
    const kinds = results.results.filter((x) => x.lab === lab).map((x) => x.target.kind);
    const repeats = (await loadLabFile(results.results.find((x) => x.lab === lab)!.file)).repeat ?? 1;
    assert.deepEqual(kinds, Array.from({ length: repeats }, () => ['kernel', 'engine', 'compare']).flat(), lab);
  }

  const groups = new Map<string, string[]>();
  for (const x of results.results) groups.set(x.group, [...(groups.get(x.group) ?? []), x.status]);
  for (const [group, statuses] of groups) {
    const skipped = results.results.filter((x) => x.group === group && x.status === 'skip').map((x) => `${x.lab}: ${x.skipReason}`);
    assert.ok(
      statuses.some((s) => s === 'pass' || s === 'flaky'),
      `group ${group}: no lab ran (${skipped.join('; ')})`,
    );
  }
  for (const x of results.results.filter((y) => y.status === 'skip'))
    assert.ok(x.skipReason && x.skipReason.length > 10, `${x.lab} skipped without a reason`);
  // A lab that needs netem runs where the kernel has it and says exactly why it SKIPs where not.
  const delay = results.results.find((x) => x.lab === 'unbalanced-delay');
  assert.ok(delay, 'unbalanced-delay ran');
  if (delay.status === 'skip') assert.match(delay.skipReason ?? '', /sch_netem/);
  for (const x of results.results.filter((y) => y.status !== 'skip')) {
    // Only a lab that cuts its transfer on purpose (abort-after) may turn integrity off.
    if (!x.checks.some((c) => c.name === 'integrity'))
      assert.match(readFileSync(x.file, 'utf8'), /integrity: false/, `${x.lab}: no integrity check`);
    assert.ok(x.checks.length >= 3, `${x.lab}: only ${x.checks.length} checks`);
  }
  assert.match(readFileSync(join(dir, 'junit.xml'), 'utf8'), /<testsuites[\s>]/);
  assert.match(readFileSync(join(dir, 'summary.md'), 'utf8'), /\| signal-address \|/);

  assert.deepEqual(namespacesOf(pid, true), []);
  assert.deepEqual(labProcesses(pid), []);
  assert.deepEqual(hostSnapshot(), before);
});
