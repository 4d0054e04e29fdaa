// Local kernels (build trees, images) need no fetching: checked and used in place.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { bzImageRelease, fetchKernel } from '../../../kernels/fetch.js';
import { parseKernelSpec } from '../../../kernels/spec.js';
import { tempDir } from './temp-dirs.js';

/** A fake bzImage: "HdrS" at 0x202, kernel_version pointer at 0x20e (relative to 0x200). */
function fakeBzImage(version: string): Buffer {
  const b = Buffer.alloc(0x400);
  b.write('HdrS', 0x202, 'latin1');
  b.writeUInt16LE(0x100, 0x20e);
  b.write(`${version} (builder@host) #1 SMP PREEMPT_DYNAMIC`, 0x300, 'latin1');
  return b;
}

test('bzImage release from the setup header', () => {
  assert.equal(bzImageRelease(fakeBzImage('6.13.0-rc1+')), '6.13.0-rc1+');
  assert.equal(bzImageRelease(Buffer.alloc(0x400)), undefined);
  assert.equal(bzImageRelease(Buffer.alloc(10)), undefined);
});

test('a build tree: bzImage, kernel.release, modules from _modinstall', async () => {
  const tree = tempDir('linux-');
  mkdirSync(join(tree, 'arch/x86/boot'), { recursive: true });
  mkdirSync(join(tree, 'include/config'), { recursive: true });
  writeFileSync(join(tree, 'arch/x86/boot/bzImage'), fakeBzImage('6.19.0-rc2'));
  writeFileSync(join(tree, 'include/config/kernel.release'), '6.19.0-rc2-mine\n');
  const noMods = await fetchKernel(parseKernelSpec(tree));
  assert.deepEqual(noMods, {
    release: '6.19.0-rc2-mine',
    kernel: join(tree, 'arch/x86/boot/bzImage'),
    modulesDir: undefined,
    source: 'local',
  });
  mkdirSync(join(tree, '_modinstall/lib/modules/6.19.0-rc2-mine'), { recursive: true });
  assert.equal((await fetchKernel(parseKernelSpec(tree))).modulesDir, join(tree, '_modinstall/lib/modules/6.19.0-rc2-mine'));
  const empty = tempDir('linux-');
  await assert.rejects(fetchKernel(parseKernelSpec(empty)), /no arch\/x86\/boot\/bzImage \(run make first\)/);
});

test('an image with --modules: lib/modules/<release>, lib/modules, or an INSTALL_MOD_PATH root', async () => {
  const d = tempDir('img-');
  writeFileSync(join(d, 'bzImage'), fakeBzImage('6.6.6'));
  mkdirSync(join(d, 'root/lib/modules/6.6.6'), { recursive: true });
  writeFileSync(join(d, 'root/lib/modules/6.6.6/modules.order'), '');
  const want = join(d, 'root/lib/modules/6.6.6');
  for (const m of ['root', 'root/lib/modules', 'root/lib/modules/6.6.6']) {
    const k = await fetchKernel(parseKernelSpec(join(d, 'bzImage'), { modules: join(d, m) }));
    assert.deepEqual([k.release, k.modulesDir, k.source], ['6.6.6', want, 'local'], m);
  }
  writeFileSync(join(d, 'notakernel'), 'hello');
  await assert.rejects(fetchKernel(parseKernelSpec(join(d, 'notakernel'))), /not a bzImage\/vmlinuz/);
  await assert.rejects(fetchKernel({ kind: 'host' }), /nothing to fetch or boot/);
});
