// Hunting an intermittent failure with real labs (root): --until-fail stops
// at the first failing run, --capture on-failure keeps only the pcaps worth
// reading, a lab's own repeat: applies, and repeats of one lab run side by
// side within --jobs.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { RunResult } from '../../harness/result.js';
import { cannotRun, labProcesses, runCli } from './host-state.js';

const skip = cannotRun();
const scratch = mkdtempSync(join(tmpdir(), 'mptcp-lab-hunt-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const FAILS = 'test/fixtures/labs/fails.lab.yaml';
const QUICK = 'test/fixtures/labs/quick.lab.yaml';
const PACED = 'test/fixtures/labs/paced.lab.yaml';

function resultsOf(dir: string): RunResult {
  return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult;
}

/** Every pcap file under the results folder, relative to it. */
function pcapsIn(dir: string): string[] {
  const labs = join(dir, 'labs');
  if (!existsSync(labs)) return [];
  return readdirSync(labs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.pcap'))
    .sort();
}

describe('--until-fail', { skip }, () => {
  test('a lab that always fails: one run of 10, exit 1, the TAP says it stopped', async () => {
    const dir = join(scratch, 'until-fail-fails');
    const r = await runCli(['run', FAILS, '--repeat', '10', '--until-fail', '--jobs', '1', '--engine', 'off', '--results', dir]);
    assert.equal(r.code, 1, r.stderr);
    const run = resultsOf(dir);
    assert.deepEqual(
      run.results.map((x) => `${x.repeat} ${x.status}`),
      ['0 fail'],
    );
    assert.deepEqual(run.run.untilFail, { stopped: true, runs: 1, planned: 10 });
    assert.match(
      r.stdout,
      /\n# rate: fails \[kernel host [^\]]+\]: 1\/1 failed: 100 %, 95 % CI 2–100 %; stopped on the first failure \(--until-fail\): 1 of 10 repeats ran\n/,
    );
    assert.match(r.stdout, /\n# stopped on the first failure \(--until-fail\): 1 of 10 kernel runs ran\n1\.\.1\n$/);
    assert.match(r.stderr, /stopped on the first failure \(--until-fail\)/);
  });

  test('with two jobs, the run in flight finishes: at most two runs', async () => {
    const dir = join(scratch, 'until-fail-jobs');
    const r = await runCli(['run', FAILS, '--repeat', '10', '--until-fail', '--jobs', '2', '--engine', 'off', '--results', dir]);
    assert.equal(r.code, 1, r.stderr);
    const repeats = resultsOf(dir).results.map((x) => x.repeat);
    assert.ok(repeats.length >= 1 && repeats.length <= 2, `repeats ${repeats.join(',')}`);
    assert.deepEqual(
      repeats,
      [...repeats].sort((a, b) => a - b),
      'reported in repeat order',
    );
  });

  test('a passing lab runs all its repeats and exits 0, with its rate', async () => {
    const dir = join(scratch, 'until-fail-passes');
    const r = await runCli(['run', QUICK, '--repeat', '3', '--until-fail', '--engine', 'off', '--results', dir]);
    assert.equal(r.code, 0, r.stderr);
    const run = resultsOf(dir);
    assert.deepEqual(
      run.results.map((x) => x.repeat),
      [0, 1, 2],
    );
    assert.deepEqual(run.run.untilFail, { stopped: false, runs: 3, planned: 3 });
    assert.equal(run.rates?.[0]?.failed, 0);
    assert.match(r.stdout, /\n# rate: quick \[kernel host [^\]]+\]: 0\/3 failed \(not seen in 3 runs\): 0 %, 95 % CI 0–71 %\n/);
  });
});

describe('--capture on-failure', { skip }, () => {
  test('a failing lab keeps its pcaps, listed in results.json', async () => {
    const dir = join(scratch, 'capture-fails');
    let pid = 0;
    const r = await runCli(['run', FAILS, '--repeat', '2', '--capture', 'on-failure', '--engine', 'off', '--results', dir], {
      onSpawn: (c) => (pid = c.pid!),
    });
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(pcapsIn(dir), ['fails.r0/l1.pcap', 'fails.r1/l1.pcap']);
    assert.deepEqual(
      resultsOf(dir).results.map((x) => x.pcaps),
      [[join(dir, 'labs', 'fails.r0', 'l1.pcap')], [join(dir, 'labs', 'fails.r1', 'l1.pcap')]],
    );
    assert.deepEqual(labProcesses(pid), [], 'no tcpdump left');
  });

  test('a passing lab keeps none (each run was captured: its log is there), and results.json lists none', async () => {
    const dir = join(scratch, 'capture-passes');
    const r = await runCli(['run', QUICK, '--repeat', '2', '--capture', 'on-failure', '--engine', 'off', '--results', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(pcapsIn(dir), []);
    assert.ok(existsSync(join(dir, 'labs', 'quick.r1', 'log.txt')));
    assert.deepEqual(
      resultsOf(dir).results.map((x) => x.pcaps),
      [undefined, undefined],
    );
  });
});

describe('repeats', { skip }, () => {
  /** Wall time of the run, and the sum of its runs' durations, in ms. */
  function times(dir: string): { wall: number; sum: number } {
    const run = resultsOf(dir);
    return {
      wall: Date.parse(run.run.finished!) - Date.parse(run.run.started),
      sum: run.results.reduce((n, x) => n + x.durationMs, 0),
    };
  }

  test("a lab's own repeat: 3 without --repeat; --repeat 4 overrides it", async () => {
    const dir = join(scratch, 'own-repeat');
    const r = await runCli(['run', PACED, '--engine', 'off', '--results', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      resultsOf(dir).results.map((x) => x.repeat),
      [0, 1, 2],
    );
  });

  test('of one lab run side by side with --jobs 2 (the run takes less than its runs added up), one after another with --jobs 1', async () => {
    const two = join(scratch, 'parallel-2');
    const r2 = await runCli(['run', PACED, '--repeat', '4', '--jobs', '2', '--engine', 'off', '--results', two]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.deepEqual(
      resultsOf(two).results.map((x) => x.repeat),
      [0, 1, 2, 3],
      'reported in repeat order',
    );
    const t2 = times(two);
    // Each run is about a second paced by its link's rate: side by side, the run takes about half their sum.
    assert.ok(t2.wall < 0.8 * t2.sum, `--jobs 2: wall ${t2.wall} ms, runs added up ${Math.round(t2.sum)} ms`);
    const one = join(scratch, 'parallel-1');
    const r1 = await runCli(['run', PACED, '--repeat', '4', '--jobs', '1', '--engine', 'off', '--results', one]);
    assert.equal(r1.code, 0, r1.stderr);
    const t1 = times(one);
    assert.ok(t1.wall >= t1.sum, `--jobs 1: wall ${t1.wall} ms, runs added up ${Math.round(t1.sum)} ms`);
  });
});
