// The files of a merged folder: conclusion.txt and summary.txt as the
// upstream MPTCP CI writes them, the exit status, TAP that tap-parser reads
// with the right counts and seeds, JUnit with one testsuite per target, and
// the Markdown summary cut under GitHub's 1 MiB.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Parser, type FinalResults, type Result } from 'tap-parser';
import { batchFailure } from '../../../harness/report/batch-failure.js';
import { cutNote, fitSummary } from '../../../harness/report/fit-summary.js';
import { formatMergedJunit, formatMergedTap } from '../../../harness/report/merged-formats.js';
import { formatMergedSummary, mergedSummaryBlocks } from '../../../harness/report/merged-summary.js';
import { formatConclusion, formatSummaryTxt, mergedExitStatus } from '../../../harness/report/upstream-ci.js';
import type { LabResult, MergedLabResult, MergedRunResult, RunInfo } from '../../../harness/result.js';
import { whyBatchFailed } from '../../../harness/targets/vm/run-labs.js';
import type { VmResult } from '../../../kernels/vm/qemu.js';
import { HOST, labResult, RUN, VM } from './fixture.js';
import { all, parseXml } from './xml.js';

const RUNS: RunInfo[] = [
  { ...RUN.run, seed: 11, kernels: [HOST] },
  { ...RUN.run, seed: 22, kernels: [VM], machine: { ...RUN.run.machine, hostname: 'ci-2' } },
];

function merged(results: MergedLabResult[], missing: MergedRunResult['merged']['missing'] = []): MergedRunResult {
  return {
    merged: { tool: 'mptcp-lab', version: '0.1.0', created: '2025-01-02T00:00:00.000Z', inputs: ['a', 'b'], missing },
    runs: RUNS,
    results,
  };
}

const on = (runIndex: number, r: LabResult): MergedLabResult => ({ ...r, runIndex });
const failing = labResult({
  lab: 'join-basic',
  status: 'fail',
  target: VM,
  checks: [{ name: 'join.syn', ok: false, source: 'server MPTcpExtMPJoinSynRx', expected: '1', actual: '0' }],
});
const ALL_PASS = [
  on(0, labResult({ lab: 'join-basic', status: 'pass' })),
  on(1, labResult({ lab: 'join-basic', status: 'pass', target: VM })),
];

test('conclusion.txt: all pass, failing tests, a job with nothing, a crashed batch', () => {
  assert.equal(formatConclusion(merged(ALL_PASS)), 'mptcp-lab: host, debian:6.12: Success! ✅\n');
  assert.equal(mergedExitStatus(merged(ALL_PASS)), 0);

  const unstable = merged([ALL_PASS[0]!, on(1, failing), on(1, { ...failing, lab: 'add-addr' }), on(1, { ...failing, repeat: 1 })]);
  assert.equal(
    formatConclusion(unstable),
    'mptcp-lab: host, debian:6.12: Unstable: 2 failed test(s): join-basic@debian:6.12 add-addr@debian:6.12 🔴\n',
  );
  assert.equal(mergedExitStatus(unstable), 1);

  const nothing = merged([...ALL_PASS, on(1, failing)], [{ input: 'results-debian-6.12-2', reason: 'no results.json' }]);
  assert.equal(
    formatConclusion(nothing),
    'mptcp-lab: host, debian:6.12: Unstable: 1 failed test(s): join-basic@debian:6.12 - Critical: no results from 1 job(s): results-debian-6.12-2 ❌\n',
  );
  // A job that produced nothing wins over a failure: the verdict is incomplete.
  assert.equal(mergedExitStatus(nothing), 3);

  const crashed = labResult({ lab: 'join-basic', status: 'fail', target: VM, error: 'kernel trouble (console):\nOops: 0000 [#1]' });
  const critical = merged([ALL_PASS[0]!, on(1, crashed), on(1, { ...crashed, lab: 'add-addr' })]);
  assert.equal(formatConclusion(critical), 'mptcp-lab: host, debian:6.12: Critical: kernel trouble on debian:6.12 ❌\n');
  assert.equal(mergedExitStatus(critical), 1);
});

test('every way a guest batch fails (whyBatchFailed) is Critical; a lab that fails on its own is not', () => {
  const vm = (over: Partial<VmResult>): VmResult =>
    ({ trouble: [], timedOut: false, initErrors: [], exitCode: 0, console: 'x', qemuExitCode: 0, qemuStderr: '', ...over }) as VmResult;
  const texts = [
    whyBatchFailed(vm({ trouble: ['BUG: KASAN'] })),
    whyBatchFailed(vm({ timedOut: true })),
    whyBatchFailed(vm({ initErrors: ['no /dev/vport'] })),
    whyBatchFailed(vm({ exitCode: undefined, qemuExitCode: 1 })),
  ];
  for (const error of texts) assert.ok(batchFailure({ status: 'fail', error }), `${error} is a batch failure`);
  assert.equal(
    batchFailure({ status: 'fail', error: 'no result came back from the guest (exit 1): x' }),
    'no result came back from the guest',
  );
  assert.equal(batchFailure({ status: 'fail', error: 'ip link add: exit 2' }), undefined);
  assert.equal(batchFailure({ status: 'fail' }), undefined);
});

test('summary.txt: the upstream layout, one line per lab and target', () => {
  const flaky = on(0, labResult({ lab: 'add-addr', status: 'flaky', attempts: 2 }));
  const text = formatSummaryTxt(merged([...ALL_PASS, flaky, on(1, failing)], [{ input: 'gone', reason: 'no results.json' }]), 'main');
  const lines = text.split('\n');
  assert.deepEqual(lines.slice(0, 7), [
    '== Summary ==',
    '',
    'Ref: main',
    'Mode: mptcp-lab: host, debian:6.12',
    'Runs: 2',
    '',
    'All tests:',
  ]);
  assert.ok(lines.includes('ok 1 test: join-basic@host'));
  assert.ok(lines.includes('not ok 1 test: join-basic@debian:6.12 # 1 of 1 check failed (1 of 2 runs)'), text);
  assert.ok(lines.includes('Flaky tests:'));
  assert.ok(lines.includes('ok 1 test: add-addr@host # IGNORE Flaky: flaky: failed 1 time then passed'), text);
  // Upstream's consumers take the 5th word of each "not ok 1 test:" line as the name.
  const failed = lines.filter((l) => l.startsWith('not ok 1 test: ')).map((l) => l.split(/\s+/)[4]);
  assert.deepEqual(failed, ['join-basic@debian:6.12']);
  assert.ok(lines.includes('  join.syn: expected 1, actual 0 (server MPTcpExtMPJoinSynRx)'));
  assert.ok(lines.includes('- gone: no results.json'));
});

function parse(tap: string): Promise<{ final: FinalResults; points: Result[]; comments: string[] }> {
  return new Promise((resolve) => {
    const points: Result[] = [];
    const comments: string[] = [];
    const p = new Parser({ strict: true }, (final) => resolve({ final, points, comments }));
    p.on('assert', (r: Result) => points.push(r));
    p.on('comment', (c: string) => comments.push(c));
    p.end(tap);
  });
}

for (const version of [14, 13] as const) {
  test(`merged TAP ${version} parses, counts match, each failure replays with its own run's seed`, async () => {
    const skipped = on(0, labResult({ lab: 'delay', status: 'skip', skipReason: 'no sch_netem' }));
    // In report order, as mergeResults leaves them.
    const m = merged([ALL_PASS[0]!, skipped, ALL_PASS[1]!, on(1, failing)], [{ input: 'gone', reason: 'no results.json' }]);
    const tap = formatMergedTap(m, version);
    assert.ok(tap.startsWith(`TAP version ${version}\n`));
    const { final, points, comments } = await parse(tap);
    assert.equal(final.count, 4);
    assert.equal(final.pass, 3);
    assert.equal(final.fail, 1);
    assert.equal(final.skip, 1);
    assert.deepEqual(
      points.map((p) => p.name),
      [
        'join-basic [kernel host 6.18.44 netns]',
        'delay [kernel host 6.18.44 netns]',
        ...(['join-basic', 'join-basic'] as const).map((l) => `${l} [kernel debian:6.12 6.12.41 vm]`),
      ],
    );
    assert.match(tap, /replay: mptcp-lab run join-basic --seed 22/);
    assert.ok(comments.some((c) => c.includes('run 2: mptcp-lab 0.1.0 seed 22 on ci-2')));
    assert.ok(comments.some((c) => c.includes('no results from gone: no results.json')));
  });
}

test('merged junit.xml is well-formed, one testsuite per target with its own runs seeds and machines', () => {
  const m = merged([...ALL_PASS, on(0, labResult({ lab: 'delay', status: 'pass' })), on(1, failing)]);
  const root = parseXml(formatMergedJunit(m));
  const suites = all(root, 'testsuite');
  assert.deepEqual(
    suites.map((s) => [s.attrs.name, s.attrs.tests, s.attrs.failures, s.attrs.hostname]),
    [
      ['kernel host 6.18.44 netns', '2', '0', 'ci-1'],
      ['kernel debian:6.12 6.12.41 vm', '2', '1', 'ci-2'],
    ],
  );
  const seed = (i: number): string | undefined =>
    all(all(suites[i]!, 'properties')[0]!, 'property').find((p) => p.attrs.name === 'seed')?.attrs.value;
  assert.deepEqual([seed(0), seed(1)], ['11', '22']);
  assert.match(all(all(suites[1]!, 'testcase')[1]!, 'failure')[0]!.text, /--seed 22/);
});

test('summary.md: labs × targets marks, failures in <details> with expected vs actual', () => {
  const md = formatMergedSummary(merged([...ALL_PASS, on(1, failing), on(1, { ...failing, status: 'pass', checks: [], repeat: 1 })]));
  assert.match(md, /^# mptcp-lab 0\.1\.0: FAILED\n/);
  assert.match(md, /\| lab \| host 6\.18\.44 \| debian:6\.12 6\.12\.41 vm \|/);
  assert.match(md, /\| join-basic \| ✅ \| ❌ 1\/3 \|/);
  assert.match(md, /<details><summary>❌ join-basic \[kernel debian:6\.12 6\.12\.41 vm\]: 1 of 1 check failed<\/summary>/);
  assert.match(md, /\| join\.syn \| 1 \| 0 \| server MPTcpExtMPJoinSynRx \|/);
  assert.match(md, /Replay: `mptcp-lab run join-basic --seed 22 --kernel debian:6\.12`/);
});

test('the step summary is cut between blocks under the limit, with a note; a small one is whole', () => {
  const many = Array.from({ length: 3000 }, (_, i) =>
    on(1, { ...failing, lab: `lab-${String(i).padStart(4, '0')}`, checks: [{ ...failing.checks[0]!, actual: 'x'.repeat(400) }] }),
  );
  const blocks = mergedSummaryBlocks(merged(many));
  const whole = blocks.join('');
  assert.ok(Buffer.byteLength(whole) > 1024 * 1024, 'the fixture is over 1 MiB');
  const { text, cut } = fitSummary(blocks);
  assert.equal(cut, true);
  assert.ok(Buffer.byteLength(text) <= 1024 * 1024);
  assert.match(text, /> \*\*Cut here:\*\* this summary is over GitHub's 1 MiB limit/);
  assert.ok(!/<details>(?![\s\S]*<\/details>)/.test(text.slice(text.lastIndexOf('<details>'))), 'no <details> left open');
  assert.ok(text.startsWith(blocks[0]!));
  // Under a smaller limit (what earlier steps left), still under it.
  const small = fitSummary(blocks, 10_000);
  assert.ok(Buffer.byteLength(small.text) <= 10_000);
  assert.equal(small.cut, true);
  assert.ok(small.text.endsWith(cutNote(blocks.length - blocks.findIndex((_, i) => !small.text.includes(blocks[i]!)))));
  const few = fitSummary(mergedSummaryBlocks(merged(ALL_PASS)));
  assert.equal(few.cut, false);
  assert.doesNotMatch(few.text, /Cut here/);
});
