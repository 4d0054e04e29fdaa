// For targets that run labs one by one (netns, sim): a queue of (lab,
// repeat) worked off by --jobs workers, each lab holding one of the run's
// job slots while it runs and while its result is emitted; none starts once
// the run is told to stop (--until-fail).
import type { Lab } from '../lab/model.js';
import { repeatsOf } from '../lab/repeat.js';
import type { LabResult } from '../result.js';
import type { EmitResult, TargetRunOptions } from './target.js';

export async function runEachLab(
  labs: readonly Lab[],
  opts: TargetRunOptions,
  runOne: (lab: Lab, repeat: number) => Promise<LabResult>,
  emit: EmitResult,
): Promise<void> {
  // Repeats of a lab are items like any other: with --jobs above 1 they run side by side, each in its own namespaces.
  const queue = labs.flatMap((lab) => Array.from({ length: repeatsOf(lab, opts.repeat) }, (_, repeat) => ({ lab, repeat })));
  let next = 0;
  const stopped = (): boolean => opts.shouldStop?.() === true;
  const worker = async (): Promise<void> => {
    while (next < queue.length && !stopped()) {
      const item = queue[next++]!;
      await opts.slots.run(async () => {
        // A failure may have stopped the run while this one waited for its slot.
        if (stopped()) return;
        opts.onStart?.(item.lab, item.repeat);
        await emit(await runOne(item.lab, item.repeat));
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, queue.length)) }, worker));
}
