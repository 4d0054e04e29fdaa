// MP_FASTCLOSE (RFC 8684 §3.5) as Linux 6.x does it: an abortive close
// (SO_LINGER 0, abort()) resets every subflow with a RST that carries
// MP_FASTCLOSE (the peer's key) and MP_TCPRST; the peer tears the connection
// down, reports ECONNRESET, and (its token gone) no CLOSED event.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emitSegment, parseSegment } from '../../../engine/tcp/segment.js';
import { setTcpChecksum } from '../../../engine/tcp/segment-checksum.js';
import { encodeOption } from '../../../engine/options.js';
import { receivedOptions } from '../../../engine/subflow.js';
import { OPTION_MPTCP_FASTCLOSE, OPTION_MPTCP_RST } from '../../../engine/protocol.js';
import type { Packet } from '../../../engine/sim/network.js';
import { concat, firstConn, pattern, topology, type Host } from './core-sim.js';

const pmKinds = (h: Host): string[] => h.events.flatMap((e) => (e.kind === 'pm' ? [e.event.type] : []));

/**
 * Records the MPTCP options of every RST a host receives from a connection (with MPTCP options): the
 * plain ones a closed connection's host sends for segments still in flight (RFC 9293 §3.10.7.1) are left out.
 */
function watchResets(h: Host, withPlain = false): { fastcloseKey?: bigint; rst: boolean }[] {
  const seen: { fastcloseKey?: bigint; rst: boolean }[] = [];
  h.tap = (p: Packet) => {
    const parsed = parseSegment(p.bytes);
    if (parsed.ok && parsed.segment.flags.rst && (withPlain || parsed.segment.options.some((o) => o.kind === 'mptcp'))) {
      const rx = receivedOptions(parsed.segment);
      seen.push({
        ...(rx.suboptions & OPTION_MPTCP_FASTCLOSE ? { fastcloseKey: rx.rcvrKey } : {}),
        rst: (rx.suboptions & OPTION_MPTCP_RST) !== 0,
      });
    }
    return p.bytes;
  };
  return seen;
}

/** A connection on `links` (one subflow each), the client writing `size` bytes. */
function connectAndSend(links: number, size: number, serverMptcp = true) {
  const t = topology(Array.from({ length: links }, () => ({ delayMs: 5, rateBps: 50e6 })));
  t.server.ep.listen(80, { mptcp: serverMptcp });
  const conn = t.client.ep.connect(0, { remoteAddr: '198.18.0.2', remotePort: 80, mptcp: true });
  t.client.flush(0);
  t.net.drive(100);
  const sconn = firstConn(t.server);
  t.client.ep.write(conn, pattern(size, 1));
  t.client.flush(t.net.now);
  // Joins wait for the connection to be fully established (the server's first DATA_ACK).
  while (links > 1 && !t.client.ep.connection(conn).isFullyEstablished && t.net.step());
  for (let i = 1; i < links; i += 1) {
    t.client.ep.createSubflow(t.net.now, conn, { localAddr: `198.18.${i}.1`, remoteAddr: `198.18.${i}.2` });
    t.client.flush(t.net.now);
  }
  return { t, conn, sconn };
}

/** Runs until `host` has received `bytes` on `conn`. */
function runUntilReceived(t: ReturnType<typeof topology>, host: Host, conn: number, bytes: number): void {
  while (concat(host.received.get(conn)).length < bytes && t.net.step());
}

describe('MP_FASTCLOSE (RFC 8684 §3.5)', () => {
  test('client aborts mid-transfer: RST with MP_FASTCLOSE (server key) and MP_TCPRST; server resets, no CLOSED', () => {
    const { t, conn, sconn } = connectAndSend(1, 2_000_000);
    const resets = watchResets(t.server);
    runUntilReceived(t, t.server, sconn, 500_000);
    const got = concat(t.server.received.get(sconn)).length;
    assert.ok(got < 2_000_000, 'aborted mid-transfer');
    t.client.ep.abort(t.net.now, conn);
    t.client.flush(t.net.now);
    t.net.drive(t.net.now + 1000);

    assert.deepEqual(resets, [{ fastcloseKey: t.server.ep.info(sconn).localKey, rst: true }]);
    const c = t.client.ep.mib;
    const s = t.server.ep.mib;
    assert.deepEqual([c.get('MPFastcloseTx'), c.get('MPRstTx'), c.get('EstabResets')], [1, 1, 1]);
    assert.ok(c.get('OutRsts') >= 1);
    assert.deepEqual([s.get('MPFastcloseRx'), s.get('MPRstRx'), s.get('EstabResets')], [1, 1, 1]);
    assert.deepEqual([s.get('MPFastcloseTx'), s.get('MPRstTx'), s.get('OutRsts')], [0, 0, 0], 'the server answers nothing');
    assert.equal(c.get('MPCurrEstab') + s.get('MPCurrEstab'), 0);
    assert.equal(t.client.closed.get(conn), 'aborted');
    assert.equal(t.server.closed.get(sconn), 'reset');
    assert.deepEqual(pmKinds(t.client), ['CREATED', 'ESTABLISHED', 'CLOSED']);
    // As the kernel: the token is destroyed before the close, so CLOSED is not reported; SF_CLOSED neither.
    assert.deepEqual(pmKinds(t.server), ['LISTENER_CREATED', 'CREATED', 'ESTABLISHED']);
  });

  test('server aborts: the same in the other direction', () => {
    const { t, conn, sconn } = connectAndSend(1, 2_000_000);
    const resets = watchResets(t.client);
    runUntilReceived(t, t.server, sconn, 300_000);
    t.server.ep.abort(t.net.now, sconn);
    t.server.flush(t.net.now);
    t.net.drive(t.net.now + 1000);
    assert.deepEqual(resets, [{ fastcloseKey: t.client.ep.info(conn).localKey, rst: true }]);
    assert.deepEqual([t.server.ep.mib.get('MPFastcloseTx'), t.server.ep.mib.get('MPRstTx')], [1, 1]);
    assert.deepEqual([t.client.ep.mib.get('MPFastcloseRx'), t.client.ep.mib.get('MPRstRx')], [1, 1]);
    assert.equal(t.client.closed.get(conn), 'reset');
    assert.deepEqual(pmKinds(t.client), ['CREATED', 'ESTABLISHED']);
    assert.equal(t.client.ep.write(conn, new Uint8Array(10)), 0, 'a reset connection takes no more data');
  });

  test('two subflows: every subflow gets its RST with MP_FASTCLOSE', () => {
    const { t, conn, sconn } = connectAndSend(2, 4_000_000);
    const resets = watchResets(t.server);
    runUntilReceived(t, t.server, sconn, 1_000_000);
    assert.equal(t.client.ep.info(conn).subflowList.filter((s) => s.state === 'ESTABLISHED').length, 2);
    t.client.ep.abort(t.net.now, conn);
    t.client.flush(t.net.now);
    t.net.drive(t.net.now + 1000);
    assert.equal(t.client.ep.mib.get('MPFastcloseTx'), 2);
    assert.equal(t.client.ep.mib.get('MPRstTx'), 2);
    const key = t.server.ep.info(sconn).localKey;
    assert.ok(
      resets.length >= 1 && resets.every((r) => r.fastcloseKey === key && r.rst),
      JSON.stringify(resets, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
    );
    // A RST that finds its subflow already reset by the server's own teardown is not counted.
    const rx = t.server.ep.mib.get('MPFastcloseRx');
    assert.ok(rx >= 1 && rx <= resets.length, `MPFastcloseRx ${rx} of ${resets.length}`);
    assert.equal(t.server.closed.get(sconn), 'reset');
    assert.ok(!pmKinds(t.server).includes('SF_CLOSED') && !pmKinds(t.server).includes('CLOSED'));
  });

  test('a fallen-back connection aborts with plain RSTs: no MP_FASTCLOSE, no MP_TCPRST', () => {
    const { t, conn, sconn } = connectAndSend(1, 1_000_000, false);
    const resets = watchResets(t.server, true);
    runUntilReceived(t, t.server, sconn, 100_000);
    t.client.ep.abort(t.net.now, conn);
    t.client.flush(t.net.now);
    t.net.drive(t.net.now + 1000);
    assert.equal(t.client.ep.info(conn).fallback, true);
    assert.ok(resets.length >= 1 && resets.every((r) => !r.rst && r.fastcloseKey === undefined));
    assert.equal(t.client.ep.mib.get('MPFastcloseTx') + t.client.ep.mib.get('MPRstTx'), 0);
    assert.equal(t.server.closed.get(sconn), 'reset');
  });

  test("MP_FASTCLOSE on an ACK (the RFC's first form) also tears the connection down", () => {
    const { t, conn } = connectAndSend(1, 2_000_000);
    const clientKey = t.client.ep.info(conn).localKey;
    let added = 0;
    t.client.tap = (p: Packet) => {
      const r = parseSegment(p.bytes);
      if (!r.ok || added > 0 || r.segment.payload.length > 0 || !r.segment.flags.ack || r.segment.flags.syn) return p.bytes;
      added += 1;
      const options = [
        ...r.segment.options,
        { kind: 'mptcp' as const, bytes: encodeOption({ kind: 'mp_fastclose', receiverKey: clientKey }) },
      ];
      const bytes = emitSegment({ ...r.segment, options });
      setTcpChecksum(p.src, p.dst, bytes);
      return bytes;
    };
    t.net.drive(t.net.now + 2000);
    assert.equal(added, 1);
    assert.equal(t.client.ep.mib.get('MPFastcloseRx'), 1);
    assert.equal(t.client.closed.get(conn), 'reset');
    // mptcp_check_fastclose: the subflow that carried it is reset too, with MP_TCPRST.
    assert.equal(t.client.ep.mib.get('MPRstTx'), 1);
    assert.equal(t.server.ep.mib.get('MPRstRx'), 1);
  });

  test('MP_FASTCLOSE with a wrong key is ignored (the RST still resets that subflow)', () => {
    const { t, sconn } = connectAndSend(1, 2_000_000);
    runUntilReceived(t, t.server, sconn, 100_000);
    const msk = t.server.ep.connection(sconn);
    msk.fastcloseReceived(t.net.now, msk.localKey ^ 1n);
    assert.equal(t.server.ep.mib.get('MPFastcloseRx'), 0);
    assert.equal(msk.state, 'ESTABLISHED');
    msk.fastcloseReceived(t.net.now, msk.localKey);
    t.server.ep.handleTimeout(t.net.now); // lets the endpoint send what the connection queued
    t.server.flush(t.net.now);
    assert.equal(t.server.ep.mib.get('MPFastcloseRx'), 1);
    assert.equal(msk.state, 'CLOSED');
    // The other side of mptcp_check_fastclose: our live subflow is reset, with MP_TCPRST.
    assert.equal(t.server.ep.mib.get('MPRstTx'), 1);
  });
});
