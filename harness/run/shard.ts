// `run --shard i/N`: which of the selected labs one of N jobs runs. The split
// is pure and deterministic (the same selection and weights give the same
// shards on every machine), so N jobs of a CI matrix together run exactly
// the selection, each lab once, without talking to each other.
import { UsageError } from '../exit.js';

/** Shard `index` (1-based) of `count`. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** An item to place: a lab by name, weighted by its expected duration (ms). */
export interface Weighted {
  name: string;
  weight: number;
}

const SHARD_FORMAT = /^([0-9]+)\/([0-9]+)$/;

/** `--shard i/N` checked: 1 ≤ i ≤ N. Bad input is a UsageError (exit 2). */
export function parseShard(text: string): ShardSpec {
  const m = SHARD_FORMAT.exec(text.trim());
  if (!m) throw new UsageError(`--shard ${text}: expected i/N, e.g. 1/4 (the first of 4 shards)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) throw new UsageError(`--shard ${text}: the number of shards must be at least 1`);
  if (index < 1 || index > count) throw new UsageError(`--shard ${text}: the shard must be between 1 and ${count}`);
  return { index, count };
}

export function formatShard(spec: ShardSpec): string {
  return `${spec.index}/${spec.count}`;
}

/** Heaviest first; equal weights by name, then by position (a lab named twice). */
function placingOrder(items: readonly Weighted[]): number[] {
  return items
    .map((_, i) => i)
    .sort((a, b) => {
      const x = items[a]!;
      const y = items[b]!;
      return y.weight - x.weight || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0) || a - b;
    });
}

/**
 * Splits items into `count` shards: longest first, each to the least loaded
 * shard (the lowest-numbered among equals). The greedy bound holds: no shard
 * is heavier than the lightest by more than the heaviest item. Answers each
 * shard's item positions, in selection order.
 */
export function assignShards(items: readonly Weighted[], count: number): number[][] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`shard count ${count}: expected an integer >= 1`);
  const loads = new Array<number>(count).fill(0);
  const shards: number[][] = Array.from({ length: count }, () => []);
  for (const i of placingOrder(items)) {
    let least = 0;
    for (let s = 1; s < count; s += 1) if (loads[s]! < loads[least]!) least = s;
    loads[least]! += Math.max(0, items[i]!.weight);
    shards[least]!.push(i);
  }
  return shards.map((positions) => positions.sort((a, b) => a - b));
}

/** The expected load (sum of weights) of each shard. */
export function shardLoads(items: readonly Weighted[], shards: readonly number[][]): number[] {
  return shards.map((positions) => positions.reduce((sum, i) => sum + Math.max(0, items[i]!.weight), 0));
}

/** The items of one shard, in selection order. */
export function shardOf<T>(items: readonly T[], weights: readonly Weighted[], spec: ShardSpec): T[] {
  return assignShards(weights, spec.count)[spec.index - 1]!.map((i) => items[i]!);
}
