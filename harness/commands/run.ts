// `mptcp-lab run`: its flags, checked and turned into a RunRequest for the
// run module (harness/run/run-command.ts), which does the running.
import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import type { Accel } from '../../kernels/vm/qemu.js';
import { UsageError } from '../exit.js';
import { parseDuration } from '../lab/units.js';
import type { TapVersion } from '../report/tap.js';
import { dockerImageArg, runTokens, withoutDockerFlags } from '../docker/args.js';
import type { ContainerRun } from '../docker/container-run.js';
import { DEFAULT_IMAGE } from '../docker/names.js';
import { timestamp, type CaptureMode, type RunRequest } from '../run/run-command.js';
import { parseShard } from '../run/shard.js';
import { UNTIL_FAIL_REPEAT } from '../run/until-fail.js';
import { checkTargetSpec } from '../targets/registry.js';

export interface RunFlags {
  kernel: string;
  /** Undefined when not given: see jobSlots. */
  jobs?: number;
  grep?: string;
  tag?: string[];
  seed?: number;
  retries: number;
  /** Undefined when not given: each lab's own `repeat:`, or UNTIL_FAIL_REPEAT with --until-fail. */
  repeat?: number;
  untilFail?: boolean;
  timeout?: number;
  results?: string;
  junit?: string;
  /** true: --capture alone (always). */
  capture: boolean | CaptureMode;
  tapVersion: TapVersion;
  engine: 'sim' | 'off';
  /** Guest memory in MiB and CPUs (vm backend). */
  vmMemory: number;
  vmCpus: number;
  /** lib/modules/<release> of an image spec in --kernel. */
  modules?: string;
  accel: Accel | 'auto';
  /** --shard i/N, checked by runRequest. */
  shard?: string;
  timings?: string;
  /** --docker: the image (true: this version's, DEFAULT_IMAGE). */
  docker?: string | true;
  dockerPrivileged?: boolean;
}

export function int(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

export function durationMs(v: string): number {
  const ms = parseDuration(v);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('expected a duration such as 30s or 1500ms');
  return ms;
}

/**
 * Jobs at once for the kernel matrix: --jobs when given; otherwise the
 * number of CPUs (a TCG guest keeps one busy), host labs and booted kernels
 * sharing them.
 */
function jobSlots(flags: Pick<RunFlags, 'jobs'>): number {
  return flags.jobs ?? availableParallelism();
}

/**
 * Host labs at once without --jobs: one per CPU. Measured on 2 CPUs (issue 8):
 * the catalogue took 248 s at 1, 113 s at 2 and 265 s at 3 on a loaded machine,
 * and more labs than CPUs also lost verdicts (9 timing checks failed at 3).
 */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

/** --kernel's list, each spec checked by the target that takes it. */
export function kernelSpecs(text: string, modules?: string): string[] {
  const specs = text
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (!specs.length) throw new UsageError('--kernel: expected host, debian:6.1, debian:6.12, a kernel build tree or an image path');
  if (modules !== undefined && !existsSync(modules))
    throw new UsageError(`--modules ${modules}: no such directory; expected the lib/modules/<release> of the bzImage in --kernel`);
  const twice = specs.find((k, i) => specs.indexOf(k) !== i);
  if (twice) throw new UsageError(`--kernel: ${twice} is given twice; expected each kernel once`);
  for (const spec of specs) {
    try {
      checkTargetSpec('--kernel', spec, { vm: { ...(modules !== undefined ? { modules } : {}) } });
    } catch (e) {
      if (e instanceof Error) throw new UsageError(`--kernel ${spec}: ${e.message}`);
      throw e;
    }
  }
  return specs;
}

/** --repeat, else with --until-fail its bound, else each lab's own `repeat:` (undefined). */
function repeats(flags: Pick<RunFlags, 'repeat' | 'untilFail'>): Pick<RunRequest, 'repeat' | 'untilFail'> {
  const untilFail = flags.untilFail === true;
  const repeat = flags.repeat ?? (untilFail ? UNTIL_FAIL_REPEAT : undefined);
  return { ...(repeat !== undefined ? { repeat } : {}), untilFail };
}

/** --capture's value: `always` or `on-failure`; a lab name there means the labs should come first. */
function captureMode(v: string): CaptureMode | boolean {
  if (v === 'always' || v === 'on-failure') return v;
  throw new InvalidArgumentError(
    `expected always or on-failure, got "${v}" (--capture alone means always; put lab names before it, or write --capture=always)`,
  );
}

/**
 * --docker: the run inside a container, its arguments those given (`tokens`,
 * what followed `run`) minus the --docker options, plus the results folder
 * when none was given (the outer makes it as the caller).
 */
function containerRun(
  labs: readonly string[],
  flags: RunFlags,
  kernels: readonly string[],
  tokens: readonly string[],
): ContainerRun | undefined {
  if (flags.docker === undefined) {
    if (flags.dockerPrivileged) throw new UsageError('--docker-privileged: only with --docker');
    return undefined;
  }
  const results = flags.results ?? join('mptcp-lab-results', timestamp());
  return {
    image: flags.docker === true ? DEFAULT_IMAGE : flags.docker,
    privileged: flags.dockerPrivileged === true,
    args: [...withoutDockerFlags(tokens, flags.docker), ...(flags.results ? [] : ['--results', results])],
    paths: {
      cwd: process.cwd(),
      labs,
      kernels,
      results: resolve(results),
      ...(flags.modules !== undefined ? { modules: flags.modules } : {}),
      ...(flags.junit !== undefined ? { junit: flags.junit } : {}),
    },
  };
}

/** The flags as a run: checked (bad input is a UsageError) and with their defaults worked out. `tokens`: what followed `run` (for --docker). */
export function runRequest(labs: string[], flags: RunFlags, tokens: readonly string[] = []): RunRequest {
  const kernels = kernelSpecs(flags.kernel, flags.modules);
  const docker = containerRun(labs, flags, kernels, tokens);
  if (flags.grep) {
    try {
      new RegExp(flags.grep);
    } catch (e) {
      throw new UsageError(`--grep: not a regular expression: ${(e as Error).message}`);
    }
  }
  if (flags.timings !== undefined && flags.shard === undefined)
    throw new UsageError('--timings balances the shards of --shard i/N: give --shard too, or leave --timings out');
  if (flags.timings !== undefined && !existsSync(flags.timings))
    throw new UsageError(`--timings ${flags.timings}: no such file; expected the results.json of an earlier run`);
  return {
    labs,
    ...(flags.shard !== undefined ? { shard: parseShard(flags.shard) } : {}),
    ...(flags.timings !== undefined ? { timings: flags.timings } : {}),
    grep: flags.grep,
    tags: flags.tag,
    kernels,
    engines: flags.engine === 'sim' ? ['sim'] : [],
    slots: jobSlots(flags),
    jobs: flags.jobs ?? defaultJobs(),
    seed: flags.seed,
    retries: flags.retries,
    ...repeats(flags),
    timeoutMs: flags.timeout,
    results: flags.results,
    junit: flags.junit,
    capture: flags.capture === true ? 'always' : flags.capture === false ? 'off' : flags.capture,
    tapVersion: flags.tapVersion,
    settings: {
      vm: {
        memoryMb: flags.vmMemory,
        cpus: flags.vmCpus,
        accel: flags.accel,
        ...(flags.modules !== undefined ? { modules: flags.modules } : {}),
      },
    },
    ...(docker ? { docker } : {}),
  };
}

export function runSubcommand(p: Command, action: (request: RunRequest) => Promise<void>): void {
  p.command('run')
    .description('run labs (default: the whole catalogue) on the kernels of --kernel (default: the host); TAP on stdout')
    .argument('[labs...]', 'catalogue names, groups, or lab files/folders')
    .option('--kernel <specs>', 'kernels to run on, comma-separated: host, debian:6.1, debian:6.12, a build tree or an image path', 'host')
    .option(
      '-j, --jobs <n>',
      'jobs at once: a lab on the host or a booted kernel is one job (default: the number of CPUs)',
      int('--jobs', 1),
    )
    .option('--grep <regex>', 'only labs whose name matches')
    .option('--tag <tag...>', 'only labs with one of these tags or groups')
    .option(
      '--shard <i/N>',
      'run only shard i of N of the selected labs: a deterministic split balanced by expected duration, for N CI jobs that together run each lab once',
    )
    .option(
      '--timings <file>',
      'with --shard: balance by the durations in this results.json of an earlier run (default: estimated from each lab)',
    )
    .option('--seed <n>', 'seed for every random choice (printed, so a run can be replayed)', int('--seed', 0))
    .option('--retries <n>', 'retry a failed lab; fail-then-pass is reported as flaky', int('--retries', 0), 0)
    .option('--repeat <n>', "run every lab n times (default: the lab's own repeat:, else once)", int('--repeat', 1))
    .option(
      '--until-fail',
      `stop starting runs at the first failure (runs in flight finish); without --repeat, repeat every lab up to ${UNTIL_FAIL_REPEAT} times`,
    )
    .option('--timeout <duration>', "override each lab's timeout", durationMs)
    .option('--results <dir>', 'results folder (default mptcp-lab-results/<timestamp>)')
    .option('--junit <file>', 'also write JUnit XML')
    .addOption(
      new Option(
        '--capture [when]',
        'tcpdump every link into pcap files in the results folder; alone or "always": keep them all; "on-failure": only those of failing runs and of the last passing run before each',
      )
        .argParser(captureMode)
        .default(false, 'off'),
    )
    .addOption(
      new Option(
        '--engine <target>',
        'also run each lab on the TypeScript engine in the simulator and compare it with the host kernel (off: kernels only)',
      )
        .choices(['sim', 'off'])
        .default('sim'),
    )
    .addOption(
      new Option('--tap-version <v>', 'TAP version on stdout')
        .choices(['13', '14'])
        .default('14')
        .argParser((v) => Number(v) as TapVersion),
    )
    .option('--vm-memory <mib>', 'memory of each booted kernel, in MiB', int('--vm-memory', 256), 2048)
    .option('--vm-cpus <n>', 'CPUs of each booted kernel', int('--vm-cpus', 1), 2)
    .option('--modules <dir>', 'modules (lib/modules/<release>) of a bzImage given in --kernel')
    .addOption(
      new Option(
        '--accel <how>',
        'booted kernels under KVM, TCG, or auto: KVM when a probe boot under it works (remembered until the machine reboots)',
      )
        .choices(['auto', 'kvm', 'tcg'])
        .default('auto'),
    )
    .addOption(
      new Option(
        '--docker [image]',
        `run inside a container of this image (default ${DEFAULT_IMAGE}; build it with \`mptcp-lab image build\`): the same TAP, exit status and results folder, with only Docker on the host`,
      ).argParser(dockerImageArg),
    )
    .option('--docker-privileged', 'with --docker: a privileged container (default: NET_ADMIN and SYS_ADMIN only)')
    .action(async (labs: string[], flags: RunFlags, cmd: Command) => {
      // The tokens as given, for the run inside a container (commander keeps the program's argv, untyped).
      const raw = (cmd.parent as (Command & { rawArgs?: string[] }) | null)?.rawArgs ?? [];
      await action(runRequest(labs, flags, runTokens(raw)));
    });
}
