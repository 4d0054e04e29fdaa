import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeCommand, githubAnnotations } from '../../../harness/report/github.js';
import { KNOWN_BUG, RESULTS } from './fixture.js';

test('workflow commands: an ::error per failed result, a ::warning per warned check and per flaky result, escaped', () => {
  const pass = RESULTS.find((r) => r.status === 'pass')!;
  const warned = {
    ...pass,
    checks: [{ name: 'duration', ok: true, expected: '180 ms', actual: '600 ms', warning: 'not judged: CPU-bound, 97%\nbusy' }],
  };
  const text = githubAnnotations([...RESULTS, warned]);
  const lines = text.trimEnd().split('\n');
  const failed = RESULTS.filter((r) => r.status === 'fail').length;
  assert.equal(lines.filter((l) => l.startsWith('::error file=')).length, failed);
  const warning = lines.filter((l) => l.startsWith('::warning '));
  assert.equal(warning.length, 2);
  assert.match(
    warning[0]!,
    /^::warning file=labs\/add-addr.yaml,title=add-addr \[kernel host 6.18.44 netns\]::flaky: failed 2 times then passed$/,
  );
  assert.equal(
    warning[1],
    `::warning file=${pass.file},title=${pass.lab} [kernel host 6.18.44 netns]::duration: expected 180 ms, actual 600 ms: not judged: CPU-bound, 97%25%0Abusy`,
  );
});

test('escapeCommand: message and property escapes', () => {
  assert.equal(escapeCommand('50% a\r\nb'), '50%25 a%0D%0Ab');
  assert.equal(escapeCommand('a:b,c', true), 'a%3Ab%2Cc');
});

test('a check failed as a known kernel bug is a ::notice, not an ::error', () => {
  const lines = githubAnnotations([KNOWN_BUG]).trimEnd().split('\n');
  assert.deepEqual(lines, [
    '::notice file=labs/corruption.yaml,title=corruption [kernel host 6.18.44 netns]::integrity: expected intact, actual connection 1: sha256 mismatch: known kernel bug: misplaced mapping (issue 10)',
  ]);
});
