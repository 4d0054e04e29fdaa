// What the reporters say about known kernel bugs (harness/expect/known-bugs.ts):
// the note of a run that did not reproduce one, and, over the repeats of a
// lab on one target, in how many runs it was reproduced.
import { knownBugLabel } from '../expect/known-bugs.js';
import { targetLabel, type LabResult } from '../result.js';

/** One known bug of one lab on one target, over every run of it. */
export interface KnownBugTally {
  lab: string;
  target: string;
  description: string;
  reference: string;
  check: string;
  runs: number;
  reproduced: number;
}

/** One line per known bug of the result that this run did not reproduce. */
export function notReproducedNotes(r: LabResult): string[] {
  if (r.status === 'skip') return [];
  return (r.knownBugs ?? []).filter((b) => !b.reproduced).map((b) => `known bug ${knownBugLabel(b)} not reproduced in this run`);
}

/** Per lab, target and bug, in the order first seen: runs and reproductions. */
export function knownBugTallies(results: readonly LabResult[]): KnownBugTally[] {
  const tallies = new Map<string, KnownBugTally>();
  for (const r of results) {
    if (r.status === 'skip') continue;
    for (const b of r.knownBugs ?? []) {
      const target = targetLabel(r.target);
      const key = JSON.stringify([r.lab, target, b.check, b.description, b.reference]);
      const t = tallies.get(key) ?? {
        lab: r.lab,
        target,
        description: b.description,
        reference: b.reference,
        check: b.check,
        runs: 0,
        reproduced: 0,
      };
      t.runs += 1;
      if (b.reproduced) t.reproduced += 1;
      tallies.set(key, t);
    }
  }
  return [...tallies.values()];
}

/** "reproduced in 3 of 20 runs" or "not reproduced in 20 runs". */
export function tallyOutcome(t: Pick<KnownBugTally, 'runs' | 'reproduced'>): string {
  const runs = `${t.runs} run${t.runs === 1 ? '' : 's'}`;
  return t.reproduced ? `reproduced in ${t.reproduced} of ${runs}` : `not reproduced in ${runs}`;
}

/** "<lab> [<target>]: known bug <description> (<reference>) on <check>: reproduced in 3 of 20 runs". */
export function tallyLine(t: KnownBugTally): string {
  return `${t.lab} [${t.target}]: known bug ${knownBugLabel(t)} on ${t.check}: ${tallyOutcome(t)}`;
}
