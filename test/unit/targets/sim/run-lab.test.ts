// The engine target end to end in virtual time: a catalogue lab runs on the
// TypeScript engine in the simulator, produces the same Observations shape
// as a kernel run, passes its checks, and is reproducible from its seed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadLabModule, selectLabs } from '../../../../harness/lab/catalogue.js';
import { loadLabFile } from '../../../../harness/lab/load.js';
import { runLabOnEngine } from '../../../../harness/targets/sim/run-lab.js';
import { differentialResult } from '../../../../harness/run/differential.js';

const quick = () => loadLabFile('test/fixtures/labs/quick.lab.yaml');

test('a lab runs on the engine: MP_CAPABLE counted, data intact, checks pass', async () => {
  const r = runLabOnEngine(await quick(), { seed: 5 });
  assert.equal(r.status, 'pass', JSON.stringify(r.checks.filter((c) => !c.ok)));
  assert.deepEqual(r.target, { kind: 'engine', spec: 'sim', version: '0.1', backend: 'sim' });
  const o = r.observations!;
  assert.equal(o.counters.server!.MPTcpExtMPCapableSYNRX, 1);
  assert.equal(o.counters.client!.MPTcpExtMPCapableSYNTX, 1);
  assert.equal(o.transfers.length, 1);
  assert.equal(o.transfers[0]!.intact, true);
  assert.equal(o.transfers[0]!.server.bytesReceived, 64 * 1024);
  assert.ok(o.links.l1!.aToB > 64 * 1024, 'the payload crossed l1');
  assert.ok(o.events.client!.some((e) => e.type === 'ESTABLISHED'));
});

test('the same seed gives the same observations; another seed other tokens', async () => {
  const lab = await quick();
  const strip = (seed: number) => JSON.stringify(runLabOnEngine(lab, { seed }).observations);
  assert.equal(strip(9), strip(9));
  assert.notEqual(strip(9), strip(10));
});

test('rate limits hold in virtual time: 4 MB over two 10 Mbit/s paths takes at least the aggregate 1.6 s, less than one path alone', async () => {
  const [lab] = await selectLabs(['bandwidth-aggregation'], {});
  const r = runLabOnEngine(lab!, { seed: 1 });
  const t = r.observations!.transfers[0]!;
  assert.equal(t.intact, true);
  const aggregateMs = ((4_000_000 * 8) / 20e6) * 1000;
  assert.ok(t.durationMs >= aggregateMs && t.durationMs < 2 * aggregateMs, `${t.durationMs} ms`);
});

test('the differential point compares two results and names what differs', async () => {
  const lab = await quick();
  const a = runLabOnEngine(lab, { seed: 1 });
  const same = differentialResult(lab, a, a);
  assert.equal(same.status, 'pass');
  assert.ok(same.checks.length > 3);
  const b = runLabOnEngine(lab, { seed: 1 });
  b.observations!.counters.server!.MPTcpExtMPCapableSYNRX = 0;
  const diff = differentialResult(lab, a, b);
  assert.equal(diff.status, 'fail');
  const item = diff.checks.find((c) => c.name.includes('MPCapableSYNRX'));
  assert.ok(item && !item.ok && item.expected === '1' && item.actual === '0', JSON.stringify(item));
});

test('tolerances a lab declares under compare: reach the differential point', async () => {
  const lab = await quick();
  const a = runLabOnEngine(lab, { seed: 1 });
  const b = runLabOnEngine(lab, { seed: 1 });
  b.observations!.counters.server!.MPTcpExtMPCapableSYNRX = 2;
  b.observations!.transfers[0]!.durationMs = a.observations!.transfers[0]!.durationMs * 10 + 1000;
  assert.equal(differentialResult(lab, a, b).status, 'fail');
  const loose = { ...lab, compare: { durationFactor: null, counters: { 'server.MPCapableSYNRX': { absolute: 1 } } } };
  const r = differentialResult(loose, a, b);
  assert.equal(r.status, 'pass', JSON.stringify(r.checks.filter((c) => !c.ok)));
  assert.equal(
    r.checks.some((c) => c.name === 'duration'),
    false,
  );
});

test('the in-kernel PM on the engine: signal-address announces, echoes and joins like the kernel', async () => {
  const [lab] = await selectLabs(['signal-address'], {});
  const r = runLabOnEngine(lab!, { seed: 1 });
  assert.equal(r.status, 'pass', JSON.stringify(r.checks.filter((c) => !c.ok)));
  const o = r.observations!;
  assert.equal(o.counters.server!.MPTcpExtAddAddrTx, 1);
  assert.equal(o.counters.client!.MPTcpExtAddAddr, 1);
  assert.equal(o.counters.server!.MPTcpExtEchoAdd, 1);
  assert.ok(o.events.client!.some((e) => e.type === 'ANNOUNCED'));
  assert.deepEqual(
    o.events.server!.filter((e) => e.type.startsWith('LISTENER_')).map((e) => e.type),
    ['LISTENER_CREATED', 'LISTENER_CLOSED'],
  );
});

test('endpoint events apply to the engine PM: delete-and-readd closes the subflow and joins again', async () => {
  const [lab] = await selectLabs(['delete-and-readd'], {});
  const r = runLabOnEngine(lab!, { seed: 1 });
  assert.equal(r.status, 'pass', JSON.stringify(r.checks.filter((c) => !c.ok)));
  assert.deepEqual(
    r.observations!.applied.map((a) => a.ok),
    [true, true],
  );
});

test('a client MPTCP socket whose server is plain TCP reports fallback on the engine', async () => {
  const [lab] = await selectLabs(['plain-tcp-server'], {});
  const r = runLabOnEngine(lab!, { seed: 1 });
  assert.equal(r.status, 'pass', JSON.stringify(r.checks.filter((c) => !c.ok)));
  assert.equal(r.observations!.transfers[0]!.client.fallback, true);
});

test('workload abort-after on the engine: the client aborts after 1 MB with MP_FASTCLOSE, the server sees a reset', async () => {
  const [lab] = await selectLabs(['fastclose-client'], {});
  const r = runLabOnEngine(lab!, { seed: 1 });
  assert.equal(r.status, 'pass', JSON.stringify(r.checks.filter((c) => !c.ok)));
  const o = r.observations!;
  assert.equal(o.counters.client!.MPTcpExtMPFastcloseTx, 1);
  assert.equal(o.counters.server!.MPTcpExtMPFastcloseRx, 1);
  const t = o.transfers[0]!;
  // The kernel agent's shape: cut off on purpose, all of abort-after sent and received, both sides say why.
  assert.equal(t.intact, false);
  assert.equal(t.client.bytesSent, 1_000_000);
  assert.equal(t.server.bytesReceived, 1_000_000);
  assert.equal(t.client.sha256Sent, t.server.sha256Received);
  assert.match(t.client.error ?? '', /aborted after 1000000 bytes sent/);
  assert.match(t.server.error ?? '', /reset/);
  assert.equal(t.client.subflows.length, 1, 'the client read its subflows before it aborted');
  assert.deepEqual(
    o.events.server!.map((e) => e.type),
    ['LISTENER_CREATED', 'CREATED', 'ESTABLISHED', 'LISTENER_CLOSED'],
  );
});

test('a lab with shell steps SKIPs on the engine, naming the first step', async () => {
  const lab = await loadLabModule('dist/test/fixtures/labs/shell-step.lab.js');
  const r = runLabOnEngine(lab, { seed: 1 });
  assert.equal(r.status, 'skip');
  assert.equal(r.skipReason, 'shell steps run on kernels only (at 100 ms on client)');
  const plain = runLabOnEngine({ ...lab, events: lab.events.filter((e) => e.action !== 'shell') }, { seed: 1 });
  assert.notEqual(plain.status, 'skip');
});
