import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../../../engine/sim/prng.js';

function draw(p: Prng, n: number): number[] {
  return Array.from({ length: n }, () => p.nextU32());
}

describe('Prng (xoshiro128**)', () => {
  test('matches the C reference implementation', () => {
    // Reference values from xoshiro128starstar.c for this state, as published
    // with the 6502 port's test data (edorfaus/xoshiro-6502, test-rom/testdata.asm).
    const p = Prng.fromState([0x964d4a0c, 0xd40ab895, 0xad7fdecb, 0x3006f0f0]);
    assert.equal(p.nextU32(), 0xf1391922);
    assert.deepEqual(p.state(), [0x72410269, 0xef382c52, 0x2e43bec7, 0x62432f20]);
    assert.deepEqual(draw(p, 3), [0x6fe53806, 0xa5be2840, 0xf510ee70]);
  });

  test('the all-zero state is refused', () => {
    assert.throws(() => Prng.fromState([0, 0, 0, 0]), /all-zero state/);
  });

  test('same seed and labels, same numbers; anything else, other numbers', () => {
    const base = draw(Prng.fromSeed(42, 'link', 'l1', 'aToB'), 8);
    assert.deepEqual(draw(Prng.fromSeed(42, 'link', 'l1', 'aToB'), 8), base);
    assert.notDeepEqual(draw(Prng.fromSeed(43, 'link', 'l1', 'aToB'), 8), base);
    assert.notDeepEqual(draw(Prng.fromSeed(42, 'link', 'l1', 'bToA'), 8), base);
    assert.notDeepEqual(draw(Prng.fromSeed(42, 'link', 'l1aToB'), 8), base);
    assert.notDeepEqual(draw(Prng.fromSeed(42), 8), draw(Prng.fromSeed(42 + 2 ** 32), 8), 'the high bits of the seed count');
  });

  test('fork names a stream: independent of how much the parent drew', () => {
    const parent = Prng.fromSeed(7, 'net');
    const before = draw(parent.fork('link', 'x'), 4);
    draw(parent, 100);
    assert.deepEqual(draw(parent.fork('link', 'x'), 4), before);
    assert.deepEqual(draw(Prng.fromSeed(7, 'net', 'link', 'x'), 4), before);
  });

  test('distributions', () => {
    const p = Prng.fromSeed(1, 'dist');
    let sum = 0;
    let sumSq = 0;
    let hits = 0;
    const N = 20_000;
    for (let i = 0; i < N; i += 1) {
      const u = p.next();
      assert.ok(u >= 0 && u < 1);
      const k = p.int(6);
      assert.ok(Number.isInteger(k) && k >= 0 && k < 6);
      const x = p.normal();
      sum += x;
      sumSq += x * x;
      if (p.chance(25)) hits += 1;
      const v = p.uniform(-3, 5);
      assert.ok(v >= -3 && v < 5);
    }
    const mean = sum / N;
    const sd = Math.sqrt(sumSq / N - mean * mean);
    assert.ok(Math.abs(mean) < 0.05, `normal mean ${mean}`);
    assert.ok(Math.abs(sd - 1) < 0.05, `normal sd ${sd}`);
    assert.ok(Math.abs(hits / N - 0.25) < 0.02, `chance(25) hit ${hits / N}`);
  });

  test('chance(0) is false without drawing; chance(100) is always true', () => {
    const p = Prng.fromSeed(3);
    const s = p.state();
    for (let i = 0; i < 100; i += 1) assert.equal(p.chance(0), false);
    assert.deepEqual(p.state(), s);
    for (let i = 0; i < 100; i += 1) assert.equal(p.chance(100), true);
  });

  test('nextU64 is two 32-bit draws, as a RandomSource', () => {
    const a = Prng.fromSeed(9);
    const b = Prng.fromSeed(9);
    const [hi, lo] = draw(b, 2) as [number, number];
    assert.equal(a.nextU64(), (BigInt(hi) << 32n) | BigInt(lo));
  });

  test('a non-integer seed is refused', () => {
    assert.throws(() => Prng.fromSeed(1.5), /safe integer/);
  });
});
