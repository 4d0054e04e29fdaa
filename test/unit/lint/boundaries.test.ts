// The lint rules that keep the layers one-way and the imports acyclic, run
// through ESLint's Node API on a fixture tree with the repository's layout
// (test/fixtures/lint, left out of the repository's own lint and build).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';

/** The checkout: the tests run from dist/, the config and fixtures stay in the source tree. */
function repoRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'eslint.config.js'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('eslint.config.js not found above the test');
    dir = up;
  }
  return dir;
}

const root = repoRoot();
const fixtures = join(root, 'test', 'fixtures', 'lint');

/** Rule ids reported per fixture file (relative path), in the repository's configuration rooted at the fixture tree. */
async function lintFixtures(): Promise<Map<string, { rules: string[]; messages: string[] }>> {
  const config = (await import(pathToFileURL(join(root, 'eslint.config.js')).href)) as { projectConfig: (root: string) => Linter.Config[] };
  const eslint = new ESLint({ cwd: fixtures, overrideConfigFile: true, overrideConfig: config.projectConfig(fixtures) });
  const byFile = new Map<string, { rules: string[]; messages: string[] }>();
  for (const r of await eslint.lintFiles(['**/*.ts'])) {
    const file = r.filePath.slice(fixtures.length + 1);
    byFile.set(file, {
      rules: r.messages.map((m) => m.ruleId ?? `fatal: ${m.message}`).sort(),
      messages: r.messages.map((m) => m.message),
    });
  }
  return byFile;
}

const reports = lintFixtures();

async function reportOf(file: string): Promise<{ rules: string[]; messages: string[] }> {
  const r = (await reports).get(file);
  assert.ok(r, `${file} was linted`);
  return r;
}

test('the engine importing the harness is an error', async () => {
  const r = await reportOf('engine/wrong-way.ts');
  assert.deepEqual(r.rules, ['import-x/no-restricted-paths']);
  assert.match(r.messages[0]!, /engine\/ depends on nothing of the project/);
});

test('the engine importing an npm package is an error; node: builtins are fine', async () => {
  assert.deepEqual((await reportOf('engine/uses-package.ts')).rules, ['no-restricted-imports']);
  assert.deepEqual((await reportOf('engine/core.ts')).rules, []);
});

test('kernels/ importing the harness, and lib/ importing kernels/, are errors', async () => {
  assert.deepEqual((await reportOf('kernels/wrong-way.ts')).rules, ['import-x/no-restricted-paths']);
  assert.deepEqual((await reportOf('lib/wrong-way.ts')).rules, ['import-x/no-restricted-paths']);
});

test('a two-file import cycle is an error in both files, once each', async () => {
  assert.deepEqual((await reportOf('harness/cycle-a.ts')).rules, ['import-x/no-cycle']);
  assert.deepEqual((await reportOf('harness/cycle-b.ts')).rules, ['import-x/no-cycle']);
});

test('a cycle of type-only imports is an error too', async () => {
  const a = await reportOf('harness/type-cycle-a.ts');
  assert.deepEqual(a.rules, ['local/no-type-cycle']);
  assert.match(a.messages[0]!, /harness\/type-cycle-a\.ts -> harness\/type-cycle-b\.ts -> harness\/type-cycle-a\.ts/);
  assert.deepEqual((await reportOf('harness/type-cycle-b.ts')).rules, ['local/no-type-cycle']);
});

test('a process started outside lib/exec.ts is an error', async () => {
  assert.deepEqual((await reportOf('harness/spawns.ts')).rules, ['no-restricted-imports']);
});

test('right-way imports pass: harness -> engine | kernels | lib, kernels -> lib', async () => {
  for (const file of ['harness/right-way.ts', 'harness/helper.ts', 'kernels/right-way.ts', 'lib/run.ts']) {
    assert.deepEqual((await reportOf(file)).rules, [], file);
  }
});
