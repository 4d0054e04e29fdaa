// What a run produced: per lab and target, a status and its checks. The
// reporters (TAP, JSON, JUnit, summary) read only this.
import type { Observations } from './observations.js';
import type { Comparison } from './compare/types.js';
import type { Lab } from './lab/model.js';

export type Status = 'pass' | 'fail' | 'skip' | 'flaky';

export interface CheckResult {
  /** Short name, e.g. "join.syn" or "integrity". */
  name: string;
  ok: boolean;
  /** Where the number came from, e.g. "server MPTcpExtMPJoinSynRx". */
  source?: string;
  expected: string;
  actual: string;
  /** Set when the check could not run (e.g. MPTCP_INFO on a fallen-back socket). */
  skip?: string;
  /**
   * Set when a timing quantity diverged but could not be judged (no
   * calibration, a CPU-bound host): the check does not fail the lab and
   * is reported as a warning (TAP # TODO, a GitHub ::warning).
   */
  warning?: string;
  /**
   * Set when the check failed on a kernel that a known bug of the lab covers
   * (lab `known-bugs`): the failure is that bug, so the check does not fail
   * the lab (ok is true) and is reported as a TODO naming it. expected and
   * actual stay what was measured.
   */
  knownBug?: KnownBugNote;
}

/** A known kernel bug as reported: what it is and where it is described. */
export interface KnownBugNote {
  description: string;
  reference: string;
}

/** A known bug of the lab that covers the kernel of a result, and whether the run hit it. */
export interface KnownBugOutcome extends KnownBugNote {
  /** The check pattern as the lab declares it. */
  check: string;
  /** The kernel ranges as the lab declares them. */
  kernels: string[];
  /** Whether a check it covers failed in this run. */
  reproduced: boolean;
}

export interface TargetInfo {
  /** What ran: a kernel, the engine, or the comparison of two of them. */
  kind: 'kernel' | 'engine' | 'compare';
  /** Kernel spec as given: "host", "debian:6.12". */
  spec: string;
  /** Running version, e.g. "6.18.44". */
  version: string;
  /** "netns", "vm", "docker", "sim"; "selftests" for a kernel selftest suite (docs/selftests.md). */
  backend: string;
}

export interface LabResult {
  lab: string;
  file: string;
  group: string;
  tags: string[];
  target: TargetInfo;
  status: Status;
  skipReason?: string;
  /** Why a failed lab failed when it is not a check (set-up error, timeout). */
  error?: string;
  durationMs: number;
  /** Attempts made (more than 1 with --retries). */
  attempts: number;
  /** Index of this repetition with --repeat (0-based). */
  repeat: number;
  checks: CheckResult[];
  /** The lab's known bugs that cover this kernel (none: the field is left out). */
  knownBugs?: KnownBugOutcome[];
  observations?: Observations;
  /** For a comparison point: every compared item (see harness/compare). */
  comparison?: Comparison;
  /** Lab-relative log file, when one was written. */
  log?: string;
  pcaps?: string[];
  /** A failed integrity with captures: the wrong ranges tied to the wire (harness/integrity/explain.ts), one line each. */
  explanation?: string[];
}

export interface RunInfo {
  tool: string;
  version: string;
  seed: number;
  started: string;
  finished?: string;
  argv: string[];
  kernels: TargetInfo[];
  machine: { hostname: string; arch: string; cpus: number; memoryBytes: number; node: string; root: boolean };
  /**
   * Set with --until-fail: whether a failure stopped the run before every
   * planned run started (those are missing from `results`), and the kernel
   * runs reported out of those planned (labs × repeats × kernels).
   */
  untilFail?: { stopped: boolean; runs: number; planned: number };
  /** Set with --shard i/N: this run is shard `index` (1-based) of `count`, so merged runs can be told apart. */
  shard?: { index: number; count: number };
}

/** The failure rate of one repeated lab on one target (harness/report/rate.ts). */
export interface FailureRate {
  lab: string;
  target: TargetInfo;
  /** Repeats that ran (skipped ones are not runs). */
  runs: number;
  /** Repeats in which a failure was seen: failed, or flaky (failed, then passed on a retry). */
  failed: number;
  /** Repeats the run asked for (--repeat, the lab's `repeat:`, or the --until-fail bound); above `runs` when --until-fail stopped the run. */
  planned: number;
  /** failed / runs. */
  rate: number;
  /** Exact (Clopper–Pearson) 95 % confidence interval of the rate. */
  ci95: { low: number; high: number };
}

export interface RunResult {
  run: RunInfo;
  results: LabResult[];
  /** The failure rate of every repeated lab per target, in report order. */
  rates?: FailureRate[];
}

/** A result of a merged report (mptcp-lab report merge): a lab result and the run it came from. */
export interface MergedLabResult extends LabResult {
  /** Index in `runs` of the run that produced it (its seed replays it). */
  runIndex: number;
}

/** An input of a merge that gave no results: a job that produced nothing. */
export interface MissingInput {
  /** The folder or file as given. */
  input: string;
  reason: string;
}

/**
 * results.json of `mptcp-lab report merge`: several runs (shards, kernels,
 * machines) in one. A single run's results.json stays a RunResult.
 */
export interface MergedRunResult {
  merged: {
    tool: string;
    version: string;
    /** When the merge was made (ISO 8601). */
    created: string;
    /** The folders or files given, in order. */
    inputs: string[];
    /** Inputs without a readable results.json. */
    missing: MissingInput[];
  };
  /** Every input run's metadata, in input order (a merged input's runs in their order). */
  runs: RunInfo[];
  /** In report order (harness/report/merge-order.ts). */
  results: MergedLabResult[];
  /** The failure rate of every lab seen more than once per target over all runs. */
  rates?: FailureRate[];
}

/** What a results.json holds: one run, or a merge of several. */
export type ResultsFile = RunResult | MergedRunResult;

export function isMerged(file: ResultsFile): file is MergedRunResult {
  return 'merged' in file;
}

export function targetLabel(t: TargetInfo): string {
  if (t.kind === 'compare') return t.spec;
  return `${t.kind} ${t.spec} ${t.version} ${t.backend}`;
}

/** The checks of a result that are warnings, not verdicts. */
export function warningChecks(r: LabResult): CheckResult[] {
  return r.checks.filter((c) => c.warning !== undefined);
}

/** The checks of a result that failed as a known kernel bug. */
export function knownBugChecks(r: LabResult): CheckResult[] {
  return r.checks.filter((c) => c.knownBug !== undefined);
}

/** Warnings over all results. */
export function countWarnings(results: readonly LabResult[]): number {
  return results.reduce((n, r) => n + warningChecks(r).length, 0);
}

export function summarize(results: readonly LabResult[]): Record<Status, number> {
  const counts: Record<Status, number> = { pass: 0, fail: 0, skip: 0, flaky: 0 };
  for (const r of results) counts[r.status] += 1;
  return counts;
}

/** The start of every result a target makes: the lab's identity, the target, a first attempt. */
export function resultBase(lab: Pick<Lab, 'name' | 'file' | 'group' | 'tags'>, target: TargetInfo) {
  return { lab: lab.name, file: lab.file, group: lab.group, tags: lab.tags, target, attempts: 1, repeat: 0 };
}

/** A lab that did not run on a target, and why (a missing capability, a too old kernel). */
export function skippedResult(lab: Lab, target: TargetInfo, reason: string): LabResult {
  return { ...resultBase(lab, target), status: 'skip', skipReason: reason, durationMs: 0, checks: [] };
}

/** A lab that failed before it had checks to report (set-up error, hang, crash). */
export function failedResult(lab: Lab, target: TargetInfo, error: string, durationMs = 0): LabResult {
  return { ...resultBase(lab, target), status: 'fail', error, durationMs, checks: [] };
}
