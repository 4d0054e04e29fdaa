// Loss, reordering and a path that dies: TCP-level repair on each subflow,
// MPTCP-level reinjection on the other subflow (RFC 8684 §3.3.6), and runs
// that repeat byte for byte from a seed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { concat, firstConn, sameBytes, topology, transfer } from './core-sim.js';
import { DataReceiver } from '../../../engine/msk-recv.js';
import type { MibName } from '../../../engine/mib.js';

describe('loss and reordering', () => {
  test('2% loss with reordering: 500 KB each way intact, retransmissions counted', () => {
    const t = topology([{ delayMs: 10, jitterMs: 2, lossPct: 2, reorderPct: 3, rateBps: 50e6 }], { seed: 3 });
    const { conn, sconn, up, down } = transfer(t, { size: 500_000 });
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up), 'upload intact');
    assert.ok(sameBytes(concat(t.client.received.get(conn)), down), 'download intact');
    for (const h of [t.client, t.server]) {
      assert.ok(h.ep.mib.get('RetransSegs') > 0, `${h.name}: TcpRetransSegs`);
      assert.ok(h.ep.mib.get('TCPFastRetrans') + h.ep.mib.get('TCPTimeouts') > 0, `${h.name}: fast retransmits or timeouts`);
    }
    assert.ok(t.net.link('link0').aToB.counters.dropLoss > 0 && t.net.link('link0').aToB.counters.reordered > 0);
    assert.ok(t.client.ep.info(conn).subflowList[0]?.retransSegs ?? 0 > 0);
    assert.equal(t.client.closed.get(conn), 'normal');
    assert.equal(t.server.closed.get(sconn), 'normal');
  });
});

describe('a path going down mid-transfer', () => {
  test('the data in flight on the dead subflow is reinjected on the other one and arrives intact', () => {
    const t = topology(
      [
        { delayMs: 5, rateBps: 20e6 },
        { delayMs: 5, rateBps: 20e6 },
      ],
      { seed: 5 },
    );
    let cut = -1;
    const { conn, sconn, up, down } = transfer(t, {
      size: 1_000_000,
      join: { onJoined: (now) => void (cut = now + 100) },
      whileRunning: (now) => {
        if (cut >= 0 && now >= cut) {
          t.net.link('link0').setUp(false);
          cut = -1;
        }
      },
    });
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up), 'upload intact');
    assert.ok(sameBytes(concat(t.client.received.get(conn)), down), 'download intact');
    assert.ok(t.client.ep.mib.get('MPTCPRetrans') > 0, 'client reinjected');
    assert.ok(t.server.ep.mib.get('MPTCPRetrans') > 0, 'server reinjected');
    assert.ok(t.net.link('link0').aToB.counters.dropDown > 0, 'something was lost with the link');
    const ci = t.client.ep.info(conn);
    assert.ok(ci.bytesRetrans > 0);
    assert.equal(t.client.closed.get(conn), 'normal');
    assert.equal(t.server.closed.get(sconn), 'normal');
  });
});

describe('a dead path and a backup subflow (mptcp_retransmit_timer, stale_loss_cnt)', () => {
  test('the dead subflow is stale after stale_loss_cnt + 1 periods of at most 200 ms, and the backup carries the rest', () => {
    const t = topology(
      [
        { delayMs: 5, rateBps: 20e6 },
        { delayMs: 5, rateBps: 20e6 },
      ],
      { seed: 2 },
    );
    let cut = -1;
    let cutAt = -1;
    let staleAt = -1;
    let doneAt = -1;
    const { conn, sconn, up } = transfer(t, {
      size: 2_000_000,
      join: { backup: true, onJoined: (now) => void (cut = now + 100) },
      whileRunning: (now) => {
        if (cut >= 0 && now >= cut) {
          t.net.link('link0').setUp(false);
          cutAt = now;
          cut = -1;
        }
        if (staleAt < 0 && t.client.ep.mib.get('SubflowStale') > 0) staleAt = now;
        if (doneAt < 0 && concat(t.server.received.get(firstConn(t.server))).length === 2_000_000) doneAt = now;
      },
    });
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up), 'upload intact');
    assert.ok(cutAt > 0 && staleAt > cutAt, `cut at ${cutAt}, stale at ${staleAt}`);
    // The first periods follow the subflows' own timers as they were when data was last pushed (at most an
    // RTO, SRTT + 200 ms, each); then one per TCP_RTO_MIN or shorter, never backed off like the dead
    // subflow's RTO (300, 600, 1200 ms ... would take over 2 s).
    const detect = staleAt - cutAt;
    assert.ok(detect >= 4 * 200, `stale ${detect} ms after the cut: the kernel counts stale_loss_cnt + 1 periods`);
    assert.ok(detect <= 1_800, `stale ${detect} ms after the cut: periods must not back off like the subflow's RTO`);
    assert.ok(t.client.ep.mib.get('MPTCPRetrans') > 0, 'reinjected at the MPTCP level');
    // The rest at 20 Mbit/s on the backup: well under a second once the data moved.
    assert.ok(doneAt - staleAt < 1_000, `done ${doneAt - staleAt} ms after the stale mark`);
    assert.equal(t.client.closed.get(conn), 'normal');
  });
});

describe('the data-level receive window (RFC 8684 §3.3.4)', () => {
  test('out-of-order data never moves the announced right edge left, so what was sent into it is kept', () => {
    const counted: MibName[] = [];
    const rx = new DataReceiver(10_000, (n) => void counted.push(n));
    assert.equal(rx.freeWindow(), 10_000, 'announced: offsets 0..10000');
    // A hole at 0 and 4000 bytes beyond it: the buffer has 6000 free, but 10000 was announced.
    rx.data(rx.dsn(5_000), new Uint8Array(4_000));
    assert.equal(rx.freeWindow(), 10_000);
    rx.data(rx.dsn(9_000), new Uint8Array(1_000));
    assert.ok(!counted.includes('NoDSSInWindow'), `dropped: ${counted.join(',')}`);
    rx.data(rx.dsn(0), new Uint8Array(5_000));
    assert.equal(rx.queued, 10_000, 'the hole filled, everything in order');
    assert.equal(rx.freeWindow(), 0, 'the buffer is full and the edge did not move');
  });
});

describe('a closed receive window (RFC 8684 §3.3.4)', () => {
  test('the reader stops, its window updates are lost: an MPTCP-level zero window probe restarts the flow', () => {
    const t = topology([{ delayMs: 5 }], { server: { rcvBuf: 65536 } });
    let phase: 'fill' | 'blackout' | 'open' = 'fill';
    let mark = 0;
    const { conn, sconn, up } = transfer(t, {
      size: 400_000,
      beforeData: () => void (t.server.autoRead = false),
      whileRunning: (now) => {
        if (phase === 'fill' && now > 2_000) {
          // The window is shut; the reader wakes up, but what it sends back is lost for a while.
          phase = 'blackout';
          mark = now;
          t.client.tap = () => undefined;
          t.server.autoRead = true;
          t.server.readNow(firstConn(t.server));
          t.server.flush(now);
        } else if (phase === 'blackout' && now > mark + 1_500) {
          phase = 'open';
          delete t.client.tap;
        }
      },
    });
    assert.equal(phase, 'open');
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up), 'upload intact');
    assert.ok(t.client.ep.mib.get('WinProbe') > 0, 'the client probed the closed window');
    assert.equal(t.client.closed.get(conn), 'normal');
  });
});

describe('determinism', () => {
  const run = (seed: number): string[] => {
    const t = topology(
      [
        { delayMs: 5, jitterMs: 1, lossPct: 1, rateBps: 30e6 },
        { delayMs: 8, rateBps: 30e6 },
      ],
      { seed },
    );
    transfer(t, { size: 150_000, join: {} });
    return t.trace;
  };

  test('the same seed gives the same packets, byte for byte; another seed does not', () => {
    const a = run(7);
    const b = run(7);
    assert.ok(a.length > 200);
    assert.deepEqual(a, b);
    assert.notDeepEqual(run(8), a);
  });
});
