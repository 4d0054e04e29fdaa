import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Network, type NetworkOptions, type Packet, type TraceEvent } from '../../../../engine/sim/network.js';
import type { LinkParamsInput } from '../../../../engine/sim/link.js';
import type { Impairment } from '../../../../harness/lab/model.js';

const A = '198.18.1.1';
const B = '198.18.1.2';

interface Arrival {
  at: number;
  id: number;
  bytes: Uint8Array;
  iface: number;
}

/** A packet of `size` bytes whose first four bytes are `id`. */
function packet(id: number, size = 1000, src = A, dst = B): Packet {
  const bytes = new Uint8Array(size);
  new DataView(bytes.buffer).setUint32(0, id);
  return { src, dst, bytes };
}

function idOf(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
}

/** a ─link─ b, b records what it gets. Overhead 0 unless given, so sizes are round numbers. */
function pair(params: LinkParamsInput, opts: Partial<NetworkOptions> = {}) {
  const net = new Network({ seed: 1, overheadBytes: () => 0, ...opts });
  const got: Arrival[] = [];
  const a = net.addNode('a');
  const b = net.addNode('b', { handler: (now, p, iface) => got.push({ at: now, id: idOf(p.bytes), bytes: p.bytes, iface }) });
  const link = net.addLink({ node: a, addresses: [`${A}/24`] }, { node: b, addresses: [`${B}/24`] }, { name: 'ab', params });
  return { net, a, b, link, got };
}

function close(actual: number, expected: number, tol = 1e-6): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} is not within ${tol} of ${expected}`);
}

describe('rate and queue (tbf-like)', () => {
  test('1 MB over 8 Mbit/s arrives in 1 s of virtual time', () => {
    const { net, got, link } = pair({ rateBps: 8e6, queuePackets: 1000 });
    for (let i = 0; i < 1000; i += 1) net.send(0, 'a', packet(i));
    net.driveBounded(1e6);
    assert.equal(got.length, 1000);
    close(got[0]?.at ?? -1, 1); // 1000 bytes × 8 / 8 Mbit/s
    close(got[999]?.at ?? -1, 1000);
    assert.deepEqual(
      got.map((g) => g.id),
      [...Array(1000).keys()],
      'a FIFO keeps order',
    );
    assert.equal(link.aToB.counters.txBytes, 1_000_000);
    assert.equal(link.aToB.counters.rxBytes, 1_000_000);
  });

  test('the default overhead (Ethernet + IPv4) is on the wire and in the counters', () => {
    const { net, got, link } = pair({ rateBps: 8e6, queuePackets: 1000 }, { overheadBytes: undefined });
    for (let i = 0; i < 1000; i += 1) net.send(0, 'a', packet(i));
    net.driveBounded(1e6);
    close(got[999]?.at ?? -1, 1034);
    assert.equal(link.bytes().aToB, 1_034_000);
    assert.deepEqual(net.linkBytes(), { ab: { aToB: 1_034_000, bToA: 0 } });
  });

  test('a full queue drops at the tail, and takes packets again once it drains', () => {
    const { net, got, link } = pair({ rateBps: 8e6, queuePackets: 10 });
    for (let i = 0; i < 100; i += 1) net.send(0, 'a', packet(i));
    assert.equal(link.aToB.queued, 10);
    net.drive(50);
    assert.equal(got.length, 11, 'one being serialized + 10 waiting');
    assert.deepEqual(
      got.map((g) => g.id),
      [...Array(11).keys()],
    );
    assert.equal(link.aToB.counters.dropQueue, 89);
    net.send(net.now, 'a', packet(500));
    net.drive(100);
    assert.equal(got.at(-1)?.id, 500);
    close(got.at(-1)?.at ?? -1, 51);
  });

  test('the default queue is 100 ms at the rate in full-size frames, at least 2', () => {
    assert.equal(pair({ rateBps: 100e6 }).link.aToB.queueLimit, Math.ceil(1_250_000 / 1514));
    assert.equal(pair({ rateBps: 10e3 }).link.aToB.queueLimit, 2);
    assert.equal(pair({}).link.aToB.queueLimit, Infinity);
  });

  test("a lab's Impairment is taken as it is", () => {
    const imp: Impairment = { rateBps: 8e6, delayMs: 10, queuePackets: 5 };
    const { link } = pair(imp);
    assert.equal(link.aToB.params.rateBps, 8e6);
    assert.equal(link.bToA.params.delayMs, 10);
    assert.equal(link.aToB.queueLimit, 5);
    link.set({ delayMs: 40 }, 'bToA');
    assert.equal(link.bToA.params.delayMs, 40);
    assert.equal(link.aToB.params.delayMs, 10);
    assert.equal(link.bToA.params.rateBps, 8e6, 'set() changes only what it is given');
  });

  test('without a rate there is no serialization', () => {
    const { net, got } = pair({ delayMs: 5 });
    for (let i = 0; i < 100; i += 1) net.send(0, 'a', packet(i));
    net.driveBounded(1e6);
    assert.ok(got.every((g) => g.at === 5));
  });
});

describe('delay and jitter (netem-like)', () => {
  test('fixed delay, after serialization', () => {
    const { net, got } = pair({ rateBps: 8e6, delayMs: 25 });
    net.send(0, 'a', packet(1));
    net.driveBounded(10);
    close(got[0]?.at ?? -1, 26);
  });

  test('uniform jitter stays within ±jitter and reorders', () => {
    const { net, got } = pair({ delayMs: 25, jitterMs: 10 });
    for (let i = 0; i < 2000; i += 1) net.send(i * 0.1, 'a', packet(i));
    net.driveBounded(1e6);
    const lat = got.map((g) => g.at - g.id * 0.1);
    assert.ok(
      lat.every((l) => l >= 15 - 1e-9 && l <= 35 + 1e-9),
      'within [15, 35]',
    );
    assert.ok(Math.min(...lat) < 16 && Math.max(...lat) > 34, 'spread over the range');
    close(lat.reduce((s, l) => s + l, 0) / lat.length, 25, 0.5);
    assert.ok(
      got.some((g, i) => i > 0 && g.id < (got[i - 1]?.id ?? 0)),
      'jitter reorders, as netem does',
    );
  });

  test('normal jitter: σ = jitter, never below zero', () => {
    const { net, got } = pair({ delayMs: 50, jitterMs: 10, jitterDistribution: 'normal' });
    for (let i = 0; i < 4000; i += 1) net.send(i, 'a', packet(i));
    net.driveBounded(1e6);
    const lat = got.map((g) => g.at - g.id);
    const mean = lat.reduce((s, l) => s + l, 0) / lat.length;
    const sd = Math.sqrt(lat.reduce((s, l) => s + (l - mean) ** 2, 0) / lat.length);
    close(mean, 50, 1);
    close(sd, 10, 1);
    const { net: n2, got: g2 } = pair({ delayMs: 1, jitterMs: 10, jitterDistribution: 'normal' });
    for (let i = 0; i < 200; i += 1) n2.send(i, 'a', packet(i));
    n2.driveBounded(1e6);
    assert.ok(g2.every((g) => g.at >= g.id));
  });
});

describe('loss, reordering, duplication, corruption', () => {
  test('loss percentage is honoured over many packets', () => {
    const { net, got, link } = pair({ lossPct: 10 });
    const N = 20_000;
    for (let i = 0; i < N; i += 1) net.send(i * 0.01, 'a', packet(i, 100));
    net.driveBounded(1e6);
    const lost = link.aToB.counters.dropLoss;
    assert.equal(got.length + lost, N);
    assert.ok(Math.abs(lost / N - 0.1) < 0.007, `lost ${lost} of ${N}`);
    assert.equal(link.aToB.counters.sentPackets, N);
    assert.equal(link.aToB.counters.txPackets, N - lost);
  });

  test('0 % loses nothing, 100 % loses everything', () => {
    const none = pair({ lossPct: 0 });
    const all = pair({ lossPct: 100 });
    for (let i = 0; i < 500; i += 1) {
      none.net.send(0, 'a', packet(i));
      all.net.send(0, 'a', packet(i));
    }
    none.net.driveBounded(1e6);
    all.net.driveBounded(1e6);
    assert.equal(none.got.length, 500);
    assert.equal(all.got.length, 0);
  });

  test('reordering: some packets skip the delay and overtake', () => {
    const { net, got, link } = pair({ delayMs: 10, reorderPct: 25 });
    const N = 4000;
    for (let i = 0; i < N; i += 1) net.send(i, 'a', packet(i));
    net.driveBounded(1e6);
    assert.equal(got.length, N);
    const skipped = got.filter((g) => g.at === g.id);
    assert.equal(skipped.length, link.aToB.counters.reordered);
    assert.ok(Math.abs(skipped.length / N - 0.25) < 0.03, `${skipped.length} of ${N} skipped the delay`);
    assert.ok(got.every((g) => g.at === g.id || g.at === g.id + 10));
    const outOfOrder = got.filter((g, i) => i > 0 && g.id < (got[i - 1]?.id ?? 0)).length;
    assert.ok(outOfOrder > 0, 'packets arrive out of order');
  });

  test('reorder needs a delay to have an effect (as in tc)', () => {
    const { net, got, link } = pair({ reorderPct: 50 });
    for (let i = 0; i < 100; i += 1) net.send(i, 'a', packet(i));
    net.driveBounded(1e6);
    assert.deepEqual(
      got.map((g) => g.id),
      [...Array(100).keys()],
    );
    assert.equal(link.aToB.counters.reordered, 0);
  });

  test('duplication delivers some packets twice', () => {
    const { net, got, link } = pair({ duplicatePct: 20, delayMs: 1 });
    const N = 5000;
    for (let i = 0; i < N; i += 1) net.send(i, 'a', packet(i, 64));
    net.driveBounded(1e6);
    const dups = link.aToB.counters.duplicated;
    assert.equal(got.length, N + dups);
    assert.ok(Math.abs(dups / N - 0.2) < 0.02, `${dups} duplicates`);
    const seen = new Map<number, number>();
    for (const g of got) seen.set(g.id, (seen.get(g.id) ?? 0) + 1);
    assert.equal([...seen.values()].filter((c) => c === 2).length, dups);
  });

  test("corruption flips one bit of a copy; the sender's bytes are untouched", () => {
    const { net, got, link } = pair({ corruptPct: 100 });
    const sent = Array.from({ length: 200 }, (_, i) => packet(i, 200));
    const copies = sent.map((p) => p.bytes.slice());
    for (const p of sent) net.send(0, 'a', p);
    net.driveBounded(1e6);
    assert.equal(link.aToB.counters.corrupted, 200);
    sent.forEach((p, i) => assert.deepEqual(p.bytes, copies[i]));
    for (const [i, g] of got.entries()) {
      const orig = sent[i]?.bytes ?? new Uint8Array(0);
      let bits = 0;
      for (let k = 0; k < orig.length; k += 1) {
        let x = (orig[k] ?? 0) ^ (g.bytes[k] ?? 0);
        while (x) {
          bits += x & 1;
          x >>= 1;
        }
      }
      assert.equal(bits, 1, `packet ${i}`);
    }
  });
});

describe('link up and down', () => {
  test('down drops what is sent and what is in flight; up again delivers', () => {
    const trace: TraceEvent[] = [];
    const { net, got, link } = pair({ delayMs: 50 }, { trace: (e) => trace.push(e) });
    net.send(0, 'a', packet(1));
    net.schedule(10, () => link.setUp(false));
    net.schedule(15, (now) => net.send(now, 'a', packet(2)));
    net.schedule(20, () => link.setUp(true));
    net.schedule(30, (now) => net.send(now, 'a', packet(3)));
    net.driveBounded(100);
    assert.deepEqual(
      got.map((g) => [g.id, g.at]),
      [[3, 80]],
    );
    assert.equal(link.aToB.counters.dropDown, 2);
    const drops = trace.filter((e) => e.kind === 'drop');
    assert.deepEqual(
      drops.map((e) => [e.at, e.reason, idOf(e.packet.bytes)]),
      [
        [15, 'link-down', 2],
        [50, 'link-down', 1],
      ],
    );
  });

  test('the queue is flushed when the link goes down', () => {
    const { net, got, link } = pair({ rateBps: 8e6, queuePackets: 100 });
    for (let i = 0; i < 50; i += 1) net.send(0, 'a', packet(i));
    net.schedule(10.5, () => link.setUp(false));
    net.schedule(11, () => link.setUp(true));
    net.schedule(12, (now) => net.send(now, 'a', packet(99)));
    net.driveBounded(1e6);
    assert.deepEqual(
      got.map((g) => g.id),
      [...Array(10).keys(), 99],
    );
    close(got.at(-1)?.at ?? -1, 13, 1e-9);
  });
});

describe('nodes, routes and forwarding', () => {
  /** a ─ r ─ b with 10 ms and 20 ms hops. */
  function line(forward: boolean) {
    const net = new Network({ seed: 5, overheadBytes: () => 0 });
    const got: Arrival[] = [];
    const atRouter: Packet[] = [];
    const a = net.addNode('a');
    const r = net.addNode('r', { forward, handler: (_now, p) => atRouter.push(p) });
    const b = net.addNode('b', { handler: (now, p, iface) => got.push({ at: now, id: idOf(p.bytes), bytes: p.bytes, iface }) });
    net.addLink(
      { node: a, addresses: ['198.18.1.1/24'] },
      { node: r, addresses: ['198.18.1.254/24'] },
      { name: 'ar', params: { delayMs: 10 } },
    );
    net.addLink(
      { node: r, addresses: ['198.18.2.254/24'] },
      { node: b, addresses: ['198.18.2.1/24', '2001:db8:2::1/64'] },
      { name: 'rb', params: { delayMs: 20 } },
    );
    a.addRoute('default', 'eth0');
    b.addRoute('default', 0);
    return { net, a, r, b, got, atRouter };
  }

  test('multi-hop: a router forwards by its connected routes', () => {
    const { net, got, atRouter } = line(true);
    net.send(0, 'a', packet(7, 100, '198.18.1.1', '198.18.2.1'));
    net.driveBounded(100);
    assert.deepEqual(
      got.map((g) => [g.id, g.at, g.iface]),
      [[7, 30, 0]],
    );
    assert.equal(atRouter.length, 0, "forwarded packets do not reach the router's handler");
    assert.deepEqual(net.linkBytes(), { ar: { aToB: 100, bToA: 0 }, rb: { aToB: 100, bToA: 0 } });
  });

  test('a packet for the router itself goes to its handler', () => {
    const { net, atRouter } = line(true);
    net.send(0, 'a', packet(1, 10, '198.18.1.1', '198.18.2.254'));
    net.driveBounded(100);
    assert.equal(atRouter.length, 1);
  });

  test('a node that does not forward drops transit packets; no route is counted', () => {
    const { net, got } = line(false);
    net.send(0, 'a', packet(1, 10, '198.18.1.1', '198.18.2.1'));
    net.send(0, 'b', packet(2, 10, '2001:db8:2::1', '2001:db8:9::1')); // "default" covers both families
    net.driveBounded(100);
    assert.equal(got.length, 0);
    assert.equal(net.counters.notLocal, 2);
    const noRoute = new Network({ seed: 1 });
    noRoute.addNode('lonely');
    noRoute.send(0, 'lonely', packet(3));
    assert.equal(noRoute.counters.noRoute, 1);
  });

  test('a reply goes back the way it came: RTT is twice the one-way delay', () => {
    const { net, b, got } = line(true);
    const rtts: number[] = [];
    const a = net.node('a');
    b.setHandler((now, p) => net.send(now, b, { src: p.dst, dst: p.src, bytes: p.bytes }));
    a.setHandler((now) => rtts.push(now));
    net.send(0, a, packet(1, 10, '198.18.1.1', '198.18.2.1'));
    net.driveBounded(100);
    assert.deepEqual(rtts, [60]);
    assert.equal(got.length, 0);
  });

  test('longest prefix wins; source routes come first (ip rule from ... lookup)', () => {
    const net = new Network({ seed: 1, overheadBytes: () => 0 });
    const h = net.addNode('h');
    const peers = ['p0', 'p1', 'p2'].map((n) => net.addNode(n, { forward: true }));
    peers.forEach((p, i) =>
      net.addLink({ node: h, addresses: [`198.18.${i + 1}.1/24`] }, { node: p, addresses: [`198.18.${i + 1}.2/24`] }, { name: `l${i}` }),
    );
    h.addRoute('default', 0);
    h.addRoute('203.0.113.0/24', 1);
    h.addRoute('203.0.113.128/25', 2);
    h.addRoute('default', 2, { from: '198.18.2.1' });
    const sentOn = (src: string, dst: string): string[] => {
      const before = net.linkBytes();
      net.send(net.now, h, { src, dst, bytes: new Uint8Array(1) });
      const after = net.linkBytes();
      return Object.keys(after).filter((k) => after[k]?.aToB !== before[k]?.aToB);
    };
    assert.deepEqual(sentOn('198.18.1.1', '192.0.2.1'), ['l0']);
    assert.deepEqual(sentOn('198.18.1.1', '203.0.113.1'), ['l1']);
    assert.deepEqual(sentOn('198.18.1.1', '203.0.113.200'), ['l2']);
    assert.deepEqual(sentOn('198.18.2.1', '192.0.2.1'), ['l2'], 'the source route beats the main table');
    assert.deepEqual(sentOn('198.18.1.1', '198.18.2.2'), ['l1'], 'connected route');
  });

  test('a routing loop ends at the hop limit', () => {
    const net = new Network({ seed: 1, maxHops: 8 });
    const r1 = net.addNode('r1', { forward: true });
    const r2 = net.addNode('r2', { forward: true });
    net.addLink({ node: r1, addresses: ['198.18.1.1/24'] }, { node: r2, addresses: ['198.18.1.2/24'] }, { params: { delayMs: 1 } });
    r1.addRoute('default', 0);
    r2.addRoute('default', 0);
    net.send(0, r1, { src: '198.18.1.1', dst: '192.0.2.1', bytes: new Uint8Array(1) });
    const { settled } = net.driveBounded(1000);
    assert.ok(settled);
    assert.equal(net.counters.hopLimit, 1);
  });

  test("sending to one's own address comes back through the handler", () => {
    const { net, a, got } = pair({});
    const self: number[] = [];
    a.setHandler((_now, _p, iface) => self.push(iface));
    net.send(0, a, packet(1, 10, A, A));
    net.driveBounded(10);
    assert.deepEqual(self, [-1]);
    assert.equal(got.length, 0);
  });

  test('mistakes in the topology are clear errors', () => {
    const net = new Network({ seed: 1 });
    const a = net.addNode('a');
    assert.throws(() => net.addNode('a'), /node named "a" already exists/);
    assert.throws(() => net.addLink({ node: a }, { node: a }), /connects node a to itself/);
    assert.throws(() => net.addLink({ node: a }, { node: 'zz' }), /no node "zz"/);
    net.addNode('b');
    assert.throws(
      () => net.addLink({ node: 'a', addresses: ['198.18.1'] }, { node: 'b' }),
      /link link0, node a: address "198.18.1" is not an IPv4 or IPv6 address/,
    );
    assert.throws(() => net.addLink({ node: 'a' }, { node: 'b' }, { params: { lossPct: 120 } }), /lossPct \(0-100\) out of range: 120/);
    assert.throws(() => a.addRoute('default', 'eth3'), /node a: no interface eth3/);
    assert.throws(() => a.addRoute('10.0.0.0/33', 0), /not a prefix/);
  });
});

describe('virtual time', () => {
  test('timers run in time order, same-time ones in the order scheduled; cancel forgets', () => {
    const net = new Network({ seed: 1 });
    const log: string[] = [];
    net.schedule(5, () => log.push('b'));
    net.schedule(1, () => log.push('a'));
    net.schedule(5, () => log.push('c'));
    const t = net.schedule(3, () => log.push('never'));
    assert.equal(t.cancel(), true);
    assert.equal(net.pending, 3);
    net.drive(10);
    assert.deepEqual(log, ['a', 'b', 'c']);
    assert.equal(net.now, 10);
  });

  test('drive stops at untilMs; step and driveBounded', () => {
    const net = new Network({ seed: 1 });
    const log: number[] = [];
    for (const t of [1, 2, 3, 4]) net.schedule(t, (now) => log.push(now));
    assert.equal(net.drive(2.5), 2);
    assert.equal(net.now, 2.5);
    assert.equal(net.nextEventTime(), 3);
    assert.equal(net.step(), true);
    assert.equal(net.now, 3);
    assert.deepEqual(net.driveBounded(10), { events: 1, settled: true });
    assert.equal(net.step(), false);
    assert.deepEqual(log, [1, 2, 3, 4]);
  });

  test('driveBounded reports a run that does not settle', () => {
    const net = new Network({ seed: 1 });
    const tick = (now: number): void => void net.schedule(now + 1, tick);
    net.schedule(0, tick);
    assert.deepEqual(net.driveBounded(50), { events: 50, settled: false });
  });

  test('time never goes backwards: sending in the past throws, a past timer runs now', () => {
    const { net } = pair({});
    net.drive(10);
    assert.throws(() => net.send(5, 'a', packet(1)), /at 5 ms, but the network is already at 10 ms/);
    const at: number[] = [];
    const t = net.schedule(3, (now) => at.push(now));
    assert.equal(t.at, 10);
    net.driveBounded(10);
    assert.deepEqual(at, [10]);
  });

  test('a send in the future is scheduled', () => {
    const { net, got } = pair({ delayMs: 1 });
    net.send(7, 'a', packet(1));
    assert.equal(got.length, 0);
    net.driveBounded(10);
    assert.deepEqual(
      got.map((g) => g.at),
      [8],
    );
  });
});

describe('determinism', () => {
  /** Two paths with every impairment, timers and replies; returns a digest of the whole trace. */
  function run(seed: number, extraLink = false): { digest: string; events: number; lines: number } {
    const h = createHash('sha256');
    let lines = 0;
    const net = new Network({
      seed,
      trace: (e) => {
        lines += 1;
        h.update(`${e.at}|${e.kind}|${e.node}|${e.link ?? ''}|${e.dir ?? ''}|${e.reason ?? ''}|${e.packet.src}>${e.packet.dst}|`);
        h.update(e.packet.bytes);
      },
    });
    const c = net.addNode('c');
    const s = net.addNode('s');
    const r = net.addNode('r', { forward: true });
    const imp = { rateBps: 10e6, delayMs: 5, jitterMs: 2, lossPct: 3, reorderPct: 5, duplicatePct: 2, corruptPct: 1, queuePackets: 20 };
    net.addLink({ node: c, addresses: ['198.18.1.1/24'] }, { node: s, addresses: ['198.18.1.2/24'] }, { name: 'direct', params: imp });
    net.addLink(
      { node: c, addresses: ['198.18.2.1/24'] },
      { node: r, addresses: ['198.18.2.254/24'] },
      { name: 'via1', params: { ...imp, jitterDistribution: 'normal' } },
    );
    net.addLink(
      { node: r, addresses: ['198.18.3.254/24'] },
      { node: s, addresses: ['198.18.3.2/24'] },
      { name: 'via2', params: { delayMs: 3 } },
    );
    if (extraLink) net.addLink({ node: r }, { node: s }, { name: 'spare', params: { lossPct: 50 } });
    c.addRoute('198.18.3.0/24', 1);
    s.addRoute('198.18.2.0/24', 1);
    s.setHandler((now, p) => net.send(now, s, { src: p.dst, dst: p.src, bytes: p.bytes.subarray(0, 40) }));
    for (let i = 0; i < 1500; i += 1) {
      net.schedule(i * 0.7, (now) => {
        net.send(now, c, packet(i, 1200, '198.18.1.1', '198.18.1.2'));
        net.send(now, c, packet(i, 1200, '198.18.2.1', '198.18.3.2'));
      });
    }
    const { events } = net.driveBounded(1e7);
    h.update(JSON.stringify(net.linkBytes()));
    return { digest: h.digest('hex'), events, lines };
  }

  test('same seed, same trace bit for bit', () => {
    const one = run(42);
    const two = run(42);
    assert.ok(one.lines > 5000, `${one.lines} trace lines`);
    assert.deepEqual(two, one);
  });

  test('another seed, another trace', () => {
    assert.notEqual(run(43).digest, run(42).digest);
  });

  test('adding an unused link does not change what the others do (generators are named, not ordered)', () => {
    const base = run(42);
    const more = run(42, true);
    assert.equal(more.events, base.events);
    assert.equal(more.lines, base.lines);
  });
});
