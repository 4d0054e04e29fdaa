// --capture on-failure: every run is captured, but only the pcaps of failing
// runs are kept, with those of the last passing run before each failing one
// (in repeat order) to compare with. A passing run's pcaps are deleted as
// soon as they are known not to be needed: once the next run that finished
// after it (skips aside) passed too, or once no run can follow it.
import { rm } from 'node:fs/promises';
import type { LabResult } from '../result.js';

/** A repeat as the keeper sees it: not finished yet, passed, failed (fail or flaky: a failure was seen), or neither (skipped, never run). */
export type RunOutcome = 'pending' | 'passed' | 'failed' | 'none';

/**
 * The repeats (by index) whose pcaps are known not to be needed: a passed
 * repeat followed, skipping 'none', by another passed one or by nothing.
 * A pending repeat after it may still fail, so it waits.
 */
export function unneededRepeats(outcomes: readonly RunOutcome[]): number[] {
  const out: number[] = [];
  outcomes.forEach((o, j) => {
    if (o !== 'passed') return;
    const next = outcomes.slice(j + 1).find((x) => x !== 'none');
    if (next === undefined || next === 'passed') out.push(j);
  });
  return out;
}

function outcomeOf(r: LabResult): RunOutcome {
  if (r.status === 'skip') return 'none';
  return r.status === 'pass' ? 'passed' : 'failed';
}

/** One target's runs of every lab: deletes the pcaps that are not needed, and drops them from the results. */
export class PcapKeeper {
  private readonly labs = new Map<string, { outcomes: RunOutcome[]; results: (LabResult | undefined)[] }>();

  constructor(private readonly planned: (lab: string) => number) {}

  /** A run finished. */
  async finished(r: LabResult): Promise<void> {
    const state = this.stateOf(r.lab);
    if (r.repeat >= state.outcomes.length) return;
    state.outcomes[r.repeat] = outcomeOf(r);
    state.results[r.repeat] = r;
    await this.drop(state);
  }

  /** No more runs come (the target is done, or --until-fail stopped it): what never ran cannot fail. */
  async close(): Promise<void> {
    for (const state of this.labs.values()) {
      state.outcomes = state.outcomes.map((o) => (o === 'pending' ? 'none' : o));
      await this.drop(state);
    }
  }

  private stateOf(lab: string) {
    let state = this.labs.get(lab);
    if (!state) {
      const n = this.planned(lab);
      state = { outcomes: Array<RunOutcome>(n).fill('pending'), results: Array<LabResult | undefined>(n).fill(undefined) };
      this.labs.set(lab, state);
    }
    return state;
  }

  private async drop(state: { outcomes: RunOutcome[]; results: (LabResult | undefined)[] }): Promise<void> {
    for (const j of unneededRepeats(state.outcomes)) {
      const r = state.results[j];
      if (!r?.pcaps) continue;
      await Promise.all(r.pcaps.map((f) => rm(f, { force: true })));
      // The result object is the one the reports get: results.json must not list deleted files.
      delete r.pcaps;
    }
  }
}
