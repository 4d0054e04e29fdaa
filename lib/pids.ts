// PID bookkeeping for every process a run starts (agents, monitors, tcpdump,
// qemu): registered when started, ended by PID on exit or signal. Only PIDs
// we started are ever signalled; nothing is matched by name.
const pids = new Set<number>();

export function registerPid(pid: number | undefined): void {
  if (pid) pids.add(pid);
}
export function forgetPid(pid: number | undefined): void {
  if (pid) pids.delete(pid);
}

/** Whether a process exists (signal 0 delivers nothing). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after graceMs if it is still there. Only PIDs we started. */
export async function killPid(pid: number, graceMs = 1000): Promise<void> {
  if (!alive(pid)) return forgetPid(pid);
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return forgetPid(pid);
  }
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  forgetPid(pid);
}

/** Ends every registered process. */
export async function killRegisteredPids(graceMs: number): Promise<void> {
  await Promise.all([...pids].map((p) => killPid(p, graceMs)));
}
