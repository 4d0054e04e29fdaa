import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  listInitramfs,
  readCpio,
  S_IFCHR,
  S_IFDIR,
  S_IFLNK,
  S_IFREG,
  writeCpio,
  writeInitramfs,
  type CpioEntry,
} from '../../../kernels/cpio.js';

const ENTRIES: CpioEntry[] = [
  { type: 'dir', name: 'bin' },
  { type: 'file', name: 'bin/busybox', data: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3]), mode: 0o755 },
  { type: 'symlink', name: 'bin/sh', target: 'busybox' },
  { type: 'file', name: '/init', data: '#!/bin/sh\necho hi\n', mode: 0o755 },
  { type: 'file', name: 'empty', data: '' },
  { type: 'chardev', name: 'dev/console', major: 5, minor: 1 },
];

test('newc layout: 110-byte ASCII header, 4-byte alignment, TRAILER!!!', () => {
  const buf = writeCpio([{ type: 'file', name: 'a', data: 'xyz' }]);
  assert.equal(buf.toString('ascii', 0, 6), '070701');
  assert.equal(buf.length % 4, 0);
  // header 110 + "a\0" = 112 (aligned), data 3 → 4
  assert.equal(buf.toString('ascii', 110, 111), 'a');
  assert.equal(buf.toString('ascii', 112, 115), 'xyz');
  assert.equal(buf.toString('ascii', 116, 122), '070701');
  assert.ok(buf.includes('TRAILER!!!'));
  assert.deepEqual(writeCpio(ENTRIES), writeCpio(ENTRIES), 'reproducible');
});

test('round trip through listInitramfs, gzipped and concatenated', () => {
  const base = writeInitramfs(ENTRIES);
  const more = gzipSync(writeCpio([{ type: 'file', name: 'cmd.sh', data: 'uname -r\n' }]));
  const l = listInitramfs(Buffer.concat([base, more]));
  assert.deepEqual(
    l.map((e) => e.name),
    ['bin', 'bin/busybox', 'bin/sh', 'init', 'empty', 'dev/console', 'cmd.sh'],
  );
  const by = new Map(l.map((e) => [e.name, e]));
  assert.equal(by.get('bin')!.mode, S_IFDIR | 0o755);
  assert.equal(by.get('bin/busybox')!.mode, S_IFREG | 0o755);
  assert.deepEqual(by.get('bin/busybox')!.data, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3]));
  assert.equal(by.get('bin/sh')!.mode, S_IFLNK | 0o777);
  assert.equal(by.get('bin/sh')!.data.toString(), 'busybox');
  assert.equal(by.get('init')!.data.toString(), '#!/bin/sh\necho hi\n');
  assert.equal(by.get('empty')!.size, 0);
  assert.equal(by.get('dev/console')!.mode, S_IFCHR | 0o600);
  assert.deepEqual([by.get('dev/console')!.rdevmajor, by.get('dev/console')!.rdevminor], [5, 1]);
  assert.equal(by.get('cmd.sh')!.data.toString(), 'uname -r\n');
  assert.deepEqual(readCpio(writeCpio([])), []);
  assert.throws(() => writeCpio([{ type: 'dir', name: '../x' }]), /bad entry name/);
});

test('the system cpio reads our archives', (t) => {
  const probe = spawnSync('cpio', ['--version']);
  if (probe.error || probe.status !== 0) return t.skip('cpio not installed (apt-get install cpio)');
  const dir = mkdtempSync(join(tmpdir(), 'cpio-'));
  const file = join(dir, 'a.cpio');
  writeFileSync(file, writeCpio(ENTRIES));
  const list = spawnSync('cpio', ['-t', '--quiet'], { input: readFileSync(file) });
  assert.equal(list.status, 0, String(list.stderr));
  assert.deepEqual(String(list.stdout).trim().split('\n'), ['bin', 'bin/busybox', 'bin/sh', 'init', 'empty', 'dev/console']);
  const ext = join(dir, 'x');
  const x = spawnSync('sh', ['-c', 'mkdir -p "$1" && cd "$1" && cpio -id --quiet --no-absolute-filenames < "$2"', 'sh', ext, file]);
  if (x.status === 0) {
    assert.equal(readFileSync(join(ext, 'init'), 'utf8'), '#!/bin/sh\necho hi\n');
  }
});
