// Labs on another kernel: boot it once under qemu (kernels/vm) for the whole
// batch, run mptcp-lab itself inside with the netns backend (the host's root
// is shared read-only, so the guest has the same Node, mptcp-lab and
// iproute2), and read its results.json back over the results port. Kernel
// trouble in the console (oops, Call Trace, KASAN, panic) or a guest that
// stops answering fails the batch with the console lines that say why.
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchKernel, type ResolvedKernel } from '../../../kernels/fetch.js';
import { formatKernelSpec, parseKernelSpec } from '../../../kernels/spec.js';
import { runInVm, type Accel, type VmResult } from '../../../kernels/vm/qemu.js';
import type { Lab } from '../../lab/model.js';
import { repeatsOf } from '../../lab/repeat.js';
import { failedResult, type LabResult, type RunResult, type TargetInfo } from '../../result.js';
import { GUEST_ENV } from '../../capabilities.js';
import { LOG_MARK, sendPcapsScript, splitGuestOutput, type GuestPcap } from './guest-stream.js';

const CLI = fileURLToPath(new URL('../../cli.js', import.meta.url));
/** Where the inner run writes, inside the guest's tmpfs. */
export const GUEST_RESULTS = '/tmp/mptcp-lab-guest';
/** Under TCG a lab takes tens of seconds; the boot a few. */
const BOOT_BUDGET_MS = 120_000;
const PER_LAB_MS = 90_000;
/** vCPUs of a guest when not given (--vm-cpus). */
const GUEST_CPUS = 2;

export interface VmRunOptions {
  seed: number;
  timeoutMs?: number;
  /** --retries for the run inside the guest: a lab that fails then passes is flaky there too. */
  retries?: number;
  resultsDir?: string;
  memoryMb?: number;
  cpus?: number;
  /** Labs at once inside the guest (--jobs of the inner run); default: guestJobs(). */
  jobs?: number;
  /** Modules (lib/modules/<release>) of an image spec. */
  modules?: string;
  /** --repeat for the run inside the guest: every lab that many times, in the same boot; undefined: each lab's own `repeat:`. */
  repeat?: number;
  /** --until-fail for the run inside the guest: it stops at its own first failure. */
  untilFail?: boolean;
  /** --capture for the run inside the guest: which pcaps it keeps is its own decision (keep-pcaps.ts); they come back with the logs. */
  capture?: 'always' | 'on-failure';
  /** KVM, TCG, or auto (KVM when a probe boot under it works). Default auto. */
  accel?: Accel | 'auto';
}

/**
 * Labs at once inside a guest of `cpus` vCPUs: one per vCPU while the host has a CPU to spare for
 * each (multi-threaded TCG gives each vCPU a host thread), else one. On a busy host side-by-side
 * labs starve each other's vCPU threads: Node agents then miss their 10 s start and the
 * timing-bound labs their bounds (measured at a load of 13-24 on 2 CPUs), which one lab at a time
 * does not.
 */
export function guestJobs(cpus: number, hostCpus = availableParallelism(), hostLoad = loadavg()[0] ?? 0): number {
  const spare = Math.round(hostCpus - hostLoad);
  return Math.max(1, Math.min(cpus, spare));
}

export function innerCommand(labs: readonly Lab[], opts: VmRunOptions): string[] {
  const files = labs.map((l) => `'${resolve(l.file).replaceAll("'", `'\\''`)}'`).join(' ');
  const timeout = opts.timeoutMs ? ` --timeout ${opts.timeoutMs}ms` : '';
  const retries = opts.retries ? ` --retries ${opts.retries}` : '';
  // Given even when 1: it overrides the labs' own `repeat:` inside too.
  const repeat = opts.repeat !== undefined ? ` --repeat ${opts.repeat}` : '';
  const untilFail = opts.untilFail ? ' --until-fail' : '';
  const capture = opts.capture ? ` --capture ${opts.capture}` : '';
  // Under TCG a lab is CPU-bound (process starts, set-up): side by side when the vCPUs have host CPUs.
  const jobs = ` --jobs ${opts.jobs ?? guestJobs(opts.cpus ?? GUEST_CPUS)}`;
  // TAP goes to the guest's console log; results.json is what comes back.
  // After results.json, each lab's log.txt behind a LOG_MARK line, then the pcaps the run kept
  // (guest-stream.ts): the guest's files are gone when it powers off.
  const logs = `for f in ${GUEST_RESULTS}/labs/*/log.txt ${GUEST_RESULTS}/labs/*/*/log.txt; do [ -f "$f" ] && printf '\\n${LOG_MARK}%s\\n' "\${f#${GUEST_RESULTS}/}" && cat "$f"; done`;
  const pcaps = opts.capture ? `; ${sendPcapsScript(GUEST_RESULTS)}` : '';
  const script = `'${process.execPath}' '${CLI}' run ${files} --engine off --seed ${opts.seed}${jobs}${timeout}${retries}${repeat}${untilFail}${capture} --results ${GUEST_RESULTS} >&2; code=$?; cat ${GUEST_RESULTS}/results.json; ${logs}${pcaps}; exit $code`;
  return ['sh', '-c', script];
}

/** Why a guest's whole batch failed, or undefined (harness/report/batch-failure.ts classifies these texts: keep them in step). */
export function whyBatchFailed(vm: VmResult): string | undefined {
  if (vm.trouble.length) return `kernel trouble (console):\n${vm.trouble.slice(0, 40).join('\n')}`;
  if (vm.timedOut)
    return `the guest stopped answering: killed after its timeout; last console lines:\n${vm.console.split('\n').slice(-15).join('\n')}`;
  if (vm.initErrors.length) return `the guest could not start the run: ${vm.initErrors.join('; ')}`;
  if (vm.exitCode === undefined)
    return `qemu ended without a result (exit ${vm.qemuExitCode}): ${vm.qemuStderr.trim().split('\n').slice(-5).join(' | ')}`;
  return undefined;
}

/**
 * A guest that oopsed or hung before the run's command started, under TCG: seen on Debian's 6.12
 * as `Oops: int3` in sched_clock_cpu while PID 1 was still the kernel: apparently a
 * code patch (text_poke's int3) seen by another vCPU out of order under multi-threaded TCG. Nothing of
 * the labs ran, so one more boot is fair; the lost boot's console is kept beside the other. A
 * crash during the labs, or any crash under KVM, stays a failure.
 */
export function crashedWhileBootingUnderTcg(vm: Pick<VmResult, 'accel' | 'guestBootMs' | 'trouble' | 'timedOut'>): boolean {
  return vm.accel === 'tcg' && vm.guestBootMs === undefined && (vm.trouble.length > 0 || vm.timedOut);
}

function fileLabel(label: string): string {
  return label.replace(/[^A-Za-z0-9.+-]/g, '_');
}

/** The guest's lab logs under RESULTS/kernels/<kernel>/labs/<lab>/log.txt, as the host writes its own under RESULTS/labs. */
async function writeGuestLogs(dir: string, logs: ReadonlyMap<string, string>): Promise<void> {
  for (const [name, text] of logs) {
    const file = join(dir, name);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
  }
}

/**
 * The guest's kept pcaps beside its logs (RESULTS/kernels/<kernel>/labs/<lab>/<link>.pcap); one
 * cut short is said so in that lab's log and on stderr. Returns the names written.
 */
async function writeGuestPcaps(dir: string, label: string, pcaps: ReadonlyMap<string, GuestPcap>): Promise<Set<string>> {
  const written = new Set<string>();
  for (const [name, pcap] of pcaps) {
    const file = join(dir, name);
    await mkdir(dirname(file), { recursive: true });
    if (pcap.cut) {
      const note = `pcap ${name.split('/').pop()}: ${pcap.cut}`;
      await appendFile(join(dirname(file), 'log.txt'), `${note}\n`);
      process.stderr.write(`# ${label}: ${name}: ${pcap.cut}\n`);
    }
    if (!pcap.data.length) continue;
    await writeFile(file, pcap.data);
    written.add(name);
  }
  return written;
}

/** A guest result's files as the host has them: its log and the pcaps that came back, under `dir`; none without a results folder. */
export function onTheHost(r: LabResult, dir: string | undefined, logs: ReadonlyMap<string, string>, pcaps: ReadonlySet<string>): LabResult {
  const inGuest = (f: string): string => relative(GUEST_RESULTS, f);
  const { log, pcaps: guestPcaps, ...rest } = r;
  if (!dir) return rest;
  const hostPcaps = (guestPcaps ?? []).map(inGuest).filter((f) => pcaps.has(f));
  return {
    ...rest,
    ...(log && logs.has(inGuest(log)) ? { log: join(dir, inGuest(log)) } : {}),
    ...(hostPcaps.length ? { pcaps: hostPcaps.map((f) => join(dir, f)) } : {}),
  };
}

let fetchQueue: Promise<unknown> = Promise.resolve();

/** Kernels booting side by side fetch one after another: two specs of one release must not unpack into the same cache entry at once. */
function oneFetchAtATime<T>(fetch: () => Promise<T>): Promise<T> {
  const mine = fetchQueue.then(fetch, fetch);
  fetchQueue = mine.catch(() => undefined);
  return mine;
}

/** Every lab once on the kernel `specText`, in one boot. One result per lab, always. */
export async function runLabsOnKernel(
  specText: string,
  labs: readonly Lab[],
  opts: VmRunOptions,
): Promise<{ target: TargetInfo; results: LabResult[] }> {
  // --modules belongs to a bzImage path; the Debian kernels bring their own.
  const spec = parseKernelSpec(specText, opts.modules !== undefined && !specText.startsWith('debian:') ? { modules: opts.modules } : {});
  const label = formatKernelSpec(spec);
  let k: ResolvedKernel;
  try {
    k = await oneFetchAtATime(() => fetchKernel(spec));
  } catch (e) {
    // One kernel that cannot be fetched fails its own labs; the other kernels of the run go on.
    const target: TargetInfo = { kind: 'kernel', spec: label, version: 'unknown', backend: 'vm' };
    const why = `kernel ${label} could not be fetched: ${e instanceof Error ? e.message : String(e)}`;
    return { target, results: labs.map((lab) => failedResult(lab, target, why)) };
  }
  const target: TargetInfo = { kind: 'kernel', spec: label, version: k.release, backend: 'vm' };
  const boot = (): Promise<VmResult> =>
    runInVm({
      kernel: k.kernel,
      release: k.release,
      modules: k.modulesDir,
      command: innerCommand(labs, opts),
      cwd: process.cwd(),
      memoryMb: opts.memoryMb ?? 2048,
      cpus: opts.cpus ?? GUEST_CPUS,
      accel: opts.accel ?? 'auto',
      timeoutMs: BOOT_BUDGET_MS + PER_LAB_MS * labs.reduce((n, lab) => n + repeatsOf(lab, opts.repeat), 0) * (1 + (opts.retries ?? 0)),
      // Lets a lab step know it runs in a throw-away guest (e.g. to crash it on
      // purpose in a test), and requirement SKIPs name the guest's kernel.
      env: { [GUEST_ENV]: '1' },
    });
  let vm = await boot();
  const lostBoot = crashedWhileBootingUnderTcg(vm) ? vm : undefined;
  if (lostBoot) {
    process.stderr.write(`# ${label}: the guest crashed while booting under TCG, before the run started; booting it again\n`);
    vm = await boot();
  }
  if (opts.resultsDir) {
    const dir = join(opts.resultsDir, 'kernels');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${fileLabel(label)}.console.log`), vm.console);
    if (lostBoot) await writeFile(join(dir, `${fileLabel(label)}.lost-boot.console.log`), lostBoot.console);
  }
  const failed = whyBatchFailed(vm);
  const { json, logs, pcaps } = splitGuestOutput(vm.stdout);
  const guestDir = opts.resultsDir ? join(opts.resultsDir, 'kernels', fileLabel(label)) : undefined;
  if (guestDir) await writeGuestLogs(guestDir, logs);
  const pcapsBack = guestDir ? await writeGuestPcaps(guestDir, label, pcaps) : new Set<string>();
  let inner: RunResult | undefined;
  try {
    inner = JSON.parse(json) as RunResult;
  } catch {
    inner = undefined;
  }
  const results = labs.flatMap((lab) =>
    Array.from({ length: repeatsOf(lab, opts.repeat) }, (_, repeat) => repeat).flatMap((repeat): LabResult[] => {
      const r = inner?.results.find((x) => x.lab === lab.name && x.target.kind === 'kernel' && x.repeat === repeat);
      // A failed batch fails every lab, each repeat; with --until-fail once per lab (the run stops there).
      if (failed) return opts.untilFail && repeat > 0 ? [] : [{ ...failedResult(lab, target, failed), repeat }];
      // --until-fail stopped the guest's run before this repeat: it did not run, and nothing failed for want of it.
      if (!r && inner?.run.untilFail?.stopped) return [];
      if (!r)
        return [
          {
            ...failedResult(
              lab,
              target,
              `no result came back from the guest (exit ${vm.exitCode}): ${vm.stderr.trim().split('\n').slice(-5).join(' | ')}`,
            ),
            repeat,
          },
        ];
      return [{ ...onTheHost(r, guestDir, logs, pcapsBack), target }];
    }),
  );
  return { target, results };
}
