// `npx mptcp-lab` must work from a packed tarball, not only from the clone:
// the tarball carries the compiled CLI, the catalogue and the JSON Schema;
// a TypeScript lab imports `mptcp-lab/lab` (package.json "exports"), with
// types, and nothing inside dist/.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './host-state.js';

test('npm pack: the tarball runs `mptcp-lab list` and validates its catalogue', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-pack-'));
  try {
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' });
    const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
    const paths = info!.files.map((f) => f.path);
    for (const must of [
      'dist/harness/cli.js',
      'dist/harness/workload/agent.js',
      'dist/lib/exec.js',
      'schema/lab.schema.json',
      'labs/signal/signal-address.lab.yaml',
      'README.md',
      // The composite action, for labs.yml's jobs that install mptcp-lab from npm and use it.
      'action.yml',
      '.github/apt/debian-kernels.sources',
    ])
      assert.ok(paths.includes(must), `${must} in the tarball`);
    assert.ok(!paths.some((p) => p.startsWith('dist/test/')), 'tests stay out of the tarball');
    execFileSync('tar', ['-xzf', join(dir, info!.filename), '-C', dir]);
    const pkg = join(dir, 'package');
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    // The dependencies as npm would install them; here the clone's, to stay offline.
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
    const list = spawnSync(process.execPath, [join(pkg, manifest.bin['mptcp-lab']!), 'list', '--json'], { cwd: dir, encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    assert.ok((JSON.parse(list.stdout) as unknown[]).length >= 20);
    const validate = spawnSync(process.execPath, [join(pkg, manifest.bin['mptcp-lab']!), 'validate'], { cwd: dir, encoding: 'utf8' });
    assert.equal(validate.status, 0, validate.stderr);
    importsAsAPackage(dir, pkg);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A project that installed the tarball: its labs import the package's entries, type-checked as docs/labs.md's TypeScript lab. */
function importsAsAPackage(dir: string, pkg: string): void {
  const project = join(dir, 'project');
  mkdirSync(join(project, 'node_modules'), { recursive: true });
  symlinkSync(pkg, join(project, 'node_modules', 'mptcp-lab'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module' }));
  const script = [
    "import { defineLab } from 'mptcp-lab/lab';",
    "import * as root from 'mptcp-lab';",
    "const lab = defineLab({ name: 'p', hosts: { client: {}, server: {} }, links: [{ between: ['client', 'server'] }], workload: { client: 'client', server: 'server', connect: 'l1' } });",
    "let deep = 'exported';",
    "try { await import('mptcp-lab/dist/harness/lab/load.js'); } catch (e) { deep = e.code; }",
    'console.log(JSON.stringify({ lab: lab.name, root: typeof root.defineLab, deep }));',
  ].join('\n');
  writeFileSync(join(project, 'use.mjs'), script);
  const run = spawnSync(process.execPath, ['use.mjs'], { cwd: project, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(
    JSON.parse(run.stdout),
    { lab: 'p', root: 'function', deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED' },
    'labs import the entries, not paths inside dist/',
  );
  // The lab reference's TypeScript lab, type-checked against the installed package.
  const example = /```ts\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, 'docs', 'labs.md'), 'utf8'))?.[1];
  if (!example?.includes("from 'mptcp-lab/lab'")) assert.fail("docs/labs.md's TypeScript lab imports mptcp-lab/lab");
  writeFileSync(join(project, 'late-subflow.lab.ts'), example);
  const tsc = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--skipLibCheck',
      '--types',
      'node',
      '--typeRoots',
      join(ROOT, 'node_modules', '@types'),
      'late-subflow.lab.ts',
    ],
    { cwd: project, encoding: 'utf8' },
  );
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
}
