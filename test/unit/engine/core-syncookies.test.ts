// SYN cookies (net.ipv4.tcp_syncookies = 2: always) on the engine's
// listener, as Linux does them: the SYN/ACK's sequence number is a cookie and
// nothing is kept; the connection is rebuilt from the ACK (TcpExtSyncookies*
// counters), MP_CAPABLE through the key the ACK echoes, MP_JOIN through the
// join-state table (net/mptcp/syncookies.c); a forged cookie is refused.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emitSegment, parseSegment, type TcpSegment } from '../../../engine/tcp/segment.js';
import { setTcpChecksum } from '../../../engine/tcp/segment-checksum.js';
import { seqAdd } from '../../../engine/tcp/seq.js';
import type { Packet } from '../../../engine/sim/network.js';
import { SynCookies, JoinCookieTable, COOKIE_MSS } from '../../../engine/syncookies.js';
import { Xoshiro256StarStar } from '../../../engine/random.js';
import { concat, firstConn, pattern, sameBytes, topology, transfer, type Host } from './core-sim.js';

const LINK = { delayMs: 5, rateBps: 40e6 };
const COOKIES = { server: { syncookies: 2 as const } };

/** Rewrites (or drops, returning undefined) segments a host receives. */
function rewrite(h: Host, f: (seg: TcpSegment) => TcpSegment | undefined | 'keep'): void {
  h.tap = (p: Packet) => {
    const r = parseSegment(p.bytes);
    if (!r.ok) return p.bytes;
    const out = f(r.segment);
    if (out === 'keep') return p.bytes;
    if (out === undefined) return undefined;
    const bytes = emitSegment(out);
    setTcpChecksum(p.src, p.dst, bytes);
    return bytes;
  };
}

const isPureAck = (s: TcpSegment) => s.flags.ack && !s.flags.syn && !s.flags.rst && !s.flags.fin && s.payload.length === 0;

describe('SYN cookies: the cookie itself', () => {
  test('a cookie checks out for its tuple and ISN, carries MSS and window scale, and not for another', () => {
    const c = new SynCookies(new Xoshiro256StarStar(7n));
    const t = { saddr: '198.18.0.1', daddr: '198.18.0.2', sport: 40000, dport: 80 };
    const { cookie, mss } = c.make(1000, t, 12345, 1460, 7);
    assert.equal(mss, 1460);
    assert.deepEqual(c.check(1000, t, 12345, cookie), { mss: 1460, wscale: 7 });
    assert.deepEqual(c.check(1000 + 90_000, t, 12345, cookie), { mss: 1460, wscale: 7 }, 'valid in the next minute');
    assert.equal(c.check(1000 + 130_000, t, 12345, cookie), undefined, 'too old (MAX_SYNCOOKIE_AGE)');
    assert.equal(c.check(1000, { ...t, sport: 40001 }, 12345, cookie), undefined);
    assert.equal(c.check(1000, t, 12345 + 1000, cookie), undefined);
    // As the kernel's, a cookie only holds a few bits of data: a number off in those bits is not a cookie.
    assert.equal(c.check(1000, t, 12345, (cookie + (1 << 6)) >>> 0), undefined);
    // The MSS goes down to the largest table entry the peer allows; no window scale stays none.
    const small = c.make(0, t, 1, 1400, undefined);
    assert.equal(small.mss, COOKIE_MSS[1]);
    assert.deepEqual(c.check(0, t, 1, small.cookie), { mss: 1300 });
  });

  test('the join table gives a state back once, to the ACK of the SYN that saved it', () => {
    const j = new JoinCookieTable();
    const st = { token: 1, remoteNonce: 2, localNonce: 3, remoteId: 4, remoteBackup: false, localId: 5, localBackup: true };
    j.save(1000, 4000, 80, st);
    assert.equal(j.take(1000, 4001, 80), undefined);
    assert.deepEqual(j.take(1000, 4000, 80), st);
    assert.equal(j.take(1000, 4000, 80), undefined, 'taken');
  });
});

describe('SYN cookies on the listener (tcp_syncookies = 2)', () => {
  test('MP_CAPABLE through a cookie: no state after the SYN/ACK, the connection from the ACK, data intact', () => {
    const t = topology([LINK], COOKIES);
    const synAcks: TcpSegment[] = [];
    rewrite(t.client, (s) => (s.flags.syn && s.flags.ack && synAcks.push(s), 'keep'));
    let serverConnsAfterSynAck = -1;
    rewrite(t.server, (s) => {
      // The third ACK is the first segment after the SYN/ACK: what did the server keep until then?
      if (isPureAck(s) && serverConnsAfterSynAck < 0) serverConnsAfterSynAck = t.server.ep.connectionIds().length;
      return 'keep';
    });
    const { conn, sconn, up, down } = transfer(t, { size: 300_000 });
    assert.equal(serverConnsAfterSynAck, 0, 'stateless until the ACK');
    assert.equal(synAcks.length, 1);
    const s = t.server.ep.mib;
    assert.deepEqual([s.get('SyncookiesSent'), s.get('SyncookiesRecv'), s.get('SyncookiesFailed')], [1, 1, 0]);
    assert.deepEqual([s.get('MPCapableSYNRX'), s.get('MPCapableACKRX'), s.get('PassiveOpens')], [1, 1, 1]);
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up));
    assert.ok(sameBytes(concat(t.client.received.get(conn)), down));
    const ci = t.client.ep.info(conn);
    const si = t.server.ep.info(sconn);
    assert.equal(si.mptcp, true);
    assert.equal(ci.remoteKey, si.localKey, 'the key of the cookie SYN/ACK is the connection key');
    assert.equal(si.remoteKey, ci.localKey);
    // The ISS of the server's subflow is the cookie.
    assert.equal(si.subflowList.length, 1);
    assert.equal(t.client.ep.mib.get('SyncookiesSent'), 0);
  });

  test('the third ACK lost: the first data segment (MP_CAPABLE with both keys) is the cookie ACK', () => {
    const t = topology([LINK], COOKIES);
    let dropped = 0;
    rewrite(t.server, (s) => (isPureAck(s) && dropped === 0 ? ((dropped += 1), undefined) : 'keep'));
    t.server.ep.listen(80, { mptcp: true });
    const conn = t.client.ep.connect(0, { remoteAddr: '198.18.0.2', remotePort: 80, mptcp: true });
    const up = pattern(200_000, 1);
    t.client.ep.write(conn, up); // queued: it goes out right after the handshake
    t.client.ep.shutdownWrite(conn);
    t.client.flush(0);
    t.net.drive(2000);
    const sconn = firstConn(t.server);
    assert.equal(dropped, 1);
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up));
    assert.equal(t.server.ep.mib.get('SyncookiesRecv'), 1);
    assert.equal(t.server.ep.info(sconn).mptcp, true);
  });

  test('MP_JOIN through a cookie: the join state comes back from the table, HMACs check out', () => {
    const t = topology([LINK, LINK], COOKIES);
    const { conn, sconn, up } = transfer(t, { size: 500_000, join: {} });
    const s = t.server.ep.mib;
    assert.deepEqual([s.get('SyncookiesSent'), s.get('SyncookiesRecv'), s.get('SyncookiesFailed')], [2, 2, 0]);
    assert.deepEqual([s.get('MPJoinSynRx'), s.get('MPJoinAckRx'), s.get('MPJoinAckHMacFailure')], [1, 1, 0]);
    assert.equal(t.client.ep.mib.get('MPJoinSynAckRx'), 1);
    assert.equal(t.client.ep.info(conn).subflowList.length, 2);
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up));
  });

  test('a forged cookie ACK is refused: TcpExtSyncookiesFailed, a RST, no connection', () => {
    const t = topology([LINK], COOKIES);
    let forged = 0;
    rewrite(t.server, (s) => (isPureAck(s) && forged === 0 ? ((forged += 1), { ...s, ack: seqAdd(s.ack, 1000) }) : 'keep'));
    t.server.ep.listen(80, { mptcp: true });
    t.client.ep.connect(0, { remoteAddr: '198.18.0.2', remotePort: 80, mptcp: true });
    t.client.flush(0);
    t.net.drive(30);
    const s = t.server.ep.mib;
    assert.equal(forged, 1);
    assert.deepEqual([s.get('SyncookiesSent'), s.get('SyncookiesRecv'), s.get('SyncookiesFailed')], [1, 0, 1]);
    assert.equal(s.get('OutRsts'), 1, 'the listener answers the ACK with a RST');
    assert.equal(t.server.ep.connectionIds().length, 0);
    assert.equal(t.server.events.filter((e) => e.kind === 'connected').length, 0);
  });

  test('a cookie SYN/ACK lost: the SYN again gets a new cookie, and the connection still comes up', () => {
    const t = topology([LINK], COOKIES);
    let lost = 0;
    rewrite(t.client, (s) => (s.flags.syn && s.flags.ack && lost === 0 ? ((lost += 1), undefined) : 'keep'));
    const { sconn, up } = transfer(t, { size: 100_000, atMs: 3000 });
    assert.equal(lost, 1);
    assert.deepEqual([t.server.ep.mib.get('SyncookiesSent'), t.server.ep.mib.get('SyncookiesRecv')], [2, 1]);
    assert.equal(t.client.ep.mib.get('TCPSynRetrans'), 1);
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up));
  });

  test('tcp_syncookies = 1 (the default): no queue overflow in the engine, so no cookies', () => {
    const t = topology([LINK], { server: { syncookies: 1 } });
    transfer(t, { size: 10_000 });
    assert.equal(t.server.ep.mib.get('SyncookiesSent'), 0);
    assert.equal(t.server.ep.mib.get('SyncookiesRecv'), 0);
  });
});
