// MP_FAIL and the infinite mapping (RFC 8684 §3.7) as Linux 6.x does them, on a simulated middlebox
// that inverts one payload byte of one segment and fixes the TCP checksum (mptcp_join.sh's fail tests:
// tc pedit invert + csum tcp), so TCP takes the segment and only the DSS checksum can tell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concat, pattern, sameBytes, topology, transfer, type Topology } from './core-sim.js';
import type { LinkParamsInput } from '../../../engine/sim/link.js';
import { MPTCP_RST_EMIDDLEBOX, OPTION_MPTCP_FAIL } from '../../../engine/protocol.js';
import { parseSegment } from '../../../engine/tcp/segment.js';
import { receivedOptions } from '../../../engine/subflow.js';

const LINK: LinkParamsInput = { rateBps: 20e6, delayMs: 5 };

function setup(links: number, checksums: boolean): Topology {
  const ctrl = { checksumEnabled: checksums };
  return topology(
    Array.from({ length: links }, () => LINK),
    { client: { ctrl }, server: { ctrl } },
  );
}

/** Positions where b differs from a; each must be an inverted byte (what the middlebox does). */
function invertedAt(a: Uint8Array, b: Uint8Array): number[] {
  assert.equal(b.length, a.length, 'same length');
  const at: number[] = [];
  for (let i = 0; i < a.length; i += 1) {
    if (a[i] === b[i]) continue;
    assert.equal((a[i] as number) ^ (b[i] as number), 0xff, `byte ${i} differs but is not inverted`);
    at.push(i);
  }
  return at;
}

function counters(t: Topology, names: readonly Parameters<Topology['client']['ep']['mib']['get']>[0][]) {
  const pick = (h: Topology['client']) => Object.fromEntries(names.map((n) => [n, h.ep.mib.get(n)]));
  return { client: pick(t.client), server: pick(t.server) };
}

test('single subflow, checksums on: the server sends MP_FAIL, the client answers MP_FAIL + infinite mapping, both fall back, every byte arrives (the inverted one as it came)', () => {
  const t = setup(1, true);
  t.net.link('link0').aToB.setPayloadRewrite({ nth: 40, offset: 100 });
  const r = transfer(t, { size: 300_000 });
  assert.equal(t.net.link('link0').aToB.counters.rewritten, 1);
  const c = counters(t, [
    'DataCsumErr',
    'MPFailTx',
    'MPFailRx',
    'InfiniteMapTx',
    'InfiniteMapRx',
    'DssFallback',
    'MPRstTx',
    'MPRstRx',
    'FallbackFailed',
  ]);
  // chk_join_nr 0 0 0 +1 +0 1 0 1 and chk_fail_nr 1 -1 invert, the kernel's counters on the same sides.
  assert.deepEqual(c.server, {
    DataCsumErr: 1,
    MPFailTx: 1,
    MPFailRx: 1,
    InfiniteMapTx: 0,
    InfiniteMapRx: 1,
    DssFallback: 1,
    MPRstTx: 0,
    MPRstRx: 0,
    FallbackFailed: 0,
  });
  assert.deepEqual(c.client, {
    DataCsumErr: 0,
    MPFailTx: 1,
    MPFailRx: 1,
    InfiniteMapTx: 1,
    InfiniteMapRx: 0,
    DssFallback: 0,
    MPRstTx: 0,
    MPRstRx: 0,
    FallbackFailed: 0,
  });
  assert.equal(t.client.closed.get(r.conn), 'normal');
  assert.equal(t.server.closed.get(r.sconn), 'normal');
  assert.equal(
    invertedAt(r.up, concat(t.server.received.get(r.sconn))).length,
    1,
    'the server got the upload with exactly the inverted byte',
  );
  assert.ok(sameBytes(concat(t.client.received.get(r.conn)), r.down), 'the download is intact');
  assert.equal(t.client.ep.connection(r.conn).mode, 'fallback');
  assert.equal(t.server.ep.connection(r.sconn).mode, 'fallback');
});

test('two subflows: the corrupted join is reset with MP_FAIL and MP_TCPRST (EMIDDLEBOX), its data goes again over the first, every byte intact, no infinite mapping', () => {
  const t = setup(2, true);
  t.net.link('link1').aToB.setPayloadRewrite({ nth: 5, offset: 100 });
  const r = transfer(t, { size: 600_000, join: {} });
  assert.equal(t.net.link('link1').aToB.counters.rewritten, 1);
  const c = counters(t, ['DataCsumErr', 'MPFailTx', 'MPFailRx', 'InfiniteMapTx', 'InfiniteMapRx', 'MPRstTx', 'MPRstRx']);
  // chk_join_nr 1 1 1 1 0 1 1 0: fail 1/1, MP_RST at least 1/1, no infinite mapping.
  assert.deepEqual(
    {
      csum: c.server.DataCsumErr,
      csumClient: c.client.DataCsumErr,
      failTx: c.server.MPFailTx,
      failRx: c.client.MPFailRx,
      infTx: c.client.InfiniteMapTx,
      infRx: c.server.InfiniteMapRx,
    },
    { csum: 1, csumClient: 0, failTx: 1, failRx: 1, infTx: 0, infRx: 0 },
  );
  assert.ok(c.server.MPRstTx >= 1 && c.client.MPRstRx >= 1, `MP_RST ${c.server.MPRstTx}/${c.client.MPRstRx}`);
  const closed = t.client.events.find((e) => e.kind === 'pm' && e.event.type === 'SF_CLOSED');
  assert.ok(
    closed && closed.kind === 'pm' && closed.event.resetReason === MPTCP_RST_EMIDDLEBOX,
    'the client saw the join closed by the middlebox reason',
  );
  assert.equal(t.client.closed.get(r.conn), 'normal');
  assert.equal(t.server.closed.get(r.sconn), 'normal');
  assert.ok(sameBytes(concat(t.server.received.get(r.sconn)), r.up), 'the upload is intact');
  assert.ok(sameBytes(concat(t.client.received.get(r.conn)), r.down), 'the download is intact');
  assert.equal(t.server.ep.connection(r.sconn).mode, 'mptcp');
});

test('the first mapping corrupted (no checksum ever good on the subflow): the server falls back without MP_FAIL (DssFallback), so does the client on the data without a mapping; all bytes arrive', () => {
  const t = setup(1, true);
  t.net.link('link0').aToB.setPayloadRewrite({ nth: 2, offset: 100 });
  const r = transfer(t, { size: 300_000 });
  const c = counters(t, ['DataCsumErr', 'MPFailTx', 'MPFailRx', 'InfiniteMapTx', 'InfiniteMapRx', 'DssFallback']);
  assert.deepEqual(c.server, { DataCsumErr: 1, MPFailTx: 0, MPFailRx: 0, InfiniteMapTx: 0, InfiniteMapRx: 0, DssFallback: 1 });
  assert.deepEqual(c.client, { DataCsumErr: 0, MPFailTx: 0, MPFailRx: 0, InfiniteMapTx: 0, InfiniteMapRx: 0, DssFallback: 1 });
  assert.equal(t.client.closed.get(r.conn), 'normal');
  assert.equal(t.server.closed.get(r.sconn), 'normal');
  assert.equal(invertedAt(r.up, concat(t.server.received.get(r.sconn))).length, 1);
  assert.ok(sameBytes(concat(t.client.received.get(r.conn)), r.down));
});

test('without checksums nothing notices: the inverted byte is delivered, no MP_FAIL, MPTCP goes on', () => {
  const t = setup(1, false);
  t.net.link('link0').aToB.setPayloadRewrite({ nth: 40, offset: 100 });
  const r = transfer(t, { size: 300_000 });
  assert.equal(t.net.link('link0').aToB.counters.rewritten, 1);
  const c = counters(t, ['DataCsumErr', 'MPFailTx', 'MPFailRx', 'InfiniteMapTx', 'InfiniteMapRx']);
  assert.deepEqual(c.server, { DataCsumErr: 0, MPFailTx: 0, MPFailRx: 0, InfiniteMapTx: 0, InfiniteMapRx: 0 });
  assert.deepEqual(c.client, { DataCsumErr: 0, MPFailTx: 0, MPFailRx: 0, InfiniteMapTx: 0, InfiniteMapRx: 0 });
  assert.equal(invertedAt(r.up, concat(t.server.received.get(r.sconn))).length, 1);
  assert.equal(t.server.ep.connection(r.sconn).mode, 'mptcp');
});

test('MP_FAIL never answered (the answer lost): TCP_RTO_MAX (120 s) after it the server resets the subflow', () => {
  const t = setup(1, true);
  t.net.link('link0').aToB.setPayloadRewrite({ nth: 40, offset: 100 });
  // Drop the client's answer (a pure ACK with MP_FAIL) before the server sees it.
  t.server.tap = (p) => {
    const seg = parseSegment(p.bytes);
    const fail = seg.ok && seg.segment.payload.length === 0 && (receivedOptions(seg.segment).suboptions & OPTION_MPTCP_FAIL) !== 0;
    return fail ? undefined : p.bytes;
  };
  t.server.ep.listen(80, { mptcp: true });
  const conn = t.client.ep.connect(0, { remoteAddr: '198.18.0.2', remotePort: 80, mptcp: true });
  t.client.flush(0);
  t.net.drive(200);
  // The connection stays open (no shutdown): only the MP_FAIL wait can end it.
  t.client.ep.write(conn, pattern(300_000, 1));
  t.client.flush(t.net.now);
  let failAt: number | undefined;
  while (t.net.now < 130_000 && !t.client.closed.has(conn)) {
    if (!t.net.step()) break;
    if (failAt === undefined && t.server.ep.mib.get('MPFailTx') === 1) failAt = t.net.now;
  }
  assert.equal(t.server.ep.mib.get('MPFailRx'), 0, 'the answer was dropped');
  assert.equal(t.server.ep.mib.get('InfiniteMapRx'), 1, 'the infinite mapping still came');
  assert.ok(failAt !== undefined, 'MP_FAIL went out');
  assert.equal(t.client.closed.get(conn), 'reset', 'the client saw the reset');
  const resetAt = t.net.now;
  assert.ok(resetAt >= failAt + 120_000 && resetAt < failAt + 121_000, `reset at ${resetAt} ms, MP_FAIL at ${failAt} ms`);
});

test('the simulator middlebox: the Nth long enough segment only, one byte inverted at the payload offset, the TCP checksum still right', async () => {
  const { Network } = await import('../../../engine/sim/network.js');
  const { emitSegment, tcpFlags } = await import('../../../engine/tcp/segment.js');
  const { setTcpChecksum, verifyTcpChecksum } = await import('../../../engine/tcp/segment-checksum.js');
  const net = new Network({ seed: 1 });
  net.addNode('a');
  net.addNode('b');
  const link = net.addLink({ node: 'a', addresses: ['198.18.0.1/24'] }, { node: 'b', addresses: ['198.18.0.2/24'] }, { name: 'l' });
  link.aToB.setPayloadRewrite({ nth: 3, offset: 7 });
  const got: Uint8Array[] = [];
  net.node('b').setHandler((_now, p) => void got.push(p.bytes));
  const segment = (payloadLen: number, fill: number): Uint8Array => {
    const bytes = emitSegment({
      srcPort: 1,
      dstPort: 2,
      seq: 1,
      ack: 1,
      flags: tcpFlags({ ack: true }),
      window: 100,
      options: [],
      payload: new Uint8Array(payloadLen).fill(fill),
    });
    setTcpChecksum('198.18.0.1', '198.18.0.2', bytes);
    return bytes;
  };
  // 20-byte header: a segment counts when longer than 61 + 7 bytes, so a 40-byte payload does not.
  const sent = [segment(200, 1), segment(40, 2), segment(200, 3), segment(200, 4), segment(200, 5)];
  for (const bytes of sent) net.send(net.now, 'a', { src: '198.18.0.1', dst: '198.18.0.2', bytes });
  net.drive(1000);
  assert.equal(got.length, 5);
  const changed = got.map((b, i) => (sameBytes(b, sent[i] as Uint8Array) ? -1 : i)).filter((i) => i >= 0);
  assert.deepEqual(changed, [3], 'the third segment longer than 68 bytes');
  const b = got[3] as Uint8Array;
  assert.equal(b[20 + 7], 4 ^ 0xff);
  assert.equal(b.filter((x, i) => x !== (sent[3] as Uint8Array)[i]).length, 3, 'the byte and the two checksum bytes');
  assert.ok(verifyTcpChecksum('198.18.0.1', '198.18.0.2', b));
  assert.equal(link.aToB.counters.rewritten, 1);
  assert.throws(() => link.aToB.setPayloadRewrite({ nth: 0, offset: 1 }), /nth ≥ 1/);
});
