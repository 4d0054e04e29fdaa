// report merge: results.json of several runs into one, read from disk as the
// command reads them; duplicates, jobs that produced nothing, the order, and
// the merged file against the published schema.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Ajv } from 'ajv';
import { formatResultsJson } from '../../../harness/report/json.js';
import { mergeResults } from '../../../harness/report/merge.js';
import { readResults, resultsProblem } from '../../../harness/report/read-results.js';
import type { LabResult, ResultsFile, RunInfo, RunResult, TargetInfo } from '../../../harness/result.js';
import { HOST, labResult, RUN, VM } from './fixture.js';

const scratch = mkdtempSync(join(tmpdir(), 'mptcp-lab-merge-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const schema: unknown = JSON.parse(readFileSync(new URL('../../../../schema/results.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: true }).compile(schema as object);

const ENGINE: TargetInfo = { kind: 'engine', spec: 'sim', version: '0.1', backend: 'sim' };

export function runInfo(seed: number, kernels: TargetInfo[], started = `2025-01-01T00:00:0${seed % 10}.000Z`): RunInfo {
  return { ...RUN.run, seed, started, kernels };
}

/** A results folder with this run's results.json; the folder's path. */
export function folder(name: string, run: ResultsFile): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), formatResultsJson(run));
  return dir;
}

/** Shard 1 on the host: two labs; shard 2 on the host; one run on the VM; in an order the merge must not keep. */
function shards(): { vm: RunResult; host1: RunResult; host2: RunResult } {
  return {
    vm: {
      run: runInfo(3, [VM]),
      results: [labResult({ lab: 'b-lab', status: 'pass', target: VM }), labResult({ lab: 'a-lab', status: 'fail', target: VM })],
    },
    host1: {
      run: runInfo(1, [HOST]),
      results: [labResult({ lab: 'b-lab', status: 'pass' }), labResult({ lab: 'b-lab', status: 'pass', target: ENGINE })],
    },
    host2: { run: runInfo(2, [HOST]), results: [labResult({ lab: 'a-lab', status: 'skip', skipReason: 'no sch_netem' })] },
  };
}

test('the merge holds every run and the union of their results, in report order', async () => {
  const s = shards();
  const inputs = await Promise.all([folder('vm', s.vm), folder('host1', s.host1), folder('host2', s.host2)].map(readResults));
  const { merged, notes } = mergeResults(inputs, new Date('2025-01-02T00:00:00Z'));
  assert.deepEqual(notes, []);
  assert.deepEqual(
    merged.runs.map((r) => r.seed),
    [3, 1, 2],
  );
  assert.deepEqual(
    merged.results.map((r) => [r.lab, r.target.spec, merged.runs[r.runIndex]!.seed]),
    [
      ['a-lab', 'host', 2],
      ['b-lab', 'host', 1],
      ['a-lab', 'debian:6.12', 3],
      ['b-lab', 'debian:6.12', 3],
      ['b-lab', 'sim', 1],
    ],
  );
  const union = [...s.vm.results, ...s.host1.results, ...s.host2.results];
  const stripped = merged.results.map(({ runIndex: _, ...r }) => r as LabResult);
  assert.equal(stripped.length, union.length);
  for (const r of union) assert.ok(stripped.some((m) => JSON.stringify(m) === JSON.stringify(r)));
  assert.equal(merged.merged.created, '2025-01-02T00:00:00.000Z');
  assert.deepEqual(merged.merged.missing, []);
});

test('a merged results.json validates against the schema; a single run still does', async () => {
  const s = shards();
  const { merged } = mergeResults(await Promise.all([folder('v1', s.vm), folder('h1', s.host1)].map(readResults)));
  for (const doc of [merged, s.vm]) {
    const ok = validate(JSON.parse(formatResultsJson(doc)));
    assert.ok(ok, (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`).join('; '));
  }
  const broken = JSON.parse(formatResultsJson(merged)) as { results: Record<string, unknown>[] };
  delete broken.results[0]!.runIndex;
  assert.equal(validate(broken), false);
  assert.match(resultsProblem(broken) ?? '', /runIndex/);
});

test('a folder without results.json, or with a broken one, is a job that produced nothing; the rest is merged', async () => {
  const s = shards();
  const empty = join(scratch, 'empty');
  mkdirSync(empty, { recursive: true });
  const garbage = join(scratch, 'garbage');
  mkdirSync(garbage, { recursive: true });
  writeFileSync(join(garbage, 'results.json'), '{"run": {}, "results": []}');
  const truncated = join(scratch, 'truncated');
  mkdirSync(truncated, { recursive: true });
  writeFileSync(join(truncated, 'results.json'), formatResultsJson(s.vm).slice(0, 100));
  const inputs = await Promise.all([folder('ok', s.vm), empty, garbage, truncated, join(scratch, 'never-made')].map(readResults));
  const { merged } = mergeResults(inputs);
  assert.equal(merged.results.length, 2);
  assert.deepEqual(
    merged.merged.missing.map((m) => [m.input.slice(scratch.length + 1), m.reason.replace(/: .*/, '')]),
    [
      ['empty', 'no results.json'],
      ['garbage', 'results.json is not a results.json'],
      ['truncated', 'results.json is not JSON'],
      ['never-made', 'no results.json'],
    ],
  );
});

test('the same folder twice, and the same run in two folders, are read once', async () => {
  const s = shards();
  const a = folder('twice', s.host1);
  const copy = folder('copy', s.host1);
  const { merged, notes } = mergeResults(await Promise.all([a, a, copy, `${a}/results.json`].map(readResults)));
  assert.equal(merged.runs.length, 1);
  assert.equal(merged.results.length, 2);
  assert.equal(notes.length, 3);
  assert.match(notes[0]!, /the same results\.json as .*twice; read once/);
  assert.match(notes[1]!, /copy: a run already read from .*twice \(seed 1/);
});

test('a merge merged again with one of its parts keeps each run once, and its missing jobs', async () => {
  const s = shards();
  const first = mergeResults(await Promise.all([folder('m-vm', s.vm), join(scratch, 'gone')].map(readResults))).merged;
  const again = mergeResults(
    await Promise.all([folder('m-merged', first), folder('m-vm2', s.vm), folder('m-h2', s.host2)].map(readResults)),
  );
  assert.equal(again.merged.runs.length, 2);
  assert.equal(again.merged.results.length, 3);
  assert.deepEqual(
    again.merged.merged.missing.map((m) => m.input),
    [join(scratch, 'gone')],
  );
});

test('two different runs with a result for the same lab, target, repeat and seed: both kept, said in a note naming both folders', async () => {
  const one: RunResult = { run: runInfo(7, [HOST]), results: [labResult({ lab: 'x', status: 'pass' })] };
  const other: RunResult = { run: { ...one.run, started: '2025-02-02T00:00:00.000Z' }, results: [labResult({ lab: 'x', status: 'fail' })] };
  const { merged, notes } = mergeResults(await Promise.all([folder('c1', one), folder('c2', other)].map(readResults)));
  assert.deepEqual(
    merged.results.map((r) => [r.status, r.runIndex]),
    [
      ['pass', 0],
      ['fail', 1],
    ],
  );
  assert.equal(notes.length, 1);
  assert.match(notes[0]!, /x \[kernel host .*\] repeat 0 with seed 7 is in two runs \(.*c1 and .*c2\): both kept/);
});

test('repeats over runs get a failure rate', async () => {
  const rep = (seed: number, status: 'pass' | 'fail'): RunResult => ({
    run: runInfo(seed, [HOST]),
    results: [labResult({ lab: 'r', status })],
  });
  const { merged } = mergeResults(await Promise.all([folder('r1', rep(1, 'pass')), folder('r2', rep(2, 'fail'))].map(readResults)));
  assert.deepEqual(
    merged.rates?.map((r) => [r.lab, r.runs, r.failed]),
    [['r', 2, 1]],
  );
});
