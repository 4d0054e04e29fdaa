// A target is a place labs run: the host's network namespaces (netns), a
// kernel booted under qemu (vm, which runs the netns target inside the
// guest), the engine in the simulator (sim); later a container and the
// kernel's own selftests. The runner knows targets only through this
// interface: it schedules them in the shared --jobs slots and compares any
// two of them through the same code (harness/run/pairing.ts).
import type { Accel } from '../../kernels/vm/qemu.js';
import type { Lab } from '../lab/model.js';
import type { LabResult, TargetInfo } from '../result.js';
import type { Slots } from './slots.js';

/** What a target can do, for the runner, reports and comparisons. */
export interface TargetCapabilities {
  /** What its results speak for: a kernel, or the engine. */
  kind: 'kernel' | 'engine';
  /** The backend named in results: "netns", "vm", "sim" (later "docker", "selftests"). */
  backend: string;
  /** The kernel version it runs, e.g. "6.18.44"; undefined until known (a guest's, before it booted), and for the engine, which models the newest kernel. */
  kernelVersion?: string;
  /** MPTCP features (kernels/features.ts) it has; undefined while its kernel version is not known. */
  features?: readonly string[];
  /**
   * Whether its durations, link shares and retransmissions come from a real
   * clock. A simulated one is the same run every time for a seed, so when a
   * comparison with it diverges, only the other side is worth running again.
   */
  realTiming: boolean;
}

export interface TargetRunOptions {
  seed: number;
  /** Labs at once for a target that runs labs one by one (--jobs). */
  jobs: number;
  /** Runs of a failing lab after the first; fail then pass is flaky. */
  retries: number;
  /** --repeat: every lab this many times; undefined: each lab's own `repeat:` (harness/lab/repeat.ts). Results carry repeat 0..n-1. */
  repeat?: number;
  /** --until-fail: the run stops at its first failure (a target that runs its labs as one batch passes it on). */
  untilFail?: boolean;
  /** True once no new run may start (--until-fail saw a failure): a target starts none, and reports none for them. */
  shouldStop?: () => boolean;
  /** Overrides each lab's own timeout. */
  timeoutMs?: number;
  /** Results folder: logs, pcaps, console logs go below it. */
  resultsDir?: string;
  /** tcpdump every link (--capture). */
  capture: boolean;
  /** With capture: keep every pcap, or only those of failing runs and the last pass before each (--capture on-failure); a booted kernel's run inside decides it there. */
  keepPcaps?: 'all' | 'on-failure';
  /** The run's job slots, shared by every target: one lab, or one booted kernel, holds one. */
  slots: Slots;
  /** A lab got its slot and starts (targets that run labs one by one). */
  onStart?: (lab: Lab, repeat: number) => void;
  /** A target that runs all its labs as one job (a booted kernel) got its slot ('start'), or its results are back ('finish'). */
  onBatch?: (event: 'start' | 'finish', target?: TargetInfo) => void;
}

/**
 * Called for every result as it finishes, and awaited: a target that runs
 * labs one by one still holds that lab's job slot meanwhile, so what the
 * runner does right after a lab (a follower's run and the comparison) shares
 * the lab's slot.
 */
export type EmitResult = (r: LabResult) => Promise<void>;

export interface Target {
  /** As given: "host", "debian:6.12", a build tree, a bzImage; "sim" for the engine. */
  readonly spec: string;
  capabilities(): Promise<TargetCapabilities>;
  /**
   * Every lab its repeats (repeatsOf), each result passed to `emit` as it
   * finishes (one per lab per repeat, always: a lab that cannot run is a
   * failed or skipped result; only runs that `opts.shouldStop` kept from
   * starting have none). Takes its job slots from `opts.slots`. Resolves
   * with what ran.
   */
  run(labs: readonly Lab[], opts: TargetRunOptions, emit: EmitResult): Promise<TargetInfo>;
  /**
   * One lab once, now, in the caller's job slot: a follower's run beside
   * another target's lab, or a comparison running a lab again (`attempt` >
   * 1: its logs go beside the first ones). Absent when the target only runs
   * whole batches (a booted kernel).
   */
  runLab?(lab: Lab, repeat: number, attempt: number, opts: TargetRunOptions): Promise<LabResult>;
  /**
   * Starts, without waiting, what its labs will need (the netns target's agent threads), so it is
   * ready by the first lab: called once the labs are chosen, before the run's other set-up.
   */
  prepare?(labs: number, jobs: number): void;
  /** Resolves once what prepare started can be abandoned safely (the process may exit). */
  settle?(): Promise<void>;
}

/** Settings of particular kinds of target, from the command line. */
export interface TargetSettings {
  /** Guest memory, CPUs, acceleration, and the modules of an image spec (vm). */
  vm?: { memoryMb?: number; cpus?: number; modules?: string; accel?: Accel | 'auto' };
}

/** One kind of target, registered in harness/targets/registry.ts. */
export interface TargetKind {
  /** The option that names targets of this kind: a kernel (--kernel) or the engine (--engine). */
  option: '--kernel' | '--engine';
  /** Whether `spec` (an item of that option) names a target of this kind. */
  claims(spec: string): boolean;
  /** Throws an Error whose message says what is wrong with `spec`, before anything runs. */
  check?(spec: string, settings: TargetSettings): void;
  create(spec: string, settings: TargetSettings): Target;
}
