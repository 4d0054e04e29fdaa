// The path the reusable workflow (.github/workflows/labs.yml) takes, run here
// command by command from the workflow's own text: its matrix step, then per
// matrix entry the composite action's (action.yml) run step in its own job
// folder, the artifacts laid out as download-artifact lays them, then the
// report job's steps. `${{ }}` expressions are evaluated from the job's
// inputs and matrix; `npx mptcp-lab@V`, `mptcp-lab` and `sudo` are small
// shims that run this checkout's build (we are root already). No GitHub
// runner is reachable from here, so this is as close as a test gets.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Parser, type FinalResults } from 'tap-parser';
import { parse } from 'yaml';
import type { MergedRunResult, RunResult } from '../../harness/result.js';
import { parseXml, all } from '../unit/report/xml.js';
import { CLI, ROOT, cannotRun } from './host-state.js';
import { missing as cannotBoot } from './kernels/vm-host.js';

interface Step {
  id?: string;
  name?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Workflow {
  env?: Record<string, string>;
  jobs: Record<string, { steps: Step[] }>;
}
type Context = Record<string, Record<string, string | number>>;

const scratch = mkdtempSync(join(tmpdir(), 'mptcp-lab-workflow-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const WORKFLOW = parse(readFileSync(join(ROOT, '.github/workflows/labs.yml'), 'utf8')) as Workflow;
const ACTION = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { runs: { steps: Step[] } };

/** `${{ expr }}` → its value: property paths from the context, string literals, ==, !=, &&, ||, format(). */
function evaluate(expr: string, ctx: Context): string {
  const js = expr.replace(/'[^']*'|[a-z_]+(?:\.[A-Za-z0-9_-]+)+|[a-z]+(?=\()/g, (m) => {
    if (m.startsWith("'") || m === 'format') return m;
    const [scope, ...path] = m.split('.');
    return `ctx[${JSON.stringify(scope)}]?.[${JSON.stringify(path.join('.'))}]`;
  });
  const format = (f: string, ...args: unknown[]): string => f.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)]));
  const value = new Function('ctx', 'format', `return (${js});`)(ctx, format) as unknown;
  if (value === undefined) throw new Error(`the test has no value for \${{ ${expr} }}`);
  return String(value);
}

const substitute = (text: string, ctx: Context): string => text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, e: string) => evaluate(e, ctx));
const envOf = (env: Record<string, string> | undefined, ctx: Context): Record<string, string> =>
  Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, substitute(String(v), ctx)]));

/** Shims on PATH: the npm package's command, npx of it, and sudo (we are root). */
function shims(): string {
  const bin = join(scratch, 'bin');
  mkdirSync(bin, { recursive: true });
  const node = process.execPath;
  const scripts: Record<string, string> = {
    'mptcp-lab': `exec "${node}" "${CLI}" "$@"`,
    npx: `[ "$1" = --yes ] && shift\ncase "$1" in mptcp-lab@*) shift ;; *) echo "npx shim: only mptcp-lab@V" >&2; exit 99 ;; esac\nexec "${node}" "${CLI}" "$@"`,
    sudo: `while [ "\${1#-}" != "$1" ]; do shift; done\nexec "$@"`,
  };
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return bin;
}

/** A step's `run:` as GitHub runs it on Linux (bash -e -o pipefail), in `cwd`, with the job's files. */
function runStep(step: Step, ctx: Context, cwd: string, files: Record<string, string>, extraEnv: Record<string, string> = {}): number {
  assert.ok(step.run, `step ${step.name ?? step.id} has a run:`);
  const env = {
    ...process.env,
    ...files,
    ...extraEnv,
    ...envOf(step.env, ctx),
    PATH: `${shims()}:${process.env.PATH}`,
  };
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', substitute(step.run, ctx)], {
    cwd,
    env,
    encoding: 'utf8',
  });
  if (r.status !== 0 && r.status !== 1) process.stderr.write(`${step.name ?? step.id}: exit ${r.status}\n${r.stderr}`);
  return r.status ?? -1;
}

function githubFiles(dir: string): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  const files = { GITHUB_OUTPUT: join(dir, 'output'), GITHUB_STEP_SUMMARY: join(dir, 'summary'), GITHUB_ENV: join(dir, 'env') };
  for (const f of Object.values(files)) writeFileSync(f, '');
  return files;
}

const stepOf = (steps: Step[], match: (s: Step) => boolean, what: string): Step => {
  const s = steps.find(match);
  assert.ok(s, `the workflow has ${what}`);
  return s;
};

interface MatrixEntry {
  kernel: string;
  shard: string;
  name: string;
  artifact: string;
}

/** The whole reusable workflow for these inputs; the report job's folder and its exit codes. */
function runWorkflow(
  name: string,
  inputs: Record<string, string | number>,
): { report: string; merge: number; github: number; matrix: MatrixEntry[] } {
  const base = join(scratch, name);
  const ctx: Context = { inputs: { tree: '', 'mptcp-lab-version': '0', ...inputs } };
  // The workflow's env, in the workflow's context, reaches every step (the action's too).
  const workflowEnv = envOf(WORKFLOW.env, ctx);
  // Job `matrix`.
  const matrixFiles = githubFiles(join(base, 'matrix'));
  const matrixStep = stepOf(WORKFLOW.jobs.matrix!.steps, (s) => s.id === 'matrix', 'a matrix step');
  assert.equal(runStep(matrixStep, ctx, join(base, 'matrix'), matrixFiles, workflowEnv), 0);
  const line = readFileSync(matrixFiles.GITHUB_OUTPUT, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('matrix='));
  assert.ok(line, 'the matrix step set its output');
  const matrix = (JSON.parse(line.slice('matrix='.length)) as { include: MatrixEntry[] }).include;
  // Job `labs`, once per entry: the action's run step with the `with:` the workflow gives it.
  const uses = stepOf(WORKFLOW.jobs.labs!.steps, (s) => s.uses?.includes('node_modules/mptcp-lab') === true, 'a step using the action');
  const runLabs = stepOf(ACTION.runs.steps, (s) => s.run?.includes(' run ') === true, 'an action step running the labs');
  const report = join(base, 'report');
  for (const entry of matrix) {
    const job = join(base, `job-${entry.artifact}`);
    const jobCtx: Context = { ...ctx, matrix: { ...entry } };
    const actionInputs = envOf(uses.with, jobCtx);
    const code = runStep(runLabs, { ...jobCtx, inputs: actionInputs }, job, githubFiles(job), { ...workflowEnv, GITHUB_ACTION_PATH: ROOT });
    assert.ok(code === 0 || code === 1, `${entry.name}: run exit ${code}`);
    // upload-artifact (name: artifact) + download-artifact (pattern, path: results): results/<artifact>/.
    cpSync(join(job, actionInputs.results!), join(report, 'results', actionInputs.artifact!), { recursive: true });
  }
  // Job `report`.
  const steps = WORKFLOW.jobs.report!.steps;
  const files = githubFiles(report);
  const merge = runStep(
    stepOf(steps, (s) => s.name === 'mptcp-lab report merge', 'report merge'),
    ctx,
    report,
    files,
  );
  const github = runStep(
    stepOf(steps, (s) => s.name === 'mptcp-lab report github', 'report github'),
    ctx,
    report,
    files,
  );
  assert.equal(
    runStep(
      stepOf(steps, (s) => s.id === 'conclusion', 'the conclusion step'),
      ctx,
      report,
      files,
    ),
    0,
  );
  return { report, merge, github, matrix };
}

/** Lab × target of results, comparable across runs. */
const keys = (results: readonly RunResult['results'][number][]): string[] =>
  results.map((r) => `${r.lab} ${JSON.stringify(r.target)} ${r.repeat}`).sort();

const parseTap = (text: string): Promise<FinalResults> => new Promise((resolve) => new Parser({ strict: true }, resolve).end(text));

const LABS = 'no-join signal-address single-subflow';

describe('the reusable workflow, step by step: host and debian:6.12 × 2 shards', { skip: cannotRun() ?? cannotBoot() }, () => {
  test('matrix → run --shard per entry → report merge → report github, equal to unsharded runs', async () => {
    const { report, merge, github, matrix } = runWorkflow('pass', { kernels: 'host,debian:6.12', shards: 2, labs: LABS });
    assert.deepEqual(
      matrix.map((e) => `${e.kernel} ${e.shard}`),
      ['host 1/2', 'host 2/2', 'debian:6.12 1/2', 'debian:6.12 2/2'],
    );
    assert.equal(merge, 0);
    assert.equal(github, 0);
    const merged = JSON.parse(readFileSync(join(report, 'merged', 'results.json'), 'utf8')) as MergedRunResult;
    assert.equal(merged.runs.length, 4);
    // Unsharded, one job per kernel as the workflow with shards: 1 would run them.
    const whole: RunResult['results'] = [];
    for (const kernel of ['host', 'debian:6.12']) {
      const dir = join(scratch, `unsharded-${kernel.replace(':', '_')}`);
      execFileSync(process.execPath, [CLI, 'run', ...LABS.split(' '), '--kernel', kernel, '--results', dir], {
        cwd: ROOT,
        stdio: 'ignore',
      });
      whole.push(...(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult).results);
    }
    assert.deepEqual(keys(merged.results), keys(whole));
    assert.ok(
      merged.results.every((r) => r.status === 'pass'),
      'these labs pass on both kernels',
    );
    const tap = await parseTap(readFileSync(join(report, 'merged', 'results.tap'), 'utf8'));
    assert.equal(tap.ok, true);
    assert.equal(tap.count, whole.length);
    const testsuites = parseXml(readFileSync(join(report, 'merged', 'junit.xml'), 'utf8'));
    assert.equal(testsuites.name, 'testsuites');
    const suites = all(testsuites, 'testsuite').map((s) => s.attrs.name);
    assert.ok(suites.length >= 3, `one testsuite per target: ${suites.join(', ')}`);
    assert.equal(new Set(suites).size, suites.length);
    assert.equal(readFileSync(join(report, 'merged', 'conclusion.txt'), 'utf8'), 'mptcp-lab: host, debian:6.12: Success! ✅\n');
    const output = readFileSync(join(report, 'output'), 'utf8');
    assert.match(output, /^conclusion=mptcp-lab: host, debian:6\.12: Success! ✅$/m);
    assert.match(readFileSync(join(report, 'summary'), 'utf8'), /signal-address/);
  });
});

describe('the reusable workflow with a failing lab', { skip: cannotRun() }, () => {
  test('Unstable in conclusion.txt, exit 1, ::error at the failed expectation of the lab file', () => {
    const failing = 'test/fixtures/labs/fails.lab.yaml';
    // A job's working folder is a checkout: the lab file by its path there.
    const { report, merge } = runWorkflow('fail', { kernels: 'host', shards: 2, labs: `${join(ROOT, failing)} no-join` });
    assert.equal(merge, 1);
    assert.equal(
      readFileSync(join(report, 'merged', 'conclusion.txt'), 'utf8'),
      'mptcp-lab: host: Unstable: 2 failed test(s): fails@host fails@sim 🔴\n',
    );
    // report github again, to read its workflow commands (the step's stdout goes to the log).
    const r = spawnSync(process.execPath, [CLI, 'report', 'github', 'merged', '--summary', join(report, 'summary2')], {
      cwd: report,
      env: { ...process.env, GITHUB_WORKSPACE: ROOT },
      encoding: 'utf8',
    });
    const lines = readFileSync(join(ROOT, failing), 'utf8').split('\n');
    const joinLine = lines.findIndex((l) => l.trimStart().startsWith('join:')) + 1;
    assert.match(r.stdout, new RegExp(`^::error file=${failing.replaceAll('.', '\\.')},line=${joinLine},`, 'm'));
    assert.ok(existsSync(join(report, 'merged', 'summary.txt')));
  });
});
