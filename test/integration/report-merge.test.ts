// Two real runs into two results folders (one lab passes, one fails its
// expectation), merged by `report merge` and reported by `report github`, as
// a CI's last job does: the merged results are the union of the two, the
// upstream files say Unstable with the failing lab, the TAP parses, and the
// ::error points at the failed expectation's line.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Parser, type FinalResults } from 'tap-parser';
import type { MergedRunResult, RunResult } from '../../harness/result.js';
import { cannotRun, runCli } from './host-state.js';

const skip = cannotRun();
const scratch = mkdtempSync(join(tmpdir(), 'mptcp-lab-report-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const PASSING = join('test', 'fixtures', 'labs', 'quick.lab.yaml');
const FAILING = join('test', 'fixtures', 'labs', 'fails.lab.yaml');

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

function parseTap(text: string): Promise<FinalResults> {
  return new Promise((resolve) => new Parser({ strict: true }, resolve).end(text));
}

/** What identifies a result, to compare sets of them. */
const identity = (r: RunResult['results'][number]): string => JSON.stringify([r.lab, r.target, r.repeat, r.status, r.checks]);

describe('report merge and report github over two real runs', { skip }, () => {
  const a = join(scratch, 'job-a');
  const b = join(scratch, 'job-b');
  const out = join(scratch, 'merged');

  test('two runs, merged: the union of their results, Unstable, exit 1', async () => {
    const ra = await runCli(['run', PASSING, '--engine', 'off', '--seed', '101', '--results', a]);
    assert.equal(ra.code, 0, ra.stderr);
    const rb = await runCli(['run', FAILING, '--engine', 'off', '--seed', '202', '--results', b]);
    assert.equal(rb.code, 1, rb.stderr);

    const m = await runCli(['report', 'merge', b, a, '--out', out, '--tap-version', '13']);
    assert.equal(m.code, 1, m.stderr);
    const merged = readJson<MergedRunResult>(join(out, 'results.json'));
    const union = [...readJson<RunResult>(join(a, 'results.json')).results, ...readJson<RunResult>(join(b, 'results.json')).results];
    assert.deepEqual(merged.results.map(identity).sort(), union.map(identity).sort());
    assert.deepEqual(
      merged.runs.map((r) => r.seed),
      [202, 101],
    );
    // Report order: the catalogue's order (group, then name), whatever order the folders came in.
    assert.deepEqual(
      merged.results.map((r) => r.lab),
      ['fails', 'quick'],
    );
    assert.equal(readFileSync(join(out, 'conclusion.txt'), 'utf8'), 'mptcp-lab: host: Unstable: 1 failed test(s): fails@host 🔴\n');
    assert.match(readFileSync(join(out, 'summary.txt'), 'utf8'), /^not ok 1 test: fails@host # /m);
    const tap = readFileSync(join(out, 'results.tap'), 'utf8');
    assert.ok(tap.startsWith('TAP version 13\n'));
    assert.equal(m.stdout, tap);
    const final = await parseTap(tap);
    assert.deepEqual([final.count, final.pass, final.fail], [2, 1, 1]);
    assert.match(tap, /replay: mptcp-lab run test\/fixtures\/labs\/fails\.lab\.yaml --seed 202/);
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    assert.equal(junit.match(/<testsuite /g)?.length, 1);
  });

  test('report github: the summary file, and an ::error at the line of the failed expectation', async () => {
    const summary = join(scratch, 'step-summary.md');
    const output = join(scratch, 'github-output');
    const env = { ...process.env, GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: output, GITHUB_WORKSPACE: '' };
    const g = await runCli(['report', 'github', out], { env });
    assert.equal(g.code, 0, g.stderr);
    assert.equal(readFileSync(output, 'utf8'), 'conclusion=mptcp-lab: host: Unstable: 1 failed test(s): fails@host 🔴\n');
    const joinLine =
      readFileSync(FAILING, 'utf8')
        .split('\n')
        .findIndex((l) => l.trimStart().startsWith('join:')) + 1;
    const errors = g.stdout.split('\n').filter((l) => l.startsWith('::error '));
    assert.equal(errors.length, 3, g.stdout);
    for (const e of errors)
      assert.match(e, new RegExp(`^::error file=test/fixtures/labs/fails\\.lab\\.yaml,line=${joinLine},title=fails `));
    const md = readFileSync(summary, 'utf8');
    assert.match(md, /\| fails \| ❌ \|/);
    assert.match(md, /<details><summary>❌ fails \[kernel host /);
  });

  test('a job that produced nothing: merged anyway, Critical, exit 3', async () => {
    const empty = join(scratch, 'job-empty');
    mkdirSync(empty);
    const m = await runCli(['report', 'merge', a, empty, '--out', join(scratch, 'merged-2')]);
    assert.equal(m.code, 3, m.stderr);
    assert.match(m.stderr, /job-empty: no results\.json: a job that produced nothing/);
    assert.equal(
      readFileSync(join(scratch, 'merged-2', 'conclusion.txt'), 'utf8'),
      `mptcp-lab: host: Critical: no results from 1 job(s): ${empty} ❌\n`,
    );
    const f = await runCli(['report', 'flakes', a, b, out, empty]);
    assert.equal(f.code, 0, f.stderr);
    assert.match(f.stdout, /^fails +kernel host .* 1 +0 +1 +0 +1\/1 failed/m);
    assert.match(f.stderr, /a run already read from/);
  });
});
