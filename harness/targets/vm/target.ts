// A kernel booted under qemu (kernels/vm): the whole batch of labs in one
// boot, which holds one job slot; inside the guest mptcp-lab runs them with
// the netns target (run-labs.ts). Results come back together at the end.
import { parseKernelSpec } from '../../../kernels/spec.js';
import type { Lab } from '../../lab/model.js';
import type { LabResult, TargetInfo } from '../../result.js';
import { featuresOf } from '../features-of.js';
import type { Target, TargetCapabilities, TargetKind, TargetRunOptions, TargetSettings } from '../target.js';
import { runLabsOnKernel } from './run-labs.js';

export class VmTarget implements Target {
  /** What the last run booted; its version is unknown before. */
  private booted: TargetInfo | undefined;

  constructor(
    readonly spec: string,
    private readonly settings: NonNullable<TargetSettings['vm']> = {},
  ) {}

  async capabilities(): Promise<TargetCapabilities> {
    const version = this.booted?.version;
    const known = version !== undefined && version !== 'unknown';
    // A real clock, if a slow one under TCG: comparisons leave out a guest's durations and link shares (run/differential.ts).
    return { kind: 'kernel', backend: 'vm', realTiming: true, ...(known ? { kernelVersion: version, features: featuresOf(version) } : {}) };
  }

  async run(labs: readonly Lab[], opts: TargetRunOptions, emit: (r: LabResult) => Promise<void>): Promise<TargetInfo> {
    const vm = await opts.slots.run(async () => {
      // --until-fail saw a failure while this kernel waited for its slot: it does not boot.
      if (opts.shouldStop?.()) return undefined;
      opts.onBatch?.('start');
      return runLabsOnKernel(this.spec, labs, {
        seed: opts.seed,
        timeoutMs: opts.timeoutMs,
        retries: opts.retries,
        repeat: opts.repeat,
        untilFail: opts.untilFail,
        ...(opts.capture ? { capture: opts.keepPcaps === 'on-failure' ? 'on-failure' : 'always' } : {}),
        resultsDir: opts.resultsDir,
        ...this.settings,
      });
    });
    if (!vm) return { kind: 'kernel', spec: this.spec, version: 'unknown', backend: 'vm' };
    this.booted = vm.target;
    opts.onBatch?.('finish', vm.target);
    for (const r of vm.results) await emit(r);
    return vm.target;
  }
}

export const vmKind: TargetKind = {
  option: '--kernel',
  /** Any kernel spec: debian:6.1, debian:6.12, debian:<release>, a build tree, a bzImage. */
  claims: (spec) => spec !== 'host',
  // --modules belongs to a bzImage path; the Debian kernels bring their own.
  check: (spec, settings) =>
    void parseKernelSpec(spec, settings.vm?.modules !== undefined && !spec.startsWith('debian:') ? { modules: settings.vm.modules } : {}),
  create: (spec, settings) => new VmTarget(spec, settings.vm),
};
