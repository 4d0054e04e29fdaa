// `mptcp-lab clean`, the qemu part: a guest whose run is gone keeps a CPU
// busy until its own timeout, or forever if the run was killed before it
// could end it. Ours are recognised by two marks runInVm leaves: the work
// dir in qemu's argv (mkdtemp `mptcp-lab-vm-`, kernels/vm/qemu.ts) and
// MPTCP_LAB_RUN=<pid of the run> in its environment (harness/exec.ts
// spawnLong). A qemu is an orphan when that run is no longer alive, or when
// the PID now belongs to a process that started after the qemu (the PID was
// reused). Orphans are ended by PID: SIGTERM, then SIGKILL after a grace
// period. A qemu of a live run is never touched, whatever the flags.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { alive } from '../../../lib/pids.js';
import { RUN_MARK } from '../../../lib/exec.js';

/** What runInVm puts in qemu's argv: its work dir, made with mkdtemp(tmpdir()/mptcp-lab-vm-). */
export const VM_MARK = 'mptcp-lab-vm-';

export interface OurQemu {
  pid: number;
  /** MPTCP_LAB_RUN: the PID of the mptcp-lab run that started it. */
  runPid: number;
  /** The mptcp-lab-vm-* work dir named in its argv, if one could be read. */
  workDir: string | undefined;
  /** Start time in clock ticks since boot (/proc/PID/stat field 22). */
  startTicks: number;
}

/** Field 22 (starttime) of /proc/PID/stat; the command name in field 2 may hold spaces and parentheses. */
export function parseStartTicks(stat: string): number | undefined {
  const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // afterName[0] is field 3 (state), so field 22 is at index 19.
  const ticks = Number(afterName[19]);
  return Number.isInteger(ticks) && ticks >= 0 ? ticks : undefined;
}

/** The work dir of a qemu started by runInVm, from an argument such as `file:/tmp/mptcp-lab-vm-ab12/console.log`. */
export function workDirFromArgv(argv: readonly string[]): string | undefined {
  for (const arg of argv) {
    const i = arg.indexOf(VM_MARK);
    if (i < 0) continue;
    // The path starts after the last `:` or `=` before the mark (file:..., path=...).
    const start = Math.max(arg.lastIndexOf(':', i), arg.lastIndexOf('=', i)) + 1;
    let path = arg.slice(start).split(',')[0]!;
    while (path && !basename(path).startsWith(VM_MARK)) path = dirname(path);
    if (path.startsWith('/') && basename(path).startsWith(VM_MARK)) return path;
  }
  return undefined;
}

/** One process as /proc shows it: is it a qemu of ours, and whose? */
export function parseOurQemu(pid: number, cmdline: string, environ: string, stat: string): OurQemu | undefined {
  const argv = cmdline.split('\0').filter((a) => a !== '');
  if (!argv[0] || !basename(argv[0]).startsWith('qemu-system-')) return undefined;
  if (!argv.some((a) => a.includes(VM_MARK))) return undefined;
  const mark = environ.split('\0').find((e) => e.startsWith(`${RUN_MARK}=`));
  const runPid = Number(mark?.slice(RUN_MARK.length + 1));
  // Without the run mark it is not ours to judge.
  if (!Number.isInteger(runPid) || runPid <= 0) return undefined;
  const startTicks = parseStartTicks(stat);
  if (startTicks === undefined) return undefined;
  return { pid, runPid, workDir: workDirFromArgv(argv), startTicks };
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return undefined;
  }
}

/** Every qemu on this machine that an mptcp-lab run started. */
export function ourQemus(): OurQemu[] {
  const out: OurQemu[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const cmdline = readProc(pid, 'cmdline');
    if (!cmdline || !cmdline.includes(VM_MARK)) continue;
    const q = parseOurQemu(pid, cmdline, readProc(pid, 'environ') ?? '', readProc(pid, 'stat') ?? '');
    if (q) out.push(q);
  }
  return out;
}

/** Why a qemu is an orphan, or undefined when its run is alive. */
export function orphanReason(q: OurQemu, runAlive: boolean, runStartTicks: number | undefined): string | undefined {
  if (!runAlive) return `run ${q.runPid} is gone`;
  // A run always starts before the qemu it spawns; a later start means the PID was reused.
  if (runStartTicks !== undefined && runStartTicks > q.startTicks)
    return `PID ${q.runPid} now belongs to another process (started after the qemu)`;
  return undefined;
}

export interface QemuCleanReport {
  ended: { pid: number; runPid: number; why: string; signal: 'SIGTERM' | 'SIGKILL'; workDir?: string }[];
  kept: OurQemu[];
}

async function endByPid(pid: number, graceMs: number): Promise<'SIGTERM' | 'SIGKILL'> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'SIGTERM';
  }
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  if (!alive(pid)) return 'SIGTERM';
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // ended between the check and the kill
  }
  return 'SIGKILL';
}

/** Ends the qemus of runs that are gone, by PID, and removes their work dirs. */
export async function cleanOrphanQemus(options: { graceMs?: number } = {}): Promise<QemuCleanReport> {
  const report: QemuCleanReport = { ended: [], kept: [] };
  for (const q of ourQemus()) {
    const stat = readProc(q.runPid, 'stat');
    const why = orphanReason(q, alive(q.runPid), stat ? parseStartTicks(stat) : undefined);
    if (!why) {
      report.kept.push(q);
      continue;
    }
    const signal = await endByPid(q.pid, options.graceMs ?? 2000);
    // Its run would have removed the work dir (console log, port files); it cannot any more.
    if (q.workDir && existsSync(q.workDir)) await rm(q.workDir, { recursive: true, force: true });
    report.ended.push({ pid: q.pid, runPid: q.runPid, why, signal, ...(q.workDir ? { workDir: q.workDir } : {}) });
  }
  return report;
}
