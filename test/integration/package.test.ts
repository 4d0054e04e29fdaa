// `npx mptcp-lab` must work from a packed tarball, not only from the clone:
// the tarball carries the compiled CLI, the catalogue and the JSON Schema.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
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
    for (const must of ['dist/harness/cli.js', 'dist/harness/workload/agent.js', 'dist/lib/exec.js', 'schema/lab.schema.json', 'labs/signal/signal-address.lab.yaml', 'README.md']) assert.ok(paths.includes(must), `${must} in the tarball`);
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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
