#!/usr/bin/env node
// mptcp-lab: run MPTCP labs against the Linux kernel. stdout is TAP only;
// progress and logs go to stderr. Exit: 0 all passed (skips allowed),
// 1 something failed, 2 bad input or usage, 3 this machine cannot run labs.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { probeCapabilities, type Capabilities } from './capabilities.js';
import { KernelSpecError, parseKernelSpec } from '../kernels/spec.js';
import { cleanupAll, deleteNamespace, installSignalHandlers, leftoverNamespaces, NS_PREFIX } from './cleanup.js';
import { alive } from '../lib/pids.js';
import { cleanOrphanQemus } from './targets/vm/clean-qemu.js';
import { doctor, formatDoctor } from './commands/doctor.js';
import { kernelsFetch, kernelsList, kernelsPrune, KernelsUsageError, type PruneFlags } from './commands/kernels.js';
import { cacheRoot } from '../kernels/cache.js';
import { loadCatalogue, selectLabs } from './lab/catalogue.js';
import { LabError } from './lab/errors.js';
import { loadLabFile } from './lab/load.js';
import { formatLab } from './lab/show.js';
import { machineInfo } from './machine.js';
import { formatJunit } from './report/junit.js';
import { formatResultsJson } from './report/json.js';
import { formatSummary } from './report/summary.js';
import { TapWriter, formatTap, type TapVersion } from './report/tap.js';
import type { LabResult, RunResult } from './result.js';
import { summarize } from './result.js';
import { hostTarget } from './targets/netns/run-lab.js';
import { Progress } from './run/progress.js';
import { runMatrix } from './run/runner.js';
import { newSeed } from './run/seed.js';
import { parseDuration } from './lab/units.js';
import { reexecRootless } from './rootless.js';
import type { Accel } from '../kernels/vm/qemu.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, cannotRun: 3 } as const;

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

class UsageError extends Error {}

function int(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

function durationMs(v: string): number {
  const ms = parseDuration(v);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('expected a duration such as 30s or 1500ms');
  return ms;
}

interface RunFlags {
  kernel: string;
  /** Undefined when not given: see jobSlots. */
  jobs?: number;
  grep?: string;
  tag?: string[];
  seed?: number;
  retries: number;
  repeat: number;
  timeout?: number;
  results?: string;
  junit?: string;
  capture: boolean;
  tapVersion: TapVersion;
  engine: 'sim' | 'off';
  /** Guest memory in MiB and CPUs (vm backend). */
  vmMemory: number;
  vmCpus: number;
  /** lib/modules/<release> of an image spec in --kernel. */
  modules?: string;
  accel: Accel | 'auto';
}

/**
 * Jobs at once for the kernel matrix: --jobs when given; otherwise the
 * number of CPUs (a TCG guest keeps one busy), with host labs still one at
 * a time (the default of --jobs) and the booted kernels beside them.
 */
function jobSlots(flags: Pick<RunFlags, 'jobs'>): number {
  return flags.jobs ?? availableParallelism();
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
}

function kernelSpecs(text: string, modules?: string): string[] {
  const specs = text.split(',').map((k) => k.trim()).filter(Boolean);
  if (!specs.length) throw new UsageError('--kernel: expected host, debian:6.1, debian:6.12, a kernel build tree or an image path');
  if (modules !== undefined && !existsSync(modules)) throw new UsageError(`--modules ${modules}: no such directory; expected the lib/modules/<release> of the bzImage in --kernel`);
  const twice = specs.find((k, i) => specs.indexOf(k) !== i);
  if (twice) throw new UsageError(`--kernel: ${twice} is given twice; expected each kernel once`);
  for (const spec of specs) {
    if (spec === 'host') continue;
    try {
      parseKernelSpec(spec, modules !== undefined && !spec.startsWith('debian:') ? { modules } : {});
    } catch (e) {
      if (e instanceof KernelSpecError) throw new UsageError(`--kernel ${spec}: ${e.message}`);
      throw e;
    }
  }
  return specs;
}

/** Whether the host can build lab namespaces; a reason to exit 3 when not. */
function hostCannotRun(caps: Capabilities): string | undefined {
  if (!caps.mptcp) return `kernel ${caps.kernelRelease} has no MPTCP (/proc/sys/net/mptcp missing): labs cannot run. See "mptcp-lab doctor".`;
  if (!caps.root) return 'lab namespaces need root or a user namespace; run with sudo, or where user namespaces are allowed mptcp-lab re-runs itself inside one.';
  return undefined;
}

async function runCommand(args: string[], flags: RunFlags): Promise<number> {
  const kernels = kernelSpecs(flags.kernel, flags.modules);
  if (flags.grep) {
    try {
      new RegExp(flags.grep);
    } catch (e) {
      throw new UsageError(`--grep: not a regular expression: ${(e as Error).message}`);
    }
  }
  const labs = await selectLabs(args, { grep: flags.grep, tags: flags.tag });
  if (!labs.length) throw new UsageError('no lab matches the selection');
  const caps = await probeCapabilities();
  const onHost = kernels.includes('host');
  const cannot = onHost ? hostCannotRun(caps) : undefined;
  if (cannot) {
    process.stderr.write(`mptcp-lab: ${cannot}\n`);
    return EXIT.cannotRun;
  }
  const seed = flags.seed ?? newSeed();
  const resultsDir = flags.results ?? join('mptcp-lab-results', timestamp());
  await mkdir(resultsDir, { recursive: true });
  const run: RunResult = {
    run: { tool: 'mptcp-lab', version: pkg.version, seed, started: new Date().toISOString(), argv: process.argv.slice(2), kernels: onHost ? [hostTarget(caps)] : [], machine: machineInfo() },
    results: [],
  };
  const tap = new TapWriter((s) => process.stdout.write(s), { version: flags.tapVersion, seed });
  tap.header();
  tap.comment(`mptcp-lab ${pkg.version} seed ${seed} kernel ${caps.kernelRelease}; targets ${kernels.join(",")} (replay: --seed ${seed})`);
  // Points to come: host labs, one per lab per guest, one comparison per lab per later kernel, and the engine with its comparison (beside the host, or else the first kernel).
  const vmCount = kernels.filter((k) => k !== 'host').length;
  const enginePoints = flags.engine === 'sim' ? 2 : 0;
  const progress = new Progress(labs.length * (flags.repeat * ((onHost ? 1 + enginePoints : enginePoints) + vmCount) + (kernels.length - 1)));
  const report = (r: LabResult) => {
    progress.finish(r);
    tap.point(r);
    run.results.push(r);
  };
  const vmTargets = await runMatrix(labs, {
    kernels, slots: jobSlots(flags),
    seed, jobs: flags.jobs ?? 1, retries: flags.retries, repeat: flags.repeat, timeoutMs: flags.timeout, resultsDir, capture: flags.capture, engine: flags.engine === 'sim',
    vm: { memoryMb: flags.vmMemory, cpus: flags.vmCpus, accel: flags.accel, ...(flags.modules !== undefined ? { modules: flags.modules } : {}) },
    onStart: (lab) => progress.start(lab.name),
    onResult: report,
    onKernel: (spec, event, target) => {
      const line = `mptcp-lab: kernel ${spec}: ${event === 'start' ? `booting for ${labs.length} lab(s)` : `results back (${target?.version ?? '?'})`}`;
      // On a terminal, over the live progress line rather than after it.
      process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${line}\n` : `${line}\n`);
    },
  });
  run.run.kernels.push(...vmTargets);
  tap.end();
  progress.close();
  run.run.finished = new Date().toISOString();
  await writeFile(join(resultsDir, 'results.json'), formatResultsJson(run));
  await writeFile(join(resultsDir, 'results.tap'), formatTap(run, { version: flags.tapVersion }));
  await writeFile(join(resultsDir, 'summary.md'), formatSummary(run));
  if (flags.junit) await writeFile(flags.junit, formatJunit(run));
  const counts = summarize(run.results);
  process.stderr.write(`mptcp-lab: ${counts.pass} passed, ${counts.fail} failed, ${counts.skip} skipped, ${counts.flaky} flaky; results in ${resultsDir}\n`);
  return counts.fail ? EXIT.failed : EXIT.ok;
}

async function validateCommand(files: string[]): Promise<number> {
  const targets = files.length ? files : [];
  const labs = targets.length ? await Promise.all(targets.map((f) => loadLabFile(f))) : await loadCatalogue();
  for (const l of labs) process.stdout.write(`ok ${l.file} (${l.name})\n`);
  return EXIT.ok;
}

async function cleanCommand(all: boolean): Promise<number> {
  const names = await leftoverNamespaces();
  const stale = names.filter((n) => {
    const pid = Number(/^mptcplab-(\d+)-/.exec(n)?.[1]);
    if (all) return true;
    // Only namespaces of runs that are gone; a live run still owns its own.
    return Number.isInteger(pid) && pid > 0 && !alive(pid);
  });
  for (const n of stale) {
    await deleteNamespace(n);
    process.stderr.write(`removed namespace ${n}\n`);
  }
  process.stderr.write(`mptcp-lab clean: ${stale.length} namespace(s) removed${names.length > stale.length ? `; ${names.length - stale.length} kept (a live run or a test owns them; --all removes every ${NS_PREFIX}*)` : ''}\n`);
  // qemu only by its run's liveness, even with --all: a live run's guest is never ours to end.
  const qemus = await cleanOrphanQemus();
  for (const q of qemus.ended) {
    process.stderr.write(`ended qemu ${q.pid} (${q.why}; ${q.signal}${q.workDir ? `; removed ${q.workDir}` : ''})\n`);
  }
  process.stderr.write(`mptcp-lab clean: ${qemus.ended.length} orphaned qemu(s) ended${qemus.kept.length ? `; ${qemus.kept.length} kept (their run is alive: ${qemus.kept.map((q) => `qemu ${q.pid} of run ${q.runPid}`).join(', ')})` : ''}\n`);
  return EXIT.ok;
}

function program(setExit: (code: number) => void): Command {
  const p = new Command('mptcp-lab').description('Multipath TCP labs against the Linux kernel').version(pkg.version).exitOverride().showHelpAfterError();
  p.command('run')
    .description('run labs (default: the whole catalogue) on the kernels of --kernel (default: the host); TAP on stdout')
    .argument('[labs...]', 'catalogue names, groups, or lab files/folders')
    .option('--kernel <specs>', 'kernels to run on, comma-separated: host, debian:6.1, debian:6.12, a build tree or an image path', 'host')
    .option('-j, --jobs <n>', 'jobs at once: a lab on the host or a booted kernel is one job (default: 1 host lab at a time, with booted kernels beside it up to the number of CPUs)', int('--jobs', 1))
    .option('--grep <regex>', 'only labs whose name matches')
    .option('--tag <tag...>', 'only labs with one of these tags or groups')
    .option('--seed <n>', 'seed for every random choice (printed, so a run can be replayed)', int('--seed', 0))
    .option('--retries <n>', 'retry a failed lab; fail-then-pass is reported as flaky', int('--retries', 0), 0)
    .option('--repeat <n>', 'run every lab n times', int('--repeat', 1), 1)
    .option('--timeout <duration>', "override each lab's timeout", durationMs)
    .option('--results <dir>', 'results folder (default mptcp-lab-results/<timestamp>)')
    .option('--junit <file>', 'also write JUnit XML')
    .option('--capture', 'tcpdump every link into pcap files in the results folder', false)
    .addOption(new Option('--engine <target>', 'also run each lab on the TypeScript engine in the simulator and compare it with the host kernel (off: kernels only)').choices(['sim', 'off']).default('sim'))
    .addOption(new Option('--tap-version <v>', 'TAP version on stdout').choices(['13', '14']).default('14').argParser((v) => Number(v) as TapVersion))
    .option('--vm-memory <mib>', 'memory of each booted kernel, in MiB', int('--vm-memory', 256), 2048)
    .option('--vm-cpus <n>', 'CPUs of each booted kernel', int('--vm-cpus', 1), 2)
    .option('--modules <dir>', 'modules (lib/modules/<release>) of a bzImage given in --kernel')
    .addOption(new Option('--accel <how>', 'booted kernels under KVM, TCG, or auto: KVM when a probe boot under it works (remembered until the machine reboots)').choices(['auto', 'kvm', 'tcg']).default('auto'))
    .action(async (labs: string[], flags: RunFlags) => setExit(await runCommand(labs, flags)));
  p.command('list').description('list the catalogue').option('--json', 'machine-readable').action(async (o: { json?: boolean }) => {
    const labs = await loadCatalogue();
    if (o.json) process.stdout.write(JSON.stringify(labs.map((l) => ({ name: l.name, group: l.group, tags: l.tags, description: l.description, file: l.file, requires: l.requires })), null, 2) + '\n');
    const width = Math.max(...labs.map((l) => l.name.length));
    if (!o.json) for (const l of labs) process.stdout.write(`${l.group.padEnd(11)} ${l.name.padEnd(width)}  ${l.description}\n`);
    setExit(EXIT.ok);
  });
  p.command('show').description('hosts, links, addresses and impairments of a lab').argument('<lab>').action(async (name: string) => {
    const [lab] = await selectLabs([name], {});
    process.stdout.write(formatLab(lab!));
    setExit(EXIT.ok);
  });
  p.command('validate').description('check lab files (default: the catalogue)').argument('[files...]').action(async (files: string[]) => setExit(await validateCommand(files)));
  p.command('doctor').description('the MPTCP checklist for this machine').option('--json', 'machine-readable').action(async (o: { json?: boolean }) => {
    const caps = await probeCapabilities();
    const items = await doctor(caps);
    process.stdout.write(o.json ? JSON.stringify({ capabilities: caps, items }, null, 2) + '\n' : formatDoctor(items));
    setExit(caps.mptcp ? EXIT.ok : EXIT.cannotRun);
  });
  p.command('clean').description('remove namespaces and end qemu guests left by crashed runs (only mptcp-lab ones)').option('--all', `remove every ${NS_PREFIX}* namespace, even of live runs (a live run's qemu is still kept)`).action(async (o: { all?: boolean }) => setExit(await cleanCommand(Boolean(o.all))));
  kernelsCommands(p, setExit);
  return p;
}

function kernelsCommands(p: Command, setExit: (code: number) => void): void {
  const k = p.command('kernels').description(`the kernel cache for --kernel (${cacheRoot()})`);
  k.command('list').description('cached kernels: spec, release, package version, size, fetched, path').option('--json', 'machine-readable').action(async (o: { json?: boolean }) => {
    process.stdout.write(await kernelsList(Boolean(o.json)));
    setExit(EXIT.ok);
  });
  k.command('fetch').description('fetch Debian kernels into the cache (once); check a build tree or image (used in place). Prints: SPEC RELEASE SOURCE PATH')
    .argument('<specs...>', 'debian:6.1, debian:6.12, debian:<release>, a build tree or a bzImage path')
    .option('--modules <dir>', 'modules of an image spec (lib/modules/<release>)')
    .action(async (specs: string[], o: { modules?: string }) => {
      for (const line of await kernelsFetch(specs, o.modules !== undefined ? { modules: o.modules } : {})) process.stdout.write(`${line}\n`);
      setExit(EXIT.ok);
    });
  k.command('prune').description('remove cached kernels; default: releases that are no longer what debian:6.1 / debian:6.12 resolve to')
    .option('--all', 'remove every cached kernel')
    .option('--keep <specs...>', 'keep these (debian:6.1, debian:<release>), remove the rest')
    .option('--dry-run', 'only print what would be removed')
    .action(async (o: PruneFlags) => {
      const r = await kernelsPrune(o);
      for (const name of r.removed) process.stdout.write(`${o.dryRun ? 'would remove' : 'removed'} ${name}\n`);
      process.stderr.write(`mptcp-lab kernels prune: ${r.removed.length} ${o.dryRun ? 'to remove' : 'removed'}; kept ${r.kept.length ? r.kept.join(', ') : 'none'}\n`);
      setExit(EXIT.ok);
    });
}

async function main(): Promise<number> {
  const rootless = await reexecRootless();
  if (rootless !== undefined) return rootless;
  let code: number = EXIT.ok;
  installSignalHandlers();
  try {
    await program((c) => (code = c)).parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (e instanceof LabError) {
      process.stderr.write(`mptcp-lab: invalid lab\n${e.message}\n`);
      return EXIT.usage;
    }
    if (e instanceof UsageError || e instanceof KernelsUsageError) {
      process.stderr.write(`mptcp-lab: ${e.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`mptcp-lab: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    return EXIT.failed;
  } finally {
    await cleanupAll();
  }
  return code;
}

process.exitCode = await main();
