// How busy the machine's CPUs were over a stretch of time, from the first
// line of /proc/stat (jiffies per state, summed over CPUs). A kernel lab's
// completion time says something about the protocol only when the CPUs were
// not the bottleneck: several connections both ways on few CPUs make a
// transfer CPU-bound, and then its time measures the machine.

export interface CpuTimes {
  busy: number;
  total: number;
}

/** Busy and total jiffies from /proc/stat's text (user nice system idle iowait irq softirq steal ...). */
export function parseCpuTimes(stat: string): CpuTimes | undefined {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 5 || fields.some((n) => !Number.isFinite(n))) return undefined;
  const total = fields.reduce((x, y) => x + y, 0);
  const idle = fields[3]! + fields[4]!;
  return { busy: total - idle, total };
}

/** The share (0..1) of CPU time spent busy between two readings, undefined when no time passed. */
export function busyFraction(start: CpuTimes | undefined, end: CpuTimes | undefined): number | undefined {
  if (!start || !end) return undefined;
  const total = end.total - start.total;
  if (total <= 0) return undefined;
  return Math.min(1, Math.max(0, (end.busy - start.busy) / total));
}

/** At or above this busy share over the workload, the host was CPU-bound. */
export const CPU_BOUND_BUSY = 0.9;
