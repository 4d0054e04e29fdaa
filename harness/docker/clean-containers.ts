// `mptcp-lab clean`, the Docker part: containers of `run --docker` whose run
// is gone (killed before it could remove them). Ours carry the run's PID, its
// start time and the machine in labels (container-run.ts); a container is
// removed when that run is not alive on this machine, or its PID now belongs
// to a later process. A live run's container is never touched.
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { alive } from '../../lib/pids.js';
import { parseStartTicks } from '../targets/vm/clean-qemu.js';
import { HOST_LABEL, RUN_LABEL, RUN_START_LABEL } from './container-run.js';
import { describeDockerFailure, dockerClient } from './daemon.js';

export interface ContainerCleanReport {
  removed: { id: string; runPid: number; why: string }[];
  kept: number;
  /** Why no container was looked at (no daemon here); undefined when they were. */
  skipped?: string;
}

function startTicksOf(pid: number): number | undefined {
  try {
    return parseStartTicks(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return undefined;
  }
}

/** Why the container of run `runPid` (started at `runStart` ticks) is an orphan here, or undefined when its run is alive. */
export function containerOrphanReason(
  runPid: number,
  runStart: number | undefined,
  isAlive = alive,
  ticksOf = startTicksOf,
): string | undefined {
  if (!Number.isInteger(runPid) || runPid <= 0) return 'no run PID in its label';
  if (!isAlive(runPid)) return `run ${runPid} is gone`;
  const now = ticksOf(runPid);
  if (runStart !== undefined && now !== undefined && now !== runStart) return `PID ${runPid} now belongs to another process`;
  return undefined;
}

/** Whether a daemon could be here at all: DOCKER_HOST set, or the default socket exists. */
function daemonExpected(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

/** Removes the containers of this machine's runs that are gone. */
export async function cleanOrphanContainers(): Promise<ContainerCleanReport> {
  if (!daemonExpected()) return { removed: [], kept: 0, skipped: 'no Docker daemon here' };
  const docker = await dockerClient();
  let list;
  try {
    list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [RUN_LABEL] }) });
  } catch (e) {
    return { removed: [], kept: 0, skipped: describeDockerFailure(e, 'containers').message };
  }
  const report: ContainerCleanReport = { removed: [], kept: 0 };
  for (const c of list) {
    // Another machine's run (a shared daemon) is not ours to judge by PID.
    if (c.Labels[HOST_LABEL] !== hostname()) {
      report.kept++;
      continue;
    }
    const runPid = Number(c.Labels[RUN_LABEL]);
    const start = Number(c.Labels[RUN_START_LABEL]);
    const why = containerOrphanReason(runPid, c.Labels[RUN_START_LABEL] && Number.isInteger(start) ? start : undefined);
    if (!why) {
      report.kept++;
      continue;
    }
    try {
      await docker.getContainer(c.Id).remove({ force: true });
      report.removed.push({ id: c.Id.slice(0, 12), runPid, why });
    } catch {
      /* removed meanwhile */
    }
  }
  return report;
}
