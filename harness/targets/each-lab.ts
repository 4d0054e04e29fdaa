// For targets that run labs one by one (netns, sim): a queue of (lab,
// repeat) worked off by --jobs workers, each lab holding one of the run's
// job slots while it runs and while its result is emitted.
import type { Lab } from '../lab/model.js';
import type { LabResult } from '../result.js';
import type { EmitResult, TargetRunOptions } from './target.js';

export async function runEachLab(
  labs: readonly Lab[],
  opts: TargetRunOptions,
  runOne: (lab: Lab, repeat: number) => Promise<LabResult>,
  emit: EmitResult,
): Promise<void> {
  const queue = labs.flatMap((lab) => Array.from({ length: opts.repeat }, (_, repeat) => ({ lab, repeat })));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < queue.length) {
      const item = queue[next++]!;
      await opts.slots.run(async () => {
        opts.onStart?.(item.lab, item.repeat);
        await emit(await runOne(item.lab, item.repeat));
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, queue.length)) }, worker));
}
