// A selftest suite's run as a LabResult: the smallest shape every reporter
// (TAP, results.json, JUnit, summary.md, `report merge`, the flakes report)
// already reads. The suite is the "lab" (`lab: "diag.sh"`, group
// `selftests`), its subtests are the checks (harness/targets/selftests/tap.ts),
// and the target says where it ran and how: `{ kind: 'kernel', spec: 'host',
// version: '6.18.44', backend: 'selftests' }`. No new kind: a selftest is a
// verdict about a kernel, and `backend` already tells how a kernel was run.
import type { CheckResult, LabResult, TargetInfo } from '../../result.js';
import type { SuiteTap } from './tap.js';

export const SELFTESTS_GROUP = 'selftests';
export const SELFTESTS_BACKEND = 'selftests';
/** kselftest's "skipped" exit status (KSFT_SKIP). */
export const KSFT_SKIP = 4;

/** How a script ended. */
export interface SuiteExit {
  exitCode: number | undefined;
  signal?: string | undefined;
  timedOut?: boolean;
}

export interface SuiteRun {
  suite: string;
  /** The script's path. */
  file: string;
  target: TargetInfo;
  tap: SuiteTap;
  exit: SuiteExit;
  durationMs: number;
  log: string;
  /** The log's last lines, for a failure the TAP does not explain. */
  logTail: string;
}

function howItEnded(e: SuiteExit): string {
  if (e.timedOut) return 'timed out';
  if (e.signal) return `killed by ${e.signal}`;
  return `exit status ${e.exitCode ?? '?'}`;
}

/** Why the suite failed beyond its checks (the script's end, a broken plan), or undefined. */
function suiteError(r: SuiteRun, failed: readonly CheckResult[]): string | undefined {
  const { tap, exit } = r;
  if (tap.bailout) return `Bail out! ${tap.bailout}`;
  if (exit.timedOut || exit.signal) return `${r.suite} ${howItEnded(exit)}`;
  if (tap.planned !== undefined && tap.planned !== tap.checks.length)
    return `${r.suite} planned ${tap.planned} subtests and reported ${tap.checks.length} (${howItEnded(exit)})`;
  if (exit.exitCode !== 0 && failed.length === 0) return `${r.suite} ended with ${howItEnded(exit)} and no failed subtest: ${r.logTail}`;
  if (tap.checks.length === 0 && exit.exitCode === 0) return `${r.suite} printed no TAP subtest`;
  return undefined;
}

export function suiteResult(r: SuiteRun): LabResult {
  const base = {
    lab: r.suite,
    file: r.file,
    group: SELFTESTS_GROUP,
    tags: [SELFTESTS_GROUP],
    target: r.target,
    attempts: 1,
    repeat: 0,
    durationMs: r.durationMs,
    checks: r.tap.checks,
    log: r.log,
  };
  const failed = r.tap.checks.filter((c) => !c.ok && c.skip === undefined);
  // KSFT_SKIP with nothing failed: the script found something missing (a tool, a kernel feature).
  if (r.exit.exitCode === KSFT_SKIP && failed.length === 0 && !r.tap.bailout)
    return { ...base, status: 'skip', skipReason: `${r.suite} skipped itself (KSFT_SKIP): ${r.logTail}` };
  const error = suiteError(r, failed);
  if (error) return { ...base, status: 'fail', error };
  return { ...base, status: failed.length ? 'fail' : 'pass' };
}

/** TAP lines, which a message about the log leaves out (they are the checks already). */
const TAP_LINE = /^(?:(?:not )?ok \d|TAP version|\d+\.\.\d+)/;

/** The last non-empty lines of a log that are not TAP, joined, for a message (a script's last words before it stopped). */
export function logTail(log: string, lines = 3): string {
  return log
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !TAP_LINE.test(l))
    .slice(-lines)
    .join(' | ');
}
