// `mptcp-lab clean` ends a real qemu whose run is gone (and removes its work
// dir), and keeps one whose run is alive, with and without --all. The qemu
// processes are cheap (`-machine none -S`: no CPU ever runs) but real, with
// the two marks runInVm leaves: the mptcp-lab-vm- work dir in argv and
// MPTCP_LAB_RUN=<run pid> in the environment.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { alive } from '../../../lib/pids.js';
import { RUN_MARK } from '../../../lib/exec.js';
import { QEMU } from '../../../kernels/vm/qemu.js';
import { runCli } from '../host-state.js';

function cannot(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (clean reads other processes' environments)";
  if (spawnSync(QEMU, ['--version']).status !== 0) return `${QEMU} missing (apt-get install qemu-system-x86)`;
  return undefined;
}

const started: { child: ChildProcess; dir: string }[] = [];

function startQemu(runPid: number): { child: ChildProcess; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-vm-'));
  const child = spawn(
    QEMU,
    [
      '-machine',
      'none',
      '-S',
      '-nodefaults',
      '-no-user-config',
      '-display',
      'none',
      '-chardev',
      `file,id=console,path=${join(dir, 'console.log')}`,
    ],
    {
      stdio: 'ignore',
      env: { ...process.env, [RUN_MARK]: String(runPid) },
    },
  );
  started.push({ child, dir });
  return { child, dir };
}

/** A PID that was just used and is gone. */
function deadPid(): number {
  const r = spawnSync('true');
  assert.ok(r.pid > 0 && !alive(r.pid));
  return r.pid;
}

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

after(() => {
  for (const s of started) {
    if (s.child.pid && alive(s.child.pid)) s.child.kill('SIGKILL');
    rmSync(s.dir, { recursive: true, force: true });
  }
});

describe('mptcp-lab clean and qemu', { skip: cannot() }, () => {
  test('ends the qemu of a run that is gone, keeps the one of a live run (also with --all)', async () => {
    const orphan = startQemu(deadPid());
    const live = startQemu(process.pid);
    await until('both qemus to be up', () => existsSync(join(orphan.dir, 'console.log')) && existsSync(join(live.dir, 'console.log')));

    const r = await runCli(['clean']);
    assert.equal(r.code, 0, r.stderr);
    await until('the orphan to exit', () => orphan.child.exitCode !== null || orphan.child.signalCode !== null);
    assert.equal(alive(orphan.child.pid!), false);
    assert.equal(existsSync(orphan.dir), false, "the orphan's work dir is removed");
    assert.match(r.stderr, new RegExp(`ended qemu ${orphan.child.pid} \\(run \\d+ is gone; SIG(TERM|KILL); removed ${orphan.dir}\\)`));
    assert.ok(alive(live.child.pid!), 'the qemu of a live run is kept');
    assert.match(r.stderr, new RegExp(`kept \\(their run is alive: [^)]*qemu ${live.child.pid} of run ${process.pid}`));

    const all = await runCli(['clean', '--all']);
    assert.equal(all.code, 0, all.stderr);
    assert.ok(alive(live.child.pid!), "--all still never ends a live run's qemu");
    assert.doesNotMatch(all.stderr, new RegExp(`ended qemu ${live.child.pid}\\b`));

    // Ours to end: by PID.
    process.kill(live.child.pid!, 'SIGTERM');
    await until('our qemu to exit', () => live.child.exitCode !== null || live.child.signalCode !== null);
  });
});
