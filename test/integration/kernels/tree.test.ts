// A kernel developer's own build: `--kernel ./linux` boots a build tree
// (arch/x86/boot/bzImage, include/config/kernel.release, the modules from
// `make modules_install INSTALL_MOD_PATH=_modinstall`), and `--kernel
// bzImage --modules DIR` an image. Compiling Linux does not fit in CI, so the
// tree is laid out from the Debian 6.12 kernel's own files (links): the same
// paths, the same resolution, a real boot and a real lab in the guest.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunResult } from '../../../harness/result.js';
import { fetchKernel, type ResolvedKernel } from '../../../kernels/fetch.js';
import { parseKernelSpec, TREE_MODULES_DIR } from '../../../kernels/spec.js';
import { runCli } from '../host-state.js';
import { missing, ourQemus } from './vm-host.js';

const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-tree-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('a kernel build tree and an image with --modules', { skip: missing() }, () => {
  let k: ResolvedKernel | undefined;
  const tree = join(dir, 'linux');
  before(async () => {
    k = await fetchKernel(parseKernelSpec('debian:6.12')).catch(() => undefined);
    if (!k) return;
    mkdirSync(join(tree, 'arch', 'x86', 'boot'), { recursive: true });
    mkdirSync(join(tree, 'include', 'config'), { recursive: true });
    mkdirSync(join(tree, TREE_MODULES_DIR, 'lib', 'modules'), { recursive: true });
    symlinkSync(k.kernel, join(tree, 'arch', 'x86', 'boot', 'bzImage'));
    writeFileSync(join(tree, 'include', 'config', 'kernel.release'), `${k.release}\n`);
    symlinkSync(k.modulesDir!, join(tree, TREE_MODULES_DIR, 'lib', 'modules', k.release));
  });

  test('--kernel TREE boots the tree and runs a lab in it', async (t) => {
    if (!k) return t.skip('cannot fetch debian:6.12');
    const out = join(dir, 'tree-run');
    const r = await runCli([
      'run',
      '--kernel',
      tree,
      '--engine',
      'off',
      '--vm-cpus',
      '1',
      '--vm-memory',
      '1024',
      '--seed',
      '3',
      '--results',
      out,
      'single-subflow',
    ]);
    const run = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResult;
    const [res] = run.results;
    assert.equal(run.results.length, 1);
    assert.equal(res?.status, 'pass', JSON.stringify(res?.checks.filter((c) => !c.ok) ?? res?.error));
    assert.deepEqual([res?.target.kind, res?.target.backend, res?.target.version], ['kernel', 'vm', k.release]);
    assert.equal(run.run.kernels[0]?.spec, res?.target.spec);
    assert.match(
      readFileSync(join(out, 'kernels', `${res!.target.spec.replace(/[^A-Za-z0-9.+-]+/g, '_')}.console.log`), 'utf8'),
      /Linux version 6\.12\./,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(ourQemus(), []);
  });

  test('--kernel BZIMAGE --modules DIR boots the image with those modules; a bad --modules is exit 2', async (t) => {
    if (!k) return t.skip('cannot fetch debian:6.12');
    const out = join(dir, 'image-run');
    const r = await runCli([
      'run',
      '--kernel',
      join(tree, 'arch', 'x86', 'boot', 'bzImage'),
      '--modules',
      k.modulesDir!,
      '--engine',
      'off',
      '--seed',
      '3',
      '--results',
      out,
      'no-join',
    ]);
    const run = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResult;
    assert.equal(run.results[0]?.status, 'pass', JSON.stringify(run.results[0]?.checks.filter((c) => !c.ok) ?? run.results[0]?.error));
    assert.equal(run.results[0]?.target.version, k.release);
    assert.equal(r.code, 0, r.stderr);
    const bad = await runCli([
      'run',
      '--kernel',
      join(tree, 'arch', 'x86', 'boot', 'bzImage'),
      '--modules',
      join(dir, 'nowhere'),
      'no-join',
    ]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.deepEqual(ourQemus(), []);
  });
});
