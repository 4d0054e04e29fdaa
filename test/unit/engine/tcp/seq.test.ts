import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  isSeqNum,
  seqAdd,
  seqDiff,
  seqGeq,
  seqGt,
  seqInWindow,
  seqLeq,
  seqLt,
  seqMax,
  seqMin,
  seqSub,
} from '../../../../engine/tcp/seq.js';

const MAX = 0xffff_ffff;
const u32 = fc.integer({ min: 0, max: MAX });
/** Distances that compare unambiguously: |n| < 2^31. */
const dist = fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 });

describe('sequence arithmetic across the 2^32 wrap', () => {
  test('seqAdd / seqSub wrap modulo 2^32', () => {
    assert.equal(seqAdd(MAX, 1), 0);
    assert.equal(seqAdd(MAX, 2), 1);
    assert.equal(seqAdd(0, -1), MAX);
    assert.equal(seqAdd(10, 2 ** 32), 10);
    assert.equal(seqAdd(0xffff_fff0, 0x20), 0x10);
    assert.equal(seqSub(0, 1), MAX);
    assert.equal(seqSub(0x10, 0x20), 0xffff_fff0);
  });

  test('seqDiff is the signed distance, across the wrap', () => {
    assert.equal(seqDiff(0x10, 0xffff_fff0), 0x20);
    assert.equal(seqDiff(0xffff_fff0, 0x10), -0x20);
    assert.equal(seqDiff(5, 5), 0);
    assert.equal(seqDiff(0, MAX), 1);
  });

  test('comparisons across the wrap', () => {
    assert.ok(seqLt(0xffff_fff0, 0x10));
    assert.ok(!seqLt(0x10, 0xffff_fff0));
    assert.ok(seqGt(0x10, 0xffff_fff0));
    assert.ok(seqLeq(MAX, 0));
    assert.ok(seqLeq(7, 7) && seqGeq(7, 7) && !seqLt(7, 7) && !seqGt(7, 7));
    assert.equal(seqMax(0xffff_fff0, 0x10), 0x10);
    assert.equal(seqMin(0xffff_fff0, 0x10), 0xffff_fff0);
  });

  test('seqInWindow is [lo, hi) and works when the window wraps', () => {
    assert.ok(seqInWindow(0xffff_ffff, 0xffff_fff0, 0x10));
    assert.ok(seqInWindow(0, 0xffff_fff0, 0x10));
    assert.ok(seqInWindow(0xffff_fff0, 0xffff_fff0, 0x10));
    assert.ok(!seqInWindow(0x10, 0xffff_fff0, 0x10));
    assert.ok(!seqInWindow(0xffff_ffef, 0xffff_fff0, 0x10));
  });

  test('exactly 2^31 apart is ambiguous, as in the kernel', () => {
    assert.ok(seqLt(0, 2 ** 31) && seqLt(2 ** 31, 0));
  });

  test('isSeqNum', () => {
    assert.ok(isSeqNum(0) && isSeqNum(MAX));
    assert.ok(!isSeqNum(-1) && !isSeqNum(2 ** 32) && !isSeqNum(1.5) && !isSeqNum(Number.NaN));
  });

  test('property: seqDiff(seqAdd(a, n), a) = n and the order follows the sign of n', () => {
    fc.assert(
      fc.property(u32, dist, (a, n) => {
        const b = seqAdd(a, n);
        assert.ok(isSeqNum(b));
        assert.equal(seqDiff(b, a), n);
        assert.ok(seqDiff(a, b) === -n); // 0 and -0 alike
        assert.equal(seqLt(a, b), n > 0);
        assert.equal(seqGt(a, b), n < 0);
        assert.equal(seqLeq(a, b), n >= 0);
        assert.equal(seqGeq(a, b), n <= 0);
        assert.equal(seqSub(b, n), a);
      }),
      { numRuns: 2000 },
    );
  });

  test('property: order is transitive for numbers within a half window', () => {
    fc.assert(
      fc.property(u32, fc.integer({ min: 1, max: 2 ** 30 }), fc.integer({ min: 1, max: 2 ** 30 }), (a, x, y) => {
        const b = seqAdd(a, x);
        const c = seqAdd(b, y);
        assert.ok(seqLt(a, b) && seqLt(b, c) && seqLt(a, c));
        assert.ok(seqInWindow(b, a, c));
      }),
    );
  });
});
