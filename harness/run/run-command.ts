// `mptcp-lab run` once its arguments are parsed: selects the labs, builds
// the run's targets (harness/targets/registry.ts), runs them, prints TAP on
// stdout and progress on stderr, and writes the results folder (results.json,
// results.tap, summary.md, and JUnit when asked).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { probeCapabilities, type Capabilities } from '../capabilities.js';
import { registerCleanupTask } from '../cleanup.js';
import { runInContainer, type ContainerRun } from '../docker/container-run.js';
import { EXIT, UsageError } from '../exit.js';
import { selectLabs } from '../lab/catalogue.js';
import type { Lab } from '../lab/model.js';
import { machineInfo } from '../machine.js';
import { formatJunit } from '../report/junit.js';
import { formatResultsJson } from '../report/json.js';
import { formatSummary } from '../report/summary.js';
import { TapWriter, formatTap, type TapVersion } from '../report/tap.js';
import { countWarnings, knownBugChecks, summarize, type LabResult, type RunInfo, type RunResult } from '../result.js';
import { githubAnnotations, workspaceAnnotationOptions } from '../report/github.js';
import { hostTarget } from '../targets/netns/run-lab.js';
import { createTarget } from '../targets/registry.js';
import type { TargetSettings } from '../targets/target.js';
import { VERSION } from '../version.js';
import { referenceKernel } from './pairing.js';
import { Progress } from './progress.js';
import { runTargets, type RunPlan } from './runner.js';
import { newSeed } from '../seed.js';
import { repeatsOf } from '../lab/repeat.js';
import { failureRates } from '../report/rate.js';
import { stopsTheRun, untilFailLines } from './until-fail.js';
import { programWithPackage } from '../tools/programs.js';
import { labWeights } from './lab-weights.js';
import { formatShard, shardOf, type ShardSpec } from './shard.js';
import { readTimings } from './timings.js';
import { giveResultsToOwner } from './results-owner.js';

export type CaptureMode = 'off' | 'always' | 'on-failure';

/** A run as the command line asked for it, checked. */
export interface RunRequest {
  /** Catalogue names, groups, or lab files/folders; empty: the whole catalogue. */
  labs: string[];
  grep?: string;
  tags?: string[];
  /** --kernel in order: 'host' and kernel specs, each once. */
  kernels: string[];
  /** Engines beside the reference kernel (--engine sim), none with --engine off. */
  engines: string[];
  /** Jobs at once over all targets. */
  slots: number;
  /** Host labs at once. */
  jobs: number;
  seed?: number;
  retries: number;
  /** --repeat (or the --until-fail bound); undefined: each lab's own `repeat:`, else once. */
  repeat?: number;
  /** Stop starting runs at the first failure. */
  untilFail: boolean;
  timeoutMs?: number;
  results?: string;
  junit?: string;
  /** tcpdump every link: never, keeping every pcap, or keeping those of failing runs and the last pass before each. */
  capture: CaptureMode;
  tapVersion: TapVersion;
  settings: TargetSettings;
  /** --shard i/N: only this shard of the selection. */
  shard?: ShardSpec;
  /** --timings: an earlier run's results.json, to balance the shards by measured durations. */
  timings?: string;
  /** --docker: the whole run happens inside a container (harness/docker/container-run.ts). */
  docker?: ContainerRun;
}

/** The default results folder's name: mptcp-lab-results/<this>. */
export function timestamp(): string {
  return new Date()
    .toISOString()
    .replace(/[:.]/g, '-')
    .replace(/-\d{3}Z$/, 'Z');
}

/** What --until-fail did: whether a failure stopped the run before every planned kernel run, and the kernel runs reported of those planned. */
function untilFailInfo(results: readonly LabResult[], kernelRuns: number): NonNullable<RunInfo['untilFail']> {
  const runs = results.filter((r) => r.target.kind === 'kernel').length;
  return { stopped: results.some(stopsTheRun) && runs < kernelRuns, runs, planned: kernelRuns };
}

/** Whether the host can build lab namespaces; a reason to exit 3 when not. */
function hostCannotRun(caps: Capabilities): string | undefined {
  if (!caps.mptcp)
    return `kernel ${caps.kernelRelease} has no MPTCP (/proc/sys/net/mptcp missing): labs cannot run. See "mptcp-lab doctor".`;
  if (!caps.root)
    return 'lab namespaces need root or a user namespace; run with sudo, or where user namespaces are allowed mptcp-lab re-runs itself inside one.';
  return undefined;
}

/**
 * Test points to come, for the progress line: one per run (a lab's
 * repeat) and target, plus per follower (the engine) its comparison, plus
 * one comparison per lab for every target but the reference.
 */
export function pointCount(runs: number, labs: number, req: Pick<RunRequest, 'kernels' | 'engines'>): number {
  return runs * (req.kernels.length + 2 * req.engines.length) + labs * (req.kernels.length - 1);
}

function planOf(req: RunRequest): RunPlan {
  return {
    targets: req.kernels.map((spec) => createTarget('--kernel', spec, req.settings)),
    reference: referenceKernel(req.kernels),
    followers: req.engines.map((spec) => createTarget('--engine', spec, req.settings)),
  };
}

async function writeResults(dir: string, run: RunResult, req: RunRequest): Promise<void> {
  await writeFile(join(dir, 'results.json'), formatResultsJson(run));
  await writeFile(join(dir, 'results.tap'), formatTap(run, { version: req.tapVersion }));
  await writeFile(join(dir, 'summary.md'), formatSummary(run));
  if (req.junit) await writeFile(req.junit, formatJunit(run));
}

/** On stderr; on a terminal, over the live progress line rather than after it. */
function announceBatch(labs: readonly Lab[], spec: string, event: 'start' | 'finish', version?: string): void {
  const line = `mptcp-lab: kernel ${spec}: ${event === 'start' ? `booting for ${labs.length} lab(s)` : `results back (${version ?? '?'})`}`;
  process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${line}\n` : `${line}\n`);
}

/** A run that happened: its results (written to `dir`), or why the host could not run labs. */
export type ExecutedRun = { run: RunResult; labs: Lab[]; dir: string } | { cannotRun: string };

/** `mptcp-lab run`: TAP on stdout, a summary line on stderr; the exit status. */
export async function runCommand(req: RunRequest): Promise<number> {
  if (req.docker) return runInContainer(req.docker);
  const done = await executeRun(req, (s) => process.stdout.write(s));
  if ('cannotRun' in done) {
    process.stderr.write(`mptcp-lab: ${done.cannotRun}\n`);
    return EXIT.cannotRun;
  }
  const counts = summarize(done.run.results);
  const warnings = countWarnings(done.run.results);
  const knownBugs = done.run.results.reduce((n, r) => n + knownBugChecks(r).length, 0);
  if (process.env.GITHUB_ACTIONS === 'true') process.stderr.write(githubAnnotations(done.run.results, workspaceAnnotationOptions()));
  const stopped = done.run.run.untilFail?.stopped ? '; stopped on the first failure (--until-fail)' : '';
  process.stderr.write(
    `mptcp-lab: ${counts.pass} passed, ${counts.fail} failed, ${counts.skip} skipped, ${counts.flaky} flaky, ${warnings} warning${warnings === 1 ? '' : 's'}${knownBugs ? `, ${knownBugs} check${knownBugs === 1 ? '' : 's'} failed as known kernel bugs` : ''}${stopped}; results in ${done.dir}\n`,
  );
  return counts.fail ? EXIT.failed : EXIT.ok;
}

/** The labs of the request's shard (harness/run/shard.ts), in selection order; all of them without --shard. */
async function shardLabs(selected: Lab[], req: RunRequest): Promise<Lab[]> {
  if (!req.shard) return selected;
  const timings = req.timings !== undefined ? await readTimings(req.timings) : undefined;
  const weights = labWeights(selected, { repeat: req.repeat, engine: req.engines.length > 0, ...(timings ? { timings } : {}) });
  const labs = shardOf(selected, weights, req.shard);
  if (!labs.length)
    throw new UsageError(
      `--shard ${formatShard(req.shard)}: the shard is empty, the selection has only ${selected.length} lab(s); use at most ${selected.length} shards`,
    );
  return labs;
}

/** Runs the request's labs, TAP to `writeTap` as they finish, and writes the results folder. */
export async function executeRun(req: RunRequest, writeTap: (chunk: string) => void): Promise<ExecutedRun> {
  const selected = await selectLabs(req.labs, { grep: req.grep, tags: req.tags });
  if (!selected.length) throw new UsageError('no lab matches the selection');
  const labs = await shardLabs(selected, req);
  const plan = planOf(req);
  const planned = (name: string): number => repeatsOf(labs.find((l) => l.name === name) ?? {}, req.repeat);
  const runs = labs.reduce((n, lab) => n + planned(lab.name), 0);
  // While the host is probed (processes to wait for), the targets get ready for their first lab.
  for (const t of [...plan.targets, ...plan.followers]) t.prepare?.(runs, req.jobs);
  const caps = await probeCapabilities();
  const onHost = req.kernels.includes('host');
  const settle = () => Promise.all([...plan.targets, ...plan.followers].map((t) => t.settle?.()));
  // An option that needs a program is bad input on this machine: say so before anything runs (a
  // booted kernel runs the host's own root, so its tcpdump is the host's).
  if (req.capture !== 'off' && !caps.programs.tcpdump) {
    await settle();
    throw new UsageError(`--capture needs ${programWithPackage('tcpdump')}, which is not on PATH`);
  }
  const cannot = onHost ? hostCannotRun(caps) : undefined;
  if (cannot) {
    await settle();
    return { cannotRun: cannot };
  }
  const seed = req.seed ?? newSeed();
  const resultsDir = req.results ?? join('mptcp-lab-results', timestamp());
  await mkdir(resultsDir, { recursive: true });
  // At exit or on a signal: the results folder to the caller of `run --docker` (nothing on a host run).
  registerCleanupTask(() => giveResultsToOwner(resultsDir));
  const run: RunResult = {
    run: {
      tool: 'mptcp-lab',
      version: VERSION,
      seed,
      started: new Date().toISOString(),
      argv: process.argv.slice(2),
      kernels: onHost ? [hostTarget(caps)] : [],
      machine: machineInfo(),
      ...(req.shard ? { shard: { index: req.shard.index, count: req.shard.count } } : {}),
    },
    results: [],
  };
  const tap = new TapWriter(writeTap, {
    version: req.tapVersion,
    seed,
    rates: { planned, stopped: () => req.untilFail && run.results.some(stopsTheRun) },
  });
  tap.header();
  tap.comment(`mptcp-lab ${VERSION} seed ${seed} kernel ${caps.kernelRelease}; targets ${req.kernels.join(',')} (replay: --seed ${seed})`);
  if (req.shard) tap.comment(`shard ${formatShard(req.shard)}: ${labs.length} of ${selected.length} selected lab(s)`);
  const progress = new Progress(pointCount(runs, labs.length, req));
  const infos = await runTargets(labs, plan, {
    slots: req.slots,
    seed,
    jobs: req.jobs,
    retries: req.retries,
    repeat: req.repeat,
    untilFail: req.untilFail,
    timeoutMs: req.timeoutMs,
    resultsDir,
    capture: req.capture !== 'off',
    keepPcaps: req.capture === 'on-failure' ? 'on-failure' : 'all',
    onStart: (lab, repeat) => progress.start(lab.name, repeat),
    onResult: (r: LabResult) => {
      progress.finish(r);
      tap.point(r);
      run.results.push(r);
    },
    onBatch: (spec, event, target) => announceBatch(labs, spec, event, target?.version),
  });
  // The host's kernel is listed first, from the start; the others in --kernel order.
  run.run.kernels.push(...infos.filter((_, i) => req.kernels[i] !== 'host'));
  if (req.untilFail) run.run.untilFail = untilFailInfo(run.results, runs * req.kernels.length);
  const rates = failureRates(run.results, planned);
  if (rates.length) run.rates = rates;
  tap.end(untilFailLines(run.run.untilFail));
  progress.close();
  run.run.finished = new Date().toISOString();
  await writeResults(resultsDir, run, req);
  return { run, labs, dir: resultsDir };
}
