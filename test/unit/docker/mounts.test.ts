// What a containerized run mounts: the working folder, the run's paths
// outside it, never a folder over the image's own.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkBindable, runBinds, runDevices, within } from '../../../harness/docker/mounts.js';

test('within: a path and what is below it, not a sibling with the same prefix', () => {
  assert.ok(within('/a/b', '/a'));
  assert.ok(within('/a', '/a'));
  assert.ok(!within('/ab', '/a'));
  assert.ok(!within('/a', '/a/b'));
});

test('checkBindable refuses / and folders above the image’s system folders', () => {
  assert.throws(() => checkBindable('/', 'the working folder'), /mounted over the image's \/usr/);
  assert.throws(() => checkBindable('/opt', 'lab'), /over the image's \/opt\/mptcp-lab/);
  assert.throws(() => checkBindable('/usr', 'lab'), /\/usr/);
  checkBindable('/usr/src/linux', 'kernel');
  checkBindable('/home/me/lab', 'the working folder');
  checkBindable('/tmp', 'the working folder');
});

test('runBinds: the working folder read-write; paths outside it at their own path; what it covers is not mounted twice', () => {
  const base = mkdtempSync(join(tmpdir(), 'mptcp-lab-binds-'));
  try {
    const cwd = join(base, 'project');
    const labs = join(base, 'labs');
    const out = join(base, 'out');
    for (const d of [cwd, labs, out, join(cwd, 'sub')]) mkdirSync(d, { recursive: true });
    writeFileSync(join(labs, 'x.lab.yaml'), '');
    writeFileSync(join(cwd, 'sub', 'y.lab.yaml'), '');
    const binds = runBinds({
      cwd,
      labs: ['no-join', join(labs, 'x.lab.yaml'), 'sub/y.lab.yaml', labs],
      kernels: ['host', 'debian:6.12'],
      results: out,
      junit: join(out, 'j.xml'),
    });
    assert.deepEqual(binds, [
      { path: cwd, readOnly: false },
      { path: labs, readOnly: true },
      { path: out, readOnly: false },
    ]);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('runDevices: /dev/kvm and /dev/net/tun only where they exist', () => {
  assert.deepEqual(
    runDevices((d) => d === '/dev/net/tun'),
    ['/dev/net/tun'],
  );
  assert.deepEqual(
    runDevices(() => false),
    [],
  );
});
