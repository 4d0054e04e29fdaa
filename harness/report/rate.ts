// The failure rate of a repeated lab with its exact (Clopper–Pearson) 95 %
// confidence interval, so "not seen in 30 runs" says what it is worth
// (0 %, CI 0–12 %). The interval's bounds are quantiles of beta
// distributions; the regularized incomplete beta function is evaluated by
// its continued fraction (modified Lentz) and inverted by bisection, which
// is exact to double precision and needs no dependency.
import type { FailureRate, LabResult, TargetInfo } from '../result.js';

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = c[0]!;
  for (let i = 1; i < c.length; i += 1) sum += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The continued fraction of I_x(a, b), converging fast for x < (a + 1) / (a + b + 2). */
function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let f = d;
  for (let m = 1; m <= 1000; m += 1) {
    // Even step d_2m, then odd step d_2m+1 of the fraction.
    for (const num of [
      (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)),
      (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1)),
    ]) {
      d = 1 + num * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + num / c;
      if (Math.abs(c) < tiny) c = tiny;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-15) break;
  }
  return f;
}

/** The regularized incomplete beta function I_x(a, b): the CDF at x of Beta(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new RangeError(`incompleteBeta: a and b must be > 0, got ${a}, ${b}`);
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  // I_x(a, b) = 1 − I_{1−x}(b, a): the fraction is evaluated where it converges.
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  return 1 - (front * betaFraction(1 - x, b, a)) / b;
}

/** The p-quantile of Beta(a, b): the x where I_x(a, b) = p. */
export function betaQuantile(p: number, a: number, b: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`betaQuantile: p must be in [0, 1], got ${p}`);
  if (p === 0) return 0;
  if (p === 1) return 1;
  let lo = 0;
  let hi = 1;
  // The CDF is increasing: 100 halvings reach the smallest step of a double.
  for (let i = 0; i < 100 && hi - lo > 0; i += 1) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (incompleteBeta(mid, a, b) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The exact (Clopper–Pearson) confidence interval of a rate of `failed` in `runs`, at `level` (default 95 %). */
export function clopperPearson(failed: number, runs: number, level = 0.95): { low: number; high: number } {
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(failed) || failed < 0 || failed > runs)
    throw new RangeError(`clopperPearson: expected 0 <= failed <= runs, runs >= 1, got ${failed}/${runs}`);
  const alpha = 1 - level;
  return {
    low: failed === 0 ? 0 : betaQuantile(alpha / 2, failed, runs - failed + 1),
    high: failed === runs ? 1 : betaQuantile(1 - alpha / 2, failed + 1, runs - failed),
  };
}

/** A share as a percentage: whole percents, one decimal below 1 %; a CI's bounds are rounded outward. */
function percent(x: number, dir: 'nearest' | 'down' | 'up' = 'nearest'): string {
  const step = x > 0 && x < 0.01 ? 10 : 1;
  const v = x * 100 * step;
  // The epsilon keeps floating-point noise (15.000000000000002) from moving a bound by a whole step.
  const r = dir === 'down' ? Math.floor(v + 1e-9) : dir === 'up' ? Math.ceil(v - 1e-9) : Math.round(v);
  return String(r / step);
}

/** "3/20 failed: 15 %, 95 % CI 3–38 %", or "0/30 failed (not seen in 30 runs): 0 %, 95 % CI 0–12 %". The bounds are rounded outward. */
export function formatRate(r: Pick<FailureRate, 'runs' | 'failed' | 'rate' | 'ci95'>): string {
  const seen = r.failed === 0 ? ` (not seen in ${r.runs} run${r.runs === 1 ? '' : 's'})` : '';
  return `${r.failed}/${r.runs} failed${seen}: ${percent(r.rate)} %, 95 % CI ${percent(r.ci95.low, 'down')}–${percent(r.ci95.high, 'up')} %`;
}

/** A run counts as failed when a failure was seen: fail, or flaky (failed, then passed on a retry). Skips are not runs. */
function outcome(r: LabResult): 'failed' | 'passed' | undefined {
  if (r.status === 'skip') return undefined;
  return r.status === 'pass' ? 'passed' : 'failed';
}

function sameTarget(a: TargetInfo, b: TargetInfo): boolean {
  return a.kind === b.kind && a.spec === b.spec && a.version === b.version && a.backend === b.backend;
}

/**
 * The failure rate of every repeated lab on every target that ran it (kernels
 * and the engine; comparisons are not runs), in the order the results came.
 * `planned(lab)` is the repeats the run asked for; a lab planned once that
 * ran once is not a repeated lab and gets no rate.
 */
export function failureRates(results: readonly LabResult[], planned: (lab: string) => number): FailureRate[] {
  const rates: FailureRate[] = [];
  for (const r of results) {
    const o = outcome(r);
    if (r.target.kind === 'compare' || o === undefined) continue;
    let rate = rates.find((x) => x.lab === r.lab && sameTarget(x.target, r.target));
    if (!rate) {
      rate = { lab: r.lab, target: r.target, runs: 0, failed: 0, planned: planned(r.lab), rate: 0, ci95: { low: 0, high: 1 } };
      rates.push(rate);
    }
    rate.runs += 1;
    if (o === 'failed') rate.failed += 1;
  }
  return rates
    .filter((x) => x.planned > 1 || x.runs > 1)
    .map((x) => ({ ...x, rate: x.failed / x.runs, ci95: clopperPearson(x.failed, x.runs) }));
}
