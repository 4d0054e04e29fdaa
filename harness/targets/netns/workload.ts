// Runs the lab's workload: the server agent, then the client agent, each on a
// thread of this process (agent-thread.ts) over real MPTCP sockets made inside
// the hosts' namespaces. Logs their messages, fires the timed events once the first
// connection is up, and turns the two reports into TransferObservations.
import { readFileSync } from 'node:fs';
import type { BuiltLab } from './build.js';
import type { EndpointReport, TransferObservation } from '../../observations.js';
import type { Agent } from '../../workload/agent.js';
import type { AgentMessage, AgentResult, AgentSpec } from '../../workload/spec.js';
import { startIpBatch, type IpBatch } from '../../workload/ip-batch.js';
import { linkEnds } from './build.js';
import { busyFraction, parseCpuTimes, type CpuTimes } from '../../observe/cpu.js';
import { takeAgentThread } from './agent-thread.js';
import type { TimedEvent } from '../../lab/model.js';
import { PmClients, scheduleEvents, type AppliedEvent, type EventRunners, type IpRunner } from './events.js';

/** Agents log their messages to the lab's log as JSON lines. */
function logAs(role: string, log: (line: string) => void): (msg: AgentMessage) => void {
  return (msg) => log(`${role}: ${JSON.stringify(msg)}`);
}

function emptyReport(error: string): EndpointReport {
  return { bytesSent: 0, bytesReceived: 0, sha256Sent: '', sha256Received: '', fallback: false, mptcp: false, subflows: [], error };
}

/** Both sides' reports of connection i → one observation; intact when what was sent arrived. */
function toTransfer(i: number, spec: AgentSpec, client: AgentResult, server: AgentResult): TransferObservation {
  const c = client.connections.find((x) => x.connection === i);
  const s = server.connections.find((x) => x.connection === i);
  const cr = c?.report ?? emptyReport(client.error ?? 'no client report');
  const sr = s?.report ?? emptyReport(server.error ?? 'no server report');
  const want = spec.sizeBytes;
  const up = spec.direction !== 'download';
  const down = spec.direction !== 'upload';
  const upOk = !up || (cr.bytesSent === want && sr.bytesReceived === want && cr.sha256Sent === sr.sha256Received);
  const downOk = !down || (sr.bytesSent === want && cr.bytesReceived === want && sr.sha256Sent === cr.sha256Received);
  return {
    connection: i,
    direction: spec.direction,
    sizeBytes: want,
    durationMs: c?.durationMs ?? 0,
    client: cr,
    server: sr,
    intact: upOk && downOk && !cr.error && !sr.error,
  };
}

export interface WorkloadOutcome {
  transfers: TransferObservation[];
  applied: AppliedEvent[];
  workloadMs: number;
  /** Share of the machine's CPU time busy over the workload (0..1), when /proc/stat could be read. */
  cpuBusy?: number;
  /** Set when the workload did not finish by itself (timeout, agent crash). */
  error?: string;
}

type Schedule = ReturnType<typeof scheduleEvents>;

function readCpuTimes(): CpuTimes | undefined {
  try {
    return parseCpuTimes(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/** Events on the clock that starts at the first data byte: the ones due at 0 ms before it, the rest after (exported for its test). */
export class EventClock {
  private readonly parts: { schedule: Schedule; startedAt: number }[] = [];
  private cancelled = false;

  constructor(
    private readonly built: BuiltLab,
    private readonly log: (line: string) => void,
    private readonly runners: EventRunners = {},
  ) {}

  /** Applies the events due at once, releases the held client, then schedules the others from now. */
  async start(events: readonly TimedEvent[], release: (() => void) | undefined): Promise<void> {
    const now = events.filter((e) => e.atMs <= 0);
    if (release && now.length) await this.schedule(now).done;
    // The workload may have ended meanwhile (timeout, agent crash): nothing more is due then.
    if (this.cancelled) return;
    release?.();
    this.schedule(release ? events.filter((e) => e.atMs > 0) : events);
  }

  private schedule(events: readonly TimedEvent[]): Schedule {
    const schedule = scheduleEvents(this.built, events, this.log, this.runners);
    this.parts.push({ schedule, startedAt: performance.now() });
    return schedule;
  }

  cancel(): void {
    this.cancelled = true;
    for (const p of this.parts) p.schedule.cancel();
  }

  /**
   * What was applied. An event whose command returned only after the workload ended did not
   * act during the transfer (on an emulated CPU an impairment "at 0 ms" once took 2.2 s, after
   * a 1 s transfer): the lab did not test what it says, so that event failed.
   */
  async applied(endedAt: number): Promise<AppliedEvent[]> {
    const out: AppliedEvent[] = [];
    for (const p of this.parts) {
      for (const a of await p.schedule.done) {
        const late = a.ok && a.doneMs !== undefined && p.startedAt + a.doneMs > endedAt;
        out.push(
          late
            ? {
                ...a,
                ok: false,
                error: `took effect at ${a.doneMs} ms, after the workload ended at ${Math.round(endedAt - p.startedAt)} ms`,
              }
            : a,
        );
      }
    }
    return out;
  }
}

/** The namespaces whose `ip` commands an event runs (link up/down). */
function ipEventHosts(built: BuiltLab): Set<string> {
  const hosts = new Set<string>();
  for (const e of built.lab.events) {
    if (e.action === 'link-down' || e.action === 'link-up') for (const end of linkEnds(built.lab, e.link)) hosts.add(end.host);
  }
  return hosts;
}

/** The namespaces whose endpoints an event changes (over a PM netlink socket). */
function endpointEventHosts(built: BuiltLab): Set<string> {
  const hosts = new Set<string>();
  for (const e of built.lab.events) {
    if (e.action === 'endpoint-add' || e.action === 'endpoint-delete' || e.action === 'endpoint-flush' || e.action === 'backup')
      hosts.add(e.host);
  }
  return hosts;
}

/** One ip batch process per namespace an event runs `ip` in, started before the transfer. */
function startIpRunner(built: BuiltLab): { ip: IpRunner | undefined; close: () => Promise<void> } {
  const batches = new Map<string, IpBatch>();
  for (const host of ipEventHosts(built)) batches.set(built.ns[host]!, startIpBatch(built.ns[host]!));
  if (!batches.size) return { ip: undefined, close: async () => undefined };
  const ip: IpRunner = (ns, words) => batches.get(ns)!.run(words.join(' '));
  return { ip, close: async () => void (await Promise.all([...batches.values()].map((b) => b.close()))) };
}

/** The PM sockets of the endpoint events' namespaces, opened before the transfer. */
function openPmClients(built: BuiltLab): PmClients {
  const pm = new PmClients();
  try {
    for (const host of endpointEventHosts(built)) pm.get(built.ns[host]!);
  } catch (e) {
    pm.close();
    throw e;
  }
  return pm;
}

export async function runWorkload(
  built: BuiltLab,
  server: AgentSpec,
  client: AgentSpec,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<WorkloadOutcome> {
  const w = built.lab.workload;
  const started = performance.now();
  const cpuAtStart = readCpuTimes();
  const agents: Agent[] = [];
  // First: it may throw (no mptcp_pm family), before anything else is started.
  const pm = openPmClients(built);
  // A thread for each end, as each had its own process: both ends are scheduled apart.
  const threads = [takeAgentThread(), takeAgentThread()] as const;
  const ipBatches = startIpRunner(built);
  const events = new EventClock(built, log, { ip: ipBatches.ip, pm });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  try {
    // A thread warms up (warm-up.ts) before its first lab: that must not run beside this lab's transfer.
    await Promise.all(threads.map((t) => t.ready));
    log('agent threads ready');
    const srv = threads[0].start(built.ns[w.server]!, server, logAs(server.role, log));
    agents.push(srv);
    await srv.waitFor('listening', 10_000);
    const cli = threads[1].start(built.ns[w.client]!, client, logAs(client.role, log));
    agents.push(cli);
    const release = client.role === 'client' && client.holdStart ? () => cli.release() : undefined;
    // A held client's events due at 0 ms wait for the server to have the connection too: an
    // impairment must not reach the handshake's last packets (reordered behind data, the third
    // ACK makes the server fall back to TCP).
    const handshakeDone = release
      ? Promise.all([cli.waitFor('connected', timeoutMs), srv.waitFor('accepted', timeoutMs)])
      : cli.waitFor('connected', timeoutMs);
    void handshakeDone.then(
      () => events.start(built.lab.events, release),
      () => undefined,
    );
    const both = Promise.all([cli.result, srv.result]);
    const first = await Promise.race([both, timedOut]);
    const endedAt = performance.now();
    const workloadMs = endedAt - started;
    const cpuBusy = busyFraction(cpuAtStart, readCpuTimes());
    events.cancel();
    const applied = await events.applied(endedAt);
    if (first === 'timeout') {
      return { transfers: [], applied, workloadMs, cpuBusy, error: `workload timed out after ${timeoutMs} ms` };
    }
    const [cr, sr] = first;
    const transfers = Array.from({ length: w.connections }, (_, i) => toTransfer(i, client, cr, sr));
    const error =
      !cr.ok || !sr.ok
        ? [cr.error && `client: ${cr.error}`, sr.error && `server: ${sr.error}`].filter(Boolean).join('; ') || undefined
        : undefined;
    return { transfers, applied, workloadMs, cpuBusy, error };
  } finally {
    clearTimeout(timer);
    events.cancel();
    // Every socket closed before the lab's teardown (stop is a no-op for an agent that finished).
    for (const a of agents) a.stop('the workload ended');
    await Promise.all(agents.map((a) => a.result));
    for (const t of threads) t.done();
    await ipBatches.close();
    pm.close();
  }
}
