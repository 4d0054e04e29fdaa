// Expected values in lab files: a number (exact), or a comparison such as
// ">=1", "<=3", ">0", "1..3". Parsed once, matched many times.
import type { Expected } from '../lab/model.js';

export interface Bound {
  min: number;
  max: number;
  /** How the lab wrote it, for reports. */
  text: string;
}

export function toBound(e: Expected): Bound {
  if (typeof e === 'number') return { min: e, max: e, text: String(e) };
  const t = e.trim();
  const range = /^([0-9.]+)\s*\.\.\s*([0-9.]+)$/.exec(t);
  if (range) return { min: Number(range[1]), max: Number(range[2]), text: t };
  const m = /^(>=|<=|>|<|==|=)\s*([0-9.]+)$/.exec(t);
  if (!m) throw new Error(`not a comparison: ${e}`);
  const n = Number(m[2]);
  switch (m[1]) {
    case '>=':
      return { min: n, max: Infinity, text: t };
    case '>':
      return { min: n + Number.EPSILON * Math.max(1, n), max: Infinity, text: t };
    case '<=':
      return { min: -Infinity, max: n, text: t };
    case '<':
      return { min: -Infinity, max: n - Number.EPSILON * Math.max(1, n), text: t };
    default:
      return { min: n, max: n, text: t };
  }
}

/** "At least n" when n > 0, exactly 0 otherwise: how chk_add_nr and chk_rst_nr read a plain number. */
export function atLeastUnlessZero(e: Expected): Bound {
  if (typeof e === 'number' && e > 0) return { min: e, max: Infinity, text: `>=${e}` };
  return toBound(e);
}

export function within(b: Bound, actual: number): boolean {
  return actual >= b.min && actual <= b.max;
}
