// What the VM integration tests share: whether this machine can boot a
// guest, and which qemu processes are ours (to prove none outlives a run).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { QEMU } from '../../../kernels/vm/qemu.js';

export function missing(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (apt-get download and the 9p root share need root)';
  if (spawnSync(QEMU, ['--version']).status !== 0) return `${QEMU} missing (apt-get install qemu-system-x86)`;
  if (!existsSync('/bin/busybox')) return '/bin/busybox missing (apt-get install busybox-static)';
  if (spawnSync('xz', ['--version']).status !== 0) return 'xz missing (apt-get install xz-utils)';
  return undefined;
}

/**
 * PIDs of qemu processes started by runInVm (their argv names an mptcp-lab-vm-
 * work dir) on behalf of this test process or a run it started (their
 * MPTCP_LAB_RUN names us or a descendant), or orphaned by a run that is gone.
 * Other live runs' guests (another test process on the machine) are not ours.
 */
export function ourQemus(): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (!cmd.startsWith(QEMU) || !cmd.includes('mptcp-lab-vm-')) continue;
      const run = Number(/(?:^|\0)MPTCP_LAB_RUN=(\d+)/.exec(readFileSync(`/proc/${p}/environ`, 'utf8'))?.[1]);
      if (!run || !existsSync(`/proc/${run}`) || descendsFromUs(run)) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

function descendsFromUs(pid: number): boolean {
  for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
    if (p === process.pid) return true;
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
  return false;
}
