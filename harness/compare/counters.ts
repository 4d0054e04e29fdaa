// Counters, per host, by kernel MIB name. Those the protocol fixes (a
// handshake, an option sent or received once per PM action) must be equal
// between targets; those that depend on loss and timing (retransmissions,
// out-of-order queueing, duplicates) only within a tolerance the caller
// declares, and are not compared otherwise.
import type { Lab } from '../lab/model.js';
import type { Observations } from '../observations.js';
import { fullCounterName, nameMatches, shortCounterName } from './glob.js';
import type { ComparedSide, ComparisonItem, CounterTolerance, Tolerances } from './types.js';

/**
 * Counters (MPTcpExt*) whose value a lab's protocol exchange fixes: the
 * MP_CAPABLE and MP_JOIN handshakes and their HMAC checks, ADD_ADDR and its
 * echo, RM_ADDR, MP_PRIO, MP_FASTCLOSE, MP_TCPRST, MP_FAIL, the infinite
 * mapping, DSS checksum errors and the MP_CAPABLE fallbacks.
 */
export const EXACT_COUNTERS: readonly string[] = [
  'MPCapableSYNRX',
  'MPCapableSYNTX',
  'MPCapableSYNACKRX',
  'MPCapableACKRX',
  'MPCapableFallbackACK',
  'MPCapableFallbackSYNACK',
  'MPJoinSynRx',
  'MPJoinSynBackupRx',
  'MPJoinSynAckRx',
  'MPJoinSynAckBackupRx',
  'MPJoinAckRx',
  'MPJoinSynTx',
  'MPJoinSynAckHMacFailure',
  'MPJoinAckHMacFailure',
  'MPJoinRejected',
  'MPJoinPortSynRx',
  'MPJoinPortSynAckRx',
  'MPJoinPortAckRx',
  'MismatchPortSynRx',
  'MismatchPortAckRx',
  'AddAddr',
  'AddAddrTx',
  'EchoAdd',
  'EchoAddTx',
  'PortAdd',
  'RmAddr',
  'RmAddrTx',
  'RmSubflow',
  'MPPrioTx',
  'MPPrioRx',
  'MPFastcloseTx',
  'MPFastcloseRx',
  'MPRstTx',
  'MPRstRx',
  'MPFailTx',
  'MPFailRx',
  'InfiniteMapTx',
  'InfiniteMapRx',
  'DataCsumErr',
].map(fullCounterName);

/**
 * Counters that move with loss, reordering and timing. Not compared unless
 * the caller gives a tolerance (listed here so a caller can give one to all).
 */
export const LOSS_DEPENDENT_COUNTERS: readonly string[] = [
  'MPTCPRetrans',
  'OFOQueue',
  'OFOQueueTail',
  'OFOMerge',
  'DuplicateData',
  'SubflowStale',
  'SubflowRecover',
  'RcvPruned',
  'TcpRetransSegs',
  'TcpExtTCPFastRetrans',
  'TcpExtTCPSlowStartRetrans',
  'TcpExtTCPLostRetransmit',
  'TcpExtTCPTimeouts',
  'TcpExtTCPLossProbes',
  'TcpExtTCPLossProbeRecovery',
  'TcpExtTCPSynRetrans',
  'TcpExtTCPOFOQueue',
  'TcpExtTCPOFODrop',
  'TcpExtTCPSACKReorder',
  'TcpExtTCPDSACKRecv',
  'TcpExtTCPDSACKOldSent',
  'TcpExtTCPDSACKUndo',
].map(fullCounterName);

/** Hosts of the lab in lab order, then any other host an observation mentions. */
export function hostsOf(lab: Lab, ...maps: Record<string, unknown>[]): string[] {
  const names = lab.hosts.map((h) => h.name);
  for (const m of maps) for (const h of Object.keys(m)) if (!names.includes(h)) names.push(h);
  return names;
}

/** The tolerance that applies to a counter on a host, if any (the first key that matches, in the order given). */
export function toleranceFor(tolerances: Tolerances, host: string, counter: string): CounterTolerance | undefined {
  const short = shortCounterName(counter);
  for (const [key, tol] of Object.entries(tolerances.counters ?? {})) {
    const candidates = [counter, short, `${host}.${counter}`, `${host}.${short}`];
    if (candidates.some((c) => c === key || (/[*?]/.test(key) && nameMatches(key, c)))) return tol;
  }
  return undefined;
}

/** Whether two counts agree within a tolerance. */
export function withinTolerance(a: number, b: number, tol: CounterTolerance): boolean {
  const allowed = Math.max(tol.absolute ?? 0, (tol.relative ?? 0) * Math.max(Math.abs(a), Math.abs(b)));
  return Math.abs(a - b) <= allowed;
}

function describeTolerance(tol: CounterTolerance): string {
  const parts: string[] = [];
  if (tol.absolute !== undefined) parts.push(`±${tol.absolute}`);
  if (tol.relative !== undefined) parts.push(`±${Number((tol.relative * 100).toFixed(2))}%`);
  return `within ${parts.join(' or ') || '±0'}`;
}

function counterNames(obs: Observations, host: string): string[] {
  return Object.keys(obs.counters[host] ?? {});
}

/**
 * One item per (host, counter) that is exact or has a tolerance and is not
 * zero on both sides (an agreeing zero says nothing and would drown the report).
 */
export function compareCounters(lab: Lab, a: ComparedSide, b: ComparedSide, tolerances: Tolerances): ComparisonItem[] {
  const exact = new Set((tolerances.exact ?? EXACT_COUNTERS).map(fullCounterName));
  const items: ComparisonItem[] = [];
  for (const host of hostsOf(lab, a.obs.counters, b.obs.counters)) {
    const names = [...exact];
    for (const n of [...counterNames(a.obs, host), ...counterNames(b.obs, host)]) if (!names.includes(n)) names.push(n);
    for (const counter of names) {
      const tol = toleranceFor(tolerances, host, counter);
      if (!tol && !exact.has(counter)) continue;
      const va = a.obs.counters[host]?.[counter] ?? 0;
      const vb = b.obs.counters[host]?.[counter] ?? 0;
      if (va === 0 && vb === 0) continue;
      const ok = tol ? withinTolerance(va, vb, tol) : va === vb;
      const notes: string[] = [];
      if (tol) notes.push(describeTolerance(tol));
      for (const side of [a, b]) if (!side.obs.counters[host]) notes.push(`${side.label} reported no counters for ${host}`);
      items.push({
        name: `counters.${host}.${counter}`,
        kind: 'counter',
        // A counter the lab compares within a tolerance moves with loss and timing.
        nature: tol ? 'timing' : 'protocol',
        values: { a: va, b: vb },
        a: String(va),
        b: String(vb),
        ok,
        ...(notes.length ? { detail: notes.join('; ') } : {}),
      });
    }
  }
  return items;
}
