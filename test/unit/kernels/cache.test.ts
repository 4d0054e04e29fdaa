import assert from 'node:assert/strict';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cacheRoot, entryPaths, FETCH_STALE_MS, list, lookup, prune, writeManifest } from '../../../kernels/cache.js';
import { tempDir } from './temp-dirs.js';

async function fake(root: string, release: string, fetchedAt: string): Promise<void> {
  const p = entryPaths(root, release);
  mkdirSync(p.modulesDir, { recursive: true });
  writeFileSync(p.kernel, 'kernel');
  await writeManifest(root, { release, package: `linux-image-${release}`, debSha256: '0'.repeat(64), fetchedAt });
}

test('cache root follows XDG_CACHE_HOME, else ~/.cache', () => {
  assert.equal(cacheRoot({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' }), '/x/cache/mptcp-lab/kernels');
  assert.equal(cacheRoot({ HOME: '/home/u' }), '/home/u/.cache/mptcp-lab/kernels');
  assert.equal(
    cacheRoot({ XDG_CACHE_HOME: 'relative', HOME: '/home/u' }),
    '/home/u/.cache/mptcp-lab/kernels',
    'relative XDG paths are ignored (XDG spec)',
  );
});

test('list returns complete entries oldest first; lookup finds by release', async () => {
  const root = tempDir('kcache-');
  assert.deepEqual(await list(join(root, 'missing')), []);
  await fake(root, '6.12.117+deb12-amd64', '2026-11-02T00:00:00Z');
  await fake(root, '6.1.0-56-amd64', '2026-11-01T00:00:00Z');
  mkdirSync(join(root, '6.1.0-1-amd64', 'lib'), { recursive: true }); // interrupted: no manifest
  const l = await list(root);
  assert.deepEqual(
    l.map((k) => k.manifest.release),
    ['6.1.0-56-amd64', '6.12.117+deb12-amd64'],
  );
  assert.equal(l[0]!.kernel, join(root, '6.1.0-56-amd64', 'vmlinuz'));
  assert.equal(l[0]!.modulesDir, join(root, '6.1.0-56-amd64', 'lib', 'modules', '6.1.0-56-amd64'));
  assert.equal((await lookup(root, '6.12.117+deb12-amd64'))?.manifest.package, 'linux-image-6.12.117+deb12-amd64');
  assert.equal(await lookup(root, '6.1.0-1-amd64'), undefined);
  assert.throws(() => entryPaths(root, '../etc'), /not a kernel release/);
});

test('prune keeps what is asked, removes the rest, incomplete entries and temp dirs, and nothing else', async () => {
  const root = tempDir('kcache-');
  await fake(root, 'a-1', '2026-11-01T00:00:00Z');
  await fake(root, 'b-2', '2026-11-02T00:00:00Z');
  mkdirSync(join(root, 'c-3', 'lib'), { recursive: true });
  mkdirSync(join(root, '.fetch-abc'));
  const hoursAgo = (Date.now() - 2 * FETCH_STALE_MS) / 1000;
  utimesSync(join(root, '.fetch-abc'), hoursAgo, hoursAgo);
  mkdirSync(join(root, '.fetch-running')); // a fetch going on now
  mkdirSync(join(root, 'unrelated'));
  const removed = await prune({ root, keep: ['b-2'] });
  assert.deepEqual(removed, ['.fetch-abc', 'a-1', 'c-3']);
  assert.ok(existsSync(join(root, '.fetch-running')), 'a young temp dir may be a fetch running now: kept');
  assert.deepEqual(
    (await list(root)).map((k) => k.manifest.release),
    ['b-2'],
  );
  assert.ok(existsSync(join(root, 'unrelated')), 'a directory that is not a kernel entry stays');
  assert.deepEqual(await prune({ root }), ['b-2']);
  assert.deepEqual(await list(root), []);
});
