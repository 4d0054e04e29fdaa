// A selftest script's TAP read as checks, and a suite's run made a result:
// recorded output of the scripts (diag.sh, and mptcp_lib.sh's directives).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Parser, type Result } from 'tap-parser';
import { formatTapPoint } from '../../../../harness/report/tap.js';
import { replayOf } from '../../../../harness/report/diagnostics.js';
import type { TargetInfo } from '../../../../harness/result.js';
import { logTail, suiteResult, type SuiteRun } from '../../../../harness/targets/selftests/suite-result.js';
import { SuiteTapReader } from '../../../../harness/targets/selftests/tap.js';
import { nearestSeries, seriesMismatch } from '../../../../harness/targets/selftests/host-source.js';

// As diag.sh prints it: its human log first, then TAP 13 at the end.
const RECORDED = `no msk on netns creation                          [  ok  ]
....chk last_data_sent                            [ skip ] Feature probably not supported
[ FAIL ] something

TAP version 13
1..6
ok 1 - diag: no msk on netns creation # time=10ms
ok 2 - diag: ....chk last_data_sent # SKIP time=536ms
not ok 3 - diag: after MPC handshake # time=33ms
ok 4 - join: signal address # IGNORE Flaky time=5ms
ok 5 - diag: expected to fail # XFAIL not on this kernel time=1ms
ok 6 - diag: many listener sockets - subflows # time=17ms
`;

const target: TargetInfo = { kind: 'kernel', spec: 'host', version: '6.18.44', backend: 'selftests' };

function read(text: string, chunk = 7): ReturnType<SuiteTapReader['end']> {
  const reader = new SuiteTapReader('diag.sh');
  // Odd-sized chunks: a line split across writes, as a pipe delivers it.
  for (let i = 0; i < text.length; i += chunk) reader.write(text.slice(i, i + chunk));
  return reader.end();
}

function runOf(tap: SuiteRun['tap'], exitCode: number | undefined, log = ''): SuiteRun {
  return {
    suite: 'diag.sh',
    file: '/src/diag.sh',
    target,
    tap,
    exit: { exitCode },
    durationMs: 1000,
    log: '/r/log.txt',
    logTail: logTail(log),
  };
}

describe('selftest TAP', () => {
  test('points become checks: names without timing, SKIP/IGNORE/XFAIL as skips, not ok as a failure', () => {
    const tap = read(RECORDED);
    assert.equal(tap.planned, 6);
    assert.deepEqual(
      tap.checks.map((c) => [c.name, c.ok, c.skip ?? null]),
      [
        ['diag: no msk on netns creation', true, null],
        ['diag: ....chk last_data_sent', true, 'skipped by the script'],
        ['diag: after MPC handshake', false, null],
        ['join: signal address', true, 'IGNORE Flaky'],
        ['diag: expected to fail', true, 'XFAIL not on this kernel'],
        ['diag: many listener sockets - subflows', true, null],
      ],
    );
    assert.equal(tap.checks[2]?.source, 'diag.sh TAP point 3');
    assert.equal(tap.checks[2]?.actual, 'not ok');
  });

  test('a suite result: pass, fail by a subtest, skip by KSFT_SKIP, fail by a broken plan or exit', () => {
    const passing = read('TAP version 13\n1..2\nok 1 - a\nok 2 - b # SKIP\n');
    assert.equal(suiteResult(runOf(passing, 0)).status, 'pass');
    const failing = suiteResult(runOf(read(RECORDED), 1));
    assert.equal(failing.status, 'fail');
    assert.equal(failing.error, undefined, 'the failed subtest says why');
    assert.equal(failing.target.backend, 'selftests');
    assert.equal(failing.group, 'selftests');
    const skipped = suiteResult(runOf(read(''), 4, 'SKIP: Could not run test without ss tool\n'));
    assert.equal(skipped.status, 'skip');
    assert.match(skipped.skipReason ?? '', /KSFT_SKIP.*without ss tool/);
    const cut = suiteResult(runOf(read('TAP version 13\n1..3\nok 1 - a\n'), 0));
    assert.equal(cut.status, 'fail');
    assert.match(cut.error ?? '', /planned 3 subtests and reported 1/);
    const crashed = suiteResult(runOf(passing, 2, 'line\nTAP version 13\nok 1 - a\n./diag.sh: line 9: boom\n'));
    assert.match(crashed.error ?? '', /exit status 2 and no failed subtest: line \| .*boom$/);
    assert.match(suiteResult(runOf(read('just text\n'), 0)).error ?? '', /printed no TAP subtest/);
  });

  test("mptcp-lab's TAP nests the subtests under one point per suite, and tap-parser reads them back", async () => {
    const r = suiteResult(runOf(read(RECORDED), 1));
    const text = `TAP version 14\n${formatTapPoint(1, r)}1..1\n`;
    assert.match(text, /^# Subtest: diag\.sh \[kernel host 6\.18\.44 selftests\]$/m);
    assert.match(text, /^ {4}ok 2 - diag: \.\.\.\.chk last_data_sent # SKIP skipped by the script$/m);
    assert.match(text, /replay: mptcp-lab selftests diag\.sh --kernel host/);
    const nested: Result[] = [];
    const p = new Parser();
    p.on('child', (c: Parser) => c.on('assert', (a: Result) => nested.push(a)));
    const done = new Promise<{ ok: boolean; count: number }>((res) => p.on('complete', res));
    p.end(text);
    const outer = await done;
    assert.equal(outer.ok, false);
    assert.equal(outer.count, 1);
    assert.equal(nested.length, 6);
    assert.deepEqual(
      nested.map((a) => (a.skip ? 'skip' : a.ok ? 'ok' : 'not ok')),
      ['ok', 'skip', 'not ok', 'skip', 'skip', 'ok'],
    );
    assert.equal(replayOf(r, 0), 'mptcp-lab selftests diag.sh --kernel host');
  });
});

describe('selftests source for the host', () => {
  test('the nearest Debian series, and the warning when the host runs another', () => {
    assert.equal(nearestSeries('6.18.44-fc-v1300'), '6.12');
    assert.equal(nearestSeries('6.12.3'), '6.12');
    assert.equal(nearestSeries('6.6.1'), '6.1');
    assert.equal(nearestSeries('5.15.0'), '6.1');
    assert.equal(seriesMismatch('6.12.117+deb12-amd64', '6.12'), undefined);
    assert.match(seriesMismatch('6.18.44-fc-v1300', '6.12') ?? '', /host runs 6\.18\.44-fc-v1300 .* linux-source-6\.12/);
  });
});
