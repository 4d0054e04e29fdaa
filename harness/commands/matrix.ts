// `mptcp-lab matrix`: the jobs of a CI matrix (kernels × shards) as JSON for
// GitHub's fromJSON, each job then running `mptcp-lab run --kernel K --shard
// i/N` with the same labs. Shards come from --shards, or from --max-minutes
// and the labs' expected durations.
import { Command, InvalidArgumentError } from 'commander';
import { appendFile } from 'node:fs/promises';
import { EXIT, UsageError } from '../exit.js';
import { selectLabs } from '../lab/catalogue.js';
import { labWeights } from '../run/lab-weights.js';
import { kernelCost, matrixOf, shardTimes, shardsWithin, type Matrix } from '../run/matrix.js';
import type { Weighted } from '../run/shard.js';
import { readTimings } from '../run/timings.js';
import { int, kernelSpecs } from './run.js';

interface MatrixFlags {
  kernel: string;
  shards?: number;
  maxMinutes?: number;
  timings?: string;
  githubOutput?: boolean;
}

function minutes(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number of minutes above 0, e.g. 10 or 2.5');
  return n;
}

/**
 * --kernel's list. A path names a tree or image on the job's machine (an
 * artifact the job downloads), which need not exist where the matrix is
 * made; every other spec is checked as `run` checks it.
 */
function matrixKernels(text: string): string[] {
  const specs = text
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const named = specs.filter((k) => !/^\.{0,2}\//.test(k));
  // The named specs checked; an empty list is an error that says what --kernel takes.
  if (named.length || !specs.length) kernelSpecs(named.join(','));
  const twice = specs.find((k, i) => specs.indexOf(k) !== i);
  if (twice) throw new UsageError(`--kernel: ${twice} is given twice; expected each kernel once`);
  return specs;
}

/** Shards per kernel: --shards for every kernel (at most one per lab), or as few as keep each job within --max-minutes. */
function shardPlan(kernels: readonly string[], weights: readonly Weighted[], flags: MatrixFlags): { kernel: string; shards: number }[] {
  return kernels.map((kernel) => {
    const shards =
      flags.shards !== undefined
        ? Math.min(flags.shards, weights.length)
        : shardsWithin(weights, flags.maxMinutes! * 60_000, kernelCost(kernel));
    return { kernel, shards };
  });
}

/** On stderr: each kernel's shards and their expected minutes, so a log says why the matrix is this size. */
function describePlan(plan: readonly { kernel: string; shards: number }[], weights: readonly Weighted[], flags: MatrixFlags): string {
  return plan
    .map(({ kernel, shards }) => {
      const times = shardTimes(weights, shards, kernelCost(kernel));
      const over =
        flags.maxMinutes !== undefined && Math.max(...times) > flags.maxMinutes * 60_000
          ? ' (a single lab takes longer than --max-minutes)'
          : '';
      const fewer = flags.shards !== undefined && shards < flags.shards ? ` (--shards ${flags.shards}: one lab per shard at most)` : '';
      return `mptcp-lab: kernel ${kernel}: ${shards} shard(s) of ${weights.length} lab(s)${fewer}, expected ${times.map((ms) => (ms / 60_000).toFixed(2)).join(', ')} min${over}\n`;
    })
    .join('');
}

/** $GITHUB_OUTPUT, checked before anything is computed. */
function githubOutputFile(): string {
  const file = process.env.GITHUB_OUTPUT;
  if (!file) throw new UsageError('--github-output: $GITHUB_OUTPUT is not set (it is in a GitHub Actions step)');
  return file;
}

export async function matrixCommand(labs: string[], flags: MatrixFlags): Promise<Matrix> {
  if ((flags.shards === undefined) === (flags.maxMinutes === undefined))
    throw new UsageError('give either --shards N or --max-minutes M (how many shards, or how long a job may take)');
  const output = flags.githubOutput ? githubOutputFile() : undefined;
  const kernels = matrixKernels(flags.kernel);
  const selected = await selectLabs(labs, {});
  if (!selected.length) throw new UsageError('no lab matches the selection');
  const timings = flags.timings !== undefined ? await readTimings(flags.timings) : undefined;
  // The jobs run `run` with its default engine beside the kernel.
  const weights = labWeights(selected, { engine: true, ...(timings ? { timings } : {}) });
  const plan = shardPlan(kernels, weights, flags);
  const matrix = matrixOf(plan);
  process.stderr.write(describePlan(plan, weights, flags));
  if (output !== undefined) await appendFile(output, `matrix=${JSON.stringify(matrix)}\n`);
  return matrix;
}

export function matrixSubcommand(p: Command, setExit: (code: number) => void): void {
  p.command('matrix')
    .description(
      'print a CI matrix of kernels × shards as JSON for GitHub\'s fromJSON ({"include":[{"kernel","shard","name","artifact"}]}); each job runs `mptcp-lab run LABS --kernel K --shard i/N`',
    )
    .argument('[labs...]', 'catalogue names, groups, or lab files/folders, as the jobs will run them (default: the whole catalogue)')
    .option('--kernel <specs>', 'kernels, comma-separated: host, debian:6.1, debian:6.12, a build tree or an image path', 'host')
    .option('--shards <n>', 'shards per kernel (at most one per lab)', int('--shards', 1))
    .option(
      '--max-minutes <m>',
      "instead of --shards: as few shards per kernel as keep each job within m minutes of expected time (a booted kernel: 6× the host's lab time and 1 minute to boot, as under TCG)",
      minutes,
    )
    .option(
      '--timings <file>',
      "expected durations from this results.json of an earlier run (default: estimated from each lab's size, rates and events)",
    )
    .option('--github-output', 'also append matrix=<json> to the file in $GITHUB_OUTPUT')
    .action(async (labs: string[], flags: MatrixFlags) => {
      const matrix = await matrixCommand(labs, flags);
      process.stdout.write(JSON.stringify(matrix) + '\n');
      setExit(EXIT.ok);
    });
}
