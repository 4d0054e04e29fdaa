// MP_JOIN (RFC 8684 §3.2) between two engines over two links: the PM's
// "create a subflow" call, the kernel's MPJoin* counters, HMACs checked both
// ways (a corrupted one gets the join refused), data over both subflows.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emitSegment, parseSegment, type TcpOption } from '../../../engine/tcp/segment.js';
import { setTcpChecksum } from '../../../engine/tcp/segment-checksum.js';
import type { Packet } from '../../../engine/sim/network.js';
import { concat, sameBytes, topology, transfer } from './core-sim.js';

const LINK = { delayMs: 5, rateBps: 40e6 };

/** A tap that flips one bit of the MP_JOIN option of the given length (12: SYN, 16: SYN/ACK, 24: third ACK), at byte `at` (default: the HMAC's first). */
function corruptJoin(optionLen: number, at = 4) {
  let done = 0;
  const tap = (p: Packet): Uint8Array => {
    const r = parseSegment(p.bytes);
    if (!r.ok) return p.bytes;
    const seg = r.segment;
    const hit = seg.options.findIndex((o) => o.kind === 'mptcp' && o.bytes[1] === optionLen && (o.bytes[2] ?? 0) >> 4 === 1);
    if (hit < 0) return p.bytes;
    done += 1;
    const options = seg.options.map((o, i): TcpOption => {
      if (i !== hit || o.kind !== 'mptcp') return o;
      const b = o.bytes.slice();
      b[at] = (b[at] ?? 0) ^ 0x01;
      return { kind: 'mptcp', bytes: b };
    });
    const bytes = emitSegment({ ...seg, options });
    setTcpChecksum(p.src, p.dst, bytes);
    return bytes;
  };
  return { tap, count: () => done };
}

describe('MP_JOIN over a second link', () => {
  test('join counters 1/1/1, both subflows carry data both ways, HMACs verified', () => {
    const t = topology([LINK, LINK]);
    const { conn, sconn, up, down } = transfer(t, { size: 1_000_000, join: {} });
    const c = t.client.ep.mib;
    const s = t.server.ep.mib;
    assert.equal(c.get('MPJoinSynTx'), 1);
    assert.equal(s.get('MPJoinSynRx'), 1);
    assert.equal(c.get('MPJoinSynAckRx'), 1);
    assert.equal(s.get('MPJoinAckRx'), 1);
    assert.equal(c.get('MPJoinSynAckHMacFailure') + s.get('MPJoinAckHMacFailure') + s.get('MPJoinNoTokenFound'), 0);
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up));
    assert.ok(sameBytes(concat(t.client.received.get(conn)), down));

    const ci = t.client.ep.info(conn);
    const si = t.server.ep.info(sconn);
    assert.equal(ci.subflowList.length, 2);
    for (const sf of ci.subflowList)
      assert.ok(
        sf.bytesSent > 50_000 && sf.bytesReceived > 50_000,
        `client subflow ${sf.saddr}: ${sf.bytesSent} sent, ${sf.bytesReceived} received`,
      );
    for (const sf of si.subflowList) assert.ok(sf.bytesSent > 50_000, `server subflow ${sf.saddr}: ${sf.bytesSent} sent`);
    const join = ci.subflowList[1];
    assert.ok(join);
    assert.equal(join.saddr, '198.18.1.1');
    assert.equal(join.localId, 1);
    assert.equal(si.subflowList[1]?.remoteId, 1);
    const links = t.net.linkBytes();
    assert.ok((links.link0?.aToB ?? 0) > 100_000 && (links.link1?.aToB ?? 0) > 100_000, JSON.stringify(links));
    assert.ok((links.link0?.bToA ?? 0) > 100_000 && (links.link1?.bToA ?? 0) > 100_000, JSON.stringify(links));

    const sfEvents = t.server.events.flatMap((e) => (e.kind === 'pm' && e.event.type === 'SF_ESTABLISHED' ? [e.event] : []));
    assert.equal(sfEvents.length, 1);
    assert.equal(sfEvents[0]?.saddr, '198.18.1.2');
    assert.equal(sfEvents[0]?.daddr, '198.18.1.1');
    assert.equal(sfEvents[0]?.remId, 1);
    assert.equal(sfEvents[0]?.token, si.token);
  });

  test('a corrupted SYN/ACK HMAC: MPJoinSynAckHMacFailure, the subflow is reset, data goes over the first one', () => {
    const t = topology([LINK, LINK]);
    const bad = corruptJoin(16);
    t.client.tap = bad.tap;
    const { conn, sconn, up } = transfer(t, { size: 200_000, join: {} });
    assert.equal(bad.count(), 1);
    assert.equal(t.client.ep.mib.get('MPJoinSynAckHMacFailure'), 1);
    assert.equal(t.client.ep.mib.get('MPJoinSynAckRx'), 0);
    assert.equal(t.client.ep.mib.get('MPRstTx'), 1, 'the RST says why (MP_TCPRST)');
    assert.equal(t.server.ep.mib.get('MPJoinAckRx'), 0);
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up));
    const closed = t.client.events.flatMap((e) => (e.kind === 'pm' && e.event.type === 'SF_CLOSED' ? [e.event] : []));
    assert.equal(closed.length, 1);
    assert.equal(closed[0]?.saddr, '198.18.1.1');
    assert.equal(t.client.ep.info(conn).subflowList[1]?.bytesSent, 0);
  });

  test('a corrupted third-ACK HMAC: MPJoinAckHMacFailure, the join is refused', () => {
    const t = topology([LINK, LINK]);
    const bad = corruptJoin(24);
    t.server.tap = bad.tap;
    const { sconn, up } = transfer(t, { size: 200_000, join: {} });
    assert.ok(bad.count() >= 1);
    assert.equal(t.client.ep.mib.get('MPJoinSynAckRx'), 1);
    assert.equal(t.server.ep.mib.get('MPJoinAckHMacFailure'), 1);
    assert.equal(t.server.ep.mib.get('MPJoinAckRx'), 0);
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up));
    assert.equal(t.server.ep.info(sconn).subflowsTotal, 1);
  });

  test('an MP_JOIN with an unknown token is answered with a RST (MPJoinNoTokenFound)', () => {
    const t = topology([LINK, LINK]);
    const bad = corruptJoin(12, 7); // the MP_JOIN SYN: change the token's last byte
    t.server.tap = bad.tap;
    const { sconn, up } = transfer(t, { size: 10_000, join: {} });
    assert.equal(bad.count(), 1);
    assert.equal(t.server.ep.mib.get('MPJoinSynRx'), 1);
    assert.equal(t.server.ep.mib.get('MPJoinNoTokenFound'), 1);
    assert.equal(t.server.ep.mib.get('MPRstTx'), 1);
    assert.equal(t.client.ep.mib.get('MPRstRx'), 1);
    assert.equal(t.client.ep.mib.get('MPJoinSynAckRx'), 0);
    assert.ok(sameBytes(concat(t.server.received.get(sconn)), up));
  });
});
