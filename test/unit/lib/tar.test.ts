// The tar writer against GNU tar: what it writes lists and extracts as
// written, long names (pax) and symlinks included.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { splitUstarName, tarBuffer, type TarEntry } from '../../../lib/tar.js';

const LONG = `node_modules/${'a'.repeat(60)}/${'b'.repeat(60)}/${'c'.repeat(120)}.js`;

test('splitUstarName: short names as they are; long ones at a slash; too long for ustar: undefined', () => {
  assert.deepEqual(splitUstarName('Dockerfile'), { prefix: '', name: 'Dockerfile' });
  const mid = `${'p'.repeat(120)}/name.js`;
  assert.deepEqual(splitUstarName(mid), { prefix: 'p'.repeat(120), name: 'name.js' });
  assert.equal(splitUstarName(LONG), undefined);
});

test('GNU tar extracts what tarBuffer writes: files with modes, folders, symlinks, a long name', async () => {
  const entries: TarEntry[] = [
    { type: 'file', name: 'Dockerfile', data: 'FROM scratch\n' },
    { type: 'dir', name: 'node_modules' },
    { type: 'file', name: 'node_modules/x/cli.js', data: Buffer.from('#!/usr/bin/env node\n'), mode: 0o755 },
    { type: 'symlink', name: 'node_modules/.bin/x', target: '../x/cli.js' },
    { type: 'file', name: LONG, data: Buffer.alloc(1000, 7) },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-tar-'));
  try {
    const archive = join(dir, 'a.tar');
    writeFileSync(archive, await tarBuffer(entries));
    assert.equal(readFileSync(archive).length % 512, 0);
    const list = spawnSync('tar', ['-tf', archive], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    assert.deepEqual(list.stdout.trim().split('\n'), ['Dockerfile', 'node_modules/', 'node_modules/x/cli.js', 'node_modules/.bin/x', LONG]);
    const out = join(dir, 'out');
    spawnSync('mkdir', [out]);
    const x = spawnSync('tar', ['-xf', archive, '-C', out], { encoding: 'utf8' });
    assert.equal(x.status, 0, x.stderr);
    assert.equal(readFileSync(join(out, 'Dockerfile'), 'utf8'), 'FROM scratch\n');
    assert.equal(lstatSync(join(out, 'node_modules/x/cli.js')).mode & 0o777, 0o755);
    assert.equal(readlinkSync(join(out, 'node_modules/.bin/x')), '../x/cli.js');
    assert.deepEqual(readFileSync(join(out, LONG)), Buffer.alloc(1000, 7));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
