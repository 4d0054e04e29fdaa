// What the bench measures, as data: a figure (value, unit, which way is
// better, the aim when it has one) and the pure arithmetic on it —
// ratio to the aim, and how much worse a figure is than a base's. No clock,
// no process here, so the unit tests can pin it down with hand-made figures.

export type Better = 'lower' | 'higher';

export interface Figure {
  /** Stable key, matched between a run and its base (e.g. "kernel.no-join.lab-ms"). */
  readonly id: string;
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  readonly better: Better;
  /** The target, in the figure's unit: at most this (lower) or at least this (higher). */
  readonly aim?: number;
  /** Samples the value is the median of. */
  readonly n: number;
  readonly note?: string;
  /** Not a figure of this code (e.g. the kernel selftests' time, for scale): shown, never a regression. */
  readonly reference?: boolean;
}

/** A figure that could not be measured here, and why (e.g. selftests not built). */
export interface Skipped {
  readonly id: string;
  readonly label: string;
  readonly reason: string;
}

/** value / aim: at most 1 meets a lower-is-better aim, at least 1 a higher-is-better one. */
export function aimRatio(f: Figure): number | undefined {
  return f.aim === undefined || f.aim === 0 ? undefined : f.value / f.aim;
}

export function meetsAim(f: Figure): boolean | undefined {
  if (f.aim === undefined) return undefined;
  return f.better === 'lower' ? f.value <= f.aim : f.value >= f.aim;
}

/**
 * How much worse `value` is than `base`, as a fraction (0.3 = 30 % worse; negative = better).
 * Lower-is-better: value/base - 1. Higher-is-better: base/value - 1, so halving a
 * speed is 100 % worse, as doubling a time is. Undefined when either is not positive.
 */
export function worseBy(value: number, base: number, better: Better): number | undefined {
  if (!(value > 0) || !(base > 0)) return undefined;
  return better === 'lower' ? value / base - 1 : base / value - 1;
}

export interface Regression {
  readonly id: string;
  readonly label: string;
  readonly value: number;
  readonly base: number;
  readonly unit: string;
  /** Fraction worse than the base (0.3 = 30 %). */
  readonly worse: number;
  /** Where the base figure came from: measured in this run against the base build, or read from BASE.json. */
  readonly source: BaseSource;
}

export type BaseSource = 'same-run' | 'file';

export interface BaseFigure {
  readonly figure: Figure;
  readonly source: BaseSource;
}

/** Regressions are figures more than this fraction worse than their base. */
export const REGRESSION_THRESHOLD = 0.25;

/**
 * The base of each figure: the base build's figure measured in this same run
 * where there is one (a ratio of two runs on the same machine at the same
 * time), else the one in BASE.json (absolute, from another run).
 */
export function pickBases(sameRun: readonly Figure[], file: readonly Figure[]): Map<string, BaseFigure> {
  const bases = new Map<string, BaseFigure>();
  for (const f of file) bases.set(f.id, { figure: f, source: 'file' });
  for (const f of sameRun) bases.set(f.id, { figure: f, source: 'same-run' });
  return bases;
}

/** Every figure more than `threshold` worse than its base; figures without a base, and reference figures, are not compared. */
export function regressions(
  figures: readonly Figure[],
  bases: ReadonlyMap<string, BaseFigure>,
  threshold = REGRESSION_THRESHOLD,
): Regression[] {
  const out: Regression[] = [];
  for (const f of figures) {
    const b = bases.get(f.id);
    if (!b || f.reference) continue;
    const worse = worseBy(f.value, b.figure.value, f.better);
    if (worse !== undefined && worse > threshold)
      out.push({ id: f.id, label: f.label, value: f.value, base: b.figure.value, unit: f.unit, worse, source: b.source });
  }
  return out;
}

/** The middle value (mean of the two middle ones for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
