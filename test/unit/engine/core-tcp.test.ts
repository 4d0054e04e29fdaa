// The subflow TCP state machine alone (engine/tcp/socket.ts), two sockets on
// a simulated link: handshake, bulk data both ways under loss and reordering,
// the FIN exchange, RST, and the RTO estimator and Reno by themselves.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../../../engine/sim/network.js';
import { TcpSocket } from '../../../engine/tcp/socket.js';
import { DEFAULT_TCP_CONFIG, plainHooks, type CloseReason } from '../../../engine/tcp/config.js';
import { emitSegment, parseSegment } from '../../../engine/tcp/segment.js';
import { RttEstimator } from '../../../engine/tcp/rtt.js';
import { RenoCongestion } from '../../../engine/tcp/congestion.js';
import { Prng } from '../../../engine/sim/prng.js';
import type { LinkParamsInput } from '../../../engine/sim/link.js';
import { concat } from '../../../engine/bytes.js';

const A = '198.18.1.1';
const B = '198.18.1.2';

interface Side {
  sock: TcpSocket;
  got: Uint8Array[];
  fin: boolean;
  closed: CloseReason | undefined;
  established: boolean;
  /** The TCP MIB counters the socket moved. */
  counts: Map<string, number>;
}

function pattern(n: number, seed: number): Uint8Array {
  const rng = Prng.fromSeed(seed, 'data');
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 1) out[i] = rng.int(256);
  return out;
}

function pair(params: LinkParamsInput, seed = 1) {
  const net = new Network({ seed });
  const sides = new Map<string, Side>();
  const nodes = { a: net.addNode('a'), b: net.addNode('b') };
  net.addLink({ node: 'a', addresses: [`${A}/24`] }, { node: 'b', addresses: [`${B}/24`] }, { name: 'ab', params });
  const timers = new Map<string, { cancel(): boolean }>();
  const make = (name: 'a' | 'b', local: string, remote: string, iss: number): Side => {
    const st: Omit<Side, 'sock'> = { got: [], fin: false, closed: undefined, established: false, counts: new Map() };
    const sock = new TcpSocket(
      { addr: local, port: name === 'a' ? 40000 : 80 },
      { addr: remote, port: name === 'a' ? 80 : 40000 },
      iss,
      DEFAULT_TCP_CONFIG,
      plainHooks({
        data: (_now, _s, bytes) => void st.got.push(bytes.slice()),
        fin: () => void (st.fin = true),
        closed: (_now, reason) => void (st.closed = reason),
        established: () => void (st.established = true),
        count: (n) => void st.counts.set(n, (st.counts.get(n) ?? 0) + 1),
      }),
    );
    const side: Side = Object.assign(st, { sock });
    sides.set(name, side);
    return side;
  };
  const flush = (name: 'a' | 'b', now: number): void => {
    const side = sides.get(name) as Side;
    for (const seg of side.sock.transmit(now)) {
      net.send(now, name, { src: side.sock.local.addr, dst: side.sock.remote.addr, bytes: emitSegment(seg) });
    }
    timers.get(name)?.cancel();
    const t = side.sock.nextTimeout();
    if (t !== undefined) {
      timers.set(
        name,
        net.schedule(t, (at) => {
          side.sock.handleTimeout(at);
          flush(name, at);
        }),
      );
    }
  };
  const a = make('a', A, B, 0xfffff000); // wraps 2^32 during the transfer
  const b = make('b', B, A, 12345);
  nodes.a.setHandler((now, p) => {
    const r = parseSegment(p.bytes);
    if (r.ok) a.sock.handle(now, r.segment);
    flush('a', now);
  });
  nodes.b.setHandler((now, p) => {
    const r = parseSegment(p.bytes);
    if (!r.ok) return;
    if (b.sock.state === 'CLOSED' && r.segment.flags.syn && !b.closed) b.sock.acceptSyn(now, r.segment);
    else b.sock.handle(now, r.segment);
    flush('b', now);
  });
  return { net, a, b, flush };
}

describe('TCP socket', () => {
  test('handshake, 300 KB each way under 2% loss and reordering, FIN exchange', () => {
    const { net, a, b, flush } = pair({ delayMs: 10, jitterMs: 3, lossPct: 2, rateBps: 50e6 });
    const upload = pattern(300_000, 1);
    const download = pattern(300_000, 2);
    a.sock.connect(0);
    flush('a', 0);
    net.drive(100);
    assert.ok(a.established && b.established);
    a.sock.send(upload);
    a.sock.close(net.now);
    b.sock.send(download);
    b.sock.close(net.now);
    flush('a', net.now);
    flush('b', net.now);
    net.drive(60_000);
    assert.deepEqual(concat(b.got), upload);
    assert.deepEqual(concat(a.got), download);
    assert.ok(a.fin && b.fin);
    assert.equal(a.closed, 'normal');
    assert.equal(b.closed, 'normal');
    const ia = a.sock.info();
    assert.ok(ia.retransSegs > 0, 'losses were repaired by retransmission');
    assert.ok(ia.srttMs !== undefined && ia.srttMs >= 20 && ia.srttMs < 60, `srtt ${ia.srttMs}`);
  });

  test('an abort sends a RST and the peer closes with "reset"', () => {
    const { net, a, b, flush } = pair({ delayMs: 5 });
    a.sock.connect(0);
    flush('a', 0);
    net.drive(50);
    a.sock.abort(net.now);
    flush('a', net.now);
    net.drive(100);
    assert.equal(a.closed, 'aborted');
    assert.equal(b.closed, 'reset');
  });
});

describe('tcp_close (closeAll), the way MPTCP closes a subflow', () => {
  test('data still coming after the close is answered with a RST (TCPAbortOnData), a reply RST', () => {
    const { net, a, b, flush } = pair({ delayMs: 5, rateBps: 10e6 });
    const nb = b.counts;
    a.sock.connect(0);
    flush('a', 0);
    net.drive(50);
    a.sock.send(pattern(200_000, 3)); // in flight toward b when b closes
    flush('a', net.now);
    net.drive(net.now + 20);
    b.sock.closeAll(net.now);
    flush('b', net.now);
    net.drive(net.now + 2000);
    assert.equal(nb.get('TCPAbortOnData'), 1);
    assert.equal(nb.get('OutRsts'), 1);
    assert.equal(b.sock.resetInReply, true, 'the RST answers data (tcp_v4_send_reset), MPRstTx is not counted for it');
    assert.equal(b.closed, 'aborted');
    assert.equal(a.closed, 'reset');
  });

  test('nothing more coming: FIN both ways, no RST', () => {
    const { net, a, b, flush } = pair({ delayMs: 5, rateBps: 10e6 });
    const nb = b.counts;
    a.sock.connect(0);
    flush('a', 0);
    net.drive(50);
    a.sock.send(pattern(20_000, 4));
    flush('a', net.now);
    net.drive(net.now + 500); // all of it delivered and acknowledged
    b.sock.closeAll(net.now);
    flush('b', net.now);
    net.drive(net.now + 50);
    a.sock.closeAll(net.now);
    flush('a', net.now);
    net.drive(net.now + 5000);
    assert.equal(nb.get('TCPAbortOnData'), undefined);
    assert.equal(nb.get('OutRsts'), undefined);
    assert.equal(b.sock.resetInReply, false);
    assert.equal(a.closed, 'normal');
    assert.equal(b.closed, 'normal');
  });

  test('data left unread at the close: a RST at once (TCPAbortOnClose), our own', () => {
    const { net, a, b, flush } = pair({ delayMs: 5 });
    const nb = b.counts;
    a.sock.connect(0);
    flush('a', 0);
    net.drive(50);
    b.sock.closeAll(net.now, 1000);
    flush('b', net.now);
    net.drive(net.now + 100);
    assert.equal(nb.get('TCPAbortOnClose'), 1);
    assert.equal(nb.get('EstabResets'), 1);
    assert.equal(b.sock.resetInReply, false, 'tcp_send_active_reset: MPRstTx is counted for it');
    assert.equal(a.closed, 'reset');
  });
});

describe('RFC 6298 RTO and Reno', () => {
  test('first sample, smoothing, Linux floor and backoff', () => {
    const r = new RttEstimator();
    assert.equal(r.rto, 1000);
    r.sample(100);
    assert.equal(r.srtt, 100);
    assert.equal(r.rttvar, 50);
    assert.equal(r.rto, 300); // 100 + max(4*50, 200)
    r.sample(100);
    assert.equal(r.rttvar, 37.5);
    assert.equal(r.rto, 300);
    r.onTimeout();
    r.onTimeout();
    assert.equal(r.rto, 1200);
    r.onProgress();
    assert.equal(r.rto, 300);
  });

  test('slow start, congestion avoidance, PRR in recovery, timeout', () => {
    const c = new RenoCongestion(1000);
    assert.equal(c.cwnd, 10_000);
    c.onAck(1000);
    assert.equal(c.cwnd, 11_000);
    c.cwnd = 20_000;
    c.enterRecovery();
    assert.equal(c.ssthresh, 10_000, 'half the window');
    // PRR (RFC 6937): 20 KB in flight, above ssthresh: out goes ssthresh/prior_cwnd of what is delivered.
    c.reduce(2000, 18_000, false, true);
    assert.equal(c.cwnd, 18_000 + 1000, 'half of the 2 KB delivered');
    c.prrOut += 1000;
    c.reduce(2000, 15_000, false, false);
    assert.equal(c.cwnd, 15_000 + 1000);
    c.prrOut += 1000;
    // Below ssthresh (PRR-SSRB): back up towards ssthresh, never past it.
    c.reduce(1000, 6000, true, false);
    assert.equal(c.cwnd, 10_000);
    c.exitRecovery();
    assert.equal(c.cwnd, 10_000);
    for (let i = 0; i < 10; i += 1) c.onAck(1000);
    assert.equal(c.cwnd, 11_000, 'one MSS per window in congestion avoidance');
    c.cwnd = 8000;
    c.onTimeout(true);
    assert.equal(c.cwnd, 1000);
    assert.equal(c.ssthresh, 4000);
    c.onTimeout(false);
    assert.equal(c.ssthresh, 4000, 'a second timeout in the same episode keeps ssthresh');
  });
});
