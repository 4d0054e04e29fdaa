// `mptcp-lab selftests pm_netlink.sh --kernel host` for real: Debian's
// linux-source-6.12 (fetched once into the cache), its helpers built, the
// script run as written. Its subtests must be in results.json with the
// statuses of the script's own TAP (read from its log apart), nested in
// mptcp-lab's TAP, and the script's namespaces gone. pm_netlink.sh took
// 6-12 s here (diag.sh 8-10 s, mptcp_sockopt.sh about 30 s).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { Parser, type Result } from 'tap-parser';
import type { RunResult } from '../../../harness/result.js';
import { cannotRun, hostSnapshot, ROOT, runCli } from '../host-state.js';

/** Namespaces lib.sh's setup_ns makes: <name>-<6 random characters>. */
function scriptNamespaces(): string[] {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  return out
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => /^[a-z0-9_]+-[A-Za-z0-9]{6}$/.test(n));
}

/** The script's own TAP points, read from its log with tap-parser. */
function scriptPoints(log: string): Result[] {
  const points: Result[] = [];
  const p = new Parser();
  p.on('assert', (a: Result) => points.push(a));
  p.end(log);
  return points;
}

function cannot(): string | undefined {
  const why = cannotRun();
  if (why) return why;
  for (const p of ['make', 'gcc']) if (spawnSync(p, ['--version']).status !== 0) return `${p} missing (apt-get install gcc make libc6-dev)`;
  return undefined;
}

const results = mkdtempSync(join(tmpdir(), 'mptcp-lab-selftests-'));
after(() => rmSync(results, { recursive: true, force: true }));

describe('selftests on the host (integration)', { skip: cannot() }, () => {
  test('pm_netlink.sh: its subtests in results.json as its TAP says, nothing left behind', { timeout: 240_000 }, async (t) => {
    const before = scriptNamespaces();
    const host = hostSnapshot();
    const started = performance.now();
    const r = await runCli(['selftests', 'pm_netlink.sh', '--kernel', 'host', '--results', results], { timeoutMs: 230_000 });
    if (r.code === 3 && /cannot get the selftests: .*apt-get download/.test(r.stderr))
      return t.skip(`apt cannot download linux-source-6.12: ${r.stderr.trim().split('\n').pop() ?? ''}`);
    assert.equal(r.code, 0, r.stderr);
    t.diagnostic(`took ${((performance.now() - started) / 1000).toFixed(1)} s (with a fetch and build when the cache was empty)`);
    assert.match(r.stderr, /warning: the host runs \S+ and the selftests are Debian's linux-source-6\.12/);

    const run = JSON.parse(readFileSync(join(results, 'results.json'), 'utf8')) as RunResult;
    const validate = new Ajv({ allErrors: true }).compile(
      JSON.parse(readFileSync(join(ROOT, 'schema/results.schema.json'), 'utf8')) as object,
    );
    assert.ok(validate(run), JSON.stringify(validate.errors));
    assert.equal(run.results.length, 1);
    const suite = run.results[0]!;
    assert.equal(suite.lab, 'pm_netlink.sh');
    assert.deepEqual(suite.target, { ...suite.target, kind: 'kernel', spec: 'host', backend: 'selftests' });
    assert.equal(suite.log, join(results, 'selftests', 'pm_netlink.sh', 'log.txt'));
    const points = scriptPoints(readFileSync(suite.log, 'utf8'));
    assert.ok(points.length >= 10, `the script printed ${points.length} TAP points`);
    assert.deepEqual(
      suite.checks.map((c) => [c.name, c.skip !== undefined ? 'skip' : c.ok ? 'ok' : 'not ok']),
      points.map((p) => [p.name.replace(/\s+#.*$/, '').trim(), p.skip ? 'skip' : p.ok ? 'ok' : 'not ok']),
    );
    assert.equal(suite.status, points.every((p) => p.ok) ? 'pass' : 'fail');
    assert.match(r.stdout, new RegExp(`^# Subtest: pm_netlink\\.sh \\[kernel host \\S+ selftests\\]\\n {4}1\\.\\.${points.length}$`, 'm'));
    assert.match(r.stdout, /^ok 1 - pm_netlink\.sh \[kernel host \S+ selftests\]$/m);

    assert.deepEqual(
      scriptNamespaces().filter((n) => !before.includes(n)),
      [],
      'the script removed its namespaces',
    );
    assert.deepEqual(hostSnapshot(), host, 'the initial namespace is as it was');
  });
});
