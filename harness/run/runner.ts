// Runs labs on the targets of a run at once: every target takes its jobs
// from one set of --jobs slots (a host lab is one job, a booted kernel
// another), and results are reported target by target in --kernel order,
// and within a target in selection order, whatever order they finish in. With
// --until-fail no run starts after the first failure; with --capture
// on-failure the pcaps of passing runs are deleted once not needed
// (keep-pcaps.ts). Followers (the engine) run each lab right
// after the reference target's, in its slot, and are compared with it at
// once; every other target is compared with the reference once both are
// done. The runner knows targets only through harness/targets/target.ts.
import type { Lab } from '../lab/model.js';
import type { LabResult, TargetInfo } from '../result.js';
import type { Target, TargetRunOptions } from '../targets/target.js';
import { InSelectionOrder, labKey } from './lab-order.js';
import { OrderedBlocks } from './ordered-blocks.js';
import { compareLab, crossKernelResults, type CompareRetry } from './pairing.js';
import { Slots } from '../targets/slots.js';
import { repeatsOf } from '../lab/repeat.js';
import { PcapKeeper } from './keep-pcaps.js';
import { UntilFail } from './until-fail.js';

export interface RunPlan {
  /** The targets of --kernel, in report order: one block of results each. */
  targets: readonly Target[];
  /** Index in `targets` of the one the others are compared with (pairing.ts referenceKernel). */
  reference: number;
  /** Targets that run each lab right after the reference's, in its slot, each compared with it at once (--engine sim). */
  followers: readonly Target[];
}

export interface RunnerOptions extends Omit<TargetRunOptions, 'slots' | 'onBatch' | 'shouldStop'> {
  /** Jobs at once over all targets; a host lab and a booted kernel are one job each. */
  slots: number;
  /** Every result in report order: target by target, each reference result followed by its followers' results and comparisons, each other target's block by its comparisons with the reference. */
  onResult: (r: LabResult) => void;
  /** A target that runs its labs as one job (a booted kernel) got its slot and starts ('start'), or its results are back ('finish'). */
  onBatch?: (spec: string, event: 'start' | 'finish', target?: TargetInfo) => void;
}

/** How a follower's comparison runs the reference's lab again: only against a follower whose timing is simulated (the same every time), and only when the reference can run one lab alone. */
async function retryOf(
  reference: Target,
  follower: Target,
  lab: Lab,
  first: LabResult,
  opts: TargetRunOptions,
): Promise<CompareRetry | undefined> {
  if (!reference.runLab || (await follower.capabilities()).realTiming) return undefined;
  const runLab = reference.runLab.bind(reference);
  return { retries: opts.retries, again: (attempt) => runLab(lab, first.repeat, first.attempts + attempt - 1, opts) };
}

/** The reference's result, then each follower's result for the same lab and their comparison. */
async function withFollowers(labs: readonly Lab[], plan: RunPlan, r: LabResult, opts: TargetRunOptions): Promise<LabResult[]> {
  const lab = labs.find((l) => l.name === r.lab);
  if (!lab || !plan.followers.length) return [r];
  const out = [r];
  const reference = plan.targets[plan.reference]!;
  for (const follower of plan.followers) {
    const e = await follower.runLab!(lab, r.repeat, 1, opts);
    out.push(e, await compareLab(lab, r, e, await retryOf(reference, follower, lab, r, opts)));
  }
  return out;
}

/**
 * The labs on every target of the plan at once. Returns what each target
 * ran as (its kernel version), in plan order.
 */
export async function runTargets(labs: readonly Lab[], plan: RunPlan, opts: RunnerOptions): Promise<TargetInfo[]> {
  const slots = new Slots(opts.slots);
  const { onResult, onBatch, ...common } = opts;
  const ref = plan.reference;
  const planned = (name: string): number => repeatsOf(labs.find((l) => l.name === name) ?? {}, opts.repeat);
  // Each target's results in selection order (labs × repeats), whatever order they finish in.
  const selection = labs.flatMap((lab) => Array.from({ length: planned(lab.name) }, (_, repeat) => labKey(lab.name, repeat)));
  const untilFail = new UntilFail(opts.untilFail === true);
  const byTarget: LabResult[][] = plan.targets.map(() => []);
  const blocks: OrderedBlocks<LabResult> = new OrderedBlocks(plan.targets.length, onResult, (i) => {
    if (i === ref) return [];
    return blocks.isDone(ref) ? crossKernelResults(labs, byTarget[ref]!, byTarget[i]!) : undefined;
  });
  // Started in plan order, so the FIFO slots are granted in that order.
  return Promise.all(
    plan.targets.map(async (target, i) => {
      const targetOpts: TargetRunOptions = {
        ...common,
        slots,
        shouldStop: () => untilFail.stopped,
        onBatch: (event, info) => onBatch?.(target.spec, event, info),
      };
      const pcaps = opts.keepPcaps === 'on-failure' && opts.capture ? new PcapKeeper(planned) : undefined;
      const inOrder = new InSelectionOrder<LabResult>(selection, (group) => {
        for (const x of group) {
          byTarget[i]!.push(x);
          blocks.add(i, x);
        }
      });
      try {
        return await target.run(labs, targetOpts, async (r) => {
          // As soon as it finishes, before it waits for its place in the report: the stop, and the pcaps no longer needed.
          untilFail.record([r]);
          await pcaps?.finished(r);
          const group = i === ref ? await withFollowers(labs, plan, r, targetOpts) : [r];
          untilFail.record(group);
          inOrder.add(labKey(r.lab, r.repeat), group);
        });
      } finally {
        await pcaps?.close();
        inOrder.flush();
        blocks.finish(i);
      }
    }),
  );
}
