// Timing quantities (link shares, completion time, loss-dependent counters)
// judged the way they are comparable. With a calibration, side b's value
// must fall inside the kernel's measured spread widened by a stated margin.
// Without one, a divergence is a warning: the kernel's own run-to-run spread
// is unknown, so a difference may be timing noise, never a verdict. A
// completion time measured on a CPU-bound host is not judged at all.
import type { Calibration, Lab, Spread } from '../lab/model.js';
import type { Observations } from '../observations.js';
import { compareCounters, EXACT_COUNTERS, LOSS_DEPENDENT_COUNTERS, toleranceFor } from './counters.js';
import { compareLinkShares } from './links.js';
import { compareDuration } from './transfers.js';
import type { ComparisonItem, Tolerances } from './types.js';

/** How far outside the calibrated [min, max] a value may fall: an absolute and a relative part, per kind. */
export const CALIBRATION_MARGIN = {
  link_share: { absolute: 0.05, relative: 0 },
  duration: { absolute: 20, relative: 0.25 },
  counter: { absolute: 2, relative: 0.25 },
} as const;

export interface TimingContext {
  /** The lab's calibration, if it has one. */
  calibration?: Calibration;
  /** Why completion times of this pair say nothing about the protocol (a CPU-bound host), if so. */
  cpuBound?: string;
  /** The command that calibrates this lab, for the warning. */
  calibrateHint: string;
  /** The lab's declared tolerances: a margin wider than the default, for an effect the lab names (a 1 s handshake retry). */
  tolerances?: Tolerances;
}

type MarginKind = keyof typeof CALIBRATION_MARGIN;

function marginKind(item: ComparisonItem): MarginKind | undefined {
  if (item.kind === 'link_share' || item.kind === 'duration') return item.kind;
  if (item.kind === 'counter') return 'counter';
  return undefined;
}

type Margin = { absolute: number; relative: number };

/** The kind's margin, widened where the lab declares a larger tolerance for the item. */
export function marginFor(kind: MarginKind, item: Pick<ComparisonItem, 'name'>, tolerances: Tolerances = {}): Margin {
  const m = CALIBRATION_MARGIN[kind];
  if (kind === 'link_share') return { absolute: Math.max(m.absolute, tolerances.linkShare ?? 0), relative: 0 };
  if (kind === 'duration') {
    const factor = tolerances.durationFactor ?? 1;
    return { absolute: Math.max(m.absolute, tolerances.durationSlackMs ?? 0), relative: Math.max(m.relative, factor - 1) };
  }
  const [, host, counter] = item.name.split('.');
  const tol = toleranceFor(tolerances, host ?? '', counter ?? '');
  return { absolute: Math.max(m.absolute, tol?.absolute ?? 0), relative: Math.max(m.relative, tol?.relative ?? 0) };
}

/** The range a value may take: the spread widened by the margin (default: the kind's). */
export function allowedRange(kind: MarginKind, spread: Spread, margin: Margin = CALIBRATION_MARGIN[kind]): [number, number] {
  const m = margin;
  const widen = (v: number) => m.absolute + m.relative * Math.abs(v);
  const lo = spread.min - widen(spread.min);
  return [kind === 'link_share' || kind === 'counter' ? Math.max(0, lo) : lo, spread.max + widen(spread.max)];
}

function round(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}

function judgedByCalibration(item: ComparisonItem, kind: MarginKind, spread: Spread, ctx: TimingContext): ComparisonItem {
  const cal = ctx.calibration!;
  const { a, b } = item.values!;
  const [lo, hi] = allowedRange(kind, spread, marginFor(kind, item, ctx.tolerances));
  const inside = (v: number) => v >= lo - 1e-9 && v <= hi + 1e-9;
  // This run's kernel value is not the verdict (the spread is), but a kernel outside its own spread is worth saying.
  const kernelNote = inside(a) ? '' : `; this run's kernel value ${round(a)} is outside its calibration too (recalibrate?)`;
  const detail =
    `kernel ${cal.kernel} over ${cal.runs} calibration runs: ${round(spread.min)}–${round(spread.max)} ` +
    `(median ${round(spread.median)}); allowed ${round(lo)}–${round(hi)}${kernelNote}`;
  const { warning: _dropped, ...rest } = item;
  return { ...rest, ok: inside(b), detail };
}

/** Judges every timing item of a comparison; protocol facts pass through unchanged. */
/**
 * An exact counter that the kernel's own calibration runs did not agree on
 * (MPRstRx 0 in some runs, 1 in others) is not a fact the protocol fixes in
 * this lab but the outcome of a race: judged against the values the kernel
 * took, with no margin.
 */
function judgedAsKernelRace(item: ComparisonItem, ctx: TimingContext): ComparisonItem | undefined {
  const spread = ctx.calibration?.quantities[item.name];
  if (item.kind !== 'counter' || !spread || !item.values || spread.min === spread.max) return undefined;
  const b = item.values.b;
  const detail = `the kernel's own runs vary: ${spread.min}–${spread.max} over ${ctx.calibration!.runs} calibration runs (a race, not a fact the protocol fixes here)`;
  return { ...item, nature: 'timing', ok: b >= spread.min && b <= spread.max, detail };
}

export function judgeTiming(items: readonly ComparisonItem[], ctx: TimingContext): ComparisonItem[] {
  return items.map((item) => {
    if (item.nature === 'protocol') return judgedAsKernelRace(item, ctx) ?? item;
    if (item.kind === 'duration' && ctx.cpuBound) {
      return item.ok ? item : { ...item, warning: `not judged: ${ctx.cpuBound}` };
    }
    const kind = marginKind(item);
    const spread = ctx.calibration?.quantities[item.name];
    if (kind && spread && item.values && ctx.calibration) return judgedByCalibration(item, kind, spread, ctx);
    if (item.ok) return item;
    return { ...item, warning: `timing divergence without a calibration of the kernel's spread (${ctx.calibrateHint})` };
  });
}

/**
 * A kernel run's timing quantities by comparison item name, as the
 * comparison would name and measure them: every link share, the completion
 * time, and every loss-dependent and exact counter (0 where a counter did
 * not move; an exact one that varies between runs is a race, see above).
 * `mptcp-lab calibrate` collects these over repeated runs.
 */
export function timingQuantities(lab: Lab, obs: Observations): Record<string, number> {
  const side = { label: 'kernel', obs };
  const counters = Object.fromEntries([...LOSS_DEPENDENT_COUNTERS, ...Object.keys(lab.compare.counters ?? {})].map((n) => [n, {}]));
  const measure: Tolerances = { counters, linkShare: 0, durationFactor: 1 };
  const out: Record<string, number> = {};
  for (const host of lab.hosts.map((h) => h.name)) {
    for (const name of [...LOSS_DEPENDENT_COUNTERS, ...EXACT_COUNTERS]) out[`counters.${host}.${name}`] = 0;
  }
  const items = [
    ...compareCounters(lab, side, side, measure),
    ...compareDuration(side, side, measure),
    ...compareLinkShares(lab, side, side, measure),
  ];
  for (const item of items) if (item.values) out[item.name] = item.values.a;
  return out;
}
