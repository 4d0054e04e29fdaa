// `mptcp-lab kernels`: what list shows, what prune keeps, and bad specs.
// apt-cache output is a recorded fixture (the parser's input), the cache a temp dir.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  currentReleases,
  defaultKeep,
  formatKernelList,
  formatSize,
  keptReleases,
  kernelsFetch,
  KernelsUsageError,
  listEntry,
} from '../../../harness/commands/kernels.js';
import { entryPaths, entrySize, list, writeManifest } from '../../../kernels/cache.js';

// Recorded `apt-cache search --names-only '^linux-image-6\.(1|12)\.'` on Debian 12 (2026-11): newest 6.1.0-56, 6.12.117+deb12.
const APT = readFileSync('test/unit/kernels/fixtures/apt-cache-search-linux-image.txt', 'utf8');
const root = mkdtempSync(join(tmpdir(), 'kernels-cmd-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('the current release of each series: apt first, else the newest cached', () => {
  const cur = currentReleases(['6.1.0-47-amd64', '6.12.100+deb12-amd64'], APT);
  assert.deepEqual(cur.get('6.1'), { release: '6.1.0-56-amd64', from: 'apt' });
  assert.deepEqual(cur.get('6.12'), { release: '6.12.117+deb12-amd64', from: 'apt' });
  const offline = currentReleases(['6.1.0-9-amd64', '6.1.0-10-amd64', '6.12.100+deb12-amd64'], undefined);
  assert.deepEqual(offline.get('6.1'), { release: '6.1.0-10-amd64', from: 'cache' }, 'numeric order: 10 > 9');
  assert.deepEqual(offline.get('6.12'), { release: '6.12.100+deb12-amd64', from: 'cache' });
});

test('prune keeps by default what the series resolve to, and what is not a Debian series', () => {
  const cached = ['6.1.0-47-amd64', '6.1.0-56-amd64', '6.12.117+deb12-amd64', 'custom-7.0'];
  assert.deepEqual(defaultKeep(cached, currentReleases(cached, APT)), ['6.1.0-56-amd64', '6.12.117+deb12-amd64', 'custom-7.0']);
  // apt knows a newer 6.1 that is not cached: the older cached 6.1 is no longer current.
  assert.deepEqual(defaultKeep(['6.1.0-47-amd64'], currentReleases(['6.1.0-47-amd64'], APT)), []);
});

test('--keep resolves specs to releases; anything not cacheable is a usage error naming it', () => {
  const cur = currentReleases([], APT);
  assert.deepEqual(keptReleases(['debian:6.1', 'debian:6.12.100+deb12-amd64'], cur), ['6.1.0-56-amd64', '6.12.100+deb12-amd64']);
  assert.throws(
    () => keptReleases(['host'], cur),
    (e: unknown) => e instanceof KernelsUsageError && /--keep "host": only Debian kernels are cached; expected debian:6\.1/.test(e.message),
  );
  assert.throws(
    () => keptReleases(['debian:5.4'], cur),
    (e: unknown) => e instanceof KernelsUsageError && /--keep "debian:5\.4": .*unknown Debian kernel/.test(e.message),
  );
  assert.throws(() => keptReleases(['debian:6.12'], currentReleases([], undefined)), /neither apt nor the cache knows a 6\.12 kernel/);
});

test('fetch rejects host and paths that are no kernel before downloading anything', async () => {
  await assert.rejects(
    kernelsFetch(['debian:6.1', 'host'], { root }),
    (e: unknown) => e instanceof KernelsUsageError && /argument "host": .*nothing to fetch/.test(e.message),
  );
  const notKernel = join(root, 'notes.txt');
  writeFileSync(notKernel, 'not a kernel');
  await assert.rejects(
    kernelsFetch([notKernel], { root }),
    (e: unknown) => e instanceof KernelsUsageError && e.message.includes(`argument "${notKernel}"`) && /not a bzImage/.test(e.message),
  );
  await assert.rejects(kernelsFetch(['ubuntu:24.04'], { root }), /argument "ubuntu:24\.04".*not recognised/);
});

test('fetch reports a bzImage in place with its release, without copying it', async () => {
  // A minimal setup header: "HdrS" at 0x202, kernel_version offset at 0x20e (relative to 0x200).
  const image = Buffer.alloc(0x400);
  image.write('HdrS', 0x202, 'latin1');
  image.writeUInt16LE(0x100, 0x20e);
  image.write('6.99.0-test (builder@host) #1\0', 0x300, 'latin1');
  const path = join(root, 'bzImage');
  writeFileSync(path, image);
  assert.deepEqual(await kernelsFetch([path], { root }), [`${path} 6.99.0-test local ${path} (used in place, not copied; modules: none)`]);
  assert.deepEqual(await list(root), [], 'nothing was added to the cache');
});

test('list: exact spec, what series it is current for, size, table', async () => {
  const release = '6.1.0-56-amd64';
  const p = entryPaths(root, release);
  mkdirSync(p.modulesDir, { recursive: true });
  writeFileSync(p.kernel, Buffer.alloc(3000));
  writeFileSync(join(p.modulesDir, 'modules.dep'), Buffer.alloc(1000));
  await writeManifest(root, {
    release,
    package: `linux-image-${release}`,
    packageVersion: '6.1.192-2',
    debSha256: '0'.repeat(64),
    fetchedAt: '2026-11-25T15:21:23.123Z',
  });
  const [k] = await list(root);
  const size = await entrySize(k!.dir);
  assert.ok(size > 4000 && size < 5000, `size ${size}`);
  const e = listEntry(k!, size, currentReleases([release], APT));
  assert.deepEqual(
    { spec: e.spec, current: e.current, packageVersion: e.packageVersion },
    { spec: 'debian:6.1.0-56-amd64', current: 'debian:6.1', packageVersion: '6.1.192-2' },
  );
  const table = formatKernelList([e], root).split('\n');
  assert.match(table[0]!, /^SPEC +ALSO +RELEASE +PACKAGE VERSION +SIZE +FETCHED +PATH$/);
  assert.match(table[1]!, /^debian:6\.1\.0-56-amd64 +debian:6\.1 +6\.1\.0-56-amd64 +6\.1\.192-2 +4 KiB +2026-11-25T15:21:23Z +\//);
  assert.match(formatKernelList([], root), /no kernels cached in .*kernels fetch debian:6\.12/);
  assert.equal(formatSize(75 * 1024 * 1024), '75.0 MiB');
});
