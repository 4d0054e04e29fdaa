// The userspace path manager (engine/pm-userspace.ts) on two engines in the
// simulator, after tools/testing/selftests/net/mptcp/userspace_pm.sh: the
// daemon's commands (pm_nl_ctl ann / rem / csf / dsf / set) sent through
// MptcpEndpoint.pmCommand with the token of the CREATED event, and the
// counters and `ip mptcp monitor` events that follow on both hosts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KernelPm, type KernelPmOptions } from '../../../engine/pm-kernel.js';
import { mptcpCtrl, type MptcpCtrl } from '../../../engine/ctrl.js';
import type { EndpointOptions } from '../../../engine/endpoint.js';
import type { PmEvent } from '../../../engine/events.js';
import { UserspacePm, type UpmCommand, type UpmResult } from '../../../engine/pm-userspace.js';
import type { Packet } from '../../../engine/sim/network.js';
import { parseSegment } from '../../../engine/tcp/segment.js';
import { concat, firstConn, pattern, sameBytes, topology, type Host } from './core-sim.js';

const LINK = { delayMs: 5, rateBps: 40e6 };
const USERSPACE: Partial<EndpointOptions> = { ctrl: { pmType: 1 } };

/** A kernel PM where link i's address answers for link i (as routing would pick it). */
function kernelPm(o: KernelPmOptions, last: 1 | 2): Partial<EndpointOptions> {
  return { pm: new KernelPm({ routeSource: (remote) => remote.replace(/\.\d+$/, `.${last}`), ...o }) };
}

function pmEvents(h: Host, type: PmEvent['type']): PmEvent[] {
  const out: PmEvent[] = [];
  for (const e of h.events) if (e.kind === 'pm' && e.event.type === type) out.push(e.event);
  return out;
}

/** The token a daemon learns from CREATED. */
function token(h: Host): number {
  const created = pmEvents(h, 'CREATED')[0];
  assert.ok(created, `${h.name} saw CREATED`);
  return created.token;
}

function joins(t: { client: Host; server: Host }): [number, number, number] {
  return [t.server.ep.mib.get('MPJoinSynRx'), t.client.ep.mib.get('MPJoinSynAckRx'), t.server.ep.mib.get('MPJoinAckRx')];
}

type Topo = ReturnType<typeof topology>;
type Step = { readonly atMs: number; readonly run: (now: number, t: Topo) => void };

/** A command from a host, flushed out at once; its result must be ok. */
function cmd(h: Host, now: number, c: UpmCommand): UpmResult {
  const r = h.ep.pmCommand(now, c);
  h.flush(now);
  return r;
}

function must(r: UpmResult): void {
  assert.deepEqual(r, { ok: true });
}

/**
 * Both ends write `size` bytes and shut down once all is acknowledged; `steps` run once each at their
 * time while the connection is up (the daemon's commands).
 */
function run(
  links: number,
  client: Partial<EndpointOptions>,
  server: Partial<EndpointOptions>,
  steps: readonly Step[],
  size = 2_000_000,
  setup?: (t: Topo) => void,
) {
  const t = topology(
    Array.from({ length: links }, () => LINK),
    { client, server },
  );
  setup?.(t);
  const { net } = t;
  t.server.ep.listen(80, { mptcp: true });
  const up = pattern(size, 1);
  const down = pattern(size, 2);
  const conn = t.client.ep.connect(0, { remoteAddr: '198.18.0.2', remotePort: 80, mptcp: true });
  t.client.flush(0);
  net.drive(50);
  const sconn = firstConn(t.server);
  t.client.ep.write(conn, up);
  t.server.ep.write(sconn, down);
  t.client.flush(net.now);
  t.server.flush(net.now);
  const pending = [...steps];
  let shut = false;
  while (net.now < 120_000 && !(t.client.closed.has(conn) && t.server.closed.has(sconn))) {
    if (!net.step()) break;
    while (pending.length > 0 && (pending[0] as Step).atMs <= net.now) {
      (pending.shift() as Step).run(net.now, t);
      t.client.flush(net.now);
      t.server.flush(net.now);
    }
    if (!shut && t.client.ep.info(conn).bytesAcked >= size && t.server.ep.info(sconn).bytesAcked >= size) {
      shut = true;
      t.client.ep.shutdownWrite(conn);
      t.server.ep.shutdownWrite(sconn);
      t.client.flush(net.now);
      t.server.flush(net.now);
    }
  }
  assert.equal(pending.length, 0, 'every step ran');
  assert.ok(sameBytes(concat(t.server.received.get(sconn)), up), 'upload intact');
  assert.ok(sameBytes(concat(t.client.received.get(conn)), down), 'download intact');
  return { t, conn, sconn };
}

describe('userspace path manager: commands', () => {
  test('ANNOUNCE on the server: ADD_ADDR with HMAC, echoed; the client (kernel PM) joins it; no limit on the server', () => {
    const { t } = run(2, kernelPm({ limits: { subflows: 1, addAddrAccepted: 1 } }, 1), USERSPACE, [
      { atMs: 100, run: (now, { server }) => must(cmd(server, now, { cmd: 'announce', token: token(server), addr: '198.18.1.2', id: 5 })) },
    ]);
    assert.equal(t.server.ep.mib.get('AddAddrTx'), 1);
    assert.equal(t.client.ep.mib.get('AddAddr'), 1);
    assert.equal(t.client.ep.mib.get('AddAddrDrop'), 0, 'the HMAC checked out');
    assert.equal(t.client.ep.mib.get('EchoAddTx'), 1);
    assert.equal(t.server.ep.mib.get('EchoAdd'), 1);
    const ann = pmEvents(t.client, 'ANNOUNCED');
    assert.deepEqual(
      ann.map((e) => [e.remId, e.daddr]),
      [[5, '198.18.1.2']],
    );
    assert.deepEqual(joins(t), [1, 1, 1]);
    assert.deepEqual(
      pmEvents(t.server, 'SF_ESTABLISHED').map((e) => [e.saddr, e.locId, e.daddr]),
      [['198.18.1.2', 5, '198.18.1.1']],
    );
  });

  test('without a command the userspace PM does nothing: no ADD_ADDR, no join', () => {
    const { t } = run(2, kernelPm({ limits: { subflows: 1, addAddrAccepted: 1 } }, 1), USERSPACE, []);
    assert.equal(t.server.ep.mib.get('AddAddrTx'), 0);
    assert.deepEqual(joins(t), [0, 0, 0]);
    assert.equal(pmEvents(t.server, 'CREATED').length, 1, 'the daemon still hears CREATED');
  });

  test('an incoming ADD_ADDR is echoed and reported as ANNOUNCED, never joined', () => {
    const { t } = run(2, USERSPACE, kernelPm({ endpoints: [{ address: '198.18.1.2', flags: ['signal'] }] }, 2), []);
    assert.equal(t.client.ep.mib.get('AddAddr'), 1);
    assert.equal(t.client.ep.mib.get('EchoAddTx'), 1);
    assert.equal(t.server.ep.mib.get('EchoAdd'), 1);
    assert.deepEqual(
      pmEvents(t.client, 'ANNOUNCED').map((e) => [e.remId, e.daddr, e.dport]),
      [[1, '198.18.1.2', 80]],
    );
    assert.equal(t.client.ep.mib.get('MPJoinSynTx'), 0);
  });

  test('joins are accepted beyond the kernel PM limits (3 joins; the kernel default accepts 2)', () => {
    const eps = ['198.18.1.1', '198.18.2.1', '198.18.3.1'].map((address) => ({ address, flags: ['subflow' as const] }));
    const { t } = run(4, kernelPm({ limits: { subflows: 3 }, endpoints: eps }, 1), USERSPACE, []);
    assert.deepEqual(joins(t), [3, 3, 3]);
    assert.equal(t.server.ep.mib.get('MPJoinRejected'), 0);
  });

  test('SUBFLOW_CREATE on the client: MP_JOIN, SF_ESTABLISHED with the given ID on both hosts', () => {
    const { t } = run(2, USERSPACE, kernelPm({ limits: { subflows: 1 } }, 2), [
      {
        atMs: 100,
        run: (now, { client }) =>
          must(
            cmd(client, now, {
              cmd: 'subflow_create',
              token: token(client),
              local: { addr: '198.18.1.1', id: 23 },
              remote: { addr: '198.18.0.2', port: 80 },
            }),
          ),
      },
    ]);
    assert.equal(t.client.ep.mib.get('MPJoinSynTx'), 1);
    assert.deepEqual(joins(t), [1, 1, 1]);
    assert.deepEqual(
      pmEvents(t.client, 'SF_ESTABLISHED').map((e) => [e.saddr, e.locId, e.daddr, e.remId]),
      [['198.18.1.1', 23, '198.18.0.2', 0]],
    );
    assert.deepEqual(
      pmEvents(t.server, 'SF_ESTABLISHED').map((e) => [e.daddr, e.remId]),
      [['198.18.1.1', 23]],
    );
  });

  test('SUBFLOW_DESTROY: that subflow closed (RmSubflow, SF_CLOSED on both hosts), no RM_ADDR', () => {
    let sf: PmEvent | undefined;
    const { t } = run(2, USERSPACE, kernelPm({ limits: { subflows: 1 } }, 2), [
      {
        atMs: 100,
        run: (now, { client }) =>
          must(
            cmd(client, now, {
              cmd: 'subflow_create',
              token: token(client),
              local: { addr: '198.18.1.1', id: 23 },
              remote: { addr: '198.18.0.2', port: 80 },
            }),
          ),
      },
      {
        atMs: 250,
        run: (now, { client }) => {
          sf = pmEvents(client, 'SF_ESTABLISHED')[0];
          assert.ok(sf?.sport && sf.dport && sf.saddr && sf.daddr, 'the join is up with its 4-tuple');
          const local = { addr: sf.saddr, port: sf.sport };
          must(cmd(client, now, { cmd: 'subflow_destroy', token: token(client), local, remote: { addr: sf.daddr, port: sf.dport } }));
        },
      },
    ]);
    assert.equal(t.client.ep.mib.get('RmSubflow'), 1);
    assert.equal(t.client.ep.mib.get('RmAddrTx'), 0);
    assert.deepEqual(
      pmEvents(t.client, 'SF_CLOSED').map((e) => [e.saddr, e.sport]),
      [[sf?.saddr, sf?.sport]],
    );
    assert.deepEqual(
      pmEvents(t.server, 'SF_CLOSED').map((e) => e.daddr),
      ['198.18.1.1'],
    );
  });

  test('SET_FLAGS backup: MP_PRIO (MPPrioTx / MPPrioRx), SF_PRIORITY backup on the peer', () => {
    const { t } = run(2, USERSPACE, kernelPm({ limits: { subflows: 1 } }, 2), [
      {
        atMs: 100,
        run: (now, { client }) =>
          must(
            cmd(client, now, {
              cmd: 'subflow_create',
              token: token(client),
              local: { addr: '198.18.1.1', id: 23 },
              remote: { addr: '198.18.0.2', port: 80 },
            }),
          ),
      },
      {
        atMs: 250,
        run: (now, { client }) =>
          must(
            cmd(client, now, {
              cmd: 'set_flags',
              token: token(client),
              local: { addr: '198.18.1.1' },
              remote: { addr: '198.18.0.2', port: 80 },
              backup: true,
            }),
          ),
      },
    ]);
    assert.equal(t.client.ep.mib.get('MPPrioTx'), 1);
    assert.equal(t.server.ep.mib.get('MPPrioRx'), 1);
    const prio = pmEvents(t.server, 'SF_PRIORITY');
    assert.deepEqual(
      prio.map((e) => [e.daddr, e.backup]),
      [['198.18.1.1', true]],
    );
  });

  test('REMOVE of an announced ID: RM_ADDR (RmAddrTx / RmAddr), REMOVED on the peer, its subflow to that ID closed by the peer', () => {
    const { t } = run(2, kernelPm({ limits: { subflows: 1, addAddrAccepted: 1 } }, 1), USERSPACE, [
      { atMs: 100, run: (now, { server }) => must(cmd(server, now, { cmd: 'announce', token: token(server), addr: '198.18.1.2', id: 5 })) },
      { atMs: 300, run: (now, { server }) => must(cmd(server, now, { cmd: 'remove', token: token(server), id: 5 })) },
    ]);
    assert.equal(t.server.ep.mib.get('RmAddrTx'), 1);
    assert.equal(t.client.ep.mib.get('RmAddr'), 1);
    assert.deepEqual(
      pmEvents(t.client, 'REMOVED').map((e) => e.remId),
      [5],
    );
    assert.deepEqual(
      pmEvents(t.client, 'SF_CLOSED').map((e) => [e.daddr, e.remId]),
      [['198.18.1.2', 5]],
    );
    assert.deepEqual(
      pmEvents(t.server, 'SF_CLOSED').map((e) => e.saddr),
      ['198.18.1.2'],
    );
  });
});

describe('userspace path manager: shared machinery', () => {
  test('an unechoed announce goes again after add_addr_timeout, ADD_ADDR_RETRANS_MAX (3) times', () => {
    const isEcho = (p: Packet): boolean => {
      const r = parseSegment(p.bytes);
      // ADD_ADDR (subtype 3) with the E flag (the low bit of the subtype byte).
      return r.ok && r.segment.options.some((o) => o.kind === 'mptcp' && (o.bytes[2] ?? 0) >> 4 === 3 && ((o.bytes[2] ?? 0) & 1) === 1);
    };
    const server = { ctrl: { pmType: 1 as const }, pm: new UserspacePm({ addAddrTimeoutMs: 50 }) };
    const { t } = run(
      2,
      kernelPm({ limits: { subflows: 1, addAddrAccepted: 1 } }, 1),
      server,
      [{ atMs: 100, run: (now, { server: s }) => must(cmd(s, now, { cmd: 'announce', token: token(s), addr: '198.18.1.2', id: 5 })) }],
      4_000_000,
      (topo) => (topo.server.tap = (p) => (isEcho(p) ? undefined : p.bytes)),
    );
    assert.equal(t.server.ep.mib.get('AddAddrTx'), 4);
    assert.equal(t.client.ep.mib.get('AddAddr'), 4);
    assert.equal(t.server.ep.mib.get('EchoAdd'), 0);
    assert.deepEqual(joins(t), [1, 1, 1], 'the address is joined once');
  });

  test('REMOVE id 0: RM_ADDR 0, the peer closes the initial subflow and the transfer ends on the join', () => {
    const { t } = run(2, USERSPACE, kernelPm({ limits: { subflows: 1 } }, 2), [
      {
        atMs: 100,
        run: (now, { client }) =>
          must(
            cmd(client, now, {
              cmd: 'subflow_create',
              token: token(client),
              local: { addr: '198.18.1.1', id: 23 },
              remote: { addr: '198.18.0.2', port: 80 },
            }),
          ),
      },
      { atMs: 250, run: (now, { client }) => must(cmd(client, now, { cmd: 'remove', token: token(client), id: 0 })) },
    ]);
    assert.equal(t.client.ep.mib.get('RmAddrTx'), 1);
    assert.equal(t.server.ep.mib.get('RmAddr'), 1);
    assert.deepEqual(
      pmEvents(t.server, 'REMOVED').map((e) => e.remId),
      [0],
    );
    assert.deepEqual(
      pmEvents(t.server, 'SF_CLOSED').map((e) => e.daddr),
      ['198.18.0.1'],
    );
  });
});

describe('userspace path manager: determinism', () => {
  test('the same commands at the same times give the same packets', () => {
    const once = (): string[] =>
      run(
        2,
        USERSPACE,
        kernelPm({ limits: { subflows: 1 } }, 2),
        [
          {
            atMs: 100,
            run: (now, { client }) =>
              must(
                cmd(client, now, {
                  cmd: 'subflow_create',
                  token: token(client),
                  local: { addr: '198.18.1.1', id: 23 },
                  remote: { addr: '198.18.0.2', port: 80 },
                }),
              ),
          },
          {
            atMs: 200,
            run: (now, { client }) => must(cmd(client, now, { cmd: 'announce', token: token(client), addr: '198.18.1.1', id: 23 })),
          },
        ],
        500_000,
      ).t.trace;
    const a = once();
    assert.ok(a.length > 100, 'packets were traced');
    assert.deepEqual(once(), a);
  });
});

describe('userspace path manager: bad commands', () => {
  test('each is refused with the kernel errno and nothing goes on the wire', () => {
    const results: Record<string, UpmResult> = {};
    const { t } = run(2, USERSPACE, kernelPm({ limits: { subflows: 1 } }, 2), [
      {
        atMs: 100,
        run: (now, { client, server }) => {
          const tok = token(client);
          const remote = { addr: '198.18.0.2', port: 80 };
          results.unknownToken = cmd(client, now, { cmd: 'announce', token: tok ^ 1, addr: '198.18.1.1', id: 2 });
          results.announceId0 = cmd(client, now, { cmd: 'announce', token: tok, addr: '198.18.1.1', id: 0 });
          results.badAddress = cmd(client, now, { cmd: 'announce', token: tok, addr: '198.18.1', id: 2 });
          must(cmd(client, now, { cmd: 'announce', token: tok, addr: '198.18.1.1', id: 2 }));
          results.idOfOtherAddress = cmd(client, now, { cmd: 'announce', token: tok, addr: '198.18.0.1', id: 2 });
          results.removeUnknownId = cmd(client, now, { cmd: 'remove', token: tok, id: 9 });
          results.notLocal = cmd(client, now, { cmd: 'subflow_create', token: tok, local: { addr: '203.0.113.7', id: 4 }, remote });
          results.families = cmd(client, now, { cmd: 'subflow_create', token: tok, local: { addr: '2001:db8::1', id: 4 }, remote });
          results.destroyNoPort = cmd(client, now, { cmd: 'subflow_destroy', token: tok, local: { addr: '198.18.0.1' }, remote });
          results.destroyUnknown = cmd(client, now, { cmd: 'subflow_destroy', token: tok, local: { addr: '198.18.1.1', port: 1 }, remote });
          results.setFlagsNoRemote = cmd(client, now, { cmd: 'set_flags', token: tok, local: { addr: '198.18.0.1' }, backup: true });
          results.setFlagsNoSubflow = cmd(client, now, {
            cmd: 'set_flags',
            token: tok,
            local: { addr: '198.18.1.1' },
            remote,
            backup: true,
          });
          results.kernelPmHost = cmd(server, now, { cmd: 'announce', token: token(server), addr: '198.18.1.2', id: 2 });
        },
      },
    ]);
    const errno = Object.fromEntries(Object.entries(results).map(([k, r]) => [k, r.ok ? 'ok' : r.errno]));
    assert.deepEqual(errno, {
      unknownToken: 'EINVAL',
      announceId0: 'EINVAL',
      badAddress: 'EINVAL',
      idOfOtherAddress: 'EINVAL',
      removeUnknownId: 'EINVAL',
      notLocal: 'EADDRNOTAVAIL',
      families: 'EINVAL',
      destroyNoPort: 'EINVAL',
      destroyUnknown: 'ESRCH',
      setFlagsNoRemote: 'EINVAL',
      setFlagsNoSubflow: 'EINVAL',
      kernelPmHost: 'EINVAL',
    });
    const kernelHost = results.kernelPmHost;
    assert.ok(kernelHost && !kernelHost.ok && /userspace PM not selected/.test(kernelHost.message));
    // Only the one good ANNOUNCE went out; no join, no RM_ADDR, no MP_PRIO.
    assert.equal(t.client.ep.mib.get('AddAddrTx'), 1);
    assert.equal(t.client.ep.mib.get('MPJoinSynTx'), 0);
    assert.equal(t.client.ep.mib.get('RmAddrTx'), 0);
    assert.equal(t.client.ep.mib.get('MPPrioTx'), 0);
    assert.equal(t.client.ep.mib.get('RmSubflow'), 0);
    assert.equal(t.client.ep.mib.get('MPJoinSynTxBindErr'), 1, 'the bind() to 203.0.113.7 failed');
  });
});

describe('userspace path manager: before the connection is fully established', () => {
  test('SUBFLOW_CREATE is ENOTCONN until the peer confirmed the keys, and sends nothing', () => {
    const t = topology([LINK, LINK], { client: USERSPACE, server: kernelPm({ limits: { subflows: 1 } }, 2) });
    t.server.ep.listen(80, { mptcp: true });
    t.client.ep.connect(0, { remoteAddr: '198.18.0.2', remotePort: 80, mptcp: true });
    t.client.flush(0);
    // The SYN/ACK is in (CREATED), but no data came back yet: the client is not fully established.
    t.net.drive(12);
    const tok = token(t.client);
    const c: UpmCommand = {
      cmd: 'subflow_create',
      token: tok,
      local: { addr: '198.18.1.1', id: 2 },
      remote: { addr: '198.18.0.2', port: 80 },
    };
    const r = cmd(t.client, t.net.now, c);
    assert.equal(r.ok ? 'ok' : r.errno, 'ENOTCONN');
    assert.equal(t.client.ep.mib.get('MPJoinSynTx'), 0);
  });
});

describe('net.mptcp.pm_type / path_manager', () => {
  test('either name selects the userspace PM, the other follows; conflicting or unknown values are refused', () => {
    const pick = (c: Partial<MptcpCtrl>) => {
      const r = mptcpCtrl(c);
      return [r.pmType, r.pathManager];
    };
    assert.deepEqual(pick({}), [0, 'kernel']);
    assert.deepEqual(pick({ pmType: 1 }), [1, 'userspace']);
    assert.deepEqual(pick({ pathManager: 'userspace' }), [1, 'userspace']);
    assert.throws(() => mptcpCtrl({ pmType: 1, pathManager: 'kernel' }), /disagree/);
    assert.throws(() => mptcpCtrl({ pmType: 2 as 0 }), /pm_type: 0 \(kernel\) or 1 \(userspace\), got 2/);
    assert.throws(() => mptcpCtrl({ pathManager: 'bpf' as 'kernel' }), /path_manager: "kernel" or "userspace", got "bpf"/);
  });
});
