// The differential comparison: two Observations of the same lab from two
// targets (kernel vs engine, or one kernel vs another), compared item by
// item. Protocol facts must agree; timing quantities are judged against the
// lab's calibration, or only warned about (timing.ts). A divergence the lab
// lists in known-divergences is reported with its reason and does not make
// the comparison divergent.
import type { Lab } from '../lab/model.js';
import { compareCounters } from './counters.js';
import { compareEvents } from './events.js';
import { nameMatches, nameVariants } from './glob.js';
import { compareLinkShares } from './links.js';
import { compareDuration, compareFallback, compareIntegrity, compareSubflows } from './transfers.js';
import { judgeTiming } from './timing.js';
import type { ComparedSide, Comparison, ComparisonItem, Tolerances } from './types.js';
import { CPU_BOUND_BUSY } from '../observe/cpu.js';

/** The lab's known divergence that covers an item name (the first listed that matches), if any. */
export function knownDivergenceFor(lab: Lab, name: string): { check: string; reason: string } | undefined {
  const variants = nameVariants(name);
  return lab.knownDivergences.find((k) => variants.some((v) => nameMatches(k.check, v)));
}

/** Marks diverged items the lab lists as known divergences; notes listed items that agreed. */
export function applyKnownDivergences(lab: Lab, items: ComparisonItem[]): ComparisonItem[] {
  return items.map((item) => {
    const known = knownDivergenceFor(lab, item.name);
    if (!known) return item;
    if (!item.ok) return { ...item, knownDivergence: known.reason };
    // "*" covers whatever diverges (a run that reproduced a known kernel bug): agreeing is no news.
    if (known.check === '*') return item;
    const note = `listed in known-divergences (${known.check}) but agrees`;
    return { ...item, detail: item.detail ? `${item.detail}; ${note}` : note };
  });
}

/** Why completion times of the pair say nothing, when a side's host was CPU-bound over its workload. */
export function cpuBoundNote(a: ComparedSide, b: ComparedSide): string | undefined {
  const busy = [a, b].filter((s) => (s.obs.cpuBusy ?? 0) >= CPU_BOUND_BUSY);
  if (!busy.length) return undefined;
  const side = busy[0]!;
  return `the host was CPU-bound over ${side.label}'s workload (${Math.round(side.obs.cpuBusy! * 100)}% busy): its time measures the machine`;
}

export function compareObservations(lab: Lab, a: ComparedSide, b: ComparedSide, tolerances: Tolerances = {}): Comparison {
  const measured = [
    ...compareCounters(lab, a, b, tolerances),
    ...compareEvents(lab, a, b),
    ...compareSubflows(lab, a, b),
    ...compareIntegrity(lab, a, b),
    ...compareFallback(a, b),
    ...compareDuration(a, b, tolerances),
    ...compareLinkShares(lab, a, b, tolerances),
  ];
  const cpuBound = cpuBoundNote(a, b);
  const judged = judgeTiming(measured, {
    ...(lab.calibration ? { calibration: lab.calibration } : {}),
    ...(cpuBound ? { cpuBound } : {}),
    calibrateHint: `mptcp-lab calibrate ${lab.name}`,
    tolerances,
  });
  const items = applyKnownDivergences(lab, judged);
  return {
    labels: { a: a.label, b: b.label },
    items,
    divergent: items.some((i) => !i.ok && i.knownDivergence === undefined && i.warning === undefined),
  };
}
