// Runs many labs: --jobs in parallel (each lab in its own uniquely named
// namespaces), --retries (fail then pass = flaky, never a plain pass),
// --repeat, and a hard per-lab guard so a hung lab is reported and the run
// goes on. runMatrix runs them on every kernel of --kernel at once (host labs
// and booted kernels share the job slots) and reports kernel by kernel.
import { join } from 'node:path';
import type { Lab } from '../lab/model.js';
import type { LabResult, TargetInfo } from '../result.js';
import { differentialResult } from './differential.js';
import { runLabOnEngineAsync } from '../targets/sim/worker.js';
import { probeCapabilities } from '../capabilities.js';
import { runLabOnHost, type LabRunOptions } from '../targets/netns/run-lab.js';
import { runLabsOnKernel } from '../targets/vm/run-labs.js';
import { eventsNotOnBoth } from '../../kernels/features.js';
import type { Accel } from '../../kernels/vm/qemu.js';

export interface RunnerOptions {
  seed: number;
  jobs: number;
  retries: number;
  repeat: number;
  timeoutMs?: number;
  resultsDir?: string;
  capture: boolean;
  /** Also run each lab on the engine in the simulator, and compare (--engine sim). */
  engine: boolean;
  /** Called as each lab finishes, in completion order. */
  onResult?: (r: LabResult) => void;
  onStart?: (lab: Lab, repeat: number) => void;
  /** Shared with other work (kernels booted beside the host labs): each lab holds one slot while it runs. */
  slots?: Slots;
}

/**
 * A FIFO counting semaphore: at most `size` jobs at once, granted in the
 * order they asked (so a kernel queued behind host labs is not starved).
 */
export class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`slots: expected an integer >= 1, got ${size}`);
    this.free = size;
  }

  /** Jobs running now. */
  get busy(): number {
    return this.size - this.free;
  }

  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the slot straight to the next waiter, so nobody can jump the queue.
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    };
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await job();
    } finally {
      release();
    }
  }
}

/** Time on top of the lab's own timeout for set-up, observers and teardown. */
const GUARD_MS = 30_000;

function labDir(opts: RunnerOptions, lab: Lab, repeat: number, attempt: number): string | undefined {
  if (!opts.resultsDir) return undefined;
  const name = `${lab.name}${opts.repeat > 1 ? `.r${repeat}` : ''}${attempt > 1 ? `.a${attempt}` : ''}`;
  return join(opts.resultsDir, 'labs', name);
}

async function guarded(lab: Lab, o: LabRunOptions): Promise<LabResult> {
  const limit = (o.timeoutMs ?? lab.timeoutMs) + GUARD_MS;
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<LabResult>((resolve) => {
    timer = setTimeout(() => resolve({
      lab: lab.name, file: lab.file, group: lab.group, tags: lab.tags,
      target: { kind: 'kernel', spec: 'host', version: '', backend: 'netns' },
      status: 'fail', error: `lab hung: no result ${limit} ms after it started`, durationMs: limit, attempts: 1, repeat: 0, checks: [],
    }), limit);
  });
  try {
    return await Promise.race([runLabOnHost(lab, o), hung]);
  } finally {
    clearTimeout(timer);
  }
}

const COUNTER_SOURCE = /^(\S+) ((?:MPTcpExt|Tcp|Ip)\w+)$/;

/**
 * A check on a MIB counter the kernel does not have is a SKIP naming the
 * counter, not a failure at 0: `nstat -asz` lists every counter a kernel
 * has, zeros included, so one missing from a host's list is one this kernel
 * (e.g. 6.1 before MPJoinSynTx, AddAddrTx, RmAddrTx) never counts.
 */
export function skipMissingCounters(r: LabResult, lab: Lab, kernelRelease: string = r.target.version): LabResult {
  if (r.target.kind !== 'kernel' || !r.observations) return r;
  const counters = r.observations.counters;
  let changed = false;
  const checks = r.checks.map((c) => {
    const m = COUNTER_SOURCE.exec(c.source ?? '');
    const have = m ? counters[m[1]!] : undefined;
    if (c.ok || c.skip !== undefined || !m || !have || !Object.keys(have).length || m[2]! in have) return c;
    changed = true;
    return { ...c, ok: true, skip: `counter ${m[2]} does not exist on kernel ${kernelRelease}` };
  });
  if (!changed) return r;
  // The same rule as runLabOnHost: a failed check, or an error when the lab expects integrity.
  const failed = checks.some((c) => !c.ok) || (r.error !== undefined && lab.expect.integrity);
  return { ...r, checks, status: r.status === 'fail' && !failed ? 'pass' : r.status };
}

/** Runs a lab on the host with its retries; `firstAttempt` > 1 when a comparison asks for the kernel run again (its logs go beside the first ones). */
async function runWithRetries(lab: Lab, repeat: number, opts: RunnerOptions, firstAttempt = 1): Promise<LabResult> {
  let first: LabResult | undefined;
  for (let attempt = firstAttempt; attempt <= firstAttempt + opts.retries; attempt += 1) {
    const outDir = labDir(opts, lab, repeat, attempt);
    const r = skipMissingCounters(await guarded(lab, { seed: opts.seed, timeoutMs: opts.timeoutMs, outDir, capture: opts.capture }), lab, (await probeCapabilities()).kernelRelease);
    const withMeta: LabResult = { ...r, repeat, attempts: attempt, ...(outDir ? { log: join(outDir, 'log.txt') } : {}) };
    if (r.status !== 'fail') {
      // A pass after a failure is flaky; the first failure's checks stay visible.
      if (first && r.status === 'pass') return { ...withMeta, status: 'flaky', error: first.error ?? 'failed before passing', checks: [...first.checks.filter((c) => !c.ok), ...withMeta.checks] };
      return withMeta;
    }
    first ??= withMeta;
  }
  return first!;
}

/**
 * The kernel-vs-engine point. The kernel's timing varies from run to run, so
 * a divergence gets the lab's retries: the kernel lab runs again and is
 * compared again with the same engine run. Agreeing then makes the point
 * flaky (its first divergence stays visible), never a plain pass.
 */
async function compareWithRetries(lab: Lab, repeat: number, kernel: LabResult, engine: LabResult, opts: RunnerOptions): Promise<LabResult> {
  const first = differentialResult(lab, ...comparable(kernel, engine));
  for (let attempt = 2; first.status === 'fail' && attempt <= opts.retries + 1; attempt += 1) {
    const again = await runWithRetries(lab, repeat, { ...opts, retries: 0 }, kernel.attempts + attempt - 1);
    const cmp = differentialResult(lab, ...comparable(again, engine));
    if (cmp.status === 'pass') {
      return { ...cmp, status: 'flaky', attempts: attempt, error: `diverged on attempt 1, agreed on attempt ${attempt} (kernel run again)`, checks: [...first.checks.filter((c) => !c.ok), ...cmp.checks] };
    }
  }
  return first;
}

export async function runLabs(labs: readonly Lab[], opts: RunnerOptions): Promise<LabResult[]> {
  const queue = labs.flatMap((lab) => Array.from({ length: opts.repeat }, (_, repeat) => ({ lab, repeat })));
  const results: LabResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const item = queue[next++]!;
      const job = async (): Promise<LabResult[]> => {
        opts.onStart?.(item.lab, item.repeat);
        const r = await runWithRetries(item.lab, item.repeat, opts);
        if (!opts.engine) return [r];
        const e = { ...(await runLabOnEngineAsync(item.lab, { seed: opts.seed, timeoutMs: opts.timeoutMs })), repeat: item.repeat };
        return [r, e, await compareWithRetries(item.lab, item.repeat, r, e, opts)];
      };
      const all = opts.slots ? await opts.slots.run(job) : await job();
      for (const x of all) {
        results.push(x);
        opts.onResult?.(x);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, queue.length)) }, worker));
  return results;
}

/**
 * Writes items block by block in block order: the current block streams as
 * its items arrive; later blocks wait (buffered) until every block before
 * them is closed. A finished block closes with its tail items, which may
 * have to wait too (`tail` answers undefined until they can be made).
 */
export class OrderedBlocks<T> {
  private readonly items: T[][];
  private readonly done: boolean[];
  private current = 0;
  private written = 0;

  constructor(
    count: number,
    private readonly emit: (item: T) => void,
    private readonly tail: (block: number) => readonly T[] | undefined,
  ) {
    this.items = Array.from({ length: count }, () => []);
    this.done = Array.from({ length: count }, () => false);
  }

  add(block: number, item: T): void {
    this.items[block]!.push(item);
    this.pump();
  }

  finish(block: number): void {
    this.done[block] = true;
    this.pump();
  }

  isDone(block: number): boolean {
    return this.done[block] === true;
  }

  /** Every block written, tails included. */
  get complete(): boolean {
    return this.current === this.items.length;
  }

  private pump(): void {
    while (this.current < this.items.length) {
      const block = this.items[this.current]!;
      while (this.written < block.length) this.emit(block[this.written++]!);
      if (!this.done[this.current]) return;
      const tail = this.tail(this.current);
      if (tail === undefined) return;
      for (const item of tail) this.emit(item);
      this.current += 1;
      this.written = 0;
    }
  }
}

/** The kernel the others are compared with: the host when it runs, else the first one given. */
export function referenceKernel(kernels: readonly string[]): number {
  const host = kernels.indexOf('host');
  return host >= 0 ? host : 0;
}

/** The kernel version a result speaks for: the engine models the newest kernel, so it never lacks what the kernel beside it has. */
function modelledVersion(r: LabResult, other: LabResult): string {
  return r.target.kind === 'engine' ? other.target.version : r.target.version;
}

/**
 * The two results with only what both kernels can report: PM event types
 * that arrived after the older one left out, and per host only the MIB
 * counters both have (nstat -asz lists every counter a kernel has).
 */
export function comparable(a: LabResult, b: LabResult): [LabResult, LabResult] {
  const types = eventsNotOnBoth(modelledVersion(a, b), modelledVersion(b, a));
  const trim = (r: LabResult, other: LabResult): LabResult => {
    if (!r.observations) return r;
    const events = Object.fromEntries(Object.entries(r.observations.events).map(([host, evs]) => [host, evs.filter((e) => !types.includes(e.type))]));
    const counters = Object.fromEntries(Object.entries(r.observations.counters).map(([host, values]) => {
      const theirs = other.observations?.counters[host];
      return [host, theirs ? Object.fromEntries(Object.entries(values).filter(([name]) => name in theirs)) : values];
    }));
    return { ...r, observations: { ...r.observations, events, counters } };
  };
  return [trim(a, b), trim(b, a)];
}

/**
 * One cross-kernel comparison point per lab that both kernels ran. Event
 * types that arrived after the older kernel of the pair (kernels/features.ts,
 * e.g. LISTENER_* in 6.2) are left out of both sides: their absence is the
 * kernel's age, not a protocol difference; so are counters only one has.
 */
export function crossKernelResults(labs: readonly Lab[], reference: readonly LabResult[], other: readonly LabResult[]): LabResult[] {
  const out: LabResult[] = [];
  for (const r of other) {
    if (r.target.kind !== 'kernel') continue;
    const ref = reference.find((h) => h.lab === r.lab && h.target.kind === 'kernel' && h.repeat === 0);
    const lab = labs.find((l) => l.name === r.lab);
    if (!ref || !lab) continue;
    out.push(differentialResult(lab, ...comparable(ref, r)));
  }
  return out;
}

export interface MatrixOptions extends Omit<RunnerOptions, 'onResult' | 'slots'> {
  /** --kernel in order: 'host' and kernel specs. */
  kernels: readonly string[];
  /** Jobs at once; a host lab and a booted kernel are one job each. */
  slots: number;
  /** Every result in report order: kernel by kernel as in `kernels`, each non-reference kernel followed by its comparisons with the reference. */
  onResult: (r: LabResult) => void;
  /** Guest memory, CPUs, and the modules of an image spec (vm backend). */
  vm?: { memoryMb?: number; cpus?: number; modules?: string; accel?: Accel | 'auto' };
  /** A kernel got its slot and boots ('start'), or its results are back ('finish'). */
  onKernel?: (spec: string, event: 'start' | 'finish', target?: TargetInfo) => void;
}

/**
 * The labs on every kernel of --kernel at once: the host labs and each
 * booted kernel share `slots` (TCG guests are CPU-bound), results are
 * reported in --kernel order whatever order they finish in. Returns the VM
 * targets in --kernel order.
 */
export async function runMatrix(labs: readonly Lab[], opts: MatrixOptions): Promise<TargetInfo[]> {
  const slots = new Slots(opts.slots);
  const ref = referenceKernel(opts.kernels);
  const byKernel: LabResult[][] = opts.kernels.map(() => []);
  const blocks: OrderedBlocks<LabResult> = new OrderedBlocks(opts.kernels.length, opts.onResult, (i) => {
    if (i === ref) return [];
    return blocks.isDone(ref) ? crossKernelResults(labs, byKernel[ref]!, byKernel[i]!) : undefined;
  });
  const add = (i: number, r: LabResult): void => {
    byKernel[i]!.push(r);
    blocks.add(i, r);
  };
  const targets: (TargetInfo | undefined)[] = opts.kernels.map(() => undefined);
  // Started in --kernel order, so the FIFO slots are granted in that order.
  await Promise.all(opts.kernels.map(async (spec, i) => {
    try {
      if (spec === 'host') {
        await runLabs(labs, { ...opts, slots, onResult: (r) => add(i, r) });
        return;
      }
      const vm = await slots.run(() => {
        opts.onKernel?.(spec, 'start');
        return runLabsOnKernel(spec, labs, { seed: opts.seed, timeoutMs: opts.timeoutMs, retries: opts.retries, repeat: opts.repeat, resultsDir: opts.resultsDir, ...opts.vm });
      });
      targets[i] = vm.target;
      opts.onKernel?.(spec, 'finish', vm.target);
      // Without the host, the engine is compared with the first kernel given.
      const withEngine = opts.engine && i === ref && !opts.kernels.includes('host');
      for (const r of vm.results) {
        add(i, r);
        const lab = labs.find((l) => l.name === r.lab);
        if (!withEngine || !lab || r.target.kind !== 'kernel') continue;
        const e = { ...(await runLabOnEngineAsync(lab, { seed: opts.seed, timeoutMs: opts.timeoutMs })), repeat: r.repeat };
        add(i, e);
        add(i, differentialResult(lab, ...comparable(r, e)));
      }
    } finally {
      blocks.finish(i);
    }
  }));
  return targets.filter((t): t is TargetInfo => t !== undefined);
}
