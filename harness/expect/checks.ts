// Expectations, evaluated from Observations only, so the same lab checks a
// kernel run and an engine run. Named checks read the counters the kernel
// selftests read, on the same side (mptcp_join.sh: ns1 = server, ns2 = client).
import type { CheckResult } from '../result.js';
import type { Observations, PmEvent } from '../observations.js';
import type { Expected, Lab, PmEventPattern } from '../lab/model.js';
import { atLeastUnlessZero, toBound, within, type Bound } from './compare.js';
import { notIntactText } from '../integrity/describe.js';

type Role = 'client' | 'server';

class CheckList {
  readonly items: CheckResult[] = [];
  constructor(
    private readonly lab: Lab,
    private readonly obs: Observations,
  ) {}

  host(role: Role): string {
    return this.lab.workload[role];
  }
  other(role: Role): Role {
    return role === 'client' ? 'server' : 'client';
  }
  counter(host: string, name: string): number {
    return this.obs.counters[host]?.[name] ?? 0;
  }
  value(name: string, bound: Bound, actual: number, source: string): void {
    this.items.push({ name, ok: within(bound, actual), source, expected: bound.text, actual: String(actual) });
  }
  /** A counter on a host, by role or host name. */
  /** A counter on a host (by host name; use host(role) for the workload's sides). */
  mib(name: string, host: string, counterName: string, expected: Expected | Bound | undefined, atLeast = false): void {
    if (expected === undefined) return;
    const full =
      counterName.startsWith('MPTcpExt') || counterName.startsWith('Tcp') || counterName.startsWith('Ip')
        ? counterName
        : `MPTcpExt${counterName}`;
    const bound = typeof expected === 'object' ? expected : atLeast ? atLeastUnlessZero(expected) : toBound(expected);
    this.value(name, bound, this.counter(host, full), `${host} ${full}`);
  }
  boolean(name: string, expected: boolean, actual: boolean, source: string): void {
    this.items.push({ name, ok: expected === actual, source, expected: String(expected), actual: String(actual) });
  }
}

function joinChecks(c: CheckList, e: NonNullable<Lab['expect']['join']>): void {
  c.mib('join.syn', c.host('server'), 'MPJoinSynRx', e.syn);
  c.mib('join.synack', c.host('client'), 'MPJoinSynAckRx', e.synack);
  c.mib('join.ack', c.host('server'), 'MPJoinAckRx', e.ack);
  c.mib('join.synack_hmac_failure', c.host('client'), 'MPJoinSynAckHMacFailure', 0);
  c.mib('join.ack_hmac_failure', c.host('server'), 'MPJoinAckHMacFailure', 0);
  c.mib('join.syn_tx', c.host('client'), 'MPJoinSynTx', e.syn_tx);
  c.mib('join.rejected', c.host('server'), 'MPJoinRejected', e.rejected);
}

function addAddrChecks(c: CheckList, e: NonNullable<Lab['expect']['add_addr']>): void {
  const tx = e.by;
  const rx = c.other(tx);
  c.mib('add_addr.rx', c.host(rx), 'AddAddr', e.rx, true);
  c.mib('add_addr.echo', c.host(tx), 'EchoAdd', e.echo);
  c.mib('add_addr.tx', c.host(tx), 'AddAddrTx', e.tx, true);
  if (e.port === undefined) return;
  c.mib('add_addr.port', c.host(rx), 'PortAdd', e.port);
  c.mib('add_addr.port_syn', c.host(tx), 'MPJoinPortSynRx', e.port);
  c.mib('add_addr.port_synack', c.host(rx), 'MPJoinPortSynAckRx', e.port);
  c.mib('add_addr.port_ack', c.host(tx), 'MPJoinPortAckRx', e.port);
  c.mib('add_addr.mismatch_port_syn', c.host(tx), 'MismatchPortSynRx', 0);
  c.mib('add_addr.mismatch_port_ack', c.host(tx), 'MismatchPortAckRx', 0);
}

function rmChecks(c: CheckList, e: NonNullable<Lab['expect']['rm']>): void {
  const remover = e.by;
  c.mib('rm.addr', c.host(c.other(remover)), 'RmAddr', e.addr);
  c.mib('rm.tx', c.host(remover), 'RmAddrTx', e.tx);
  if (e.subflow === undefined) return;
  if (!e.simult) return c.mib('rm.subflow', c.host(remover), 'RmSubflow', e.subflow);
  // Both sides may close the same subflows when they remove at once.
  const b = toBound(e.subflow);
  const sum = c.counter(c.host('client'), 'MPTcpExtRmSubflow') + c.counter(c.host('server'), 'MPTcpExtRmSubflow');
  c.value('rm.subflow', { min: b.min, max: 2 * b.max, text: `${b.min}..${2 * b.max}` }, sum, 'client+server MPTcpExtRmSubflow');
}

function txRxChecks(
  c: CheckList,
  name: string,
  e: { tx?: Expected; rx?: Expected; by: Role } | undefined,
  tx: string,
  rx: string,
  atLeast = false,
): void {
  if (!e) return;
  c.mib(`${name}.tx`, c.host(e.by), tx, e.tx, atLeast);
  c.mib(`${name}.rx`, c.host(c.other(e.by)), rx, e.rx, atLeast);
}

function matches(ev: PmEvent, p: PmEventPattern): boolean {
  return (
    ev.type === p.type &&
    (p.saddr === undefined || ev.saddr === p.saddr) &&
    (p.daddr === undefined || ev.daddr === p.daddr) &&
    (p.locId === undefined || ev.locId === p.locId) &&
    (p.remId === undefined || ev.remId === p.remId) &&
    (p.backup === undefined || ev.backup === p.backup) &&
    (p.dport === undefined || ev.dport === p.dport)
  );
}

function eventChecks(c: CheckList, obs: Observations, patterns: PmEventPattern[]): void {
  patterns.forEach((p) => {
    const n = (obs.events[p.host] ?? []).filter((ev) => matches(ev, p)).length;
    const { host, type, count, ...attrs } = p;
    const label = `events.${host}.${type}${Object.keys(attrs).length ? ` ${JSON.stringify(attrs)}` : ''}`;
    c.value(label, count === undefined ? { min: 1, max: Infinity, text: '>=1' } : toBound(count), n, `ip mptcp monitor on ${host}`);
  });
}

/** Payload bytes of the client on each of its links, in the transfer's direction. */
function linkShares(lab: Lab, obs: Observations): Map<string, number> {
  const client = lab.workload.client;
  const dir = lab.workload.direction;
  const bytes = new Map<string, number>();
  for (const l of lab.links) {
    const counts = obs.links[l.name];
    if (!counts || (l.a.host !== client && l.b.host !== client)) continue;
    const fromClient = l.a.host === client ? counts.aToB : counts.bToA;
    const toClient = l.a.host === client ? counts.bToA : counts.aToB;
    bytes.set(l.name, dir === 'upload' ? fromClient : dir === 'download' ? toClient : fromClient + toClient);
  }
  const total = [...bytes.values()].reduce((a, b) => a + b, 0);
  return new Map([...bytes].map(([k, v]) => [k, total ? v / total : 0]));
}

function transferChecks(c: CheckList, lab: Lab, obs: Observations): void {
  const e = lab.expect;
  const t = obs.transfers;
  if (e.integrity) {
    const expectedConns = lab.workload.connections;
    const bad = t.filter((x) => !x.intact).map(notIntactText);
    c.items.push({
      name: 'integrity',
      ok: t.length === expectedConns && bad.length === 0,
      source: 'sha256 of the bytes sent and received, both ends',
      expected: `${expectedConns} connection(s), every byte intact`,
      actual: t.length !== expectedConns ? `${t.length} connection(s) reported` : bad.length ? bad.join('; ') : 'intact',
    });
  }
  const bothMptcp = lab.workload.clientMptcp && lab.workload.serverMptcp;
  const fallbackExpected = e.fallback ?? !bothMptcp;
  if (t.length)
    c.boolean(
      'fallback',
      fallbackExpected,
      t.some((x) => x.client.fallback || x.server.fallback),
      'MPTCP_INFO (EOPNOTSUPP = fell back)',
    );
  if (e.subflows !== undefined) {
    const first = t[0]?.client;
    const n = first?.subflows.length ? first.subflows.length : first?.info ? first.info.subflows + 1 : 0;
    c.value('subflows', toBound(e.subflows), n, 'client MPTCP_FULL_INFO before close');
  }
  if (e.checksum !== undefined && t.length) {
    const sides = [t[0]!.client.info?.csumEnabled, t[0]!.server.info?.csumEnabled];
    const actual = sides.every((x) => x === true)
      ? 'true'
      : sides.every((x) => x === false)
        ? 'false'
        : `client ${sides[0]}, server ${sides[1]}`;
    c.items.push({
      name: 'checksum',
      ok: actual === String(e.checksum),
      source: 'MPTCP_INFO csum_enabled, client and server',
      expected: String(e.checksum),
      actual,
    });
  }
  if (e.durationMaxMs !== undefined) {
    const worst = Math.max(0, ...t.map((x) => x.durationMs));
    c.value('duration_ms', { min: 0, max: e.durationMaxMs, text: `<=${e.durationMaxMs}` }, Math.round(worst), 'transfer time');
  }
  if (e.link_share) {
    const shares = linkShares(lab, obs);
    for (const [link, exp] of Object.entries(e.link_share)) {
      const share = shares.get(link) ?? 0;
      c.value(`link_share.${link}`, toBound(exp), Number(share.toFixed(3)), `bytes on ${link} / bytes on all client links`);
    }
  }
}

/** A timed event that could not be applied means the lab did not test what it says. */
function eventsApplied(c: CheckList, lab: Lab, obs: Observations): void {
  if (!lab.events.length) return;
  const failed = obs.applied.filter((a) => !a.ok);
  c.items.push({
    name: 'timed_events',
    ok: obs.applied.length === lab.events.length && failed.length === 0,
    source: 'events applied during the workload',
    expected: `${lab.events.length} applied`,
    actual: failed.length ? failed.map((a) => `${a.what}: ${a.error}`).join('; ') : `${obs.applied.length} applied`,
  });
}

export function evaluate(lab: Lab, obs: Observations): CheckResult[] {
  const c = new CheckList(lab, obs);
  const e = lab.expect;
  eventsApplied(c, lab, obs);
  if (e.join) joinChecks(c, e.join);
  if (e.join_backup) {
    c.mib('join_backup.syn', c.host('server'), 'MPJoinSynBackupRx', e.join_backup.syn);
    c.mib('join_backup.synack', c.host('client'), 'MPJoinSynAckBackupRx', e.join_backup.synack);
  }
  if (e.add_addr) addAddrChecks(c, e.add_addr);
  if (e.rm) rmChecks(c, e.rm);
  if (e.mp_prio) {
    c.mib('mp_prio.tx', c.host(e.mp_prio.host), 'MPPrioTx', e.mp_prio.tx);
    c.mib('mp_prio.rx', c.host(e.mp_prio.host), 'MPPrioRx', e.mp_prio.rx);
  }
  txRxChecks(c, 'fastclose', e.fastclose, 'MPFastcloseTx', 'MPFastcloseRx');
  txRxChecks(c, 'rst', e.rst, 'MPRstTx', 'MPRstRx', true);
  txRxChecks(c, 'fail', e.fail, 'MPFailTx', 'MPFailRx');
  txRxChecks(c, 'infinite_map', e.infinite_map, 'InfiniteMapTx', 'InfiniteMapRx');
  if (e.checksum_errors !== undefined) {
    c.mib('checksum_errors.server', c.host('server'), 'DataCsumErr', e.checksum_errors);
    c.mib('checksum_errors.client', c.host('client'), 'DataCsumErr', e.checksum_errors);
  }
  for (const [host, counters] of Object.entries(e.counters ?? {})) {
    for (const [name, exp] of Object.entries(counters)) c.mib(`counters.${host}.${name}`, host, name, exp);
  }
  if (e.events) eventChecks(c, obs, e.events);
  transferChecks(c, lab, obs);
  return c.items;
}
