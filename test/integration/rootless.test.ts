// Without root: mptcp-lab re-runs itself in a user namespace and the lab
// still runs on real MPTCP sockets. Run as uid 65534 (nobody) via setpriv.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, cannotRun, ROOT } from './host-state.js';

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

function whyNot(): string | undefined {
  const base = cannotRun();
  if (base) return base;
  if (spawnSync('setpriv', ['--version']).status !== 0) return 'setpriv (util-linux) is not installed';
  if (spawnSync('setpriv', [...NOBODY, 'unshare', '--user', '--map-root-user', 'true']).status !== 0)
    return 'unprivileged user namespaces are not allowed on this machine';
  if (spawnSync('setpriv', [...NOBODY, 'test', '-r', CLI]).status !== 0)
    return `the checkout (${ROOT}) is not readable by an unprivileged user`;
  return undefined;
}

test('an unprivileged user runs a lab through a user namespace', { skip: whyNot() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-rootless-'));
  chmodSync(dir, 0o777);
  try {
    const r = spawnSync(
      'setpriv',
      [...NOBODY, 'env', `HOME=${dir}`, process.execPath, CLI, 'run', 'single-subflow', '--engine', 'off', '--results', join(dir, 'out')],
      { cwd: dir, encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ok 1 - single-subflow \[kernel host /m);
    assert.match(r.stdout, /ok \d+ - join\.ack/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Whether this kernel refuses an nft payload write to an unprivileged user's namespace (the test's own look, not mptcp-lab's). */
function rewriteRefusedRootless(): boolean {
  const rule =
    'table netdev t { chain c { type filter hook ingress device "pa" priority -10; ip protocol tcp @ih,800,16 set @ih,800,16 ^ 0xff00; }; }';
  const script = `ip link add name pa type veth peer name pb && printf '%s\\n' '${rule}' | nft -f -`;
  return spawnSync('setpriv', [...NOBODY, 'unshare', '--user', '--map-root-user', '--net', 'sh', '-c', script]).status !== 0;
}

test('rootless, a lab with a payload rewrite is a SKIP naming the privilege, not a failure', { skip: whyNot() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-rootless-'));
  chmodSync(dir, 0o777);
  try {
    const r = spawnSync(
      'setpriv',
      [...NOBODY, 'env', `HOME=${dir}`, process.execPath, CLI, 'run', 'mp-fail-mp-rst', '--engine', 'off', '--results', join(dir, 'out')],
      { cwd: dir, encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
    if (rewriteRefusedRootless())
      assert.match(
        r.stdout,
        /^ok 1 - mp-fail-mp-rst \[kernel host [^\]]*\] # SKIP run as root: nft payload rewriting is not permitted in a user namespace$/m,
      );
    // A kernel that lets a user namespace rewrite payloads runs the lab.
    else assert.match(r.stdout, /^ok 1 - mp-fail-mp-rst \[kernel host [^\]]*\]$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without root, commands that create nothing run as the user', { skip: whyNot() }, () => {
  const r = spawnSync('setpriv', [...NOBODY, process.execPath, CLI, 'list', '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.ok((JSON.parse(r.stdout) as unknown[]).length >= 20);
});

test('without root and without a way into a user namespace, run exits 3 and says why', { skip: whyNot() }, () => {
  // No unshare on PATH stands for a machine where user namespaces cannot be had.
  const r = spawnSync('setpriv', [...NOBODY, 'env', 'PATH=/nonexistent', process.execPath, CLI, 'run', 'no-join'], { encoding: 'utf8' });
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /not root, and no user namespace can be created here .*run with sudo/);
  assert.equal(r.stdout, '');
});
