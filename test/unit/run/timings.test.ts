import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { UsageError } from '../../../harness/exit.js';
import { labWeights } from '../../../harness/run/lab-weights.js';
import { readTimings, timingsOf } from '../../../harness/run/timings.js';
import { expectedDurationMs } from '../../../harness/lab/expected-duration.js';
import { lab, minimal } from '../lab/fixtures.js';

const r = (lab: string, durationMs: number, repeat = 0, status = 'pass') => ({ lab, durationMs, repeat, status });

describe('timings from an earlier results.json', () => {
  test('per lab: every target summed, per repeat; labs that only skipped are left out', () => {
    const t = timingsOf([r('a', 100), r('a', 30), r('a', 0), r('b', 200, 0), r('b', 220, 1), r('b', 180, 2), r('c', 0, 0, 'skip')]);
    assert.deepEqual(
      [...t],
      [
        ['a', 130],
        ['b', 200],
      ],
    );
  });

  test('a file that is no results.json is a UsageError naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mptcp-lab-timings-'));
    try {
      await writeFile(join(dir, 'bad.json'), '{"results": [{"lab": 3}]}');
      await writeFile(join(dir, 'broken.json'), '{');
      await writeFile(join(dir, 'good.json'), JSON.stringify({ run: {}, results: [r('a', 5)] }));
      await assert.rejects(
        readTimings(join(dir, 'bad.json')),
        (e: unknown) => e instanceof UsageError && /bad\.json: results\.0\.lab/.test(e.message),
      );
      await assert.rejects(
        readTimings(join(dir, 'broken.json')),
        (e: unknown) => e instanceof UsageError && /malformed JSON/.test(e.message),
      );
      await assert.rejects(readTimings(join(dir, 'none.json')), (e: unknown) => e instanceof UsageError && /ENOENT/.test(e.message));
      assert.deepEqual([...(await readTimings(join(dir, 'good.json')))], [['a', 5]]);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe('lab weights', () => {
  const one = lab(minimal(), 'labs/x/one.lab.yaml');
  const two = { ...lab(minimal(), 'labs/x/two.lab.yaml'), repeat: 3 };
  const three = lab(minimal().replace('connect: l1\n', 'connect: l1\n  size: 8MB\n'), 'labs/x/three.lab.yaml');

  test('without timings: the estimate, repeats counted', () => {
    const w = labWeights([one, two], { engine: false });
    assert.deepEqual(
      w.map((x) => x.name),
      ['one', 'two'],
    );
    assert.equal(w[1]!.weight, 3 * w[0]!.weight);
    assert.equal(labWeights([one], { engine: false, repeat: 4 })[0]!.weight, 4 * w[0]!.weight);
  });

  test('with timings: the measured time per repeat × repeats; a lab it lacks is estimated on the same scale', () => {
    const timings = new Map([
      ['one', 1000],
      ['two', 500],
    ]);
    const w = labWeights([one, two, three], { engine: true, timings });
    assert.equal(w[0]!.weight, 1000);
    assert.equal(w[1]!.weight, 1500);
    // Measured / estimated over one and two, applied to three's estimate.
    const est = (l: typeof one) => expectedDurationMs(l, { engine: true });
    const scale = 2500 / (est(one) + est(two));
    assert.ok(Math.abs(w[2]!.weight - est(three) * scale) < 1e-6);
    assert.equal(labWeights([two], { engine: true, timings, repeat: 1 })[0]!.weight, 500);
  });
});
