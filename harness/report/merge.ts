// `report merge`: many results.json (shards, kernels, repeats, machines; a
// merged one too) into one MergedRunResult. Inputs that produced nothing are
// kept by name with the reason. Duplicates:
// - the same file given twice (same real path) is read once;
// - the same run in two files (identical run metadata: an artifact downloaded
//   twice, a merge merged again with one of its parts) is kept once;
// - two different runs (other start, other machine) with a result for the
//   same lab, target, repeat and seed are two executions, both facts: both
//   are kept, and said on stderr, since a matrix that runs a lab twice with
//   one seed is more likely a mistake than a wish.
import { targetLabel, type FailureRate, type MergedLabResult, type MergedRunResult, type MissingInput, type RunInfo } from '../result.js';
import { VERSION } from '../version.js';
import { compareMerged } from './merge-order.js';
import { failureRates } from './rate.js';
import { asMerged, type ReadResults } from './read-results.js';

export interface MergeOutcome {
  merged: MergedRunResult;
  /** What was read once though given twice, one line each (for stderr). */
  notes: string[];
}

/** The repeats each lab was planned for: the most any input's rates say, else 1. */
function plannedOf(rates: readonly FailureRate[]): (lab: string) => number {
  const planned = new Map<string, number>();
  for (const r of rates) planned.set(r.lab, Math.max(planned.get(r.lab) ?? 1, r.planned));
  return (lab) => planned.get(lab) ?? 1;
}

/** A note per result that another run has for the same lab, target, repeat and seed. */
function collisions(results: readonly MergedLabResult[], runs: readonly RunInfo[], sources: readonly string[]): string[] {
  const seen = new Map<string, number>();
  const notes: string[] = [];
  for (const r of results) {
    const key = JSON.stringify([r.lab, targetLabel(r.target), r.repeat, runs[r.runIndex]!.seed]);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, r.runIndex);
    else if (first !== r.runIndex)
      notes.push(
        `${r.lab} [${targetLabel(r.target)}] repeat ${r.repeat} with seed ${runs[r.runIndex]!.seed} is in two runs (${sources[first]} and ${sources[r.runIndex]}): both kept, as two executions`,
      );
  }
  return notes;
}

/** Every run of the inputs once (see the head of this file), with its results. */
export interface CollectedRuns {
  runs: RunInfo[];
  /** The input each run was read from. */
  sources: string[];
  results: MergedLabResult[];
  rates: FailureRate[];
  missing: MissingInput[];
  notes: string[];
}

export function collectRuns(inputs: readonly ReadResults[]): CollectedRuns {
  const c: CollectedRuns = { runs: [], sources: [], results: [], rates: [], missing: [], notes: [] };
  const files = new Map<string, string>();
  const runKeys = new Map<string, number>();
  for (const input of inputs) {
    if ('missing' in input) {
      c.missing.push({ input: input.input, reason: input.missing });
      continue;
    }
    const sameFile = files.get(input.path);
    if (sameFile !== undefined) {
      c.notes.push(`${input.input}: the same results.json as ${sameFile}; read once`);
      continue;
    }
    files.set(input.path, input.input);
    const file = asMerged(input.file, input.input);
    // A merge merged again keeps the jobs that gave it nothing.
    c.missing.push(...file.merged.missing);
    const index = file.runs.map((run) => {
      const key = JSON.stringify(run);
      const known = runKeys.get(key);
      if (known !== undefined) {
        c.notes.push(`${input.input}: a run already read from ${c.sources[known]} (seed ${run.seed}, started ${run.started}); kept once`);
        return undefined;
      }
      runKeys.set(key, c.runs.length);
      c.runs.push(run);
      c.sources.push(input.input);
      return c.runs.length - 1;
    });
    for (const r of file.results) {
      const runIndex = index[r.runIndex];
      if (runIndex !== undefined) c.results.push({ ...r, runIndex });
    }
    c.rates.push(...(file.rates ?? []));
  }
  return c;
}

export function mergeResults(inputs: readonly ReadResults[], created = new Date()): MergeOutcome {
  const { runs, sources, results, rates, missing, notes } = collectRuns(inputs);
  notes.push(...collisions(results, runs, sources));
  results.sort(compareMerged);
  const merged: MergedRunResult = {
    merged: { tool: 'mptcp-lab', version: VERSION, created: created.toISOString(), inputs: inputs.map((i) => i.input), missing },
    runs,
    results,
  };
  const mergedRates = failureRates(results, plannedOf(rates));
  if (mergedRates.length) merged.rates = mergedRates;
  return { merged, notes };
}
