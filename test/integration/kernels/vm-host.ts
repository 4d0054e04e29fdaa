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

/** PIDs of qemu processes started by runInVm (their argv names our mptcp-lab-vm- work dir). */
export function ourQemus(): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (cmd.startsWith(QEMU) && cmd.includes('mptcp-lab-vm-')) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

