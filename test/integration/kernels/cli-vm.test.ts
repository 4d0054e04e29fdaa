// `mptcp-lab run --kernel host,debian:6.12`: the same labs on the host and in
// a Debian 6.12 guest under qemu, one boot for the batch, a cross-kernel
// comparison per lab, netem labs that SKIP on the host running in the guest,
// and a guest kernel crash reported as a failed result with its console.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { RunResult } from '../../../harness/result.js';
import { runCli } from '../host-state.js';
import { missing, ourQemus } from './vm-host.js';

const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-cli-vm-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('labs on debian:6.12 through the CLI', { skip: missing() }, () => {
  test('host and guest results, cross-kernel comparison, netem labs run in the guest', async () => {
    const out = join(dir, 'pair');
    const r = await runCli([
      'run',
      '--kernel',
      'host,debian:6.12',
      '--engine',
      'off',
      '--seed',
      '4',
      '--results',
      out,
      'signal-address',
      'unbalanced-delay',
    ]);
    const run = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResult;
    // 'compare' is the cross-kernel point (the host's labs also get an engine point and its comparison).
    const find = (lab: string, spec: string) =>
      run.results.find(
        (x) =>
          x.lab === lab &&
          (spec === 'compare'
            ? x.target.kind === 'compare' && x.target.spec.includes('debian:6.12')
            : x.target.kind === 'kernel' && x.target.spec === spec),
      );
    assert.equal(find('signal-address', 'host')?.status, 'pass');
    const guest = find('signal-address', 'debian:6.12');
    assert.equal(guest?.status, 'pass', JSON.stringify(guest?.checks.filter((c) => !c.ok)));
    assert.equal(guest?.target.backend, 'vm');
    assert.match(guest?.target.version ?? '', /^6\.12\./);
    const cross = find('signal-address', 'compare');
    assert.equal(cross?.target.spec, 'kernel host vs kernel debian:6.12');
    assert.equal(cross?.status, 'pass', JSON.stringify(cross?.checks.filter((c) => !c.ok)));
    // No netem on this host: SKIP there; the guest kernel has it, so the lab runs for real.
    const delayHost = find('unbalanced-delay', 'host');
    if (delayHost?.status === 'skip') assert.match(delayHost.skipReason ?? '', /sch_netem/);
    assert.equal(find('unbalanced-delay', 'debian:6.12')?.status, 'pass');
    assert.ok(run.run.kernels.some((k) => k.backend === 'vm' && k.spec === 'debian:6.12'));
    assert.ok(existsSync(join(out, 'kernels', 'debian_6.12.console.log')));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(ourQemus(), []);
  });

  test('a kernel crash in the guest is a failed result quoting the console', async () => {
    const out = join(dir, 'crash');
    const r = await runCli(['run', '--kernel', 'debian:6.12', '--results', out, 'test/fixtures/labs/crash-guest.lab.yaml']);
    assert.equal(r.code, 1);
    const run = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResult;
    assert.equal(run.results[0]?.status, 'fail');
    assert.match(
      run.results[0]?.error ?? '',
      /kernel trouble \(console\):\nKernel panic - not syncing: sysrq triggered crash[\s\S]*Call Trace/,
    );
    assert.match(r.stdout, /not ok 1 - crash-guest \[kernel debian:6\.12 /);
    assert.deepEqual(ourQemus(), []);
  });
});
