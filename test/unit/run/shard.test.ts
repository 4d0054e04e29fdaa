// The split of `run --shard i/N`: properties over random selections (fast-check)
// and the parsing of i/N.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../../harness/exit.js';
import { assignShards, parseShard, shardLoads, shardOf, type Weighted } from '../../../harness/run/shard.js';

/** Labs with distinct names and weights in ms, as a selection gives them. */
const selection = fc.uniqueArray(
  fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/), weight: fc.integer({ min: 0, max: 60_000 }) }),
  { selector: (w) => w.name, maxLength: 60 },
);
const shardCount = fc.integer({ min: 1, max: 12 });

describe('assignShards', () => {
  test('the shards together are exactly the selection, no item twice', () => {
    fc.assert(
      fc.property(selection, shardCount, (items, n) => {
        const shards = assignShards(items, n);
        assert.equal(shards.length, n);
        const all = shards.flat().sort((a, b) => a - b);
        assert.deepEqual(
          all,
          items.map((_, i) => i),
        );
      }),
    );
  });

  test('deterministic, and independent of the order the selection lists the labs in', () => {
    fc.assert(
      fc.property(selection, shardCount, fc.integer(), (items, n, seed) => {
        const byName = (shards: number[][], list: readonly Weighted[]) => shards.map((s) => s.map((i) => list[i]!.name).sort());
        const once = byName(assignShards(items, n), items);
        assert.deepEqual(byName(assignShards(items, n), items), once);
        const shuffled = [...items].sort((a, b) => ((a.name.charCodeAt(0) * seed) % 7) - ((b.name.charCodeAt(0) * seed) % 7));
        assert.deepEqual(byName(assignShards(shuffled, n), shuffled), once);
      }),
    );
  });

  test('balanced within the greedy bound: heaviest shard − lightest ≤ heaviest lab', () => {
    fc.assert(
      fc.property(selection, shardCount, (items, n) => {
        const loads = shardLoads(items, assignShards(items, n));
        const heaviestLab = Math.max(0, ...items.map((i) => i.weight));
        assert.ok(Math.max(...loads) - Math.min(...loads) <= heaviestLab, `${loads.join(',')} vs ${heaviestLab}`);
        // Hence no shard above the mean by more than the heaviest lab.
        const mean = items.reduce((s, i) => s + i.weight, 0) / n;
        assert.ok(Math.max(...loads) <= mean + heaviestLab);
      }),
    );
  });

  test('each shard keeps the selection order', () => {
    fc.assert(
      fc.property(selection, shardCount, (items, n) => {
        for (const s of assignShards(items, n))
          assert.deepEqual(
            s,
            [...s].sort((a, b) => a - b),
          );
      }),
    );
  });

  test('longest first to the least loaded, ties by name', () => {
    const items: Weighted[] = [
      { name: 'b', weight: 5 },
      { name: 'a', weight: 5 },
      { name: 'big', weight: 9 },
      { name: 'c', weight: 1 },
    ];
    // big → 1; a (ties with b, a first) → 2; b → 2 (5 < 9); c → 1 (9 < 10).
    assert.deepEqual(assignShards(items, 2), [
      [2, 3],
      [0, 1],
    ]);
    assert.deepEqual(shardOf(['B', 'A', 'BIG', 'C'], items, { index: 2, count: 2 }), ['B', 'A']);
  });

  test('more shards than labs leaves shards empty; the split of one shard is everything', () => {
    const items: Weighted[] = [{ name: 'x', weight: 3 }];
    assert.deepEqual(assignShards(items, 3), [[0], [], []]);
    assert.deepEqual(assignShards(items, 1), [[0]]);
    assert.throws(() => assignShards(items, 0), RangeError);
  });
});

describe('parseShard', () => {
  test('i/N with 1 ≤ i ≤ N', () => {
    assert.deepEqual(parseShard('1/2'), { index: 1, count: 2 });
    assert.deepEqual(parseShard('4/4'), { index: 4, count: 4 });
    assert.deepEqual(parseShard(' 2/3 '), { index: 2, count: 3 });
  });

  test('anything else is a UsageError saying what was expected', () => {
    for (const [text, why] of [
      ['0/2', /between 1 and 2/],
      ['3/2', /between 1 and 2/],
      ['1/0', /at least 1/],
      ['x', /expected i\/N/],
      ['1/2/3', /expected i\/N/],
      ['-1/2', /expected i\/N/],
      ['1.5/2', /expected i\/N/],
      ['', /expected i\/N/],
    ] as const)
      assert.throws(
        () => parseShard(text),
        (e: unknown) => e instanceof UsageError && why.test(e.message),
        text,
      );
  });
});
