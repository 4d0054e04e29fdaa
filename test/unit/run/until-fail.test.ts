// --until-fail: what stops a run, the stop flag, and what the reports say.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LabResult } from '../../../harness/result.js';
import { stopsTheRun, UNTIL_FAIL_REPEAT, UntilFail, untilFailLines, untilFailNote } from '../../../harness/run/until-fail.js';

const result = (status: LabResult['status']): LabResult => ({
  lab: 'hunt',
  file: 'hunt.lab.yaml',
  group: 'g',
  tags: [],
  target: { kind: 'kernel', spec: 'host', version: '6.18.44', backend: 'netns' },
  status,
  durationMs: 1,
  attempts: 1,
  repeat: 0,
  checks: [],
});

describe('until-fail', () => {
  test('a failure stops the run; pass, skip and flaky (passed on a retry) do not', () => {
    assert.deepEqual(
      (['pass', 'skip', 'flaky', 'fail'] as const).map((s) => stopsTheRun({ status: s })),
      [false, false, false, true],
    );
  });

  test('the flag: set by the first failure, only when --until-fail asked for it', () => {
    const on = new UntilFail(true);
    on.record([result('pass'), result('flaky')]);
    assert.equal(on.stopped, false);
    on.record([result('pass'), result('fail')]);
    assert.equal(on.stopped, true);
    const off = new UntilFail(false);
    off.record([result('fail')]);
    assert.equal(off.stopped, false);
  });

  test('the bound without --repeat, and what the reports say', () => {
    assert.equal(UNTIL_FAIL_REPEAT, 100);
    assert.equal(untilFailNote({ runs: 7, planned: 100 }, true), 'stopped on the first failure (--until-fail): 7 of 100 repeats ran');
    assert.equal(untilFailNote({ runs: 100, planned: 100 }, true), undefined, 'a lab that ran every repeat was not cut short');
    assert.equal(untilFailNote({ runs: 7, planned: 100 }, false), undefined);
    assert.deepEqual(untilFailLines({ stopped: true, runs: 3, planned: 40 }), [
      'stopped on the first failure (--until-fail): 3 of 40 kernel runs ran',
    ]);
    assert.deepEqual(untilFailLines({ stopped: false, runs: 40, planned: 40 }), ['--until-fail: not stopped, 40 of 40 kernel runs ran']);
    assert.deepEqual(untilFailLines(undefined), []);
  });
});
