// Which kernel versions a known bug is declared for (`known-bugs[].kernels`).
//
// A range is one or more comparisons separated by spaces, all of which must
// hold: `>=6.18 <6.19`. A comparison is an operator (>=, >, <=, <, =) and a
// version of one to three numbers; a version without an operator is `=`.
// `=` compares only the numbers given, so `6.18` (or `=6.18`) is every 6.18.x
// and `6.12.118` is that release. `*` is every kernel. `kernels:` is one range
// or a list of them; a kernel matches the list when it matches any range.
// A kernel release is read by its leading numbers: 6.12.118+deb12-amd64 is
// 6.12.118, 6.18.44-fc-v1300 is 6.18.44.
import { parseVersion } from '../../kernels/features.js';

type Operator = '>=' | '>' | '<=' | '<' | '=';

interface Comparison {
  op: Operator;
  version: number[];
}

/** One range: every comparison must hold (none: every kernel). */
export type KernelRange = Comparison[];

const COMPARISON = /^(>=|<=|>|<|=)?([0-9]+(?:\.[0-9]+){0,2})$/;

/** A range as written, or why it is not one (the message a lab error shows). */
export function parseKernelRange(text: string): KernelRange | { error: string } {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (!words.length) return { error: 'an empty kernel range: write a version range such as ">=6.18 <6.19", "6.18" or "*"' };
  if (words.length === 1 && words[0] === '*') return [];
  const range: KernelRange = [];
  for (const word of words) {
    const m = COMPARISON.exec(word);
    if (!m)
      return {
        error: `"${word}" in kernel range "${text}" is not a comparison: write an operator (>=, >, <=, <, =) and a version of 1 to 3 numbers, e.g. ">=6.18 <6.19", "6.18" or "*"`,
      };
    range.push({ op: (m[1] ?? '=') as Operator, version: m[2]!.split('.').map(Number) });
  }
  return range;
}

/** -1, 0 or 1: `release` against `version`, over the numbers `version` gives only when `prefix`. */
function compare(release: number[], version: number[], prefix: boolean): number {
  const n = prefix ? version.length : Math.max(release.length, version.length);
  for (let i = 0; i < n; i += 1) {
    const a = release[i] ?? 0;
    const b = version[i] ?? 0;
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

function holds(release: number[], c: Comparison): boolean {
  switch (c.op) {
    case '=':
      return compare(release, c.version, true) === 0;
    case '>=':
      return compare(release, c.version, false) >= 0;
    case '>':
      return compare(release, c.version, false) > 0;
    case '<=':
      return compare(release, c.version, false) <= 0;
    case '<':
      return compare(release, c.version, false) < 0;
  }
}

/** Whether a kernel release (e.g. "6.18.44", "6.12.118+deb12-amd64") is in the range. */
export function inKernelRange(release: string, range: KernelRange): boolean {
  if (!/^[0-9]/.test(release)) return false;
  const numbers = parseVersion(release);
  return range.every((c) => holds(numbers, c));
}

/** Whether a kernel release is in any of the ranges as written (each already validated by the lab schema). */
export function kernelMatches(release: string, ranges: readonly string[]): boolean {
  return ranges.some((text) => {
    const range = parseKernelRange(text);
    return !('error' in range) && inKernelRange(release, range);
  });
}
