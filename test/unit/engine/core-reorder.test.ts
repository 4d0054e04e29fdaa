// Reordering adaptation of the subflow TCP (engine/tcp/socket.ts, as Linux
// tcp_input.c / tcp_recovery.c): a sender whose peer is scripted here (each
// ACK and SACK block written by hand), so that reordering, D-SACKs and undo
// happen exactly when the test says; then two endpoints on a jittery link
// with duplicates, where the adaptation keeps retransmissions few.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpSocket } from '../../../engine/tcp/socket.js';
import { DEFAULT_TCP_CONFIG, plainHooks } from '../../../engine/tcp/config.js';
import { tcpFlags, type TcpOption, type TcpSegment } from '../../../engine/tcp/segment.js';
import { seqAdd, seqDiff } from '../../../engine/tcp/seq.js';
import type { TcpMibName } from '../../../engine/mib.js';
import { concat, firstConn, sameBytes, topology, transfer } from './core-sim.js';

const ISS = 1000;
const IRS = 5000;
const MSS = DEFAULT_TCP_CONFIG.mss;
/** The handshake's RTT: the first RTT sample, min_rtt and SRTT. */
const RTT = 20;
const JIFFY = 4;
/** Relative sequence number of the n-th data segment (0-based, full-sized). */
const segAt = (n: number): number => 1 + n * MSS;

/** A sender with a scripted receiver: ack() hands it an ACK with SACK blocks given in segment numbers. */
class Scripted {
  readonly counts = new Map<TcpMibName, number>();
  readonly sock: TcpSocket;
  /** Data segments sent, by start (relative), in order. */
  readonly sent: number[] = [];
  now = 0;

  constructor(bytes: number) {
    this.sock = new TcpSocket(
      { addr: '198.18.0.1', port: 40000 },
      { addr: '198.18.0.2', port: 80 },
      ISS,
      DEFAULT_TCP_CONFIG,
      plainHooks({
        count: (name) => void this.counts.set(name, (this.counts.get(name) ?? 0) + 1),
      }),
    );
    this.sock.connect(0);
    const syn = this.sock.transmit(0)[0] as TcpSegment;
    this.now = RTT;
    this.sock.handle(
      this.now,
      this.peer(seqDiff(seqAdd(syn.seq, 1), ISS), [], { syn: true, ack: true }, [
        { kind: 'mss', mss: MSS },
        { kind: 'sackPermitted' },
        { kind: 'wscale', shift: 7 },
      ]),
    );
    assert.equal(this.sock.state, 'ESTABLISHED');
    this.sock.send(new Uint8Array(bytes).fill(1));
    this.flush();
  }

  count(name: TcpMibName): number {
    return this.counts.get(name) ?? 0;
  }

  /** A segment from the peer acknowledging relative `ack`, with SACK blocks [from, to) in segment numbers. */
  private peer(
    ack: number,
    sacks: readonly (readonly [number, number])[],
    flags: { syn?: boolean; ack?: boolean } = { ack: true },
    extra: TcpOption[] = [],
  ): TcpSegment {
    const options: TcpOption[] = [...extra];
    if (sacks.length > 0)
      options.push({ kind: 'sack', blocks: sacks.map(([l, r]) => ({ left: seqAdd(ISS, segAt(l)), right: seqAdd(ISS, segAt(r)) })) });
    return {
      srcPort: 80,
      dstPort: 40000,
      seq: flags.syn ? IRS : IRS + 1,
      ack: seqAdd(ISS, ack),
      flags: tcpFlags(flags),
      window: 0xffff,
      options,
      payload: new Uint8Array(0),
    };
  }

  /** Sends what the socket lets out now; returns the starts of data segments sent again. */
  flush(): number[] {
    const again: number[] = [];
    for (const seg of this.sock.transmit(this.now)) {
      if (seg.payload.length === 0) continue;
      const rel = seqDiff(seg.seq, ISS);
      if (this.sent.includes(rel)) again.push(rel);
      else this.sent.push(rel);
    }
    return again;
  }

  /** At `at` ms, an ACK of segments below `ackSeg` with SACK blocks; returns the retransmissions it let out. */
  ack(at: number, ackSeg: number, sacks: readonly (readonly [number, number])[] = []): number[] {
    this.now = at;
    this.sock.handle(at, this.peer(segAt(ackSeg), sacks));
    return this.flush();
  }

  /** Runs the socket's timers up to `at`; returns the retransmissions they let out. */
  runTimers(at: number): number[] {
    const again: number[] = [];
    for (let t = this.sock.nextTimeout(); t !== undefined && t <= at; t = this.sock.nextTimeout()) {
      this.now = t;
      this.sock.handleTimeout(t);
      again.push(...this.flush());
    }
    this.now = at;
    return again;
  }
}

describe('reordering seen from SACKs (tcp_check_sack_reordering)', () => {
  test('a hole filled by the original segment is reordering: counted once, tp->reordering grows to the SACKed distance, nothing retransmitted', () => {
    const s = new Scripted(10 * MSS);
    assert.equal(s.sent.length, 10);
    // Segments 1..6 SACKed, 0 missing: before any reordering was seen, 3 SACKed segments mark 0 lost at once.
    const fresh = new Scripted(10 * MSS);
    assert.deepEqual(fresh.ack(RTT + 20, 0, [[1, 7]]), [segAt(0)], 'without reordering seen: lost at once');
    // Two SACKed segments leave RACK its min_rtt/4 window; the original arrives before it ends.
    assert.deepEqual(s.ack(RTT + 20, 0, [[1, 3]]), []);
    assert.deepEqual(s.ack(RTT + 21, 3), [], 'no retransmission');
    assert.equal(s.count('TCPSACKReorder'), 1);
    assert.equal(s.sock.info().reordSeen, 1);
    assert.equal(s.sock.info().reordering, 3, 'three segments are within the default tp->reordering');
    // Now farther: 4..9 SACKed above 3, then 3 arrives: reordering over 7 segments (3 up to the end of 9).
    assert.deepEqual(s.ack(RTT + 22, 3, [[4, 10]]), [], 'after reordering was seen RACK waits even with 6 segments SACKed');
    assert.deepEqual(s.ack(RTT + 23, 10), []);
    assert.equal(s.count('TCPSACKReorder'), 2);
    assert.equal(s.sock.info().reordering, 7);
    assert.equal(s.sock.info().retransSegs, 0);
  });

  test('once reordering was seen, RACK waits min_rtt/4 before it marks a hole lost, in recovery too', () => {
    const s = new Scripted(20 * MSS);
    s.ack(RTT + 20, 0, [[1, 3]]);
    s.ack(RTT + 21, 3);
    assert.equal(s.sock.info().reordSeen, 1);
    // Hole at 3, 4..9 SACKed at 41 ms (all ten went out together at 20 ms): 3 waits RACK.rtt + min_rtt/4
    // from its send, that is min_rtt/4 from now, in jiffies, plus TCP_TIMEOUT_MIN.
    assert.deepEqual(s.ack(RTT + 21, 3, [[4, 10]]), []);
    const reoAt = s.sock.nextTimeout() as number;
    assert.equal(reoAt, RTT + 21 + Math.ceil(RTT / 4 / JIFFY) * JIFFY + 2 * JIFFY);
    assert.deepEqual(s.runTimers(reoAt - 1), [], 'not before');
    assert.deepEqual(s.runTimers(reoAt), [segAt(3)], 'lost when the window ran out');
    assert.equal(s.count('TCPFastRetrans'), 1);
  });
});

describe('D-SACKs widen the reordering window (RFC 8985 §6.2, tcp_rack_update_reo_wnd) and undo (tcp_try_undo_dsack)', () => {
  /** Reordering seen, then segment `hole` given up as lost after the window and retransmitted; returns cwnd before. */
  function spurious(s: Scripted, hole: number, sackTo: number): number {
    assert.deepEqual(s.ack(s.now + 1, hole, [[hole + 1, sackTo]]), []);
    const cwnd = s.sock.info().cwnd;
    assert.deepEqual(s.runTimers(s.sock.nextTimeout() as number), [segAt(hole)]);
    return cwnd;
  }

  test('a D-SACK for a retransmission adds a step of min_rtt/4 at the next delivery; every retransmission D-SACKed undoes the cwnd reduction', () => {
    const s = new Scripted(40 * MSS);
    s.ack(RTT + 20, 0, [[1, 3]]);
    s.ack(RTT + 21, 3);
    const cwndBefore = spurious(s, 3, 10);
    assert.equal(s.sock.info().ssthresh, Math.floor(cwndBefore / 2), 'recovery halved ssthresh');
    // The original of 3 arrives: everything up to 10 acknowledged; then the retransmission: a D-SACK below the ACK.
    s.ack(s.now + 1, 10);
    assert.equal(s.sock.info().reoWndSteps, 1);
    s.ack(s.now + 1, 10, [[3, 4]]);
    assert.equal(s.count('TCPDSACKRecv'), 1);
    assert.equal(s.sock.info().dsackDups, 1);
    assert.equal(s.count('TCPDSACKUndo'), 1, 'the only retransmission was D-SACKed: undo');
    assert.ok(s.sock.info().cwnd >= cwndBefore, `cwnd back (${s.sock.info().cwnd} >= ${cwndBefore})`);
    assert.ok(s.sock.info().ssthresh > 1e9, 'ssthresh back to what it was (infinite, never reduced before)');
    // The next ACK that delivers data widens the window.
    s.ack(s.now + 1, 11);
    assert.equal(s.sock.info().reoWndSteps, 2);
  });

  test('a D-SACK for a duplicate the network made (more D-SACKs than retransmissions) is ignored', () => {
    const s = new Scripted(20 * MSS);
    s.ack(RTT + 20, 0, [[1, 3]]);
    s.ack(RTT + 21, 3);
    s.ack(RTT + 22, 3, [[1, 2]]);
    assert.equal(s.count('TCPDSACKRecv'), 1);
    assert.equal(s.count('TCPDSACKIgnoredDubious'), 1);
    s.ack(RTT + 23, 4);
    assert.equal(s.sock.info().reoWndSteps, 1);
  });

  test('the widened window persists for 16 recoveries, then goes back to one step', () => {
    const s = new Scripted(400 * MSS);
    s.ack(RTT + 20, 0, [[1, 3]]);
    s.ack(RTT + 21, 3);
    spurious(s, 3, 10);
    s.ack(s.now + 1, 10);
    s.ack(s.now + 1, 10, [[3, 4]]);
    s.ack(s.now + 1, 11);
    assert.equal(s.sock.info().reoWndSteps, 2);
    // Recoveries with a real loss (no D-SACK): the hole is retransmitted and only the retransmission arrives.
    let acked = s.sent.length;
    s.ack(s.now + 1, acked);
    for (let i = 0; i < 16; i += 1) {
      // What the last ACK let out: its first segment is the hole, the others are SACKed.
      const hole = acked;
      assert.ok(s.sent.length >= hole + 2, 'new segments went out');
      spurious(s, hole, s.sent.length);
      acked = s.sent.length;
      s.ack(s.now + 1, acked);
      assert.equal(s.sock.info().reoWndSteps, 2, `after recovery ${i + 1}`);
    }
    s.ack(s.now + 1, s.sent.length);
    assert.equal(s.sock.info().reoWndSteps, 1, 'after the 16th, the next delivery goes back to one step');
    assert.equal(s.count('TCPDSACKUndo'), 1);
    assert.equal(s.count('TCPFullUndo'), 0);
  });
});

describe('the receiver reports duplicates in D-SACK blocks (RFC 2883)', () => {
  test('on a jittery link with duplicates: D-SACKs flow, reordering is seen, and few segments go twice', () => {
    // No rate, so no queue to overflow: nothing is lost, and every retransmission is spurious.
    const t = topology([{ delayMs: 5, jitterMs: 4, duplicatePct: 2 }], { seed: 4 });
    const size = 1_000_000;
    const { conn, sconn, up, down } = transfer(t, { size });
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up), 'upload intact');
    assert.ok(sameBytes(concat(t.client.received.get(conn)), down), 'download intact');
    for (const h of [t.client, t.server]) {
      const mib = h.ep.mib;
      assert.ok(mib.get('TCPDSACKOldSent') > 0, `${h.name}: D-SACKs sent for duplicates`);
      assert.ok(mib.get('TCPDSACKRecv') > 0, `${h.name}: D-SACKs received`);
      assert.ok(mib.get('TCPSACKReorder') > 0, `${h.name}: reordering seen`);
      // Before the adaptation (and before D-SACKs were sent) 134-164 segments of 685 went twice (seeds 1-4); now 8-28.
      const segs = Math.ceil(size / MSS);
      assert.ok(mib.get('RetransSegs') < segs * 0.08, `${h.name}: ${mib.get('RetransSegs')} retransmissions for ${segs} segments`);
    }
    assert.equal(t.net.link('link0').aToB.counters.dropLoss + t.net.link('link0').aToB.counters.dropQueue, 0, 'nothing lost');
    assert.equal(firstConn(t.server), sconn);
  });
});

describe('loss counters counted where Linux counts them', () => {
  test('a tail loss probe: TCPLossProbes; the ACK beyond it says it repaired a loss: TCPLossProbeRecovery, one reduction', () => {
    const s = new Scripted(10 * MSS);
    s.ack(RTT + 20, 9);
    const probeAt = s.sock.nextTimeout() as number;
    assert.deepEqual(s.runTimers(probeAt), [segAt(9)], 'the last segment again');
    assert.equal(s.count('TCPLossProbes'), 1);
    assert.equal(s.count('TCPFastRetrans'), 0);
    s.sock.send(new Uint8Array(MSS).fill(2));
    s.flush();
    const cwnd = s.sock.info().cwnd;
    s.ack(s.now + RTT, 11);
    assert.equal(s.count('TCPLossProbeRecovery'), 1);
    assert.ok(s.sock.info().cwnd < cwnd, 'cwnd reduced once');
  });

  test('a D-SACK for the probe says the original arrived too: no TCPLossProbeRecovery, no reduction', () => {
    const s = new Scripted(10 * MSS);
    s.ack(RTT + 20, 9);
    s.runTimers(s.sock.nextTimeout() as number);
    s.sock.send(new Uint8Array(MSS).fill(2));
    s.flush();
    s.ack(s.now + RTT, 10, [[9, 10]]);
    s.ack(s.now + 1, 11);
    assert.equal(s.count('TCPDSACKRecv'), 1);
    assert.equal(s.count('TCPLossProbeRecovery'), 0);
    assert.ok(!(s.sock.info().ssthresh < 1e9), 'no reduction');
  });

  test('after a timeout: the head from the timer counts nowhere, the rest as TCPSlowStartRetrans', () => {
    const s = new Scripted(10 * MSS);
    // Nothing acknowledged: first the loss probe (the last segment), then the timeout (the first).
    assert.deepEqual(s.runTimers(s.sock.nextTimeout() as number), [segAt(9)]);
    assert.deepEqual(s.runTimers(s.sock.nextTimeout() as number), [segAt(0)]);
    assert.equal(s.count('TCPTimeouts'), 1);
    assert.equal(s.count('TCPSlowStartRetrans'), 0);
    const more = s.ack(s.now + RTT, 1);
    assert.deepEqual(more, [segAt(1), segAt(2)], 'cwnd 2 after the first is acknowledged');
    assert.equal(s.count('TCPSlowStartRetrans'), 2);
    assert.equal(s.count('TCPFastRetrans'), 0);
    assert.equal(s.count('TCPLossProbes'), 1);
    assert.equal(s.count('RetransSegs'), 4);
  });

  test('a retransmission lost again (a segment sent after it was SACKed and RACK ran out): TCPLostRetransmit', () => {
    const s = new Scripted(30 * MSS);
    assert.deepEqual(s.ack(RTT + 20, 0, [[1, 7]]), [segAt(0)], 'six SACKed: the hole is lost at once');
    assert.ok(s.sent.includes(segAt(10)), 'new data after the retransmission (PRR lets out one more)');
    const again = s.ack(RTT + 41, 0, [
      [10, 11],
      [1, 7],
    ]);
    assert.ok(again.includes(segAt(0)), 'the hole once more');
    assert.equal(s.count('TCPLostRetransmit'), 1);
  });
});
