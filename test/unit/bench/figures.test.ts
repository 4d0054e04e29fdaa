import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { aimRatio, meetsAim, median, pickBases, regressions, worseBy, type Figure } from '../../bench/figures.js';

function fig(id: string, value: number, better: Figure['better'], aim?: number): Figure {
  return { id, label: id, value, unit: better === 'lower' ? 'ms' : '/s', better, n: 10, ...(aim !== undefined ? { aim } : {}) };
}

describe('worseBy', () => {
  test('lower is better: a longer time is worse, a shorter one better', () => {
    assert.equal(worseBy(130, 100, 'lower')!.toFixed(2), '0.30');
    assert.equal(worseBy(80, 100, 'lower')!.toFixed(2), '-0.20');
  });
  test('higher is better: a lower speed is worse (half the speed = 100 % worse)', () => {
    assert.equal(worseBy(50, 100, 'higher')!.toFixed(2), '1.00');
    assert.equal(worseBy(130, 100, 'higher')! < 0, true);
  });
  test('no comparison with a zero or missing figure', () => {
    assert.equal(worseBy(0, 100, 'lower'), undefined);
    assert.equal(worseBy(10, 0, 'higher'), undefined);
    assert.equal(worseBy(NaN, 10, 'lower'), undefined);
  });
});

describe('regressions', () => {
  const base = [fig('t30', 100, 'lower'), fig('t20', 100, 'lower'), fig('s30', 100, 'higher'), fig('s20', 100, 'higher')];
  const bases = pickBases([], base);

  test('a figure 30 % worse is reported, one 20 % worse is not (lower is better)', () => {
    const r = regressions([fig('t30', 130, 'lower'), fig('t20', 120, 'lower')], bases);
    assert.deepEqual(
      r.map((x) => x.id),
      ['t30'],
    );
    assert.equal(r[0]!.worse.toFixed(2), '0.30');
    assert.equal(r[0]!.source, 'file');
  });

  test('higher is better: 30 % worse (100 -> 100/1.3) is reported, 20 % worse is not', () => {
    const r = regressions([fig('s30', 100 / 1.3, 'higher'), fig('s20', 100 / 1.2, 'higher')], bases);
    assert.deepEqual(
      r.map((x) => x.id),
      ['s30'],
    );
  });

  test('direction matters: a 30 % higher speed is not a regression, a 30 % higher time is', () => {
    const r = regressions([fig('s30', 130, 'higher'), fig('t30', 130, 'lower')], bases);
    assert.deepEqual(
      r.map((x) => x.id),
      ['t30'],
    );
    const faster = regressions([fig('t30', 70, 'lower'), fig('s30', 70, 'higher')], bases);
    assert.deepEqual(
      faster.map((x) => x.id),
      ['s30'],
    );
  });

  test('figures without a base, and reference figures, are not compared', () => {
    assert.deepEqual(regressions([fig('new-figure', 1e9, 'lower')], bases), []);
    assert.deepEqual(regressions([{ ...fig('t30', 1e9, 'lower'), reference: true }], bases), []);
  });

  test('the same-run base wins over BASE.json, and the regression says so', () => {
    const merged = pickBases([fig('t30', 200, 'lower')], base);
    assert.deepEqual(regressions([fig('t30', 130, 'lower')], merged), []);
    const r = regressions([fig('t30', 300, 'lower')], merged);
    assert.equal(r[0]!.source, 'same-run');
    assert.equal(r[0]!.base, 200);
  });
});

describe('aims', () => {
  test('ratio to the aim and whether it is met, each way', () => {
    assert.equal(aimRatio(fig('a', 300, 'lower', 150)), 2);
    assert.equal(meetsAim(fig('a', 300, 'lower', 150)), false);
    assert.equal(meetsAim(fig('a', 150, 'lower', 150)), true);
    assert.equal(meetsAim(fig('b', 48_000, 'higher', 250_000)), false);
    assert.equal(meetsAim(fig('b', 300_000, 'higher', 250_000)), true);
    assert.equal(aimRatio(fig('c', 1, 'lower')), undefined);
    assert.equal(meetsAim(fig('c', 1, 'lower')), undefined);
  });
});

describe('median', () => {
  test('odd, even, unsorted, empty', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });
});
