// A merged report in the formats of a single run, by the same writers: TAP
// (harness/report/tap.ts) and JUnit (junit.ts), each result replayed with its
// own run's seed.
import {
  targetLabel,
  type LabResult,
  type MergedLabResult,
  type MergedRunResult,
  type RunInfo,
  type RunResult,
  type TargetInfo,
} from '../result.js';
import { formatJunit } from './junit.js';
import { TapWriter, type TapVersion } from './tap.js';

/** The run a merged result came from. */
export function runOfResult(merged: Pick<MergedRunResult, 'runs'>): (r: LabResult) => RunInfo {
  return (r) => merged.runs[(r as MergedLabResult).runIndex] ?? merged.runs[0]!;
}

function uniqueTargets(targets: readonly TargetInfo[]): TargetInfo[] {
  return [...new Map(targets.map((t) => [targetLabel(t), t])).values()];
}

/** The merge as one RunResult: the first run's metadata, the earliest start, the latest end, every kernel. */
export function runView(merged: MergedRunResult): RunResult {
  // No run at all: every job produced nothing; the merge itself stands for one.
  const first: RunInfo = merged.runs[0] ?? {
    tool: merged.merged.tool,
    version: merged.merged.version,
    seed: 0,
    started: merged.merged.created,
    argv: [],
    kernels: [],
    machine: { hostname: '', arch: '', cpus: 0, memoryBytes: 0, node: '', root: false },
  };
  const started = merged.runs.map((r) => r.started).sort()[0] ?? first.started;
  const finished = merged.runs
    .map((r) => r.finished)
    .filter((f): f is string => f !== undefined)
    .sort()
    .at(-1);
  const run: RunInfo = {
    tool: merged.merged.tool,
    version: merged.merged.version,
    seed: first.seed,
    started,
    ...(finished ? { finished } : {}),
    argv: ['report', 'merge', ...merged.merged.inputs],
    kernels: uniqueTargets(merged.runs.flatMap((r) => r.kernels)),
    machine: first.machine,
  };
  return { run, results: merged.results, ...(merged.rates ? { rates: merged.rates } : {}) };
}

/** One line per input run, for the head of the TAP stream. */
export function runLines(merged: MergedRunResult): string[] {
  return merged.runs.map(
    (r, i) =>
      `run ${i + 1}: ${r.tool} ${r.version} seed ${r.seed} on ${r.machine.hostname}, kernels ${r.kernels.map((k) => k.spec).join(', ') || '-'}, started ${r.started}`,
  );
}

/** One line per input that gave nothing. */
export function missingLines(merged: MergedRunResult): string[] {
  return merged.merged.missing.map((m) => `no results from ${m.input}: ${m.reason}`);
}

export function formatMergedTap(merged: MergedRunResult, version: TapVersion = 14): string {
  let out = '';
  const planned = new Map((merged.rates ?? []).map((r) => [r.lab, r.planned]));
  const runOf = runOfResult(merged);
  const w = new TapWriter(
    (s) => {
      out += s;
    },
    {
      version,
      seedOf: (r) => runOf(r).seed,
      rates: { planned: (lab) => planned.get(lab) ?? 1, stopped: () => false },
    },
  );
  w.header();
  for (const line of runLines(merged)) w.comment(line);
  for (const r of merged.results) w.point(r);
  w.end(missingLines(merged));
  return out;
}

export function formatMergedJunit(merged: MergedRunResult): string {
  return formatJunit(runView(merged), { runOf: runOfResult(merged) });
}
