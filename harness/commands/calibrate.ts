// `mptcp-lab calibrate [LABS...] --runs N`: runs the labs N times on one
// kernel with the engine off, as a default run would (same jobs), and
// writes each lab's calibration beside its file (harness/run/calibrate.ts).
import { Command } from 'commander';
import { EXIT, UsageError } from '../exit.js';
import { describeCalibrations, writeCalibrations } from '../run/calibrate.js';
import { executeRun } from '../run/run-command.js';
import { durationMs, int, runRequest } from './run.js';

interface CalibrateFlags {
  runs: number;
  kernel: string;
  jobs?: number;
  seed?: number;
  timeout?: number;
  results?: string;
}

async function calibrate(labs: string[], flags: CalibrateFlags): Promise<number> {
  if (flags.kernel.includes(',')) throw new UsageError(`--kernel ${flags.kernel}: calibrate one kernel at a time`);
  const request = runRequest(labs, {
    kernel: flags.kernel,
    ...(flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...(flags.timeout !== undefined ? { timeout: flags.timeout } : {}),
    ...(flags.results !== undefined ? { results: flags.results } : {}),
    retries: 0,
    repeat: flags.runs,
    capture: false,
    tapVersion: 14,
    engine: 'off',
    vmMemory: 2048,
    vmCpus: 2,
    accel: 'auto',
  });
  // The TAP of the runs goes to the results folder only: stdout gets the calibrations.
  const done = await executeRun(request, () => undefined);
  if ('cannotRun' in done) {
    process.stderr.write(`mptcp-lab: ${done.cannotRun}\n`);
    return EXIT.cannotRun;
  }
  const kernel = done.run.run.kernels[0]?.version ?? flags.kernel;
  const command = ['mptcp-lab', ...process.argv.slice(2)].join(' ');
  const outcomes = await writeCalibrations(done.labs, done.run.results, { kernel, command, created: done.run.run.started });
  process.stdout.write(describeCalibrations(outcomes));
  process.stderr.write(`mptcp-lab: runs in ${done.dir}\n`);
  // A lab this kernel cannot run (a SKIP) is said so; one that ran and gave no spread is a failure.
  return outcomes.some((o) => !o.calibration && !o.skipped) ? EXIT.failed : EXIT.ok;
}

export function calibrateSubcommand(p: Command, setExit: (code: number) => void): void {
  p.command('calibrate')
    .description(
      "measure the kernel's spread of each lab's timing quantities over repeated runs; write <lab>.calibration.json beside each lab",
    )
    .argument('[labs...]', 'catalogue names, groups, or lab files/folders (default: the whole catalogue)')
    .option('--runs <n>', 'runs per lab', int('--runs', 2), 20)
    .option('--kernel <spec>', 'the kernel to calibrate on: host or one kernel spec', 'host')
    .option('-j, --jobs <n>', 'jobs at once (default: as a default run, the number of CPUs)', int('--jobs', 1))
    .option('--seed <n>', 'seed of the runs', int('--seed', 0))
    .option('--timeout <duration>', "override each lab's timeout", durationMs)
    .option('--results <dir>', 'results folder of the runs (default mptcp-lab-results/<timestamp>)')
    .action(async (labs: string[], flags: CalibrateFlags) => setExit(await calibrate(labs, flags)));
}
