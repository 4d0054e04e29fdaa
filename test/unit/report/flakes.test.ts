// report flakes: per lab and target over many runs, worst first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countFlakes, formatFlakes } from '../../../harness/report/flakes.js';
import { labResult, VM } from './fixture.js';

test('runs, passes, failures, flaky and the rate per lab and target, worst first; skips are not runs', () => {
  const results = [
    ...Array.from({ length: 8 }, () => labResult({ lab: 'steady', status: 'pass' })),
    labResult({ lab: 'steady', status: 'skip' }),
    labResult({ lab: 'shaky', status: 'pass' }),
    labResult({ lab: 'shaky', status: 'flaky', attempts: 2 }),
    labResult({ lab: 'shaky', status: 'fail' }),
    labResult({ lab: 'shaky', status: 'pass', target: VM }),
    labResult({ lab: 'shaky', status: 'fail', target: VM }),
  ];
  const rows = countFlakes(results);
  assert.deepEqual(
    rows.map((r) => [r.lab, r.target.spec, r.runs, r.passes, r.failures, r.flaky, Number(r.rate.toFixed(3))]),
    [
      ['shaky', 'host', 3, 1, 1, 1, 0.667],
      ['shaky', 'debian:6.12', 2, 1, 1, 0, 0.5],
      ['steady', 'host', 8, 8, 0, 0, 0],
    ],
  );
  assert.ok(rows[2]!.ci95.high > 0.3 && rows[2]!.ci95.low === 0);
  const text = formatFlakes(rows, 9);
  assert.match(text.split('\n')[0]!, /^LAB +TARGET +RUNS +PASS +FAIL +FLAKY +RATE$/);
  assert.match(text, /shaky +kernel host 6\.18\.44 netns +3 +1 +1 +1 +2\/3 failed: 67 %, 95 % CI 9–100 %/);
  assert.match(text, /steady .*0\/8 failed \(not seen in 8 runs\): 0 %/);
  assert.equal(formatFlakes([], 0), 'no lab ran in 0 results\n');
});
