// The in-kernel path manager (engine/pm-kernel.ts) on two engines in the
// simulator: the counters mptcp_join.sh reads (chk_join_nr, chk_add_nr,
// chk_rm_nr, chk_prio_nr) and the `ip mptcp monitor` events, after the
// selftest cases they come from.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KernelPm, type KernelPmOptions } from '../../../engine/pm-kernel.js';
import { addrText } from '../../../engine/pm.js';
import { ipBytes } from '../../../engine/addr.js';
import type { Packet } from '../../../engine/sim/network.js';
import { parseSegment } from '../../../engine/tcp/segment.js';
import type { PmEvent } from '../../../engine/events.js';
import { concat, firstConn, pattern, sameBytes, topology, type Host } from './core-sim.js';

const LINK = { delayMs: 5, rateBps: 40e6 };

/** Link i joins 198.18.i.1 (client) and 198.18.i.2 (server): routing picks the address of the same link. */
function pm(o: KernelPmOptions, last: 1 | 2): KernelPm {
  return new KernelPm({ routeSource: (remote) => remote.replace(/\.\d+$/, `.${last}`), ...o });
}

function pmEvents(h: Host, type: PmEvent['type']): PmEvent[] {
  const out: PmEvent[] = [];
  for (const e of h.events) if (e.kind === 'pm' && e.event.type === type) out.push(e.event);
  return out;
}

function joins(t: { client: Host; server: Host }): [number, number, number] {
  return [t.server.ep.mib.get('MPJoinSynRx'), t.client.ep.mib.get('MPJoinSynAckRx'), t.server.ep.mib.get('MPJoinAckRx')];
}

interface Ctx {
  readonly cpm: KernelPm;
  readonly spm: KernelPm;
  readonly client: Host;
  readonly server: Host;
}

function run(
  links: number,
  client: KernelPmOptions,
  server: KernelPmOptions,
  o: {
    size?: number;
    whileRunning?: (now: number, ctx: Ctx) => void;
    tapServer?: (p: Packet) => Uint8Array | undefined;
  } = {},
) {
  const cpm = pm(client, 1);
  const spm = pm(server, 2);
  const t = topology(
    Array.from({ length: links }, () => LINK),
    { client: { pm: cpm }, server: { pm: spm } },
  );
  if (o.tapServer) t.server.tap = o.tapServer;
  const ctx: Ctx = { cpm, spm, client: t.client, server: t.server };
  const r = drive(t, o.size ?? 1_000_000, (now) => o.whileRunning?.(now, ctx));
  assert.ok(sameBytes(concat(t.server.received.get(r.sconn)), r.up), 'upload intact');
  assert.ok(sameBytes(concat(t.client.received.get(r.conn)), r.down), 'download intact');
  return { t, cpm, spm, ...r };
}

/**
 * Both ends write `size` bytes and, like the lab's traffic agent, shut down only once everything
 * they wrote is acknowledged (the PM works while the connection is ESTABLISHED).
 */
function drive(t: ReturnType<typeof topology>, size: number, whileRunning: (now: number) => void) {
  const { net, client, server } = t;
  server.ep.listen(80, { mptcp: true });
  const up = pattern(size, 1);
  const down = pattern(size, 2);
  const conn = client.ep.connect(0, { remoteAddr: '198.18.0.2', remotePort: 80, mptcp: true });
  client.flush(0);
  net.drive(50);
  const sconn = firstConn(server);
  client.ep.write(conn, up);
  server.ep.write(sconn, down);
  client.flush(net.now);
  server.flush(net.now);
  let shut = false;
  while (net.now < 120_000 && !(client.closed.has(conn) && server.closed.has(sconn))) {
    if (!net.step()) break;
    whileRunning(net.now);
    if (!shut && client.ep.info(conn).bytesAcked >= size && server.ep.info(sconn).bytesAcked >= size) {
      shut = true;
      client.ep.shutdownWrite(conn);
      server.ep.shutdownWrite(sconn);
      client.flush(net.now);
      server.flush(net.now);
    }
  }
  return { conn, sconn, up, down };
}

/** Once, at the first step at or after `ms`, then flush both hosts. */
function at(ms: number, f: (now: number, ctx: Ctx) => void): (now: number, ctx: Ctx) => void {
  let done = false;
  return (now, ctx) => {
    if (done || now < ms) return;
    done = true;
    f(now, ctx);
    ctx.client.flush(now);
    ctx.server.flush(now);
  };
}

describe('in-kernel path manager', () => {
  test('signal address: ADD_ADDR with HMAC, echo, ANNOUNCED, and a join to it (add_addr 1 1, join 1 1 1)', () => {
    const { t, conn } = run(
      2,
      { limits: { subflows: 1, addAddrAccepted: 1 } },
      { limits: { subflows: 1, addAddrAccepted: 1 }, endpoints: [{ address: '198.18.1.2', flags: ['signal'] }] },
    );
    assert.equal(t.server.ep.mib.get('AddAddrTx'), 1);
    assert.equal(t.client.ep.mib.get('AddAddr'), 1);
    assert.equal(t.client.ep.mib.get('EchoAddTx'), 1);
    assert.equal(t.server.ep.mib.get('EchoAdd'), 1);
    assert.equal(t.client.ep.mib.get('AddAddrDrop'), 0, 'the HMAC checked out');
    assert.deepEqual(joins(t), [1, 1, 1]);
    assert.equal(t.client.ep.mib.get('MPJoinSynTx'), 1);
    const ann = pmEvents(t.client, 'ANNOUNCED');
    assert.equal(ann.length, 1);
    assert.equal(ann[0]?.remId, 1);
    assert.equal(ann[0]?.daddr, '198.18.1.2');
    const sf = pmEvents(t.client, 'SF_ESTABLISHED');
    assert.deepEqual(
      sf.map((e) => [e.saddr, e.daddr, e.remId]),
      [['198.18.1.1', '198.18.1.2', 1]],
    );
    assert.equal(t.client.ep.info(conn).subflowList.length, 2);
  });

  test('an ADD_ADDR beyond add_addr_accepted is echoed but not joined', () => {
    const { t } = run(2, { limits: { subflows: 1, addAddrAccepted: 0 } }, { endpoints: [{ address: '198.18.1.2', flags: ['signal'] }] });
    assert.equal(t.client.ep.mib.get('AddAddr'), 1);
    assert.equal(t.server.ep.mib.get('EchoAdd'), 1);
    assert.deepEqual(joins(t), [0, 0, 0]);
  });

  test('an unechoed ADD_ADDR goes again after add_addr_timeout, ADD_ADDR_RETRANS_MAX (3) times', () => {
    const isEcho = (p: Packet): boolean => {
      const r = parseSegment(p.bytes);
      // ADD_ADDR (subtype 3) with the E flag (the low bit of the subtype byte).
      return r.ok && r.segment.options.some((o) => o.kind === 'mptcp' && (o.bytes[2] ?? 0) >> 4 === 3 && ((o.bytes[2] ?? 0) & 1) === 1);
    };
    const { t } = run(
      2,
      { limits: { subflows: 1, addAddrAccepted: 1 } },
      { addAddrTimeoutMs: 50, endpoints: [{ address: '198.18.1.2', flags: ['signal'] }] },
      {
        size: 4_000_000,
        tapServer: (p) => (isEcho(p) ? undefined : p.bytes),
      },
    );
    assert.equal(t.server.ep.mib.get('AddAddrTx'), 4);
    assert.equal(t.client.ep.mib.get('AddAddr'), 4);
    assert.equal(t.client.ep.mib.get('EchoAddTx'), 4);
    assert.equal(t.server.ep.mib.get('EchoAdd'), 0);
    assert.deepEqual(joins(t), [1, 1, 1], 'the address is joined once');
  });

  test('one subflow endpoint, limits 1: join 1 1 1', () => {
    const { t } = run(
      2,
      { limits: { subflows: 1 }, endpoints: [{ address: '198.18.1.1', flags: ['subflow'] }] },
      { limits: { subflows: 1 } },
    );
    assert.deepEqual(joins(t), [1, 1, 1]);
    const sf = pmEvents(t.client, 'SF_ESTABLISHED');
    assert.deepEqual(
      sf.map((e) => [e.saddr, e.daddr, e.locId, e.remId]),
      [['198.18.1.1', '198.18.0.2', 1, 0]],
    );
  });

  test('two subflow endpoints, limits 2: join 2 2 2', () => {
    const eps = [
      { address: '198.18.1.1', flags: ['subflow' as const] },
      { address: '198.18.2.1', flags: ['subflow' as const] },
    ];
    const { t } = run(3, { limits: { subflows: 2 }, endpoints: eps }, { limits: { subflows: 2 } });
    assert.deepEqual(joins(t), [2, 2, 2]);
    assert.equal(t.server.ep.mib.get('MPJoinRejected'), 0);
  });

  test('two subflow endpoints, server limit 1: the second join is rejected (join 2 2 1, MPJoinRejected 1)', () => {
    const eps = [
      { address: '198.18.1.1', flags: ['subflow' as const] },
      { address: '198.18.2.1', flags: ['subflow' as const] },
    ];
    const { t, conn } = run(3, { limits: { subflows: 2 }, endpoints: eps }, { limits: { subflows: 1 } });
    assert.deepEqual(joins(t), [2, 2, 1]);
    assert.equal(t.server.ep.mib.get('MPJoinRejected'), 1);
    assert.equal(t.client.ep.info(conn).subflowList.length, 3, 'the first subflow and two joins were tried');
    // The server's RST is a stateless one (MPRstTx not counted); the client's join, not fully established,
    // answers it with its own MP_TCPRST (check_fully_established → mptcp_subflow_reset) and never counts
    // the server's (as the kernel does in limited-by-server: client MPRstTx 1, MPRstRx 0).
    assert.deepEqual(
      [t.server.ep.mib.get('MPRstTx'), t.client.ep.mib.get('MPRstTx'), t.client.ep.mib.get('MPRstRx'), t.server.ep.mib.get('MPRstRx')],
      [0, 1, 0, 0],
    );
    assert.equal(t.client.ep.mib.get('EstabResets'), 1);
  });

  test('client limit 1 with two subflow endpoints: only one join is tried', () => {
    const eps = [
      { address: '198.18.1.1', flags: ['subflow' as const] },
      { address: '198.18.2.1', flags: ['subflow' as const] },
    ];
    const { t } = run(3, { limits: { subflows: 1 }, endpoints: eps }, { limits: { subflows: 2 } });
    assert.equal(t.client.ep.mib.get('MPJoinSynTx'), 1);
    assert.deepEqual(joins(t), [1, 1, 1]);
  });

  test('endpoint delete: RM_ADDR (RmAddrTx / RmAddr), the subflow closed (RmSubflow, SF_CLOSED), REMOVED on the peer', () => {
    const { t } = run(
      2,
      { limits: { subflows: 1 }, endpoints: [{ address: '198.18.1.1', id: 2, flags: ['subflow'] }] },
      { limits: { subflows: 1 } },
      {
        size: 2_000_000,
        whileRunning: at(250, (now, { cpm }) => assert.equal(cpm.deleteEndpoint(now, { id: 2 }), true)),
      },
    );
    assert.equal(t.client.ep.mib.get('RmAddrTx'), 1);
    assert.equal(t.client.ep.mib.get('RmSubflow'), 1);
    assert.equal(t.server.ep.mib.get('RmAddr'), 1);
    const removed = pmEvents(t.server, 'REMOVED');
    assert.deepEqual(
      removed.map((e) => e.remId),
      [2],
    );
    assert.deepEqual(
      pmEvents(t.client, 'SF_CLOSED').map((e) => e.saddr),
      ['198.18.1.1'],
    );
    assert.deepEqual(
      pmEvents(t.server, 'SF_CLOSED').map((e) => e.daddr),
      ['198.18.1.1'],
    );
    assert.equal(pmEvents(t.client, 'REMOVED').length, 0);
  });

  test('endpoint delete while the peer sends on that subflow: the remover answers what follows with a RST', () => {
    // Download only, so the client's RM_ADDR (a pure ACK) is not lost in a full queue. The client closes
    // the removed subflow with __tcp_close (no more reading); the server's data still in flight on it then
    // gets a RST carrying MP_TCPRST in reply (TCPAbortOnData; tcp_v4_send_reset: no MPRstTx), which the
    // server counts (MPRstRx). Later segments find no socket: plain RSTs.
    const cpm = pm({ limits: { subflows: 1 }, endpoints: [{ address: '198.18.1.1', id: 2, flags: ['subflow'] }] }, 1);
    const spm = pm({ limits: { subflows: 1 } }, 2);
    const t = topology([LINK, LINK], { client: { pm: cpm }, server: { pm: spm } });
    const { net, client, server } = t;
    server.ep.listen(80, { mptcp: true });
    const conn = client.ep.connect(0, { remoteAddr: '198.18.0.2', remotePort: 80, mptcp: true });
    client.flush(0);
    net.drive(50);
    const sconn = firstConn(server);
    const down = pattern(2_000_000, 2);
    server.ep.write(sconn, down);
    server.flush(net.now);
    net.drive(250);
    assert.equal(cpm.deleteEndpoint(net.now, { id: 2 }), true);
    client.flush(net.now);
    net.drive(5000);
    assert.equal(server.ep.mib.get('RmAddr'), 1);
    assert.equal(client.ep.mib.get('TCPAbortOnData'), 1);
    assert.deepEqual(
      [client.ep.mib.get('MPRstTx'), client.ep.mib.get('MPRstRx'), server.ep.mib.get('MPRstTx'), server.ep.mib.get('MPRstRx')],
      [0, 0, 0, 1],
    );
    assert.ok(sameBytes(concat(client.received.get(conn)), down), 'download intact');
  });

  test('endpoint delete of an idle (backup) subflow: FIN both ways, no reset', () => {
    const { t } = run(
      2,
      { limits: { subflows: 1 }, endpoints: [{ address: '198.18.1.1', id: 2, flags: ['subflow', 'backup'] }] },
      { limits: { subflows: 1 } },
      {
        size: 2_000_000,
        whileRunning: at(250, (now, { cpm }) => assert.equal(cpm.deleteEndpoint(now, { id: 2 }), true)),
      },
    );
    assert.equal(t.client.ep.mib.get('RmSubflow'), 1);
    assert.equal(t.server.ep.mib.get('RmAddr'), 1);
    for (const h of [t.client, t.server])
      assert.deepEqual(
        ['MPRstTx', 'MPRstRx', 'TCPAbortOnData', 'TCPAbortOnClose', 'OutRsts'].map((n) => h.ep.mib.get(n as 'MPRstTx')),
        [0, 0, 0, 0, 0],
        h.name,
      );
  });

  test('backup change: MP_PRIO (MPPrioTx / MPPrioRx) and SF_PRIORITY on the peer', () => {
    const { t } = run(
      2,
      { limits: { subflows: 1 }, endpoints: [{ address: '198.18.1.1', flags: ['subflow'] }] },
      { limits: { subflows: 1 } },
      {
        size: 2_000_000,
        whileRunning: at(250, (now, { cpm }) => assert.equal(cpm.setBackup(now, { address: '198.18.1.1' }, true), true)),
      },
    );
    assert.equal(t.client.ep.mib.get('MPPrioTx'), 1);
    assert.equal(t.server.ep.mib.get('MPPrioRx'), 1);
    const prio = pmEvents(t.server, 'SF_PRIORITY');
    assert.equal(prio.length, 1);
    assert.equal(prio[0]?.backup, true);
  });

  test('fullmesh 2x1: two fullmesh endpoints, one announced address: 4 subflows (join 4 4 4)', () => {
    const eps = [
      { address: '198.18.1.1', flags: ['subflow' as const, 'fullmesh' as const] },
      { address: '198.18.2.1', flags: ['subflow' as const, 'fullmesh' as const] },
    ];
    const { t, conn } = run(
      3,
      { limits: { subflows: 4, addAddrAccepted: 1 }, endpoints: eps },
      { limits: { subflows: 4 }, endpoints: [{ address: '198.18.2.2', flags: ['signal'] }] },
      { size: 2_000_000 },
    );
    assert.deepEqual(joins(t), [4, 4, 4]);
    assert.equal(t.client.ep.mib.get('AddAddr'), 1);
    assert.equal(t.server.ep.mib.get('EchoAdd'), 1);
    const pairs = pmEvents(t.client, 'SF_ESTABLISHED')
      .map((e) => `${e.saddr}>${e.daddr}`)
      .sort();
    assert.deepEqual(pairs, ['198.18.1.1>198.18.0.2', '198.18.1.1>198.18.2.2', '198.18.2.1>198.18.0.2', '198.18.2.1>198.18.2.2']);
    assert.equal(t.client.ep.info(conn).subflowList.length, 5);
  });

  test('ADD_ADDR addresses read back as text like node prints them', () => {
    for (const a of ['198.18.1.2', '2001:db8:10::1', '2001:db8:0:0:1::1', '::1', '2001:db8::', 'fe80::1:0:0:1', '2001:db8:1:2:3:4:5:6']) {
      const b = ipBytes(a);
      assert.equal(addrText(b.length === 4 ? 4 : 6, b), a === '2001:db8:0:0:1::1' ? '2001:db8::1:0:0:1' : a);
    }
  });
});
