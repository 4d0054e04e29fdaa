// The CI matrix of `mptcp-lab matrix`: one job per kernel and shard, as the
// JSON GitHub's fromJSON takes for `strategy.matrix` (an object with
// `include`, each entry's values scalar), and how many shards a kernel needs
// for its jobs to stay within a time budget.
import { assignShards, shardLoads, type Weighted } from './shard.js';

export interface MatrixEntry {
  /** A --kernel spec for `run`. */
  kernel: string;
  /** A --shard for `run`: "1/2". */
  shard: string;
  /** The job's name as GitHub shows it: "debian:6.12 1/2". */
  name: string;
  /** A name for the job's results artifact, unique in the matrix and without the characters artifact names refuse (":", "/"). */
  artifact: string;
}

export interface Matrix {
  include: MatrixEntry[];
}

/**
 * How much slower the labs run in a booted kernel than on the host: the
 * README's catalogue took 70.7 s in a debian:6.12 guest under TCG against
 * 12.0 s on the host, about 6×. Under KVM a guest is faster; planning for
 * TCG keeps a job within its budget where the runner has no /dev/kvm.
 */
export const GUEST_SLOWDOWN = 6;
/**
 * What a job on a booted kernel spends before and after its labs (boot,
 * initramfs, shutdown): here a one-lab run in a debian:6.12 guest under TCG
 * took 61 s, the lab 2 s of it (load average 8). Every shard pays it again.
 */
export const GUEST_START_MS = 60_000;

/** How a kernel's jobs take longer than the labs' expected host time: a factor, and a fixed start per job. */
export interface KernelCost {
  slowdown: number;
  startMs: number;
}

export function kernelCost(kernel: string): KernelCost {
  return kernel === 'host' ? { slowdown: 1, startMs: 0 } : { slowdown: GUEST_SLOWDOWN, startMs: GUEST_START_MS };
}

/** Expected time of each of `count` jobs of the items on a kernel, the labs split as `run --shard` splits them. */
export function shardTimes(items: readonly Weighted[], count: number, cost: KernelCost): number[] {
  return shardLoads(items, assignShards(items, count)).map((load) => cost.startMs + load * cost.slowdown);
}

/**
 * The fewest shards whose longest job fits in `budgetMs`. A lab that does not
 * fit in a job of its own cannot be split: then the fewest shards that leave
 * it alone at the top (more would only add jobs).
 */
export function shardsWithin(items: readonly Weighted[], budgetMs: number, cost: KernelCost): number {
  const heaviest = cost.startMs + Math.max(0, ...items.map((i) => i.weight)) * cost.slowdown;
  const bound = Math.max(budgetMs, heaviest);
  for (let n = 1; n < items.length; n += 1) if (Math.max(...shardTimes(items, n, cost)) <= bound) return n;
  return Math.max(1, items.length);
}

/** One entry per kernel and shard, kernels in the order given. */
export function matrixOf(plan: readonly { kernel: string; shards: number }[]): Matrix {
  return {
    include: plan.flatMap(({ kernel, shards }) =>
      Array.from({ length: shards }, (_, i) => {
        const shard = `${i + 1}/${shards}`;
        const artifact = `mptcp-lab-results-${kernel.replace(/[^A-Za-z0-9._-]/g, '-')}-${i + 1}-of-${shards}`;
        return { kernel, shard, name: shards === 1 ? kernel : `${kernel} ${shard}`, artifact };
      }),
    ),
  };
}
