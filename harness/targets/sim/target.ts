// The engine (engine/) in the simulator: a seeded run, the same every time,
// each lab in a worker thread so it never stalls the timing of kernel labs
// running beside it. It models the newest kernel.
import { FEATURES } from '../../../kernels/features.js';
import type { Lab } from '../../lab/model.js';
import type { LabResult } from '../../result.js';
import { runEachLab } from '../each-lab.js';
import type { Target, TargetKind, TargetRunOptions } from '../target.js';
import { ENGINE_TARGET } from './run-lab.js';
import { runLabOnEngineAsync } from './worker.js';

export class SimTarget implements Target {
  readonly spec = ENGINE_TARGET.spec;

  async capabilities() {
    return { kind: 'engine' as const, backend: ENGINE_TARGET.backend, features: FEATURES.map((f) => f.name), realTiming: false };
  }

  async run(labs: readonly Lab[], opts: TargetRunOptions, emit: (r: LabResult) => Promise<void>) {
    await runEachLab(labs, opts, (lab, repeat) => this.runLab(lab, repeat, 1, opts), emit);
    return ENGINE_TARGET;
  }

  /** The same run whatever the attempt: the simulation depends only on the seed. */
  async runLab(lab: Lab, repeat: number, _attempt: number, opts: TargetRunOptions): Promise<LabResult> {
    return { ...(await runLabOnEngineAsync(lab, { seed: opts.seed, timeoutMs: opts.timeoutMs })), repeat };
  }
}

export const simKind: TargetKind = {
  option: '--engine',
  claims: (spec) => spec === ENGINE_TARGET.spec,
  create: () => new SimTarget(),
};
