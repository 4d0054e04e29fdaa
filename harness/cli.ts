#!/usr/bin/env node
// mptcp-lab: run MPTCP labs against the Linux kernel. stdout is TAP only;
// progress and logs go to stderr. Exit: 0 all passed (skips allowed),
// 1 something failed, 2 bad input or usage, 3 this machine cannot run labs.
// This file parses the command line (harness/commands/) and maps errors to
// exit statuses; the subcommands do the work.
import { CommanderError } from 'commander';
import { cleanupAll, installSignalHandlers } from './cleanup.js';
import { buildProgram } from './commands/program.js';
import { KernelsUsageError } from './commands/kernels.js';
import { DockerError } from './docker/daemon.js';
import { EXIT, UsageError } from './exit.js';
import { LabError } from './lab/errors.js';
import { reexecRootless } from './rootless.js';

async function main(): Promise<number> {
  const rootless = await reexecRootless();
  if (rootless !== undefined) return rootless;
  let code: number = EXIT.ok;
  installSignalHandlers();
  try {
    await buildProgram({ setExit: (c) => (code = c) }).parseAsync(process.argv);
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
    // Docker's failures (no daemon, the socket refused, an image missing) are one line: this machine cannot run it.
    if (e instanceof DockerError) {
      process.stderr.write(`mptcp-lab: ${e.message}\n`);
      return EXIT.cannotRun;
    }
    process.stderr.write(`mptcp-lab: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.failed;
  } finally {
    await cleanupAll();
  }
  return code;
}

process.exitCode = await main();
