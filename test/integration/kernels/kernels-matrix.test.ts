// `mptcp-lab run --kernel debian:6.1,debian:6.12 -j 2`: two guests booted at
// once under TCG, results reported kernel by kernel in --kernel order, each
// later kernel compared with the first. On 6.1 a lab that needs a newer
// feature (mixed-v4v6, Linux 6.3) SKIPs with a reason naming the feature,
// its version and the guest's release; a lab that runs passes, its checks on
// counters 6.1 does not have (MPJoinSynTx) SKIPped rather than failed.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { RunResult } from '../../../harness/result.js';
import { runCli } from '../host-state.js';
import { missing, ourQemus } from './vm-host.js';

const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-kernels-matrix-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the kernel matrix: debian:6.1 and debian:6.12 at once', { skip: missing() }, () => {
  test('feature SKIP on 6.1, pass where it runs, blocks in --kernel order, 6.1 vs 6.12 comparison', async () => {
    const out = join(dir, 'matrix');
    const r = await runCli([
      'run',
      '--kernel',
      'debian:6.1,debian:6.12',
      '-j',
      '2',
      '--seed',
      '5',
      '--results',
      out,
      'mixed-v4-v6',
      'single-subflow',
    ]);
    const run = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResult;
    const find = (lab: string, spec: string) => run.results.find((x) => x.lab === lab && x.target.spec === spec);
    const why = (lab: string, spec: string) => JSON.stringify({ ...find(lab, spec), observations: undefined });

    const mixed61 = find('mixed-v4-v6', 'debian:6.1');
    assert.equal(mixed61?.status, 'skip', why('mixed-v4-v6', 'debian:6.1'));
    assert.match(
      mixed61?.skipReason ?? '',
      /needs mixed-v4v6 \(.*\), which arrived in Linux 6\.3; the guest's kernel 6\.1\.0-\d+-amd64 is 6\.1\.0/,
    );
    const mixed612 = find('mixed-v4-v6', 'debian:6.12');
    assert.equal(mixed612?.status, 'pass', JSON.stringify(mixed612?.checks.filter((c) => !c.ok) ?? mixed612?.error));

    const single61 = find('single-subflow', 'debian:6.1');
    assert.equal(single61?.status, 'pass', JSON.stringify(single61?.checks.filter((c) => !c.ok) ?? single61?.error));
    assert.ok(
      single61?.checks.some((c) => c.skip === `counter MPTcpExtMPJoinSynTx does not exist on kernel ${single61.target.version}`),
      `MPJoinSynTx arrived after 6.1: ${why('single-subflow', 'debian:6.1')}`,
    );
    assert.equal(find('single-subflow', 'debian:6.12')?.status, 'pass', why('single-subflow', 'debian:6.12'));

    const cross = (lab: string) => find(lab, 'kernel debian:6.1 vs kernel debian:6.12');
    assert.equal(cross('mixed-v4-v6')?.status, 'skip', why('mixed-v4-v6', 'kernel debian:6.1 vs kernel debian:6.12'));
    assert.equal(cross('single-subflow')?.status, 'pass', JSON.stringify(cross('single-subflow')?.checks.filter((c) => !c.ok)));

    // TAP: 6.1's block (each lab with the engine and its comparison: without the host the engine is
    // compared with the first kernel), then 6.12's, then the cross-kernel comparisons, numbered in that order.
    const points = r.stdout.split('\n').filter((l) => /^(not )?ok \d+ /.test(l));
    assert.deepEqual(
      points.map((l) => Number(/ok (\d+) /.exec(l)?.[1])),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    const specs = [
      'debian:6.1',
      'sim',
      'kernel debian:6.1 vs engine sim',
      'debian:6.1',
      'sim',
      'kernel debian:6.1 vs engine sim',
      'debian:6.12',
      'debian:6.12',
      'kernel debian:6.1 vs kernel debian:6.12',
      'kernel debian:6.1 vs kernel debian:6.12',
    ];
    assert.match(r.stdout, /\n1\.\.10\n$/);
    assert.deepEqual(
      run.results.map((x) => x.target.spec),
      specs,
      'results.json in TAP order',
    );
    assert.deepEqual(
      run.results.map((x) => x.lab),
      [
        'mixed-v4-v6',
        'mixed-v4-v6',
        'mixed-v4-v6',
        'single-subflow',
        'single-subflow',
        'single-subflow',
        'mixed-v4-v6',
        'single-subflow',
        'mixed-v4-v6',
        'single-subflow',
      ],
    );
    const engineCmp = find('single-subflow', 'kernel debian:6.1 vs engine sim');
    assert.equal(engineCmp?.status, 'pass', JSON.stringify(engineCmp?.checks.filter((c) => !c.ok)));
    assert.equal(find('mixed-v4-v6', 'kernel debian:6.1 vs engine sim')?.status, 'skip', 'nothing to compare with a SKIPped kernel lab');
    assert.deepEqual(
      run.run.kernels.map((k) => k.spec),
      ['debian:6.1', 'debian:6.12'],
    );

    // With two slots both guests boot before either is done (the order of events, not a wall time).
    const at = (line: string) => r.stderr.indexOf(line);
    const firstBack = Math.min(at('kernel debian:6.1: results back'), at('kernel debian:6.12: results back'));
    assert.ok(at('kernel debian:6.1: booting') >= 0 && at('kernel debian:6.12: booting') >= 0 && firstBack >= 0, r.stderr);
    assert.ok(at('kernel debian:6.12: booting') < firstBack, `both guests run at once:\n${r.stderr}`);

    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(ourQemus(), []);
  });
});
