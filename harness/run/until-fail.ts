// --until-fail: hunting an intermittent failure, the run stops starting new
// runs at its first failing result; runs already in flight finish and are
// reported, and the exit status is that of what ran.
import type { FailureRate, LabResult, RunInfo } from '../result.js';

/** Repeats of each lab with --until-fail and no --repeat: enough to see a 1-in-20 failure with 99 % odds (1 − 0.95^100). */
export const UNTIL_FAIL_REPEAT = 100;

/** Whether a result stops an --until-fail run: one that fails the run. A flaky one passed on a retry, as the exit status counts it. */
export function stopsTheRun(r: Pick<LabResult, 'status'>): boolean {
  return r.status === 'fail';
}

/** The run's stop flag: set by the first result that stops the run, when --until-fail asked for it. */
export class UntilFail {
  private stoppedBy: LabResult | undefined;

  constructor(readonly enabled: boolean) {}

  /** Results as they finish (before they wait for their place in the report). */
  record(results: readonly LabResult[]): void {
    if (this.enabled && !this.stoppedBy) this.stoppedBy = results.find(stopsTheRun);
  }

  /** No new run may start. */
  get stopped(): boolean {
    return this.stoppedBy !== undefined;
  }
}

/** What the TAP and summary say of a lab that --until-fail cut short: how many of its repeats ran. */
export function untilFailNote(rate: Pick<FailureRate, 'runs' | 'planned'>, stopped: boolean): string | undefined {
  if (!stopped || rate.runs >= rate.planned) return undefined;
  return `stopped on the first failure (--until-fail): ${rate.runs} of ${rate.planned} repeats ran`;
}

/** The TAP comment at the end of an --until-fail run: whether it stopped, and how many runs it made. */
export function untilFailLines(info: RunInfo['untilFail']): string[] {
  if (!info) return [];
  if (!info.stopped) return [`--until-fail: not stopped, ${info.runs} of ${info.planned} kernel runs ran`];
  return [`stopped on the first failure (--until-fail): ${info.runs} of ${info.planned} kernel runs ran`];
}
