import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { debianPackages, formatKernelSpec, KernelSpecError, parseKernelSpec, resolveDebianPackage } from '../../../kernels/spec.js';
import { tempDir } from './temp-dirs.js';

// Recorded `apt-cache search --names-only '^linux-image-6\.(1|12)\.'` on Debian 12 (2026-11).
const APT = readFileSync('test/unit/kernels/fixtures/apt-cache-search-linux-image.txt', 'utf8');

test('host and Debian series parse', () => {
  assert.deepEqual(parseKernelSpec('host'), { kind: 'host' });
  assert.deepEqual(parseKernelSpec('debian:6.1'), { kind: 'debian', series: '6.1' });
  assert.deepEqual(parseKernelSpec(' debian:6.12 '), { kind: 'debian', series: '6.12' });
  assert.deepEqual(parseKernelSpec('debian:6.12.117+deb12-amd64'), { kind: 'debian', series: '6.12', release: '6.12.117+deb12-amd64' });
  assert.deepEqual(parseKernelSpec('debian:6.1.0-47-amd64'), { kind: 'debian', series: '6.1', release: '6.1.0-47-amd64' });
});

test('paths: a directory is a build tree, a file an image with optional --modules', () => {
  const d = tempDir('spec-');
  mkdirSync(join(d, 'linux'));
  writeFileSync(join(d, 'bzImage'), 'x');
  assert.deepEqual(parseKernelSpec(join(d, 'linux')), { kind: 'tree', path: join(d, 'linux') });
  assert.deepEqual(parseKernelSpec('./bzImage', { cwd: d }), { kind: 'image', path: join(d, 'bzImage') });
  assert.deepEqual(parseKernelSpec('./bzImage', { cwd: d, modules: 'mods' }), {
    kind: 'image',
    path: join(d, 'bzImage'),
    modules: join(d, 'mods'),
  });
  assert.equal(formatKernelSpec(parseKernelSpec('./bzImage', { cwd: d, modules: '/m' })), `${join(d, 'bzImage')} --modules /m`);
});

test('errors name the input and what was expected', () => {
  const bad = (text: string, re: RegExp, modules?: string): void => {
    assert.throws(
      () => parseKernelSpec(text, modules ? { modules } : {}),
      (e: unknown) =>
        e instanceof KernelSpecError && re.test(e.message) && e.message.includes('expected one of: host, debian:6.1, debian:6.12'),
    );
  };
  bad('', /empty/);
  bad('debian:5.10', /unknown Debian kernel "5\.10"/);
  bad('ubuntu:24.04', /not recognised/);
  bad('/nonexistent/bzImage', /does not exist/);
  bad('host', /--modules applies only/, '/tmp');
});

test('resolution from recorded apt-cache output picks the newest plain amd64 image', () => {
  assert.deepEqual(resolveDebianPackage({ kind: 'debian', series: '6.12' }, APT), {
    package: 'linux-image-6.12.117+deb12-amd64',
    release: '6.12.117+deb12-amd64',
    series: '6.12',
  });
  assert.deepEqual(resolveDebianPackage({ kind: 'debian', series: '6.1' }, APT), {
    package: 'linux-image-6.1.0-56-amd64',
    release: '6.1.0-56-amd64',
    series: '6.1',
  });
  // numeric, not lexical: 6.12.100 < 6.12.117, 6.1.0-9 < 6.1.0-10
  const two = 'linux-image-6.1.0-9-amd64 - Linux 6.1\nlinux-image-6.1.0-10-amd64 - Linux 6.1\n';
  assert.equal(resolveDebianPackage({ kind: 'debian', series: '6.1' }, two).release, '6.1.0-10-amd64');
  const all = debianPackages('6.12', APT).map((p) => p.release);
  assert.ok(
    all.every((r) => /^6\.12\.\d+\+deb12-amd64$/.test(r)),
    'no -dbg, -unsigned, cloud or rt',
  );
  assert.equal(all[0], '6.12.100+deb12-amd64');
});

test('exact release resolves or says what apt knows', () => {
  assert.equal(
    resolveDebianPackage({ kind: 'debian', series: '6.1', release: '6.1.0-47-amd64' }, APT).package,
    'linux-image-6.1.0-47-amd64',
  );
  assert.throws(
    () => resolveDebianPackage({ kind: 'debian', series: '6.1', release: '6.1.0-1-amd64' }, APT),
    /apt knows no package linux-image-6\.1\.0-1-amd64 .*6\.1\.0-56-amd64/,
  );
  assert.throws(() => resolveDebianPackage({ kind: 'debian', series: '6.12' }, ''), /apt knows no linux-image-6\.12\.N\+debX-amd64/);
});
