import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatJunit, xmlAttr, xmlText } from '../../../harness/report/junit.js';
import { KNOWN_BUG, RUN } from './fixture.js';
import { all, parseXml } from './xml.js';

test('one testsuite per target, one testcase per lab', () => {
  const xml = formatJunit(RUN);
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'));
  const root = parseXml(xml);
  assert.equal(root.name, 'testsuites');
  assert.deepEqual(root.attrs, { name: 'mptcp-lab', tests: '5', failures: '2', errors: '0', skipped: '1', time: '6.170' });
  const suites = all(root, 'testsuite');
  assert.deepEqual(
    suites.map((s) => s.attrs.name),
    ['kernel host 6.18.44 netns', 'kernel debian:6.12 6.12.41 vm'],
  );
  assert.deepEqual([suites[0]?.attrs.tests, suites[0]?.attrs.failures, suites[0]?.attrs.skipped], ['3', '1', '0']);
  assert.deepEqual([suites[1]?.attrs.tests, suites[1]?.attrs.failures, suites[1]?.attrs.skipped], ['2', '1', '1']);
  const props = all(all(suites[0]!, 'properties')[0]!, 'property');
  assert.ok(props.some((p) => p.attrs.name === 'seed' && p.attrs.value === '42'));

  const cases = all(suites[0]!, 'testcase');
  assert.deepEqual(
    cases.map((c) => c.attrs.name),
    ['mpc-basic', 'join #2 \\ odd', 'add-addr'],
  );
  assert.deepEqual(
    cases.map((c) => c.attrs.classname),
    ['mpc', 'join', 'join'],
  );
  assert.equal(cases[0]?.attrs.time, '1.234');
  assert.equal(cases[0]?.children.length, 0);

  const failure = all(cases[1]!, 'failure')[0];
  assert.equal(failure?.attrs.message, '2 of 3 checks failed');
  assert.equal(failure?.attrs.type, 'checks');
  assert.ok(failure?.text.includes('join.syn: expected 1, actual 0 (server MPTcpExtMPJoinSynRx)'));
  assert.ok(failure?.text.includes('join # synack: expected >= 1, actual ...'));
  assert.ok(failure?.text.includes('server MPTcpExtMPJoinSynRx = 0'));
  assert.ok(failure?.text.includes("replay: mptcp-lab run 'join #2 \\ odd' --seed 42"));
  assert.match(all(cases[2]!, 'system-out')[0]?.text ?? '', /flaky: failed 2 times then passed/);

  const vmCases = all(suites[1]!, 'testcase');
  assert.equal(all(vmCases[0]!, 'skipped')[0]?.attrs.message, 'no sch_netem # module missing: modprobe sch_netem');
  const broken = all(vmCases[1]!, 'failure')[0];
  assert.equal(broken?.attrs.type, 'error');
  assert.equal(broken?.attrs.message, 'ip link add: exit 2: RTNETLINK answers: File exists\n<second line> & "quote"');
  assert.ok(broken?.text.startsWith('ip link add: exit 2: RTNETLINK answers: File exists\n<second line> & "quote"\n'));
});

test('escaping', () => {
  assert.equal(xmlText('a<b>&c'), 'a&lt;b&gt;&amp;c');
  assert.equal(xmlAttr(`"x'\n\ty`), '&quot;x&apos;&#10;&#9;y');
  assert.equal(xmlText('bell\u0007 nul\u0000'), 'bell\uFFFD nul\uFFFD');
  assert.equal(xmlText('\uD83D\uDE00 ok, lone \uD83D'), '\uD83D\uDE00 ok, lone \uFFFD');
});

test('no labs', () => {
  const root = parseXml(formatJunit({ run: RUN.run, results: [] }));
  assert.equal(root.attrs.tests, '0');
  assert.equal(all(root, 'testsuite').length, 0);
});

test('a lab passed by a known kernel bug: a passing testcase whose output names the bug and the one not reproduced', () => {
  const root = parseXml(formatJunit({ run: RUN.run, results: [KNOWN_BUG] }));
  assert.equal(root.attrs.failures, '0');
  const testcase = all(all(root, 'testsuite')[0]!, 'testcase')[0]!;
  assert.equal(all(testcase, 'failure').length, 0);
  const out = all(testcase, 'system-out')[0]!.text;
  assert.match(out, /known kernel bug: integrity: expected intact, actual connection 1: sha256 mismatch: misplaced mapping \(issue 10\)/);
  assert.match(out, /known bug no SYN-ACK \(findings\) not reproduced in this run/);
});
