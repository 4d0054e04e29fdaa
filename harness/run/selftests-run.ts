// `mptcp-lab selftests` once its arguments are parsed: finds the selftests
// of the kernel (kernels/source.ts, or --tree), builds their helpers once
// (kernels/selftests-build.ts), runs the suites, `jobs` at once, prints TAP
// (one point per suite, its subtests nested) on stdout as suites finish, and
// writes the results folder as `run` does (results.json, results.tap,
// summary.md, JUnit when asked). Only `--kernel host` runs them for now.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import { buildSelftests, MPTCP_SELFTESTS_DIR, SelftestBuildError } from '../../kernels/selftests-build.js';
import { fetchSelftestSource } from '../../kernels/source.js';
import { EXIT, UsageError } from '../exit.js';
import { machineInfo } from '../machine.js';
import { formatResultsJson } from '../report/json.js';
import { formatJunit } from '../report/junit.js';
import { formatSummary } from '../report/summary.js';
import { formatTap, TapWriter, type TapVersion } from '../report/tap.js';
import { summarize, type LabResult, type RunResult, type TargetInfo } from '../result.js';
import { nearestSeries, seriesMismatch } from '../targets/selftests/host-source.js';
import { runSuite } from '../targets/selftests/run-suite.js';
import { SELFTESTS_BACKEND } from '../targets/selftests/suite-result.js';
import { VERSION } from '../version.js';
import { timestamp } from './run-command.js';

/** The small suites, which take seconds; mptcp_join.sh and mptcp_connect.sh take many minutes. */
export const DEFAULT_SUITES: readonly string[] = ['diag.sh', 'pm_netlink.sh', 'mptcp_sockopt.sh'];

export interface SelftestsRequest {
  suites: string[];
  kernel: string;
  tree?: string;
  jobs: number;
  results?: string;
  junit?: string;
  tapVersion: TapVersion;
}

/** Why this machine cannot run the selftests on the host, or undefined. */
function hostCannotRun(): string | undefined {
  if (!existsSync('/proc/sys/net/mptcp')) return `kernel ${release()} has no MPTCP (/proc/sys/net/mptcp missing): the selftests cannot run`;
  if (process.getuid?.() !== 0) return 'the selftests make network namespaces and need root; run with sudo';
  return undefined;
}

/** The tree whose selftests run: --tree, else Debian's source of the host's nearest series (with a warning when it differs). */
async function sourceTree(req: SelftestsRequest, warn: (line: string) => void): Promise<string> {
  if (req.tree !== undefined) {
    if (!existsSync(join(req.tree, MPTCP_SELFTESTS_DIR))) throw new UsageError(`--tree ${req.tree}: no ${MPTCP_SELFTESTS_DIR} in it`);
    return req.tree;
  }
  const series = nearestSeries(release());
  const mismatch = seriesMismatch(release(), series);
  if (mismatch) warn(mismatch);
  return (await fetchSelftestSource(series)).dir;
}

async function checkSuites(dir: string, suites: readonly string[]): Promise<void> {
  const known = (await readdir(dir)).filter((f) => f.endsWith('.sh') && f !== 'mptcp_lib.sh');
  const unknown = suites.filter((s) => !known.includes(s));
  if (unknown.length) throw new UsageError(`unknown selftest suite ${unknown.join(', ')}; this source has: ${known.sort().join(', ')}`);
}

/** Runs `items` through `work`, at most `jobs` at once. */
async function pool<T>(items: readonly T[], jobs: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
}

async function writeResults(dir: string, run: RunResult, req: SelftestsRequest): Promise<void> {
  // Written whole or not at all: a signal's exit may come in the middle (the script it killed ends the run).
  await writeFile(join(dir, '.results.json.tmp'), formatResultsJson(run));
  await rename(join(dir, '.results.json.tmp'), join(dir, 'results.json'));
  await writeFile(join(dir, 'results.tap'), formatTap(run, { version: req.tapVersion }));
  await writeFile(join(dir, 'summary.md'), formatSummary(run));
  if (req.junit) await writeFile(req.junit, formatJunit(run));
}

/** `mptcp-lab selftests`: TAP on stdout, warnings and a summary line on stderr; the exit status. */
export async function selftestsCommand(req: SelftestsRequest, writeTap: (chunk: string) => void): Promise<number> {
  if (req.kernel !== 'host')
    throw new UsageError(
      `--kernel ${req.kernel}: selftests run only on the host kernel for now (--kernel host); booted kernels are to come`,
    );
  const cannot = hostCannotRun();
  if (cannot) return stop(cannot);
  const warnings: string[] = [];
  const warn = (line: string): void => {
    warnings.push(line);
    process.stderr.write(`mptcp-lab: warning: ${line}\n`);
  };
  let dir: string;
  try {
    const tree = await sourceTree(req, warn);
    await checkSuites(join(tree, MPTCP_SELFTESTS_DIR), req.suites);
    dir = (await buildSelftests(tree, { once: req.tree === undefined })).dir;
  } catch (e) {
    // Bad input is exit 2; a fetch or build that failed (the compiler's lines) means this machine cannot run them.
    if (e instanceof UsageError) throw e;
    return stop(e instanceof SelftestBuildError ? e.message : `cannot get the selftests: ${e instanceof Error ? e.message : String(e)}`);
  }
  const target: TargetInfo = {
    kind: 'kernel',
    spec: 'host',
    version: /^\d+\.\d+(?:\.\d+)?/.exec(release())?.[0] ?? release(),
    backend: SELFTESTS_BACKEND,
  };
  const resultsDir = req.results ?? join('mptcp-lab-results', timestamp());
  await mkdir(resultsDir, { recursive: true });
  const run: RunResult = {
    run: {
      tool: 'mptcp-lab',
      version: VERSION,
      // Selftests draw no seed of ours: 0 says so.
      seed: 0,
      started: new Date().toISOString(),
      argv: process.argv.slice(2),
      kernels: [target],
      machine: machineInfo(),
    },
    results: [],
  };
  const tap = new TapWriter(writeTap, { version: req.tapVersion });
  tap.header();
  tap.comment(`mptcp-lab ${VERSION} selftests from ${dir} on kernel ${release()}`);
  for (const w of warnings) tap.comment(`warning: ${w}`);
  await pool(req.suites, req.jobs, async (suite) => {
    const r: LabResult = await runSuite({ suite, dir, target, resultsDir });
    tap.point(r);
    run.results.push(r);
  });
  tap.end();
  run.run.finished = new Date().toISOString();
  await writeResults(resultsDir, run, req);
  const c = summarize(run.results);
  process.stderr.write(`mptcp-lab: selftests: ${c.pass} passed, ${c.fail} failed, ${c.skip} skipped; results in ${resultsDir}\n`);
  return c.fail ? EXIT.failed : EXIT.ok;
}

function stop(why: string): number {
  process.stderr.write(`mptcp-lab: ${why}\n`);
  return EXIT.cannotRun;
}
