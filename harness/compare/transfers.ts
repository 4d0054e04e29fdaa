// What the workload's connections ended with: the subflows the client saw
// (address pairs, ports left out), whether every byte arrived intact,
// whether MPTCP fell back to TCP, and how long the transfer took.
import type { Lab } from '../lab/model.js';
import type { TransferObservation } from '../observations.js';
import { canonicalAddress } from './events.js';
import { DEFAULT_DURATION_FACTOR, DEFAULT_DURATION_SLACK_MS, type ComparedSide, type ComparisonItem, type Tolerances } from './types.js';
import { notIntactText } from '../integrity/describe.js';

function byConnection(transfers: readonly TransferObservation[]): Map<number, TransferObservation> {
  const out = new Map<number, TransferObservation>();
  for (const t of transfers) if (!out.has(t.connection)) out.set(t.connection, t);
  return out;
}

/** The client's final subflows as sorted "saddr → daddr" pairs (a multiset: the same pair twice shows twice). */
export function subflowPairs(t: TransferObservation | undefined): string {
  if (!t) return '(no transfer)';
  const pairs = t.client.subflows.map((s) => `${canonicalAddress(s.saddr)} → ${canonicalAddress(s.daddr)}`).sort();
  return pairs.length ? pairs.join(', ') : '(none reported)';
}

function diffPairs(a: string, b: string, la: string, lb: string): string | undefined {
  const split = (s: string) => (s.startsWith('(') ? [] : s.split(', '));
  const pa = split(a);
  const pb = split(b);
  const onlyIn = (x: string[], y: string[]) => {
    const rest = [...y];
    return x.filter((p) => {
      const k = rest.indexOf(p);
      if (k < 0) return true;
      rest.splice(k, 1);
      return false;
    });
  };
  const lines = [...onlyIn(pa, pb).map((p) => `only ${la}: ${p}`), ...onlyIn(pb, pa).map((p) => `only ${lb}: ${p}`)];
  return lines.length ? lines.join('\n') : undefined;
}

export function compareSubflows(lab: Lab, a: ComparedSide, b: ComparedSide): ComparisonItem[] {
  const ta = byConnection(a.obs.transfers);
  const tb = byConnection(b.obs.transfers);
  const conns = [...new Set([...ta.keys(), ...tb.keys()])].sort((x, y) => x - y);
  const single = lab.workload.connections <= 1 && conns.length <= 1;
  return conns.map((c) => {
    const va = subflowPairs(ta.get(c));
    const vb = subflowPairs(tb.get(c));
    const item: ComparisonItem = {
      name: single ? 'subflows' : `subflows.${c}`,
      kind: 'subflows',
      nature: 'protocol',
      a: va,
      b: vb,
      ok: va === vb,
    };
    const detail = item.ok ? undefined : diffPairs(va, vb, a.label, b.label);
    if (detail) item.detail = detail;
    return item;
  });
}

function integrityText(transfers: readonly TransferObservation[], expected: number): string {
  if (!transfers.length) return 'no transfer';
  const bad = [...transfers].sort((x, y) => x.connection - y.connection).filter((t) => !t.intact);
  const count = `${transfers.length - bad.length}/${Math.max(expected, transfers.length)} intact`;
  return bad.length ? `${count} (not intact: ${bad.map((t) => `connection ${t.connection}`).join(', ')})` : count;
}

export function compareIntegrity(lab: Lab, a: ComparedSide, b: ComparedSide): ComparisonItem[] {
  if (!a.obs.transfers.length && !b.obs.transfers.length) return [];
  const expected = lab.workload.connections;
  const va = integrityText(a.obs.transfers, expected);
  const vb = integrityText(b.obs.transfers, expected);
  const item: ComparisonItem = { name: 'integrity', kind: 'integrity', nature: 'protocol', a: va, b: vb, ok: va === vb };
  const errors = [a, b].flatMap((s) => s.obs.transfers.filter((t) => !t.intact).map((t) => `${s.label} ${notIntactText(t)}`));
  if (!item.ok && errors.length) item.detail = errors.join('\n');
  return [item];
}

function fallbackText(transfers: readonly TransferObservation[]): string {
  if (!transfers.length) return 'no transfer';
  return [...transfers]
    .sort((x, y) => x.connection - y.connection)
    .map((t) => {
      const sides = [t.client.fallback ? 'client' : '', t.server.fallback ? 'server' : ''].filter(Boolean);
      return sides.length ? `fallback (${sides.join('+')})` : 'mptcp';
    })
    .join(', ');
}

export function compareFallback(a: ComparedSide, b: ComparedSide): ComparisonItem[] {
  if (!a.obs.transfers.length && !b.obs.transfers.length) return [];
  const va = fallbackText(a.obs.transfers);
  const vb = fallbackText(b.obs.transfers);
  return [{ name: 'fallback', kind: 'fallback', nature: 'protocol', a: va, b: vb, ok: va === vb }];
}

/**
 * The slowest connection's time, or undefined when a time is missing or 0:
 * the simulator takes no time over links without rate or delay, and the
 * kernel's time there is only the host's own speed, nothing to compare.
 */
function worstDuration(transfers: readonly TransferObservation[]): number | undefined {
  if (!transfers.length) return undefined;
  const times = transfers.map((t) => t.durationMs);
  if (times.some((d) => !Number.isFinite(d) || d <= 0)) return undefined;
  return Math.max(...times);
}

export function compareDuration(a: ComparedSide, b: ComparedSide, tolerances: Tolerances): ComparisonItem[] {
  const factor = tolerances.durationFactor === undefined ? DEFAULT_DURATION_FACTOR : tolerances.durationFactor;
  if (factor === null || !(factor >= 1)) return [];
  const slack = tolerances.durationSlackMs ?? DEFAULT_DURATION_SLACK_MS;
  const da = worstDuration(a.obs.transfers);
  const db = worstDuration(b.obs.transfers);
  if (da === undefined || db === undefined) return [];
  const fast = Math.min(da, db);
  const slow = Math.max(da, db);
  const ok = slow <= fast * factor + slack;
  return [
    {
      name: 'duration',
      kind: 'duration',
      nature: 'timing',
      values: { a: da, b: db },
      a: `${Math.round(da)} ms`,
      b: `${Math.round(db)} ms`,
      ok,
      detail: `ratio ${(slow / fast).toFixed(2)}, allowed ${factor}x + ${slack} ms`,
    },
  ];
}
