import assert from 'node:assert/strict';
import { test } from 'node:test';
import { moduleName, parseModulesDep, resolveModules, selectKeptModules } from '../../../kernels/modules.js';

// Hand-written, shaped like Debian 6.12's (paths relative to lib/modules/<release>).
const DEP = `kernel/fs/netfs/netfs.ko.xz:
kernel/fs/9p/9p.ko.xz: kernel/net/9p/9pnet.ko.xz kernel/fs/netfs/netfs.ko.xz
kernel/net/9p/9pnet.ko.xz: kernel/fs/netfs/netfs.ko.xz
kernel/net/9p/9pnet_virtio.ko.xz: kernel/net/9p/9pnet.ko.xz kernel/fs/netfs/netfs.ko.xz
kernel/fs/overlayfs/overlay.ko.xz:
kernel/drivers/net/veth.ko.xz:
kernel/lib/libcrc32c.ko.xz:
kernel/arch/x86/crypto/crc32c-intel.ko.xz:
kernel/crypto/crc32c_generic.ko.zst:
kernel/net/netfilter/nfnetlink.ko.xz:
kernel/net/netfilter/nf_tables.ko.xz: kernel/net/netfilter/nfnetlink.ko.xz kernel/lib/libcrc32c.ko.xz
kernel/net/netfilter/nft_numgen.ko.xz: kernel/net/netfilter/nf_tables.ko.xz kernel/net/netfilter/nfnetlink.ko.xz kernel/lib/libcrc32c.ko.xz
`;
const BUILTIN = 'kernel/drivers/char/virtio_console.ko\nkernel/drivers/virtio/virtio_pci.ko\n';
const SOFTDEP = '# Soft dependencies\nsoftdep libcrc32c pre: crc32c\n';
const ALIAS = 'alias crc32c crc32c_intel\nalias crc32c crc32c_generic\nalias cpu:type:x86* crc32c_intel\n';

test('module names: basename, no .ko(.xz|.zst), dashes as underscores', () => {
  assert.equal(moduleName('kernel/arch/x86/crypto/crc32c-intel.ko.xz'), 'crc32c_intel');
  assert.equal(moduleName('kernel/crypto/crc32c_generic.ko.zst'), 'crc32c_generic');
  assert.equal(moduleName('veth.ko'), 'veth');
  assert.equal(moduleName('sch-netem'), 'sch_netem');
});

test('dependencies first, each once, built-ins skipped', () => {
  const idx = parseModulesDep(DEP, { builtin: BUILTIN });
  const r = resolveModules(idx, ['virtio_pci', 'virtio_console', '9pnet_virtio', '9p', 'overlay', 'veth']);
  assert.deepEqual(
    r.map((m) => m.name),
    ['netfs', '9pnet', '9pnet_virtio', '9p', 'overlay', 'veth'],
  );
  assert.equal(r[3]!.path, 'kernel/fs/9p/9p.ko.xz');
});

test('soft dependencies (pre:) through exact aliases, generic first', () => {
  const idx = parseModulesDep(DEP, { softdep: SOFTDEP, alias: ALIAS });
  assert.deepEqual(
    resolveModules(idx, ['nft_numgen']).map((m) => m.name),
    ['nfnetlink', 'crc32c_generic', 'crc32c_intel', 'libcrc32c', 'nf_tables', 'nft_numgen'],
  );
});

test('unknown modules are named in the error', () => {
  const idx = parseModulesDep(DEP);
  assert.throws(() => resolveModules(idx, ['veth', 'sch_netem']), /not found in modules\.dep and not built in: sch_netem/);
  const broken = parseModulesDep('a.ko: b.ko\n');
  assert.throws(() => resolveModules(broken, ['a']), /b \(needed by a\)/);
  assert.throws(() => parseModulesDep('garbage line\n'), /expected "module\.ko: deps\.\.\."/);
  const cyc = parseModulesDep('a.ko: b.ko\nb.ko: a.ko\n');
  assert.throws(() => resolveModules(cyc, ['a']), /cycle/);
});

test('the cache keeps lab modules and their dependencies, drops the rest', () => {
  const dep = `${DEP}kernel/drivers/gpu/drm/foo.ko.xz:
kernel/drivers/infiniband/core/ib_core.ko.xz:
kernel/net/9p/9pnet_rdma.ko.xz: kernel/drivers/infiniband/core/ib_core.ko.xz kernel/net/9p/9pnet.ko.xz kernel/fs/netfs/netfs.ko.xz
kernel/drivers/net/ethernet/intel/e1000.ko.xz:
kernel/net/sched/sch_foo.ko.xz: kernel/drivers/misc/helper.ko.xz
kernel/drivers/misc/helper.ko.xz:
`;
  const keep = selectKeptModules(parseModulesDep(dep, { softdep: SOFTDEP, alias: ALIAS }));
  for (const p of [
    'kernel/fs/9p/9p.ko.xz',
    'kernel/fs/netfs/netfs.ko.xz',
    'kernel/drivers/net/veth.ko.xz',
    'kernel/net/netfilter/nft_numgen.ko.xz',
    'kernel/crypto/crc32c_generic.ko.zst',
    'kernel/net/sched/sch_foo.ko.xz',
    'kernel/drivers/misc/helper.ko.xz',
  ])
    assert.ok(keep.has(p), p);
  for (const p of [
    'kernel/drivers/gpu/drm/foo.ko.xz',
    'kernel/net/9p/9pnet_rdma.ko.xz',
    'kernel/drivers/infiniband/core/ib_core.ko.xz',
    'kernel/drivers/net/ethernet/intel/e1000.ko.xz',
  ])
    assert.ok(!keep.has(p), p);
});
