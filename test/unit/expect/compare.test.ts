import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { atLeastUnlessZero, toBound, within } from '../../../harness/expect/compare.js';
import { COMPARISON } from '../../../harness/lab/schema.js';

describe('toBound', () => {
  test('a number is exact', () => {
    assert.deepEqual(toBound(3), { min: 3, max: 3, text: '3' });
    assert.deepEqual(toBound(0), { min: 0, max: 0, text: '0' });
    assert.deepEqual(toBound(0.25), { min: 0.25, max: 0.25, text: '0.25' });
  });

  test('>= and <= are inclusive, open on the other side', () => {
    assert.deepEqual(toBound('>=1'), { min: 1, max: Infinity, text: '>=1' });
    assert.deepEqual(toBound('<=3'), { min: -Infinity, max: 3, text: '<=3' });
    assert.deepEqual(toBound(' >= 2 '), { min: 2, max: Infinity, text: '>= 2' });
  });

  test('= and == are exact', () => {
    assert.deepEqual(toBound('=2'), { min: 2, max: 2, text: '=2' });
    assert.deepEqual(toBound('== 2'), { min: 2, max: 2, text: '== 2' });
  });

  test('ranges are inclusive', () => {
    assert.deepEqual(toBound('1..3'), { min: 1, max: 3, text: '1..3' });
    assert.deepEqual(toBound('0.4 .. 0.6'), { min: 0.4, max: 0.6, text: '0.4 .. 0.6' });
  });

  test('> and < are strict', () => {
    const gt = toBound('>0');
    assert.equal(within(gt, 0), false);
    assert.equal(within(gt, 1), true);
    assert.equal(within(gt, 1e-9), true);
    const gt3 = toBound('>3');
    assert.equal(within(gt3, 3), false);
    assert.equal(within(gt3, 3.0000001), true);
    const gtBig = toBound('>1000000');
    assert.equal(within(gtBig, 1_000_000), false);
    assert.equal(within(gtBig, 1_000_001), true);
    const lt = toBound('<2');
    assert.equal(within(lt, 2), false);
    assert.equal(within(lt, 1.9999999), true);
    assert.equal(within(lt, 0), true);
    const ltHalf = toBound('<0.5');
    assert.equal(within(ltHalf, 0.5), false);
    assert.equal(within(ltHalf, 0.4999), true);
  });

  test('text that is not a comparison throws', () => {
    for (const bad of ['', 'abc', '>>1', '1..', '~3', '>= x']) assert.throws(() => toBound(bad), /not a comparison/, bad);
  });

  test('everything the schema accepts, toBound understands', () => {
    for (const t of ['>=1', '<=3', '>0', '<2', '==4', '=4', '1..3', ' 1 .. 3 ', '0.5..0.75', '>= 10']) {
      assert.match(t, COMPARISON);
      assert.doesNotThrow(() => toBound(t), t);
    }
  });
});

describe('atLeastUnlessZero', () => {
  test('a positive number means at least that many', () => {
    assert.deepEqual(atLeastUnlessZero(2), { min: 2, max: Infinity, text: '>=2' });
  });
  test('0 means exactly 0', () => {
    assert.deepEqual(atLeastUnlessZero(0), { min: 0, max: 0, text: '0' });
  });
  test('a comparison is kept as written', () => {
    assert.deepEqual(atLeastUnlessZero('<=1'), { min: -Infinity, max: 1, text: '<=1' });
    assert.deepEqual(atLeastUnlessZero('2..4'), { min: 2, max: 4, text: '2..4' });
  });
});

describe('within', () => {
  test('inclusive at both ends', () => {
    const b = toBound('1..3');
    assert.equal(within(b, 0), false);
    assert.equal(within(b, 1), true);
    assert.equal(within(b, 2), true);
    assert.equal(within(b, 3), true);
    assert.equal(within(b, 3.5), false);
  });
  test('exact', () => {
    assert.equal(within(toBound(1), 1), true);
    assert.equal(within(toBound(1), 2), false);
    assert.equal(within(toBound(1), 0), false);
  });
  test('NaN is never within', () => {
    assert.equal(within(toBound('>=0'), Number.NaN), false);
  });
});
