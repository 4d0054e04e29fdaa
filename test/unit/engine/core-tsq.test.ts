// TCP Small Queues on the simulator: a sender keeps only its budget in its
// own egress queue (no drops, short queue), except behind a netem-like delay
// (the packet is orphaned at enqueue, so the queue fills as without TSQ);
// a new subflow's MP_JOIN SYN is not tail-dropped behind the data of others.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LinkParamsInput } from '../../../engine/sim/link.js';
import {
  nextSkbSegments,
  pacingRate,
  segmentTruesize,
  smallQueueLimit,
  SmallQueues,
  TCP_LIMIT_OUTPUT_BYTES,
  type SmallQueueInput,
} from '../../../engine/tcp/small-queues.js';
import type { Subflow } from '../../../engine/subflow.js';
import { concat, firstConn, pattern, sameBytes, topology, transfer, type Topology } from './core-sim.js';
import type { ConnectionId } from '../../../engine/events.js';

const MSS = 1448;

/**
 * The client uploads `size` bytes (nothing comes back but ACKs, so the client's egress queue holds
 * its data and little else); `whileRunning` runs after every event. Runs until the server has it all.
 */
function upload(t: Topology, size: number, whileRunning?: (now: number, conn: ConnectionId) => void): void {
  t.server.ep.listen(80, { mptcp: true });
  const conn = t.client.ep.connect(0, { remoteAddr: '198.18.0.2', remotePort: 80, mptcp: true });
  t.client.flush(0);
  t.net.drive(100);
  const data = pattern(size, 1);
  t.client.ep.write(conn, data);
  t.client.flush(t.net.now);
  const sconn = firstConn(t.server);
  const got = (): number => (t.server.received.get(sconn) ?? []).reduce((n, b) => n + b.length, 0);
  while (got() < size && t.net.now < 60_000 && t.net.step()) whileRunning?.(t.net.now, conn);
  assert.ok(sameBytes(concat(t.server.received.get(sconn)), data), 'upload intact');
  // Let the last packets leave their queues (and report it).
  t.net.drive(t.net.now + 2_000);
}

/** An upload over `link` with TSQ on or off: the client's egress queue at its fullest, and its drops. */
function run(link: LinkParamsInput, smallQueues: boolean, size = 2_000_000) {
  const t = topology([link], { client: { smallQueues }, server: { smallQueues } });
  const dir = t.net.link('link0').aToB;
  let maxQueued = 0;
  upload(t, size, () => void (maxQueued = Math.max(maxQueued, dir.queued)));
  return { maxQueued, drops: dir.counters.dropQueue, t };
}

describe('TCP Small Queues: the budget (tcp_small_queue_check)', () => {
  const base: SmallQueueInput = {
    cwnd: 100 * MSS,
    ssthresh: 50 * MSS,
    mss: MSS,
    outBytes: 100 * MSS,
    cwndRoom: 100 * MSS,
    srttMs: 10,
    minRttMs: 0.1,
  };

  test('pacing rate: 120 % of cwnd / srtt in congestion avoidance, 200 % in slow start, unlimited before an RTT sample', () => {
    assert.equal(Math.round(pacingRate(base)), Math.round((1.2 * 100 * MSS) / 0.01));
    assert.equal(Math.round(pacingRate({ ...base, ssthresh: 1000 * MSS })), Math.round((2 * 100 * MSS) / 0.01));
    assert.equal(pacingRate({ ...base, srttMs: undefined }), Number.POSITIVE_INFINITY);
  });

  test('a short path gets 64 KB GSO skbs, a long one about 1 ms of the pacing rate, at least two segments', () => {
    assert.equal(nextSkbSegments(base), Math.floor(65536 / MSS));
    // min_rtt 20 ms: no GSO bonus; 1 ms at 1.2 * 100 * 1448 B / 20 ms is about 8.5 KB: 5 segments.
    assert.equal(nextSkbSegments({ ...base, srttMs: 20, minRttMs: 20 }), Math.floor((1.2 * 100 * MSS) / 0.02 / 1024 / MSS));
    assert.equal(nextSkbSegments({ ...base, cwnd: 4 * MSS, outBytes: 0, cwndRoom: 4 * MSS, srttMs: 200, minRttMs: 200 }), 2);
    assert.equal(nextSkbSegments({ ...base, cwndRoom: 3 * MSS }), 3, 'cut to the congestion window');
  });

  test('limit = min(tcp_limit_output_bytes, max(2 * truesize, pacing >> 10))', () => {
    assert.equal(smallQueueLimit(base), 2 * segmentTruesize(45 * MSS));
    const fast = { ...base, cwnd: 10_000 * MSS, outBytes: 0, srttMs: 1, minRttMs: 20 };
    assert.equal(smallQueueLimit(fast), Math.min(TCP_LIMIT_OUTPUT_BYTES, pacingRate(fast) / 1024));
    assert.equal(smallQueueLimit({ ...base, srttMs: undefined }), TCP_LIMIT_OUTPUT_BYTES);
  });

  test('the check lets a whole skb through, then holds until packets leave', () => {
    const q = new SmallQueues();
    const p = { ...base, srttMs: 20, minRttMs: 20 };
    const segs = nextSkbSegments(p);
    let sent = 0;
    while (!q.throttled(p, 0) && sent < 10_000) {
      q.charge(segmentTruesize(MSS));
      sent += 1;
    }
    const limit = smallQueueLimit(p);
    assert.ok(q.bytes > limit, 'stops only past the budget');
    assert.ok(q.bytes <= limit + segs * segmentTruesize(MSS) + segmentTruesize(MSS), 'overshoots by at most one skb');
    while (q.packets > 0 && q.throttled(p, 0)) q.release(segmentTruesize(MSS));
    assert.ok(q.bytes <= limit, 'free again once under the budget');
    assert.ok(q.throttled({ ...p }, 1) === false, 'retransmissions get twice the budget');
  });
});

describe('TCP Small Queues on the simulator', () => {
  test('a sender over a rate-limited link with a large queue keeps only its budget queued and drops nothing', () => {
    const link = { rateBps: 20e6, queuePackets: 1000 };
    const on = run(link, true);
    // Two 64 KB GSO skbs of budget plus the one skb the last check let through.
    const budget = Math.ceil((2 * segmentTruesize(45 * MSS) + 45 * segmentTruesize(MSS)) / segmentTruesize(MSS));
    assert.equal(on.drops, 0, 'no tail drops with TSQ');
    assert.ok(on.maxQueued <= budget, `at most ${budget} packets queued with TSQ, saw ${on.maxQueued}`);
    const off = run(link, false);
    assert.ok(off.maxQueued > 2 * budget, `without TSQ the sender fills the queue (${off.maxQueued} packets)`);
  });

  test('TSQ off: nothing is charged and no packet asks for a tx completion', () => {
    const t = topology([{ rateBps: 20e6 }]);
    const r = transfer(t, { size: 100_000 });
    const sf = t.client.ep.connection(r.conn).subflows[0] as Subflow;
    assert.equal(sf.socket.smallQueues.packets, 0);
  });

  test('behind a link delay (netem orphans at enqueue) the queue fills and drops as before', () => {
    const link = { rateBps: 20e6, delayMs: 5, queuePackets: 40 };
    const on = run(link, true);
    const off = run(link, false);
    assert.ok(on.drops > 0, `drops with TSQ behind a delay (${on.drops})`);
    assert.equal(on.maxQueued, 40, 'the queue reaches its limit');
    assert.equal(on.drops, off.drops, 'the same drops as without TSQ');
  });

  test('after the transfer every charged packet has been released', () => {
    const { t } = run({ rateBps: 20e6, queuePackets: 1000 }, true, 300_000);
    for (const h of [t.client, t.server]) {
      for (const conn of h.ep.connectionIds())
        for (const sf of h.ep.connection(conn).subflows)
          assert.equal(sf.socket.smallQueues.packets, 0, `${h.name}: nothing left in the host`);
    }
  });

  test("a new subflow's MP_JOIN SYN is not tail-dropped behind the data of a busy link", () => {
    for (const smallQueues of [true, false]) {
      // 20 Mbit/s with the default queue (100 ms, 166 packets), as the fullmesh labs.
      const t = topology([{ rateBps: 20e6 }, { rateBps: 20e6 }], { client: { smallQueues }, server: { smallQueues } });
      const busy = t.net.link('link0').aToB;
      let joinAt: number | undefined;
      let join: Subflow | undefined;
      let joinedAt: number | undefined;
      upload(t, 3_000_000, (now, conn) => {
        // Once the busy link's queue is as full as it gets (without TSQ: full), a second subflow over it.
        if (join === undefined && now >= 300 && busy.queued >= (smallQueues ? 80 : busy.queueLimit)) {
          joinAt = now;
          join = t.client.ep.createSubflow(now, conn, { localAddr: '198.18.0.1', remoteAddr: '198.18.0.2' });
          t.client.flush(now);
        }
        if (join?.fullyEstablished && joinedAt === undefined) joinedAt = now;
      });
      assert.ok(join && joinAt !== undefined, 'a join was made');
      if (smallQueues) {
        assert.equal(busy.counters.dropQueue, 0, 'no tail drops on the busy link');
        assert.ok(
          joinedAt !== undefined && joinedAt - joinAt < 200,
          `the join completes without a SYN retransmission (${joinedAt === undefined ? 'never' : `${(joinedAt - joinAt).toFixed(1)} ms`})`,
        );
      } else {
        assert.ok(busy.counters.dropQueue > 0, 'without TSQ the busy queue overflows');
        assert.ok(joinedAt === undefined || joinedAt - joinAt >= 1000, 'without TSQ the SYN is dropped and waits for its retransmission');
      }
    }
  });
});
