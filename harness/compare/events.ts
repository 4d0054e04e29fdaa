// PM events per host, compared per connection in causal order (events of
// one step that happen concurrently as a set), on what does not depend on
// randomness or on the clock: the kind, the local and remote address ids,
// the addresses when they are the lab's own, and the backup flag. Tokens,
// ports, timestamps, ifindexes and wildcard or ephemeral addresses are left
// out. LISTENER_* events compare by kind only: iproute2 6.1 prints them
// without attributes (`[UNKNOWN 15]`).
import { formatIp, parseScopedIp, unmapV4 } from '../../engine/index.js';
import type { Lab } from '../lab/model.js';
import type { PmEvent } from '../observations.js';
import { inLabRange } from '../lab/addresses.js';
import { RAW_KINDS } from '../observe/monitor.js';
import { hostsOf } from './counters.js';
import type { ComparedSide, ComparisonItem } from './types.js';

/**
 * An address in one canonical spelling: IPv6 compressed and lower case
 * (RFC 5952, as iproute2 prints it), a zone id kept, IPv4-mapped IPv6 as
 * plain IPv4. Anything that is not an address comes back unchanged.
 */
export function canonicalAddress(address: string): string {
  const ip = parseScopedIp(address);
  if (!ip) return address;
  return formatIp(ip.zone === undefined ? unmapV4(ip) : ip);
}

/** Every address the lab gives an interface or an endpoint, canonical. */
export function labAddresses(lab: Lab): Set<string> {
  const out = new Set<string>();
  for (const h of lab.hosts) {
    for (const i of h.interfaces) for (const a of i.addresses) out.add(canonicalAddress(a.address));
    for (const e of h.endpoints) out.add(canonicalAddress(e.address));
  }
  for (const e of lab.events) if (e.action === 'endpoint-add') out.add(canonicalAddress(e.endpoint.address));
  return out;
}

function isLabAddress(address: string, known: ReadonlySet<string>): boolean {
  const a = canonicalAddress(address);
  return known.has(a) || inLabRange(a);
}

/** The kind of an event, with `[UNKNOWN n]` resolved when n is known. */
export function eventKind(ev: PmEvent): string {
  if (ev.type !== 'UNKNOWN') return ev.type;
  if (ev.rawKind === undefined) return 'UNKNOWN';
  return RAW_KINDS[ev.rawKind] ?? `UNKNOWN ${ev.rawKind}`;
}

/** The deterministic part of an event, as one line: `SF_ESTABLISHED locId=1 remId=0 saddr=198.18.2.1 daddr=198.18.1.2`. */
export function eventKey(ev: PmEvent, known: ReadonlySet<string>): string {
  const kind = eventKind(ev);
  if (kind.startsWith('LISTENER_')) return kind;
  const words = [kind];
  if (ev.locId !== undefined) words.push(`locId=${ev.locId}`);
  if (ev.remId !== undefined) words.push(`remId=${ev.remId}`);
  if (ev.saddr !== undefined && isLabAddress(ev.saddr, known)) words.push(`saddr=${canonicalAddress(ev.saddr)}`);
  if (ev.daddr !== undefined && isLabAddress(ev.daddr, known)) words.push(`daddr=${canonicalAddress(ev.daddr)}`);
  // The monitor prints backup only on subflow events; absent and 0 mean the same.
  if (ev.backup) words.push('backup=1');
  return words.join(' ');
}

export type DiffLine = { op: 'same' | 'a' | 'b'; text: string; index: number };

/**
 * A shortest edit script between two sequences (longest common subsequence):
 * 'same' lines are in both, 'a' only in the first, 'b' only in the second;
 * index is the position in the sequence the line comes from (the first one for 'same').
 */
export function diffSequences(a: readonly string[], b: readonly string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ op: 'same', text: a[i]!, index: i });
      i += 1;
      j += 1;
    } else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      out.push({ op: 'a', text: a[i]!, index: i });
      i += 1;
    } else {
      out.push({ op: 'b', text: b[j]!, index: j });
      j += 1;
    }
  }
  return out;
}

/**
 * Events of one connection that happen concurrently and may come out in
 * either order: subflows established and addresses announced in the same
 * round trip (the two joins of a fullmesh), or addresses removed and
 * subflows closed by one flush. CREATED, ESTABLISHED and CLOSED are causal
 * boundaries of their own; anything else is a class of its own.
 */
const STEP_CLASS: Record<string, string> = {
  ANNOUNCED: 'grow',
  SF_ESTABLISHED: 'grow',
  SF_PRIORITY: 'grow',
  REMOVED: 'shrink',
  SF_CLOSED: 'shrink',
};

/** A connection's events cut into causal steps; each step's keys sorted (compared as a multiset). */
export function causalSteps(keys: readonly string[]): string[][] {
  const steps: { cls: string; keys: string[] }[] = [];
  for (const key of keys) {
    const cls = STEP_CLASS[key.split(' ')[0]!];
    const last = steps.at(-1);
    if (cls !== undefined && last?.cls === cls) last.keys.push(key);
    else steps.push({ cls: cls ?? key, keys: [key] });
  }
  return steps.map((s) => [...s.keys].sort());
}

/** Events per connection (by token, in order of first appearance); events without a token (listeners) form one group. */
function byConnection(events: readonly PmEvent[]): PmEvent[][] {
  const groups = new Map<string, PmEvent[]>();
  for (const ev of events) {
    const key = ev.token === undefined ? 'none' : String(ev.token);
    const group = groups.get(key);
    if (group) group.push(ev);
    else groups.set(key, [ev]);
  }
  return [...groups.values()];
}

/**
 * A host's events in a canonical text: one line per connection, its causal
 * steps separated by ";", a step of several concurrent events in braces;
 * connections sorted, since concurrent connections start in either order.
 */
export function canonicalEvents(events: readonly PmEvent[], known: ReadonlySet<string>): string[] {
  return byConnection(events)
    .map((group) =>
      causalSteps(group.map((e) => eventKey(e, known)))
        .map((step) => (step.length === 1 ? step[0]! : `{${step.join(', ')}}`))
        .join('; '),
    )
    .sort();
}

/**
 * One item per host that has events on either side: the same events per
 * connection, in the same causal order (concurrent ones as a set).
 */
export function compareEvents(lab: Lab, a: ComparedSide, b: ComparedSide): ComparisonItem[] {
  const known = labAddresses(lab);
  const items: ComparisonItem[] = [];
  for (const host of hostsOf(lab, a.obs.events, b.obs.events)) {
    const ea = canonicalEvents(a.obs.events[host] ?? [], known);
    const eb = canonicalEvents(b.obs.events[host] ?? [], known);
    if (!ea.length && !eb.length) continue;
    const ok = ea.length === eb.length && ea.every((k, i) => k === eb[i]);
    const item: ComparisonItem = {
      name: `events.${host}`,
      kind: 'events',
      nature: 'protocol',
      a: ea.join(' | ') || '(none)',
      b: eb.join(' | ') || '(none)',
      ok,
    };
    if (!ok) item.detail = eventsDiff(a, b, host, known);
    items.push(item);
  }
  return items;
}

/** The events only one side has, in the order each side saw them. */
function eventsDiff(a: ComparedSide, b: ComparedSide, host: string, known: ReadonlySet<string>): string {
  const ea = (a.obs.events[host] ?? []).map((e) => eventKey(e, known));
  const eb = (b.obs.events[host] ?? []).map((e) => eventKey(e, known));
  const lines = diffSequences(ea, eb)
    .filter((d) => d.op !== 'same')
    .map((d) => (d.op === 'a' ? `only ${a.label} #${d.index + 1}: ${d.text}` : `only ${b.label} #${d.index + 1}: ${d.text}`));
  return lines.length ? lines.join('\n') : 'the same events, in an order that is not causal-equivalent';
}
