// The CI matrix: its shape is what GitHub's fromJSON takes for
// strategy.matrix, and --max-minutes picks as few shards as fit.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { GUEST_SLOWDOWN, GUEST_START_MS, kernelCost, matrixOf, shardTimes, shardsWithin } from '../../../harness/run/matrix.js';
import { parseShard, type Weighted } from '../../../harness/run/shard.js';

/**
 * What a GitHub strategy.matrix accepts from fromJSON with only `include`:
 * an object whose one key is `include`, an array of objects whose values
 * are strings, numbers or booleans (no nested objects or arrays).
 */
function matrixProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['not an object'];
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== 'include') return [`keys ${keys.join(',')}: expected only include`];
  const include = (value as { include: unknown }).include;
  if (!Array.isArray(include) || include.length === 0) return ['include is not a non-empty array'];
  const problems: string[] = [];
  include.forEach((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return problems.push(`include[${i}] is not an object`);
    for (const [k, v] of Object.entries(entry))
      if (!['string', 'number', 'boolean'].includes(typeof v)) problems.push(`include[${i}].${k} is not scalar`);
  });
  return problems;
}

describe('matrixOf', () => {
  test('one entry per kernel and shard, scalar values, readable names', () => {
    const m = matrixOf([
      { kernel: 'host', shards: 2 },
      { kernel: 'debian:6.12', shards: 1 },
    ]);
    assert.deepEqual(m, {
      include: [
        { kernel: 'host', shard: '1/2', name: 'host 1/2', artifact: 'mptcp-lab-results-host-1-of-2' },
        { kernel: 'host', shard: '2/2', name: 'host 2/2', artifact: 'mptcp-lab-results-host-2-of-2' },
        { kernel: 'debian:6.12', shard: '1/1', name: 'debian:6.12', artifact: 'mptcp-lab-results-debian-6.12-1-of-1' },
      ],
    });
    // Round trip as GitHub passes it: JSON text in a job output, parsed by fromJSON.
    assert.deepEqual(matrixProblems(JSON.parse(JSON.stringify(m))), []);
  });

  test('any plan: fromJSON-shaped, names unique, every shard one `run --shard` takes', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({ kernel: fc.constantFrom('host', 'debian:6.1', 'debian:6.12', './tree'), shards: fc.integer({ min: 1, max: 9 }) }),
          {
            selector: (p) => p.kernel,
            minLength: 1,
          },
        ),
        (plan) => {
          const m = matrixOf(plan);
          assert.deepEqual(matrixProblems(m), []);
          assert.equal(
            m.include.length,
            plan.reduce((n, p) => n + p.shards, 0),
          );
          assert.equal(new Set(m.include.map((e) => e.name)).size, m.include.length);
          assert.equal(new Set(m.include.map((e) => e.artifact)).size, m.include.length);
          // Artifact names refuse " : < > | * ? \ / and line breaks.
          for (const e of m.include) assert.match(e.artifact, /^[A-Za-z0-9._-]+$/);
          for (const e of m.include) assert.equal(parseShard(e.shard).count, plan.find((p) => p.kernel === e.kernel)!.shards);
        },
      ),
    );
  });

  test('the shape check can fail', () => {
    assert.deepEqual(matrixProblems([]), ['not an object']);
    assert.deepEqual(matrixProblems({ include: [{ kernel: 'host', shard: { i: 1 } }] }), ['include[0].shard is not scalar']);
    assert.deepEqual(matrixProblems({ include: [], kernel: ['host'] }), ['keys include,kernel: expected only include']);
  });
});

describe('shards within --max-minutes', () => {
  const labs: Weighted[] = [
    { name: 'a', weight: 40_000 },
    { name: 'b', weight: 30_000 },
    { name: 'c', weight: 20_000 },
    { name: 'd', weight: 10_000 },
  ];
  const host = kernelCost('host');

  test('the fewest shards whose longest job fits', () => {
    assert.equal(shardsWithin(labs, 100_000, host), 1);
    assert.equal(shardsWithin(labs, 50_000, host), 2);
    assert.equal(shardsWithin(labs, 45_000, host), 3);
    assert.deepEqual(shardTimes(labs, 2, host), [50_000, 50_000]);
  });

  test('a booted kernel: its labs slower than on the host, and every job pays the boot', () => {
    const guest = kernelCost('debian:6.12');
    assert.deepEqual(host, { slowdown: 1, startMs: 0 });
    assert.deepEqual(guest, { slowdown: GUEST_SLOWDOWN, startMs: GUEST_START_MS });
    assert.deepEqual(shardTimes(labs, 2, guest), [GUEST_START_MS + 50_000 * GUEST_SLOWDOWN, GUEST_START_MS + 50_000 * GUEST_SLOWDOWN]);
    assert.equal(shardsWithin(labs, GUEST_START_MS + 100_000 * GUEST_SLOWDOWN, guest), 1);
    assert.equal(shardsWithin(labs, GUEST_START_MS + 50_000 * GUEST_SLOWDOWN, guest), 2);
    assert.ok(shardsWithin(labs, 100_000, guest) > 1);
  });

  test('a lab longer than the budget alone: no more shards than leave it alone on top', () => {
    assert.equal(shardsWithin(labs, 1_000, host), 3);
    assert.equal(shardsWithin([{ name: 'x', weight: 5 }], 1, host), 1);
  });

  test('never more shards than labs, and the longest job always fits when it can', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ name: fc.string({ minLength: 1, maxLength: 6 }), weight: fc.integer({ min: 0, max: 10_000 }) }), {
          selector: (w) => w.name,
          minLength: 1,
          maxLength: 30,
        }),
        fc.integer({ min: 1, max: 50_000 }),
        fc.record({ slowdown: fc.integer({ min: 1, max: 8 }), startMs: fc.integer({ min: 0, max: 20_000 }) }),
        (items, budget, cost) => {
          const n = shardsWithin(items, budget, cost);
          assert.ok(n >= 1 && n <= items.length);
          const alone = cost.startMs + Math.max(...items.map((i) => i.weight)) * cost.slowdown;
          assert.ok(Math.max(...shardTimes(items, n, cost)) <= Math.max(budget, alone));
          if (n > 1) assert.ok(Math.max(...shardTimes(items, n - 1, cost)) > Math.max(budget, alone));
        },
      ),
    );
  });
});
