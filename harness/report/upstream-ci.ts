// summary.txt and conclusion.txt as the upstream MPTCP CI writes them
// (multipath-tcp/mptcp-upstream-virtme-docker, entrypoint.sh: analyze and
// print_conclusion), so the tools that read those files read ours:
//
//   conclusion.txt: "<title>: Success! ✅"
//                   "<title>: Unstable: N failed test(s): NAME NAME 🔴"
//                   "<title>: Critical: <reason> - Critical: <reason> ❌"
//   (reasons joined by " - ", Unstable first; ❌ as soon as one is Critical)
//   summary.txt:    "== Summary ==", then "All tests:" with one
//                   "ok 1 test: NAME" / "not ok 1 test: NAME # ..." line per
//                   test, "Flaky tests:", and the failures between "=" rules.
//
// Our title is "mptcp-lab: <kernels>" (upstream: "KVM Validation: <mode>").
// A test NAME is <lab>@<target spec>, blanks as "_" (upstream's consumers
// split on blanks), one per lab and target whatever the repeats. Critical:
// a job that produced nothing, and a target's batch that failed as a whole
// (a booted kernel's trouble, hang or silence: batch-failure.ts); the labs
// of such a batch are not listed again as failed tests.
import { targetLabel, type LabResult, type MergedRunResult } from '../result.js';
import { EXIT } from '../exit.js';
import { batchFailure } from './batch-failure.js';
import { compareSpecs } from './merge-order.js';
import { checkLine, failedChecks, failureMessage, flakyNote } from './diagnostics.js';

const RULE = '==========================================';

/** The name of a lab on a target, as upstream's summary lines carry it. */
export function testName(r: Pick<LabResult, 'lab' | 'target'>): string {
  return `${r.lab}@${r.target.spec}`.replace(/\s+/g, '_');
}

/** "mptcp-lab: host, debian:6.12": the kernels of every run, once each. */
export function conclusionTitle(merged: MergedRunResult): string {
  // In report order, whatever order the jobs' folders came in.
  const kernels = [...new Set(merged.runs.flatMap((r) => r.kernels.map((k) => k.spec)))].sort(compareSpecs);
  return `mptcp-lab: ${kernels.join(', ') || 'no kernel'}`;
}

interface TestLine {
  name: string;
  results: LabResult[];
}

/** Results grouped by test name, in report order. */
function tests(results: readonly LabResult[]): TestLine[] {
  const byName = new Map<string, LabResult[]>();
  for (const r of results) byName.set(testName(r), [...(byName.get(testName(r)) ?? []), r]);
  return [...byName].map(([name, list]) => ({ name, results: list }));
}

/** Results that failed on their own (not with their whole batch). */
function ownFailures(results: readonly LabResult[]): LabResult[] {
  return results.filter((r) => r.status === 'fail' && batchFailure(r) === undefined);
}

/** "Critical: kernel trouble on debian:6.12", one per cause and kernel; then the jobs that produced nothing. */
function criticalReasons(merged: MergedRunResult): string[] {
  const batches = new Set<string>();
  for (const r of merged.results) {
    const why = batchFailure(r);
    if (why) batches.add(`Critical: ${why} on ${r.target.spec}`);
  }
  const missing = merged.merged.missing.map((m) => m.input);
  if (missing.length) batches.add(`Critical: no results from ${missing.length} job(s): ${missing.join(' ')}`);
  return [...batches];
}

/** The names of the tests that failed on their own, once each, in report order. */
export function failedTestNames(merged: MergedRunResult): string[] {
  return [...new Set(ownFailures(merged.results).map(testName))];
}

export function formatConclusion(merged: MergedRunResult): string {
  const failed = failedTestNames(merged);
  const reasons = [
    ...(failed.length ? [`Unstable: ${failed.length} failed test(s): ${failed.join(' ')}`] : []),
    ...criticalReasons(merged),
  ];
  const title = conclusionTitle(merged);
  if (!reasons.length) return `${title}: Success! ✅\n`;
  const critical = reasons.some((r) => r.startsWith('Critical'));
  return `${title}: ${reasons.join(' - ')} ${critical ? '❌' : '🔴'}\n`;
}

/** The exit status of a merge: 3 when a job produced nothing (even with failures: the verdict is incomplete), 1 on a failure, else 0. */
export function mergedExitStatus(merged: MergedRunResult): number {
  if (merged.merged.missing.length) return EXIT.cannotRun;
  return merged.results.some((r) => r.status === 'fail') ? EXIT.failed : EXIT.ok;
}

function testLine(t: TestLine): string {
  const failed = t.results.filter((r) => r.status === 'fail');
  if (failed.length) {
    const of = t.results.length > 1 ? ` (${failed.length} of ${t.results.length} runs)` : '';
    return `not ok 1 test: ${t.name} # ${failureMessage(failed[0]!).split('\n')[0]}${of}`;
  }
  if (t.results.every((r) => r.status === 'skip')) return `ok 1 test: ${t.name} # SKIP ${t.results[0]!.skipReason ?? 'skipped'}`;
  return `ok 1 test: ${t.name}`;
}

/** What failed, test by test: the failed checks or the error, per run. */
function failureBlock(t: TestLine): string[] {
  const lines = [RULE, `- ${t.name}:`, ''];
  for (const r of t.results.filter((x) => x.status === 'fail')) {
    lines.push(`not ok - ${targetLabel(r.target)}${r.repeat > 0 ? ` (repeat ${r.repeat})` : ''}: ${failureMessage(r).split('\n')[0]}`);
    for (const c of failedChecks(r)) lines.push(`  ${checkLine(c)}`);
    if (r.error) lines.push(...r.error.split('\n').map((l) => `  ${l}`));
  }
  return lines;
}

export function formatSummaryTxt(merged: MergedRunResult, ref = process.env.GITHUB_REF_NAME): string {
  const all = tests(merged.results);
  const lines = ['== Summary ==', '', `Ref: ${ref ?? '-'}`, `Mode: ${conclusionTitle(merged)}`, `Runs: ${merged.runs.length}`, ''];
  lines.push('All tests:', ...all.map(testLine));
  const flaky = merged.results.filter((r) => r.status === 'flaky');
  if (flaky.length) lines.push('', 'Flaky tests:', ...flaky.map((r) => `ok 1 test: ${testName(r)} # IGNORE Flaky: ${flakyNote(r)}`));
  const failing = all.filter((t) => t.results.some((r) => r.status === 'fail'));
  if (failing.length) lines.push('', RULE, 'Failed tests:', ...failing.flatMap(failureBlock), RULE);
  if (merged.merged.missing.length) {
    lines.push('', RULE, 'No results:', RULE, ...merged.merged.missing.map((m) => `- ${m.input}: ${m.reason}`), RULE);
  }
  return lines.join('\n') + '\n';
}
