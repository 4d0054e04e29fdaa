// The command line of mptcp-lab: the program and its subcommands, each
// defined in its own file here. Built by a function so tests can parse
// flags without running anything (hooks.run receives the parsed run).
import { Command, type OutputConfiguration } from 'commander';
import { runCommand, type RunRequest } from '../run/run-command.js';
import { VERSION } from '../version.js';
import { calibrateSubcommand } from './calibrate.js';
import { cleanSubcommand } from './clean.js';
import { doctorSubcommand } from './doctor.js';
import { explainSubcommand } from './explain.js';
import { exportSubcommand } from './export.js';
import { imageSubcommand } from './image.js';
import { kernelsSubcommand } from './kernels.js';
import { listSubcommand } from './list.js';
import { matrixSubcommand } from './matrix.js';
import { reportSubcommand } from './report.js';
import { runSubcommand } from './run.js';
import { selftestsSubcommand } from './selftests.js';
import { showSubcommand } from './show.js';
import { validateSubcommand } from './validate.js';

export interface ProgramHooks {
  /** Receives the exit status a subcommand ends with. */
  setExit: (code: number) => void;
  /** Runs what `run` asked for and answers its exit status (default: the real run). */
  run?: (request: RunRequest) => Promise<number>;
  /** Where commander writes help and errors (default: stdout and stderr). */
  output?: OutputConfiguration;
}

export function buildProgram(hooks: ProgramHooks): Command {
  const { setExit, run = runCommand } = hooks;
  const p = new Command('mptcp-lab');
  // Before the subcommands exist: they inherit it.
  if (hooks.output) p.configureOutput(hooks.output);
  p.description('Multipath TCP labs against the Linux kernel').version(VERSION).exitOverride().showHelpAfterError();
  runSubcommand(p, async (request) => setExit(await run(request)));
  calibrateSubcommand(p, setExit);
  listSubcommand(p, setExit);
  showSubcommand(p, setExit);
  validateSubcommand(p, setExit);
  doctorSubcommand(p, setExit);
  cleanSubcommand(p, setExit);
  kernelsSubcommand(p, setExit);
  explainSubcommand(p, setExit);
  exportSubcommand(p, setExit);
  matrixSubcommand(p, setExit);
  reportSubcommand(p, setExit);
  imageSubcommand(p, setExit);
  selftestsSubcommand(p, setExit);
  return p;
}
