// The kernel matrix's moving parts: the FIFO job slots, reporting kernel by
// kernel in --kernel order whatever order they finish in, which kernel the
// others are compared with, and the feature table against the MPTCP ChangeLog.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadCatalogue } from '../../../harness/lab/catalogue.js';
import { featureTooNew } from '../../../harness/requirements.js';
import { emptyObservations, type PmEvent } from '../../../harness/observations.js';
import type { LabResult, TargetInfo } from '../../../harness/result.js';
import { crossKernelResults, OrderedBlocks, referenceKernel, skipMissingCounters, Slots } from '../../../harness/run/runner.js';
import { innerCommand } from '../../../harness/targets/vm/run-labs.js';
import { eventsNotOnBoth, FEATURES, featureByName, versionAtLeast } from '../../../kernels/features.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Slots', () => {
  test('at most size jobs at once, granted first come first served', async () => {
    const slots = new Slots(2);
    const order: string[] = [];
    const gates = new Map<string, () => void>();
    const job = (name: string) => slots.run(() => new Promise<void>((resolve) => {
      order.push(`start ${name}`);
      gates.set(name, () => {
        order.push(`end ${name}`);
        resolve();
      });
    }));
    const all = ['a', 'b', 'c', 'd'].map(job);
    await tick();
    assert.deepEqual(order, ['start a', 'start b']);
    assert.equal(slots.busy, 2);
    gates.get('b')!();
    await tick();
    await tick();
    assert.deepEqual(order, ['start a', 'start b', 'end b', 'start c'], 'c asked before d, so c gets the slot b freed');
    gates.get('a')!();
    await tick();
    await tick();
    assert.deepEqual(order.slice(-2), ['end a', 'start d']);
    gates.get('c')!();
    gates.get('d')!();
    await Promise.all(all);
    assert.equal(slots.busy, 0);
  });

  test('a failing job gives its slot back; a release is counted once', async () => {
    const slots = new Slots(1);
    await assert.rejects(slots.run(() => Promise.reject(new Error('boom'))), /boom/);
    const release = await slots.acquire();
    release();
    release();
    assert.equal(slots.busy, 0);
    assert.throws(() => new Slots(0), /integer >= 1/);
  });
});

describe('OrderedBlocks', () => {
  test('streams the first block, holds later ones until the blocks before them close', () => {
    const out: string[] = [];
    const b = new OrderedBlocks<string>(3, (x) => out.push(x), (i) => [`end ${i}`]);
    b.add(2, 'c1');
    b.add(0, 'a1');
    b.add(1, 'b1');
    assert.deepEqual(out, ['a1'], 'block 0 streams, 1 and 2 wait');
    b.finish(2);
    b.add(0, 'a2');
    assert.deepEqual(out, ['a1', 'a2']);
    b.finish(0);
    assert.deepEqual(out, ['a1', 'a2', 'end 0', 'b1'], 'block 1 now streams what it had');
    assert.equal(b.complete, false);
    b.finish(1);
    assert.deepEqual(out, ['a1', 'a2', 'end 0', 'b1', 'end 1', 'c1', 'end 2']);
    assert.equal(b.complete, true);
  });

  test('a tail that cannot be made yet holds its block until it can', () => {
    const out: string[] = [];
    let refDone = false;
    const b = new OrderedBlocks<string>(2, (x) => out.push(x), (i) => (i === 0 && !refDone ? undefined : [`tail ${i}`]));
    b.add(0, 'vm');
    b.finish(0);
    b.add(1, 'host');
    assert.deepEqual(out, ['vm'], 'block 0 is done but its comparison waits for the reference (block 1)');
    refDone = true;
    b.finish(1);
    assert.deepEqual(out, ['vm', 'tail 0', 'host', 'tail 1']);
  });
});

describe('cross-kernel comparison', () => {
  test('the reference is the host when it runs, else the first kernel given', () => {
    assert.equal(referenceKernel(['host', 'debian:6.12']), 0);
    assert.equal(referenceKernel(['debian:6.1', 'host', 'debian:6.12']), 1);
    assert.equal(referenceKernel(['debian:6.1', 'debian:6.12']), 0);
  });

  test('one comparison per lab both kernels ran, named by their specs', async () => {
    const labs = (await loadCatalogue()).filter((l) => l.name === 'no-join' || l.name === 'mixed-v4-v6');
    const t61: TargetInfo = { kind: 'kernel', spec: 'debian:6.1', version: '6.1.0-56-amd64', backend: 'vm' };
    const t612: TargetInfo = { kind: 'kernel', spec: 'debian:6.12', version: '6.12.117+deb12-amd64', backend: 'vm' };
    const result = (lab: string, target: TargetInfo, status: LabResult['status']): LabResult => ({
      lab, file: `labs/${lab}.lab.yaml`, group: 'basic', tags: [], target, status, durationMs: 1, attempts: 1, repeat: 0, checks: [],
      ...(status === 'skip' ? { skipReason: 'needs mixed-v4v6' } : {}),
    });
    const ref = [result('mixed-v4-v6', t61, 'skip'), result('no-join', t61, 'fail')];
    const other = [result('mixed-v4-v6', t612, 'pass'), result('no-join', t612, 'pass')];
    const cmp = crossKernelResults(labs, ref, other);
    assert.deepEqual(cmp.map((c) => [c.lab, c.target.spec, c.status]), [
      ['mixed-v4-v6', 'kernel debian:6.1 vs kernel debian:6.12', 'skip'],
      ['no-join', 'kernel debian:6.1 vs kernel debian:6.12', 'fail'],
    ]);
    assert.match(cmp[0]!.skipReason ?? '', /debian:6\.1 .*skipped/);
    assert.match(cmp[1]!.error ?? '', /no observations from kernel debian:6\.1/);
    assert.deepEqual(crossKernelResults(labs, [], other), [], 'nothing to compare against');
  });

  test('event types newer than the older kernel of the pair are left out of both sides', async () => {
    const [lab] = (await loadCatalogue()).filter((l) => l.name === 'no-join');
    const event = (type: PmEvent['type'], atMs: number): PmEvent => ({ type, atMs });
    const withEvents = (target: TargetInfo, types: PmEvent['type'][]): LabResult => {
      const observations = emptyObservations();
      observations.events = { server: types.map((t, i) => event(t, i)) };
      return { lab: 'no-join', file: lab!.file, group: 'basic', tags: [], target, status: 'pass', durationMs: 1, attempts: 1, repeat: 0, checks: [], observations };
    };
    const t61: TargetInfo = { kind: 'kernel', spec: 'debian:6.1', version: '6.1.0-56-amd64', backend: 'vm' };
    const t612: TargetInfo = { kind: 'kernel', spec: 'debian:6.12', version: '6.12.117+deb12-amd64', backend: 'vm' };
    const host: TargetInfo = { kind: 'kernel', spec: 'host', version: '6.18.44', backend: 'netns' };
    assert.deepEqual(eventsNotOnBoth('6.1.0', '6.12.117'), ['LISTENER_CREATED', 'LISTENER_CLOSED']);
    assert.deepEqual(eventsNotOnBoth('6.18.44', '6.12.117'), []);
    const older = withEvents(t61, ['CREATED', 'CLOSED']);
    const newer = withEvents(t612, ['LISTENER_CREATED', 'CREATED', 'CLOSED', 'LISTENER_CLOSED']);
    const [across] = crossKernelResults([lab!], [older], [newer]);
    assert.equal(across?.checks.find((c) => c.name === 'events.server')?.ok, true, JSON.stringify(across?.checks.filter((c) => !c.ok)));
    // Both kernels report LISTENER_*: a missing one is a real difference.
    const [both] = crossKernelResults([lab!], [withEvents(host, ['CREATED', 'CLOSED'])], [newer]);
    assert.equal(both?.checks.find((c) => c.name === 'events.server')?.ok, false);
  });
});

describe('the run inside a guest', () => {
  test('gets the seed, the timeout and the retries of the outer run; the engine runs outside, not in the guest', async () => {
    const labs = (await loadCatalogue()).filter((l) => l.name === 'no-join');
    const [sh, c, script] = innerCommand(labs, { seed: 42, timeoutMs: 30_000, retries: 2 });
    assert.deepEqual([sh, c], ['sh', '-c']);
    assert.match(script!, / run '\/[^']*no-join\.lab\.yaml' --engine off --seed 42 --timeout 30000ms --retries 2 --results /);
    assert.doesNotMatch(innerCommand(labs, { seed: 1 })[2]!, /--retries|--timeout/);
    assert.match(innerCommand(labs, { seed: 1, repeat: 3 })[2]!, / --seed 1 --repeat 3 --results /);
    assert.doesNotMatch(innerCommand(labs, { seed: 1, repeat: 1 })[2]!, /--repeat/);
  });
});

describe('counters an older kernel does not have', () => {
  test('a check on a counter missing from the kernel\'s nstat list is a SKIP naming it; the lab passes if nothing else failed', async () => {
    const [lab] = (await loadCatalogue()).filter((l) => l.name === 'single-subflow');
    const observations = emptyObservations();
    observations.counters = { client: { MPTcpExtMPJoinSynAckRx: 1 }, server: { MPTcpExtMPJoinSynRx: 1 } };
    const t61: TargetInfo = { kind: 'kernel', spec: 'debian:6.1', version: '6.1.0-56-amd64', backend: 'vm' };
    const base: LabResult = {
      lab: 'single-subflow', file: lab!.file, group: 'subflow', tags: [], target: t61, status: 'fail', durationMs: 1, attempts: 1, repeat: 0, observations,
      checks: [
        { name: 'join.synack', ok: true, source: 'client MPTcpExtMPJoinSynAckRx', expected: '1', actual: '1' },
        { name: 'join.syn_tx', ok: false, source: 'client MPTcpExtMPJoinSynTx', expected: '1', actual: '0' },
      ],
    };
    const r = skipMissingCounters(base, lab!, '6.1.0-56-amd64');
    assert.equal(r.status, 'pass');
    assert.deepEqual(r.checks[1], { ...base.checks[1], ok: true, skip: 'counter MPTcpExtMPJoinSynTx does not exist on kernel 6.1.0-56-amd64' });
    // A counter the kernel has, at the wrong value, still fails.
    const wrong = { ...base, checks: [{ ...base.checks[0]!, ok: false, actual: '0' }, base.checks[1]!] };
    assert.equal(skipMissingCounters(wrong, lab!).status, 'fail');
    // The engine's counters are not nstat's: left alone.
    const engine = { ...base, target: { ...t61, kind: 'engine' as const } };
    assert.equal(skipMissingCounters(engine, lab!), engine);
  });
});

describe('feature table', () => {
  test('matches the MPTCP ChangeLog', () => {
    const since = Object.fromEntries(FEATURES.map((f) => [f.name, f.since]));
    assert.deepEqual(
      { 'multiple-subflows': since['multiple-subflows'], 'mp-prio': since['mp-prio'], 'fastclose-rx': since['fastclose-rx'], fastclose: since.fastclose, checksum: since.checksum, fullmesh: since.fullmesh, 'mptcp-info': since['mptcp-info'], 'userspace-pm': since['userspace-pm'], 'mixed-v4v6': since['mixed-v4v6'], 'full-info': since['full-info'] },
      { 'multiple-subflows': '5.10', 'mp-prio': '5.12', 'fastclose-rx': '5.13', fastclose: '5.17', checksum: '5.14', fullmesh: '5.15', 'mptcp-info': '5.16', 'userspace-pm': '5.19', 'mixed-v4v6': '6.3', 'full-info': '6.5' },
    );
    assert.equal(new Set(FEATURES.map((f) => f.name)).size, FEATURES.length, 'names are unique');
  });

  test('versions compare numerically, releases by their version part', () => {
    assert.equal(versionAtLeast('6.1.0', '6.3'), false);
    assert.equal(versionAtLeast('6.12.117', '6.3'), true, '12 > 3, not "1" < "3"');
    assert.equal(versionAtLeast('5.10', '5.10'), true);
  });

  test('a guest too old for a feature: the reason names the feature, the version it arrived in and the guest release', () => {
    const guest61 = { kernelRelease: '6.1.0-56-amd64', kernelVersion: '6.1.0', guest: true };
    const mixed = featureTooNew('mixed-v4v6', guest61);
    assert.equal(mixed?.reason, "needs mixed-v4v6 (IPv4 subflows on IPv6 connections and vice versa), which arrived in Linux 6.3; the guest's kernel 6.1.0-56-amd64 is 6.1.0");
    assert.match(featureTooNew('full-info', guest61)?.reason ?? '', /needs full-info .*Linux 6\.5; the guest's kernel 6\.1\.0-56-amd64/);
    assert.equal(featureTooNew('fullmesh', guest61), undefined);
    assert.equal(featureTooNew('mixed-v4v6', { kernelRelease: '6.12.117+deb12-amd64', kernelVersion: '6.12.117', guest: true }), undefined);
    assert.match(featureTooNew('laminar', { kernelRelease: '6.12.117+deb12-amd64', kernelVersion: '6.12.117', guest: false })?.reason ?? '', /Linux 6\.18; kernel 6\.12\.117\+deb12-amd64 is/);
  });

  test('every feature a catalogue lab requires is in the table or a known probe', async () => {
    const known = new Set(['netem', 'ipv6', 'tcpdump', 'nft', ...FEATURES.map((f) => f.name)]);
    for (const lab of await loadCatalogue()) {
      for (const req of lab.requires) {
        if (req.startsWith('sysctl:') || req.startsWith('kernel>=')) continue;
        assert.ok(known.has(req), `${lab.name} requires ${req}`);
      }
    }
    assert.ok(featureByName('mixed-v4v6'));
  });
});
