// ::error annotations point at the line of the failed expectation in a real
// catalogue lab file, read again at report time.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CheckLines } from '../../../harness/report/check-lines.js';
import { githubAnnotations } from '../../../harness/report/github.js';
import { repositoryPath } from '../../../harness/report/github.js';
import { labResult, VM } from './fixture.js';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const FILE = 'labs/backup/switch-to-backup.lab.yaml';
const lines = readFileSync(join(ROOT, FILE), 'utf8').split('\n');

/** The 1-based line of the file that starts with `start` (after its indent). */
function lineStarting(start: string): number {
  const i = lines.findIndex((l) => l.trimStart().startsWith(start));
  assert.ok(i >= 0, `${FILE} has a line starting with ${start}`);
  return i + 1;
}

test('each check points at its expectation in a catalogue lab, or at the nearest key written', () => {
  const c = new CheckLines();
  const at = (check: string): number | undefined => c.lineOf(join(ROOT, FILE), check);
  assert.equal(at('join.synack'), lineStarting('join:'));
  assert.equal(at('join.ack_hmac_failure'), lineStarting('join:'));
  assert.equal(at('mp_prio.rx'), lineStarting('mp_prio:'));
  assert.equal(at('subflows'), lineStarting('subflows:'));
  assert.equal(at('link_share.l2'), lineStarting('link_share:'));
  assert.equal(at('events.server.SF_PRIORITY {"backup":false}'), lineStarting('- { host: server, type: SF_PRIORITY'));
  // Not written (a default): the expect key.
  assert.equal(at('integrity'), lineStarting('expect:'));
  assert.equal(at('timed_events'), lineStarting('events:'));
  assert.equal(c.lineOf(join(ROOT, 'labs/nowhere.lab.yaml'), 'join.syn'), undefined);
});

test('report github: an ::error per failed check at its line, the path relative to the repository', () => {
  const failed = labResult({
    lab: 'switch-to-backup',
    file: join(ROOT, FILE),
    status: 'fail',
    target: VM,
    checks: [
      { name: 'join.syn', ok: true, expected: '1', actual: '1' },
      { name: 'mp_prio.rx', ok: false, source: 'server MPTcpExtMPPrioRx', expected: '1', actual: '0' },
    ],
  });
  const c = new CheckLines();
  const out = githubAnnotations([failed], {
    path: (f) => repositoryPath(f, ROOT),
    lineOf: (f, check) => c.lineOf(f, check),
  });
  assert.equal(
    out,
    `::error file=${FILE},line=${lineStarting('mp_prio:')},title=switch-to-backup [kernel debian%3A6.12 6.12.41 vm]%3A mp_prio.rx::mp_prio.rx: expected 1, actual 0 (server MPTcpExtMPPrioRx)\n`,
  );
  assert.equal(repositoryPath('/elsewhere/x.lab.yaml', ROOT), '/elsewhere/x.lab.yaml');
  assert.equal(repositoryPath(FILE, ROOT), FILE);
});

test('skips are one ::notice per lab and reason, naming the targets; flaky results a ::warning', () => {
  const skip = (target = VM) => labResult({ lab: 'delay', status: 'skip', skipReason: 'no sch_netem', target });
  const out = githubAnnotations([
    skip(),
    skip({ ...VM, spec: 'debian:6.1', version: '6.1.0' }),
    labResult({ lab: 'x', status: 'flaky', attempts: 2 }),
  ]);
  assert.deepEqual(out.trimEnd().split('\n'), [
    '::warning file=labs/x.yaml,title=x [kernel host 6.18.44 netns]::flaky: failed 1 time then passed',
    '::notice file=labs/delay.yaml,title=delay%3A SKIP::no sch_netem (on kernel debian:6.12 6.12.41 vm; kernel debian:6.1 6.1.0 vm)',
  ]);
});
