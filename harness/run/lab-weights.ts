// Each selected lab's weight for sharding: its measured time from --timings
// when the earlier run has it, else the estimate from the lab itself
// (harness/lab/expected-duration.ts); either way times its repeats in this run.
import { expectedDurationMs } from '../lab/expected-duration.js';
import type { Lab } from '../lab/model.js';
import { repeatsOf } from '../lab/repeat.js';
import type { Weighted } from './shard.js';
import type { Timings } from './timings.js';

export interface WeightOptions {
  /** --repeat; undefined: each lab's own `repeat:`. */
  repeat?: number;
  /** --engine sim: each run also on the engine. */
  engine: boolean;
  timings?: Timings;
}

/**
 * Measured times sum every target of the earlier run (several kernels, the
 * engine), estimates are for one kernel: an estimate is scaled by how the
 * labs that have both compare, so a lab new since that run weighs alike.
 */
function estimateScale(labs: readonly Lab[], estimates: readonly number[], timings: Timings): number {
  let measured = 0;
  let estimated = 0;
  labs.forEach((lab, i) => {
    const t = timings.get(lab.name);
    if (t === undefined) return;
    measured += t * repeatsOf(lab);
    estimated += estimates[i]!;
  });
  return measured > 0 && estimated > 0 ? measured / estimated : 1;
}

export function labWeights(labs: readonly Lab[], options: WeightOptions): Weighted[] {
  const repeat = options.repeat !== undefined ? { repeat: options.repeat } : {};
  const estimates = labs.map((lab) => expectedDurationMs(lab, { engine: options.engine, ...repeat }));
  const timings = options.timings;
  const scale = timings
    ? estimateScale(
        labs,
        labs.map((lab) => expectedDurationMs(lab, { engine: options.engine })),
        timings,
      )
    : 1;
  return labs.map((lab, i) => {
    const measured = timings?.get(lab.name);
    return { name: lab.name, weight: measured !== undefined ? measured * repeatsOf(lab, options.repeat) : estimates[i]! * scale };
  });
}
