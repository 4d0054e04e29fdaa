// The failure rate's exact confidence interval against known values
// (scipy.stats.beta.ppf, R's qbeta), closed forms of the beta quantile, and the binomial
// tails the Clopper–Pearson bounds are defined by.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { betaQuantile, clopperPearson, failureRates, formatRate, incompleteBeta, logGamma } from '../../../harness/report/rate.js';
import type { LabResult } from '../../../harness/result.js';
import { HOST, labResult, VM } from './fixture.js';

function close(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected} ± ${tolerance}`);
}

/** P(X >= k) for X ~ Binomial(n, p), summed term by term: the definition the lower bound solves. */
function binomialTailAtLeast(k: number, n: number, p: number): number {
  let sum = 0;
  let term = Math.pow(1 - p, n); // P(X = 0)
  for (let i = 0; i <= n; i += 1) {
    if (i >= k) sum += term;
    term *= ((n - i) / (i + 1)) * (p / (1 - p));
  }
  return sum;
}

describe('the beta function pieces', () => {
  test('logGamma: factorials and Γ(1/2) = √π', () => {
    close(logGamma(1), 0, 1e-13, 'ln Γ(1)');
    close(logGamma(5), Math.log(24), 1e-12, 'ln Γ(5)');
    close(logGamma(21), Math.log(2432902008176640000), 1e-10, 'ln Γ(21)');
    close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-13, 'ln Γ(1/2)');
  });

  test('incompleteBeta: I_x(a, 1) = x^a, I_x(1, b) = 1 − (1 − x)^b, and symmetry', () => {
    close(incompleteBeta(0.3, 4, 1), 0.3 ** 4, 1e-14, 'I_0.3(4, 1)');
    close(incompleteBeta(0.2, 1, 7), 1 - 0.8 ** 7, 1e-14, 'I_0.2(1, 7)');
    close(incompleteBeta(0.35, 3, 9) + incompleteBeta(0.65, 9, 3), 1, 1e-14, 'I_x(a,b) + I_1−x(b,a)');
    assert.equal(incompleteBeta(0, 2, 3), 0);
    assert.equal(incompleteBeta(1, 2, 3), 1);
  });

  test('betaQuantile: R qbeta values and the arcsine law', () => {
    close(betaQuantile(0.5, 2, 3), 0.3857275681, 1e-9, 'qbeta(0.5, 2, 3)');
    close(betaQuantile(0.025, 1, 1), 0.025, 1e-12, 'qbeta(0.025, 1, 1)');
    close(betaQuantile(0.9, 5, 1), 0.9 ** (1 / 5), 1e-12, 'qbeta(0.9, 5, 1)');
    // Beta(1/2, 1/2): F(x) = (2/π) asin(√x), so the quantile is sin²(πp/2).
    close(betaQuantile(0.975, 0.5, 0.5), Math.sin((Math.PI * 0.975) / 2) ** 2, 1e-12, 'qbeta(0.975, 0.5, 0.5)');
    assert.equal(betaQuantile(0, 2, 2), 0);
    assert.equal(betaQuantile(1, 2, 2), 1);
    assert.throws(() => betaQuantile(1.5, 2, 2), RangeError);
  });
});

describe('clopperPearson', () => {
  test('the issue examples: 3/20 is 3.2–37.9 %, 0/30 is 0–11.6 %', () => {
    const a = clopperPearson(3, 20);
    close(a.low, 0.0320709371854637, 1e-10, '3/20 low');
    close(a.high, 0.37892682654531396, 1e-10, '3/20 high');
    const b = clopperPearson(0, 30);
    assert.equal(b.low, 0);
    // With no failure the upper bound has a closed form: 1 − (α/2)^(1/n).
    close(b.high, 1 - 0.025 ** (1 / 30), 1e-12, '0/30 high');
  });

  test('scipy.stats.beta.ppf values', () => {
    const one = clopperPearson(1, 10);
    close(one.low, 0.0025285785444617848, 1e-10, '1/10 low');
    close(one.high, 0.4450161170281954, 1e-10, '1/10 high');
    const all = clopperPearson(10, 10);
    close(all.low, 0.6915028921812392, 1e-10, '10/10 low');
    assert.equal(all.high, 1);
    const nineteen = clopperPearson(19, 100);
    close(nineteen.low, 0.1184431961325436, 1e-10, '19/100 low');
    close(nineteen.high, 0.28069795797361247, 1e-10, '19/100 high');
  });

  test('the lower bound is where P(X >= k) reaches 2.5 % (binomial sums, independent of the beta code)', () => {
    for (const [k, n] of [
      [3, 20],
      [7, 50],
      [1, 81],
    ] as const) {
      close(binomialTailAtLeast(k, n, clopperPearson(k, n).low), 0.025, 1e-9, `P(X >= ${k}) of ${n}`);
      close(1 - binomialTailAtLeast(k + 1, n, clopperPearson(k, n).high), 0.025, 1e-9, `P(X <= ${k}) of ${n}`);
    }
  });

  test('bad counts are a RangeError', () => {
    assert.throws(() => clopperPearson(3, 2), RangeError);
    assert.throws(() => clopperPearson(0, 0), RangeError);
  });
});

describe('formatRate', () => {
  const line = (failed: number, runs: number): string =>
    formatRate({ failed, runs, rate: failed / runs, ci95: clopperPearson(failed, runs) });

  test('as the issue writes it, bounds rounded outward', () => {
    assert.equal(line(3, 20), '3/20 failed: 15 %, 95 % CI 3–38 %');
    assert.equal(line(0, 30), '0/30 failed (not seen in 30 runs): 0 %, 95 % CI 0–12 %');
    assert.equal(line(20, 20), '20/20 failed: 100 %, 95 % CI 83–100 %');
  });

  test('below 1 % with one decimal', () => {
    assert.equal(line(0, 1000), '0/1000 failed (not seen in 1000 runs): 0 %, 95 % CI 0–0.4 %');
  });
});

describe('failureRates', () => {
  const run = (repeat: number, status: LabResult['status'], target = HOST, lab = 'hunt'): LabResult =>
    labResult({ lab, status, target, repeat });

  test('one rate per lab and kernel; flaky counts as failed, skips and comparisons are not runs', () => {
    const compare = {
      ...run(0, 'fail'),
      target: { kind: 'compare' as const, spec: 'kernel host vs kernel debian:6.12', version: '', backend: '' },
    };
    const rates = failureRates(
      [run(0, 'pass'), run(1, 'fail'), run(2, 'flaky'), run(3, 'skip'), run(0, 'pass', VM), run(1, 'pass', VM), compare],
      () => 4,
    );
    assert.deepEqual(
      rates.map((r) => [r.target.spec, r.runs, r.failed, r.planned, formatRate(r)]),
      [
        ['host', 3, 2, 4, '2/3 failed: 67 %, 95 % CI 9–100 %'],
        ['debian:6.12', 2, 0, 4, '0/2 failed (not seen in 2 runs): 0 %, 95 % CI 0–85 %'],
      ],
    );
  });

  test('a lab run once is not a repeated lab, unless more were planned (--until-fail stopped it)', () => {
    assert.deepEqual(
      failureRates([run(0, 'fail')], () => 1),
      [],
    );
    assert.equal(failureRates([run(0, 'fail')], () => 100)[0]?.planned, 100);
  });
});
