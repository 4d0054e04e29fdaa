// A comparison as text for people (one block per divergent item) and as
// CheckResults for the reporters (the differential as a third test point
// beside each target's own checks).
import type { CheckResult } from '../result.js';
import type { Comparison, ComparisonItem } from './types.js';

const INLINE_MAX = 60;

function itemLines(c: Comparison, item: ComparisonItem): string[] {
  const { a: la, b: lb } = c.labels;
  const known =
    item.knownDivergence !== undefined
      ? ` (known divergence: ${item.knownDivergence})`
      : item.warning !== undefined
        ? ` (warning: ${item.warning})`
        : '';
  const lines: string[] = [];
  if (item.a.length <= INLINE_MAX && item.b.length <= INLINE_MAX) {
    lines.push(`${item.name}: ${la} ${item.a} ≠ ${lb} ${item.b}${known}`);
  } else {
    lines.push(`${item.name}: ${la} ≠ ${lb}${known}`, `  ${la}: ${item.a}`, `  ${lb}: ${item.b}`);
  }
  if (item.detail) for (const d of item.detail.split('\n')) lines.push(`  ${d}`);
  return lines;
}

/**
 * One block per diverged item (known divergences included, marked), then a
 * summary line. `counters.server.MPTcpExtMPJoinSynRx: kernel 1 ≠ engine 0`.
 */
export function formatComparison(c: Comparison): string {
  const diverged = c.items.filter((i) => !i.ok);
  const known = diverged.filter((i) => i.knownDivergence !== undefined).length;
  const warned = diverged.filter((i) => i.knownDivergence === undefined && i.warning !== undefined).length;
  const lines = diverged.flatMap((i) => itemLines(c, i));
  const unknown = diverged.length - known - warned;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const summary =
    `${c.labels.a} vs ${c.labels.b}: ${plural(c.items.length, 'item')} compared, ` +
    (diverged.length === 0
      ? 'no divergence'
      : [`${unknown} divergent`, known ? plural(known, 'known divergence') : '', warned ? plural(warned, 'warning') : '']
          .filter(Boolean)
          .join(', '));
  lines.push(summary);
  return lines.join('\n');
}

/**
 * Every item as a check: expected is side a's value, actual side b's. A
 * known divergence that diverged is ok with `skip: "known divergence: <reason>"`;
 * a timing item that could not be judged is ok with its `warning`.
 */
export function comparisonToChecks(c: Comparison): CheckResult[] {
  return c.items.map((item) => {
    const detail = item.detail ? `; ${item.detail.split('\n').join('; ')}` : '';
    const check: CheckResult = {
      name: item.name,
      ok: item.ok || item.knownDivergence !== undefined || item.warning !== undefined,
      source: `${c.labels.a} (expected) vs ${c.labels.b} (actual)${detail}`,
      expected: item.a,
      actual: item.b,
    };
    if (!item.ok && item.knownDivergence !== undefined) check.skip = `known divergence: ${item.knownDivergence}`;
    else if (!item.ok && item.warning !== undefined) check.warning = item.warning;
    return check;
  });
}
