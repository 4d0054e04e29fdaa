// `report flakes`: over many runs' results (as the upstream CI keeps its last
// 100 results.json to find flaky tests), per lab and target: runs, passes,
// failures, flaky (failed, then passed on a retry), and the rate of runs
// that saw a failure (failed or flaky) with its exact 95 % CI (rate.ts),
// worst first. Skips are not runs. Every target counts, comparisons too: a
// divergence that comes and goes is a flake worth finding.
import { targetLabel, type LabResult, type TargetInfo } from '../result.js';
import { natural } from './merge-order.js';
import { clopperPearson, formatRate } from './rate.js';

export interface FlakeRow {
  lab: string;
  target: TargetInfo;
  runs: number;
  passes: number;
  failures: number;
  flaky: number;
  /** (failures + flaky) / runs. */
  rate: number;
  ci95: { low: number; high: number };
}

export function countFlakes(results: Iterable<LabResult>): FlakeRow[] {
  const rows = new Map<string, FlakeRow>();
  for (const r of results) {
    if (r.status === 'skip') continue;
    const key = JSON.stringify([r.lab, targetLabel(r.target)]);
    const row = rows.get(key) ?? {
      lab: r.lab,
      target: r.target,
      runs: 0,
      passes: 0,
      failures: 0,
      flaky: 0,
      rate: 0,
      ci95: { low: 0, high: 1 },
    };
    row.runs += 1;
    if (r.status === 'pass') row.passes += 1;
    else if (r.status === 'fail') row.failures += 1;
    else row.flaky += 1;
    rows.set(key, row);
  }
  return [...rows.values()]
    .map((row) => ({ ...row, rate: (row.failures + row.flaky) / row.runs, ci95: clopperPearson(row.failures + row.flaky, row.runs) }))
    .sort(
      (a, b) =>
        b.rate - a.rate ||
        b.ci95.low - a.ci95.low ||
        b.runs - a.runs ||
        natural(a.lab, b.lab) ||
        natural(targetLabel(a.target), targetLabel(b.target)),
    );
}

/** A text table, one row per lab and target, worst first. */
export function formatFlakes(rows: readonly FlakeRow[], inputs: number): string {
  if (!rows.length) return `no lab ran in ${inputs} results\n`;
  const table = [
    ['LAB', 'TARGET', 'RUNS', 'PASS', 'FAIL', 'FLAKY', 'RATE'],
    ...rows.map((r) => [
      r.lab,
      targetLabel(r.target),
      String(r.runs),
      String(r.passes),
      String(r.failures),
      String(r.flaky),
      formatRate({ runs: r.runs, failed: r.failures + r.flaky, rate: r.rate, ci95: r.ci95 }),
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
  return `${lines.join('\n')}\nover ${inputs} results; RATE: runs that saw a failure (FAIL or FLAKY) out of RUNS\n`;
}
