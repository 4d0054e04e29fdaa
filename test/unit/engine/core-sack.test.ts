// SACK-based loss recovery of the subflow TCP (engine/tcp/socket.ts,
// engine/tcp/scoreboard.ts): two sockets on a simulated link, with chosen
// data segments dropped on their way, compared with the same transfer
// without drops and with SACK turned off (NewReno). The scoreboard's counts
// and RACK's marking on their own at the end.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../../../engine/sim/network.js';
import { TcpSocket } from '../../../engine/tcp/socket.js';
import { Scoreboard, type Delivery } from '../../../engine/tcp/scoreboard.js';
import { DEFAULT_TCP_CONFIG, plainHooks } from '../../../engine/tcp/config.js';
import { emitSegment, parseSegment, type TcpSegment } from '../../../engine/tcp/segment.js';
import { seqDiff } from '../../../engine/tcp/seq.js';

const A = '198.18.1.1';
const B = '198.18.1.2';
const ISS_A = 1000;
const ONE_WAY_MS = 10;

interface Run {
  /** When the receiver had every byte. */
  doneAt: number;
  /** When the receiver had the first `markBytes` bytes in order. */
  markAt: number;
  timeouts: number;
  fastRetrans: number;
  retransSegs: number;
  /** SACK options the receiver sent, in order. */
  sacks: { left: number; right: number }[][];
}

interface RunOptions {
  size: number;
  sack: boolean;
  /** Relative sequence numbers (1 = first data byte) whose segment is dropped, and how many times each. */
  drop?: ReadonlyMap<number, number>;
  markBytes?: number;
}

/** A sends `size` bytes to B over a 10 ms / 10 ms link; segments starting at `drop` keys are lost that many times. */
function run(o: RunOptions): Run {
  const net = new Network({ seed: 1 });
  net.addNode('a');
  net.addNode('b');
  net.addLink(
    { node: 'a', addresses: [`${A}/24`] },
    { node: 'b', addresses: [`${B}/24`] },
    { name: 'ab', params: { delayMs: ONE_WAY_MS } },
  );
  const cfg = { ...DEFAULT_TCP_CONFIG, sack: o.sack };
  let received = 0;
  let doneAt = -1;
  let markAt = -1;
  const sacks: { left: number; right: number }[][] = [];
  const left = new Map(o.drop ?? []);
  const a = new TcpSocket({ addr: A, port: 40000 }, { addr: B, port: 80 }, ISS_A, cfg, plainHooks());
  const b = new TcpSocket(
    { addr: B, port: 80 },
    { addr: A, port: 40000 },
    5000,
    cfg,
    plainHooks({
      data: (now, _s, bytes) => {
        received += bytes.length;
        if (received === o.size) doneAt = now;
        if (markAt < 0 && received >= (o.markBytes ?? o.size)) markAt = now;
      },
    }),
  );
  const socks = { a, b };
  const timers = new Map<string, { cancel(): boolean }>();
  const lost = (seg: TcpSegment): boolean => {
    if (seg.payload.length === 0) return false;
    const rel = seqDiff(seg.seq, ISS_A);
    const n = left.get(rel) ?? 0;
    if (n === 0) return false;
    left.set(rel, n - 1);
    return true;
  };
  const flush = (name: 'a' | 'b', now: number): void => {
    const s = socks[name];
    for (const seg of s.transmit(now)) {
      if (name === 'a' && lost(seg)) continue;
      const sack = seg.options.find((x) => x.kind === 'sack');
      if (name === 'b' && sack && sack.kind === 'sack')
        sacks.push(sack.blocks.map((x) => ({ left: seqDiff(x.left, ISS_A), right: seqDiff(x.right, ISS_A) })));
      net.send(now, name, { src: s.local.addr, dst: s.remote.addr, bytes: emitSegment(seg) });
    }
    timers.get(name)?.cancel();
    const t = s.nextTimeout();
    if (t !== undefined) {
      timers.set(
        name,
        net.schedule(t, (at) => {
          s.handleTimeout(at);
          flush(name, at);
        }),
      );
    }
  };
  net.node('a').setHandler((now, p) => {
    const r = parseSegment(p.bytes);
    if (r.ok) a.handle(now, r.segment);
    flush('a', now);
  });
  net.node('b').setHandler((now, p) => {
    const r = parseSegment(p.bytes);
    if (!r.ok) return;
    if (b.state === 'CLOSED' && r.segment.flags.syn) b.acceptSyn(now, r.segment);
    else b.handle(now, r.segment);
    flush('b', now);
  });
  a.connect(0);
  flush('a', 0);
  net.drive(100);
  assert.equal(a.state, 'ESTABLISHED');
  a.send(new Uint8Array(o.size).fill(7));
  flush('a', net.now);
  net.drive(30_000);
  assert.equal(received, o.size, 'every byte arrived');
  const i = a.info();
  return { doneAt, markAt, timeouts: i.timeouts, fastRetrans: i.fastRetrans, retransSegs: i.retransSegs, sacks };
}

const MSS = DEFAULT_TCP_CONFIG.mss;
const RTT = 2 * ONE_WAY_MS;
/** Relative sequence number of the n-th data segment (0-based), all full-sized. */
const segAt = (n: number): number => 1 + n * MSS;

describe('SACK loss recovery (RFC 2018, RFC 6675, RACK-TLP)', () => {
  const size = 150 * MSS;
  const clean = run({ size, sack: true });

  test('three losses in one window are repaired in about one RTT, not three, and without an RTO', () => {
    const drop = new Map([
      [segAt(40), 1],
      [segAt(45), 1],
      [segAt(50), 1],
    ]);
    // When the receiver has everything up to the last hole, against the same moment without losses.
    const markBytes = segAt(51) - 1;
    const base = run({ size, sack: true, markBytes });
    const withSack = run({ size, sack: true, drop, markBytes });
    const newReno = run({ size, sack: false, drop, markBytes });
    assert.equal(withSack.timeouts, 0, 'no RTO');
    assert.equal(withSack.fastRetrans, 3, 'the three holes, each retransmitted once');
    assert.ok(withSack.markAt - base.markAt <= 1.5 * RTT, `SACK: holes filled ${withSack.markAt - base.markAt} ms late (RTT ${RTT})`);
    // NewReno repairs one hole per round trip.
    assert.equal(newReno.timeouts, 0);
    assert.ok(newReno.markAt - base.markAt >= 2.5 * RTT, `NewReno: holes filled ${newReno.markAt - base.markAt} ms late`);
  });

  test('a lost retransmission is found by RACK, not left to the RTO', () => {
    const r = run({ size, sack: true, drop: new Map([[segAt(40), 2]]) });
    assert.equal(r.timeouts, 0, 'no RTO');
    assert.equal(r.retransSegs, 2, 'sent three times in all');
    assert.ok(r.doneAt - clean.doneAt < 200, `${r.doneAt - clean.doneAt} ms over the clean run, less than the 200 ms minimum RTO`);
  });

  test('losses at the tail are repaired by a loss probe after about two RTTs, not by the RTO', () => {
    // The last two segments: nothing after them can be SACKed, and no delayed ACK is pending.
    const tail = new Map([
      [segAt(148), 1],
      [segAt(149), 1],
    ]);
    const r = run({ size, sack: true, drop: tail });
    const off = run({ size, sack: false, drop: tail });
    assert.equal(r.timeouts, 0, 'no RTO with a loss probe');
    // Probe after 2 SRTT + 8 ms, its SACK marks the other segment lost, one more round trip.
    assert.ok(r.doneAt - clean.doneAt <= 2 * RTT + 8 + 2 * RTT, `${r.doneAt - clean.doneAt} ms over the clean run`);
    assert.equal(off.timeouts, 1, 'without SACK (no probe) the tail waits for the RTO');
    assert.ok(off.doneAt - clean.doneAt >= 200, `${off.doneAt - clean.doneAt} ms over the clean run`);
  });

  test('the receiver reports the newest out-of-order range first and acknowledges with SACK only while holes exist', () => {
    const r = run({
      size,
      sack: true,
      drop: new Map([
        [segAt(40), 1],
        [segAt(45), 1],
      ]),
    });
    assert.ok(r.sacks.length > 0, 'SACK options were sent');
    // Once both holes exist, the block after the second hole (the newest data) comes first.
    const both = r.sacks.find((blocks) => blocks.length >= 2);
    assert.ok(both, JSON.stringify(r.sacks.slice(0, 12)));
    assert.equal(both[0]!.left, segAt(46));
    assert.equal(both[1]!.left, segAt(41));
    assert.equal(both[1]!.right, segAt(45));
    assert.equal(clean.sacks.length, 0, 'no SACK without a hole');
  });
});

describe('scoreboard', () => {
  const delivery = (): Delivery => ({ delivered: 0, sampleAt: undefined, sackSampleAt: undefined, sackedNew: false });

  test('counts: in flight = sent - SACKed - lost + retransmitted', () => {
    const sb = new Scoreboard();
    for (let i = 0; i < 10; i += 1) sb.add(i * 100, (i + 1) * 100, false, i);
    assert.equal(sb.inFlight, 1000);
    const d = delivery();
    sb.sack([{ left: 300, right: 600 }], d, 50, 10);
    assert.equal(d.delivered, 300);
    assert.equal(sb.sackedOut, 300);
    assert.equal(sb.inFlight, 700);
    // RACK: segments 0-2 were sent before segment 5 (delivered) and have waited more than its RTT.
    const r = sb.detectLoss(50, 0);
    assert.equal(r.newlyLost, 300);
    assert.equal(sb.inFlight, 400);
    const next = sb.nextLost();
    assert.equal(next?.seg.start, 0);
    sb.retransmitted(next!.seg, 51);
    assert.equal(sb.inFlight, 500, 'a retransmission in flight counts again');
    sb.ackTo(600, delivery(), 60, 10);
    assert.equal(sb.outBytes, 400);
    assert.equal(sb.sackedOut, 0);
    assert.equal(sb.lostOut, 0);
    assert.equal(sb.inFlight, 400);
  });

  test('RACK waits for the reordering window before it marks a hole lost', () => {
    const sb = new Scoreboard();
    sb.add(0, 100, false, 0);
    sb.add(100, 200, false, 1);
    sb.sack([{ left: 100, right: 200 }], delivery(), 21, 20);
    const early = sb.detectLoss(21, 5);
    assert.equal(early.newlyLost, 0);
    assert.ok(early.reoTimeout > 0 && early.reoTimeout <= 5, `${early.reoTimeout}`);
    assert.equal(sb.detectLoss(21 + early.reoTimeout, 5).newlyLost, 100);
  });
});
