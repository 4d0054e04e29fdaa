// The engine end to end on one simulated link: the MP_CAPABLE handshake,
// keys, tokens and IDSNs, bulk data both ways, the kernel's MIB counters, PM
// events, and fallback to TCP (RFC 8684 §3.7).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { keyToTokenAndIdsn } from '../../../engine/crypto.js';
import { concat, firstConn, sameBytes, topology, transfer } from './core-sim.js';

describe('MP_CAPABLE on one link', () => {
  test('handshake, tokens and IDSNs from the keys, 1 MB each way, counters, events', () => {
    const t = topology([{ delayMs: 5, rateBps: 100e6 }]);
    const { conn, sconn, up, down } = transfer(t, { size: 1_000_000 });
    const { client, server } = t;
    assert.ok(sameBytes(concat(server.received.get(sconn)), up), 'upload intact');
    assert.ok(sameBytes(concat(client.received.get(conn)), down), 'download intact');
    assert.equal(client.closed.get(conn), 'normal');
    assert.equal(server.closed.get(sconn), 'normal');

    const ci = client.ep.info(conn);
    const si = server.ep.info(sconn);
    assert.equal(ci.mptcp, true);
    assert.equal(si.mptcp, true);
    assert.equal(ci.remoteKey, si.localKey);
    assert.equal(si.remoteKey, ci.localKey);
    const ck = keyToTokenAndIdsn(ci.localKey);
    const sk = keyToTokenAndIdsn(si.localKey);
    assert.equal(ci.token, ck.token);
    assert.equal(si.token, sk.token);
    assert.equal(ci.remoteToken, sk.token);
    assert.equal(ci.localIdsn, ck.idsn);
    assert.equal(si.remoteIdsn, ck.idsn);
    assert.equal(si.localIdsn, sk.idsn);
    // Both DATA_FINs took their octet: IDSN + 1 + 1 MB + 1.
    assert.equal(ci.sndUna, BigInt.asUintN(64, ck.idsn + 1n + 1_000_000n + 1n));
    assert.equal(si.rcvNxt, ci.sndUna);
    assert.equal(ci.bytesAcked, 1_000_000);
    assert.equal(si.bytesReceived, 1_000_000);

    const c = client.ep.mib;
    const s = server.ep.mib;
    assert.equal(c.get('MPCapableSYNTX'), 1);
    assert.equal(c.get('MPCapableSYNACKRX'), 1);
    assert.equal(s.get('MPCapableSYNRX'), 1);
    assert.equal(s.get('MPCapableACKRX'), 1);
    assert.equal(c.get('MPCapableFallbackSYNACK') + s.get('MPCapableFallbackACK'), 0);
    assert.equal(c.get('MPCurrEstab'), 0, 'back to 0 once closed');
    assert.equal(client.ep.mib.snapshot().MPTcpExtMPCapableSYNTX, 1);

    const kinds = (h: typeof client) => h.events.flatMap((e) => (e.kind === 'pm' ? [e.event.type] : []));
    assert.deepEqual(kinds(client), ['CREATED', 'ESTABLISHED', 'CLOSED']);
    assert.deepEqual(kinds(server), ['LISTENER_CREATED', 'CREATED', 'ESTABLISHED', 'CLOSED']);
    const created = server.events.find((e) => e.kind === 'pm' && e.event.type === 'CREATED');
    assert.ok(created && created.kind === 'pm');
    assert.equal(created.event.token, si.token);
    assert.equal(created.event.serverSide, true);
    assert.equal(created.event.saddr, '198.18.0.2');
    assert.equal(created.event.dport, ci.subflowList[0]?.sport);
  });
});

describe('fallback to TCP (RFC 8684 §3.7)', () => {
  test('MPTCP client, plain TCP server: the SYN/ACK has no MP_CAPABLE', () => {
    const t = topology([{ delayMs: 5 }]);
    const { conn, sconn, up, down } = transfer(t, { size: 200_000, mptcpServer: false });
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up));
    assert.ok(sameBytes(concat(t.client.received.get(conn)), down));
    assert.equal(t.client.ep.info(conn).fallback, true);
    assert.equal(t.client.ep.mib.get('MPCapableSYNTX'), 1);
    assert.equal(t.client.ep.mib.get('MPCapableFallbackSYNACK'), 1);
    assert.equal(t.server.ep.mib.get('MPCapableSYNRX'), 0, 'a TCP listener does not look at MPTCP options');
    assert.equal(t.client.closed.get(conn), 'normal');
  });

  test('plain TCP client, MPTCP server: accepted as TCP', () => {
    const t = topology([{ delayMs: 5 }]);
    const { conn, sconn, up, down } = transfer(t, { size: 200_000, mptcpClient: false });
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up));
    assert.ok(sameBytes(concat(t.client.received.get(conn)), down));
    assert.equal(t.server.ep.info(sconn).mptcp, false);
    // Kernel 6.18 no longer counts MPCapableFallbackACK for a client that never asked for MPTCP.
    assert.equal(t.server.ep.mib.get('MPCapableFallbackACK'), 0);
    assert.equal(t.server.ep.mib.get('MPCapableSYNRX'), 0);
    assert.equal(t.client.ep.mib.get('MPCapableSYNTX'), 0);
    assert.equal(firstConn(t.server), sconn);
  });
});
