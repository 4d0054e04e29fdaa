import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, formatSummary, mdCell } from '../../../harness/report/summary.js';
import { formatResultsJson } from '../../../harness/report/json.js';
import { KNOWN_BUG, RUN } from './fixture.js';

test('summary: totals, seed, replay, one row per result, failures first', () => {
  const md = formatSummary(RUN);
  const lines = md.split('\n');
  assert.equal(lines[0], '# mptcp-lab 0.1.0: FAILED');
  assert.ok(md.includes('**5 results: 1 pass, 2 fail, 1 flaky, 1 skip, 0 warnings** — seed 42, started 2025-01-01T00:00:00.000Z, 1m 05s'));
  assert.ok(md.includes('`mptcp-lab run <lab> --seed 42`'));
  const rows = lines.filter((l) => l.startsWith('| ') && !l.startsWith('| lab') && !l.startsWith('| ---'));
  assert.equal(rows.length, 5);
  // every row has exactly 6 cells once escaped pipes are ignored
  for (const row of rows) assert.equal(row.replaceAll('\\|', '').split('|').length, 8, row);
  assert.ok(
    rows[0]?.startsWith(
      '| join #2 \\\\ odd | kernel host 6.18.44 netns | **FAIL** | 1.2 s | join.syn: expected 1, actual 0 (server MPTcpExtMPJoinSynRx)<br>',
    ),
  );
  assert.ok(rows[1]?.includes('| **FAIL** |') && rows[1].includes('RTNETLINK answers: File exists<br>&lt;second line&gt; &amp; "quote"'));
  assert.ok(rows[2]?.includes('| flaky (failed 2 times then passed) |'));
  assert.ok(rows[3]?.startsWith('| delay |') && rows[3].endsWith('| no sch_netem # module missing: modprobe sch_netem |'));
  assert.ok(rows[4]?.startsWith('| mpc-basic |'));
  assert.ok(md.includes("```sh\nmptcp-lab run 'join #2 \\ odd' --seed 42\nmptcp-lab run setup-broken --seed 42\n```"));
});

test('cells and durations', () => {
  assert.equal(mdCell('a|b\nc `d`'), 'a\\|b<br>c \\`d\\`');
  assert.equal(formatDuration(850), '850 ms');
  assert.equal(formatDuration(12_345), '12.3 s');
  assert.equal(formatDuration(185_000), '3m 05s');
});

test('results.json is the RunResult as is', () => {
  const text = formatResultsJson(RUN);
  assert.ok(text.endsWith('}\n'));
  assert.ok(text.includes('\n  "run": {'));
  assert.deepEqual(JSON.parse(text), RUN);
});

test('summary: a lab passed by a known kernel bug, and each bug with the runs that reproduced it', () => {
  const md = formatSummary({
    run: RUN.run,
    results: [
      KNOWN_BUG,
      { ...KNOWN_BUG, repeat: 1, checks: [], knownBugs: KNOWN_BUG.knownBugs!.map((b) => ({ ...b, reproduced: false })) },
    ],
  });
  assert.ok(md.includes('| corruption | kernel host 6.18.44 netns | pass (1 check failed as known kernel bugs) |'), md);
  assert.ok(md.includes('## Known kernel bugs'));
  assert.ok(
    md.includes('- corruption [kernel host 6.18.44 netns]: misplaced mapping (issue 10), check `integrity`: reproduced in 1 of 2 runs'),
    md,
  );
  assert.ok(md.includes('- corruption [kernel host 6.18.44 netns]: no SYN-ACK (findings), check `join`: not reproduced in 2 runs'), md);
  assert.ok(!formatSummary(RUN).includes('Known kernel bugs'));
});
