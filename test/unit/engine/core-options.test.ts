// Negotiated behaviour that hangs on sysctls and MP_CAPABLE flags: DSS
// checksums (RFC 8684 §3.3.1) and what a bad one does, the MP_CAPABLE SYN
// given up after net.mptcp.syn_retrans_before_tcp_fallback timeouts, and
// net.mptcp.enabled.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emitSegment, parseSegment } from '../../../engine/tcp/segment.js';
import { setTcpChecksum } from '../../../engine/tcp/segment-checksum.js';
import { MPTCP_RST_EMIDDLEBOX } from '../../../engine/protocol.js';
import { MptcpEndpoint, EngineError } from '../../../engine/endpoint.js';
import { Xoshiro256StarStar } from '../../../engine/random.js';
import type { Packet } from '../../../engine/sim/network.js';
import { concat, sameBytes, topology, transfer } from './core-sim.js';

describe('DSS checksums', () => {
  test('asked for by one side (flag A), used by both; data intact', () => {
    const t = topology([{ delayMs: 5 }], { client: { ctrl: { checksumEnabled: true } } });
    const { conn, sconn, up, down } = transfer(t, { size: 300_000 });
    assert.equal(t.client.ep.info(conn).csumEnabled, true);
    assert.equal(t.server.ep.info(sconn).csumEnabled, true, 'RFC 8684 §3.1: either host asking is enough');
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up));
    assert.ok(sameBytes(concat(t.client.received.get(conn)), down));
    assert.equal(t.server.ep.mib.get('DataCsumErr') + t.client.ep.mib.get('DataCsumErr'), 0);
  });

  test('a payload changed in flight (TCP checksum fixed up): DataCsumErr, subflow reset with MP_TCPRST, data reinjected', () => {
    const link = { delayMs: 5, rateBps: 40e6 };
    const t = topology([link, link], { client: { ctrl: { checksumEnabled: true } } });
    let tampered = 0;
    t.server.tap = (p) => {
      const r = parseSegment(p.bytes);
      if (!r.ok || tampered > 0 || !p.src.startsWith('198.18.1.') || r.segment.payload.length < 100) return p.bytes;
      tampered += 1;
      const payload = r.segment.payload.slice();
      payload[50] = (payload[50] ?? 0) ^ 0xff;
      const bytes = emitSegment({ ...r.segment, payload });
      setTcpChecksum(p.src, p.dst, bytes); // a middlebox that rewrites payload and fixes the TCP checksum
      return bytes;
    };
    const { conn, sconn, up } = transfer(t, { size: 400_000, join: {} });
    assert.equal(tampered, 1);
    assert.equal(t.server.ep.mib.get('DataCsumErr'), 1);
    assert.equal(t.server.ep.mib.get('MPRstTx'), 1);
    assert.equal(t.client.ep.mib.get('MPRstRx'), 1);
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up), 'upload intact after reinjection');
    const closed = t.client.events.flatMap((e) => (e.kind === 'pm' && e.event.type === 'SF_CLOSED' ? [e.event] : []));
    assert.equal(closed.length, 1);
    assert.equal(closed[0]?.resetReason, MPTCP_RST_EMIDDLEBOX);
    assert.equal(closed[0]?.error, 104);
    assert.equal(t.client.closed.get(conn), 'normal');
  });
});

describe('the MP_CAPABLE SYN is what gets dropped', () => {
  test('after syn_retrans_before_tcp_fallback timeouts the SYN goes without it (MPCapableSYNTXDrop)', () => {
    const t = topology([{ delayMs: 5 }]);
    let dropped = 0;
    t.server.tap = (p) => {
      const r = parseSegment(p.bytes);
      if (r.ok && r.segment.flags.syn && r.segment.options.some((o) => o.kind === 'mptcp')) {
        dropped += 1;
        return undefined;
      }
      return p.bytes;
    };
    const { conn, sconn, up } = transfer(t, { size: 50_000, atMs: 8_000 });
    assert.equal(dropped, 3, 'the first SYN and two retransmissions carried MP_CAPABLE');
    assert.equal(t.client.ep.mib.get('MPCapableSYNTXDrop'), 1);
    assert.equal(t.client.ep.mib.get('MPCapableSYNTX'), 1);
    assert.equal(t.client.ep.mib.get('TCPSynRetrans'), 3);
    assert.equal(t.client.ep.info(conn).fallback, true);
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up));
  });
});

describe('net.mptcp.enabled', () => {
  test('off: MPTCP sockets cannot be made (ENOPROTOOPT); TCP still works', () => {
    const ep = new MptcpEndpoint({ addresses: ['198.18.0.1'], random: new Xoshiro256StarStar(1), ctrl: { enabled: false } });
    assert.throws(
      () => ep.connect(0, { remoteAddr: '198.18.0.2', remotePort: 80, mptcp: true }),
      (e: unknown) => e instanceof EngineError && e.code === 'ENOPROTOOPT',
    );
    assert.throws(() => ep.listen(80, { mptcp: true }), EngineError);
    assert.equal(typeof ep.connect(0, { remoteAddr: '198.18.0.2', remotePort: 80, mptcp: false }), 'number');
    const first = ep.pollTransmit(0);
    assert.ok(first && parseSegment(first.bytes).ok);
  });

  test('time never goes backwards', () => {
    const ep = new MptcpEndpoint({ addresses: ['198.18.0.1'], random: new Xoshiro256StarStar(1) });
    ep.handleTimeout(10);
    assert.throws(() => ep.handleTimeout(5), RangeError);
  });
});

describe('a middlebox that strips MPTCP options after the handshake (RFC 8684 §3.7)', () => {
  const strip = (p: Packet): Uint8Array => {
    const r = parseSegment(p.bytes);
    if (!r.ok || r.segment.flags.syn) return p.bytes;
    const bytes = emitSegment({ ...r.segment, options: r.segment.options.filter((o) => o.kind !== 'mptcp') });
    setTcpChecksum(p.src, p.dst, bytes);
    return bytes;
  };

  test('both ways: the server falls back at the third ACK, the client at the first packet without a DATA_ACK', () => {
    const t = topology([{ delayMs: 5 }]);
    t.client.tap = strip;
    t.server.tap = strip;
    const { conn, sconn, up, down } = transfer(t, { size: 100_000 });
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up));
    assert.ok(sameBytes(concat(t.client.received.get(conn)), down));
    assert.equal(t.server.ep.mib.get('MPCapableFallbackACK'), 1);
    assert.equal(t.client.ep.mib.get('MPCapableDataFallback'), 1);
    assert.equal(t.client.ep.info(conn).fallback, true);
    assert.equal(t.client.closed.get(conn), 'normal');
  });

  test('server to client only: the client falls back, then the server on data without a mapping (DssFallback)', () => {
    const t = topology([{ delayMs: 5 }]);
    t.client.tap = strip;
    const { conn, sconn, up, down } = transfer(t, { size: 100_000 });
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up));
    assert.ok(sameBytes(concat(t.client.received.get(conn)), down));
    assert.equal(t.server.ep.mib.get('MPCapableACKRX'), 1);
    assert.equal(t.client.ep.mib.get('MPCapableDataFallback'), 1);
    assert.equal(t.server.ep.info(sconn).fallback, true);
    assert.equal(t.server.closed.get(sconn), 'normal');
  });
});
