// The failure rate in the reports: a `# rate:` line in the TAP after each
// repeated lab's results on a target (one per kernel of a matrix), a
// "Failure rates" table in summary.md, and --until-fail's note.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Parser, type FinalResults } from 'tap-parser';
import { failureRates } from '../../../harness/report/rate.js';
import { formatSummary } from '../../../harness/report/summary.js';
import { formatTap, TapWriter } from '../../../harness/report/tap.js';
import type { LabResult, RunResult, TargetInfo } from '../../../harness/result.js';
import { HOST, RUN, VM } from './fixture.js';

const ENGINE: TargetInfo = { kind: 'engine', spec: 'sim', version: '0.1', backend: 'sim' };
const compare = (spec: string): TargetInfo => ({ kind: 'compare', spec, version: '', backend: '' });

function result(lab: string, target: TargetInfo, repeat: number, status: LabResult['status'] = 'pass'): LabResult {
  return { lab, file: `${lab}.lab.yaml`, group: 'g', tags: [], target, status, durationMs: 1, attempts: 1, repeat, checks: [] };
}

/** Report order of `--kernel host,debian:6.12 --repeat 3`: host runs with the engine and their comparison, then the guest's block and the cross-kernel comparisons. */
function matrix(): LabResult[] {
  const out: LabResult[] = [];
  for (const lab of ['hunt', 'quiet'])
    for (let k = 0; k < 3; k += 1)
      out.push(
        result(lab, HOST, k, lab === 'hunt' && k === 1 ? 'fail' : 'pass'),
        result(lab, ENGINE, k),
        result(lab, compare('kernel host vs engine sim'), k),
      );
  for (const lab of ['hunt', 'quiet']) for (let k = 0; k < 3; k += 1) out.push(result(lab, VM, k));
  out.push(
    result('hunt', compare('kernel host vs kernel debian:6.12'), 0),
    result('quiet', compare('kernel host vs kernel debian:6.12'), 0),
  );
  return out;
}

function finalOf(tap: string): Promise<FinalResults> {
  return new Promise((resolve) => new Parser({ strict: true }, resolve).end(tap));
}

test('TAP: a rate line after each repeated lab on each target, one per kernel; the stream still parses', async () => {
  let tap = '';
  const w = new TapWriter((s) => (tap += s), { rates: { planned: () => 3, stopped: () => false } });
  w.header();
  for (const r of matrix()) w.point(r);
  w.end();
  const lines = tap.split('\n').filter((l) => /^(not )?ok \d+ |^# rate:/.test(l));
  const rateAt = (text: string): number => lines.findIndex((l) => l.startsWith('# rate:') && l.includes(text));
  assert.equal(lines[rateAt('hunt [kernel host')], '# rate: hunt [kernel host 6.18.44 netns]: 1/3 failed: 33 %, 95 % CI 0.8–91 %');
  assert.equal(
    lines[rateAt('hunt [engine sim')],
    '# rate: hunt [engine sim 0.1 sim]: 0/3 failed (not seen in 3 runs): 0 %, 95 % CI 0–71 %',
  );
  // After hunt's last host repeat (with its engine run and comparison), before quiet's first point.
  assert.match(lines[rateAt('hunt [kernel host') - 1]!, /^ok \d+ - hunt \[kernel host vs engine sim\] \(repeat 2\)/);
  assert.match(lines[rateAt('hunt [engine sim') + 1]!, /^ok \d+ - quiet \[kernel host 6\.18\.44 netns\]$/);
  // The guest's block: its own line per lab, after its last repeat.
  assert.match(lines[rateAt('hunt [kernel debian:6.12') - 1]!, /^ok \d+ - hunt \[kernel debian:6\.12 6\.12\.41 vm\] \(repeat 2\)/);
  assert.equal(lines.filter((l) => l.startsWith('# rate:')).length, 6, 'hunt and quiet on host, engine and debian:6.12');
  const final = await finalOf(tap);
  assert.equal(final.count, matrix().length);
});

test('TAP and summary of a finished run: the rates from results.json, and what --until-fail cut short', async () => {
  const results = [result('hunt', HOST, 0), result('hunt', HOST, 1, 'fail')];
  const run: RunResult = {
    run: { ...RUN.run, untilFail: { stopped: true, runs: 2, planned: 100 } },
    results,
    rates: failureRates(results, () => 100),
  };
  const tap = formatTap(run);
  assert.match(
    tap,
    /\n# rate: hunt \[kernel host 6\.18\.44 netns\]: 1\/2 failed: 50 %, 95 % CI 1–99 %; stopped on the first failure \(--until-fail\): 2 of 100 repeats ran\n# stopped on the first failure \(--until-fail\): 2 of 100 kernel runs ran\n1\.\.2\n$/,
  );
  const md = formatSummary(run);
  assert.ok(md.includes('## Failure rates'), md);
  assert.ok(
    md.includes(
      '| hunt | kernel host 6.18.44 netns | 1/2 failed: 50 %, 95 % CI 1–99 % | stopped on the first failure (--until-fail): 2 of 100 repeats ran |',
    ),
    md,
  );
});

test('a run without repeats has no rate lines and no rates section', () => {
  const tap = formatTap(RUN);
  assert.doesNotMatch(tap, /# rate:/);
  assert.doesNotMatch(formatSummary(RUN), /Failure rates/);
});
