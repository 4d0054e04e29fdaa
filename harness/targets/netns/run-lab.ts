// One lab on the host kernel (netns backend), start to finish:
// requirements → build → observers → workload + events → observations →
// teardown → checks. Teardown happens whatever happened before it.
import { mkdir, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { buildLab, teardownLab, type BuiltLab } from './build.js';
import { probeCapabilities, type Capabilities } from '../../capabilities.js';
import { killPid, registerPid } from '../../../lib/pids.js';
import { spawnLong } from '../../../lib/exec.js';
import { evaluate } from '../../expect/checks.js';
import { explainLabResult, findStreamDiffs } from '../../integrity/explain-lab.js';
import { explanationLines } from '../../integrity/explain.js';
import type { Lab } from '../../lab/model.js';
import type { Observations } from '../../observations.js';
import { linkStatsDelta, readLinkStats, type LinkStatsByName } from '../../observe/links.js';
import { allClosed, startMonitor, type Monitor } from '../../observe/monitor.js';
import { counterDelta, filterCounters, readCounters, type Counters } from '../../observe/nstat.js';
import { unmetRequirements } from '../../requirements.js';
import { resultBase, skippedResult, type LabResult, type TargetInfo } from '../../result.js';
import type { ClientSpec, ServerSpec } from '../../workload/spec.js';
import { deriveSeed, payloadSeed } from '../../seed.js';
import { runWorkload } from './workload.js';

export interface LabRunOptions {
  seed: number;
  /** Overrides the lab's own timeout. */
  timeoutMs?: number;
  /** Folder for this lab's log and pcaps; nothing is written when undefined. */
  outDir?: string;
  capture?: boolean;
}

export function hostTarget(caps: Capabilities): TargetInfo {
  return { kind: 'kernel', spec: 'host', version: caps.kernelVersion, backend: 'netns' };
}

export function agentSpecs(lab: Lab, seed: number, timeoutMs: number): { server: ServerSpec; client: ClientSpec } {
  const w = lab.workload;
  const port = w.port ?? 10_000 + (deriveSeed(seed, lab.name, 'port') % 50_000);
  const common = {
    port,
    connections: w.connections,
    direction: w.direction,
    sizeBytes: w.sizeBytes,
    seed: payloadSeed(seed, lab.name),
    write: w.write,
    timeoutMs,
  };
  const anyV6 = lab.hosts.find((h) => h.name === w.server)?.interfaces.some((i) => i.addresses.some((a) => a.family === 6)) ?? false;
  return {
    server: { role: 'server', mptcp: w.serverMptcp, family: anyV6 ? 6 : 4, ...common },
    client: {
      role: 'client',
      mptcp: w.clientMptcp,
      address: w.connect,
      ...(w.bind ? { bind: w.bind } : {}),
      ...(w.abortAfterBytes !== undefined ? { abortAfterBytes: w.abortAfterBytes } : {}),
      ...(lab.events.length ? { holdStart: true } : {}),
      ...common,
    },
  };
}

interface Observers {
  monitors: Record<string, Monitor>;
  counters: Record<string, Counters>;
  links: Record<string, LinkStatsByName>;
  captures: { pid: number | undefined; done: Promise<unknown>; file: string; ready: Promise<void> }[];
}

/** Resolves once a stream printed `text` (tcpdump says "listening on" when it captures), or after timeoutMs. */
function printed(stream: NodeJS.ReadableStream | null, text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    let seen = '';
    stream?.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    stream?.on('end', () => (clearTimeout(timer), resolve()));
  });
}

async function startObservers(built: BuiltLab, opts: LabRunOptions): Promise<Observers> {
  const hosts = built.lab.hosts.map((h) => h.name);
  // In process: each monitor has joined its host's event group when startMonitor returns.
  const monitors: Record<string, Monitor> = {};
  try {
    for (const h of hosts) monitors[h] = startMonitor(built.ns[h]!);
  } catch (e) {
    // Close the sockets already open: nothing else would.
    await Promise.all(Object.values(monitors).map((m) => m.stop()));
    throw e;
  }
  const captures: Observers['captures'] = [];
  if (opts.capture && opts.outDir) {
    for (const l of built.lab.links) {
      const file = join(opts.outDir, `${l.name}.pcap`);
      const child = spawnLong(['tcpdump', '-i', l.a.ifname, '-w', file, '--immediate-mode', '-U', '-Z', 'root', '-q'], built.ns[l.a.host]);
      registerPid(child.pid);
      captures.push({ pid: child.pid, done: child, file, ready: printed(child.stderr, 'listening on', 5000) });
    }
  }
  const counters = Object.fromEntries(hosts.map((h) => [h, readCounters(built.ns[h]!)]));
  const links = Object.fromEntries(hosts.map((h) => [h, readLinkStats(built.ns[h]!)]));
  await Promise.all(captures.map((c) => c.ready));
  return { monitors, counters, links, captures };
}

/** Longest wait for the events that follow the transfer (SF_CLOSED, CLOSED, LISTENER_CLOSED). */
const CLOSE_EVENTS_MS = 100;

/**
 * Until every host reported its connections and listeners closed, or CLOSE_EVENTS_MS. No grace
 * after that: the kernel raises CLOSED and LISTENER_CLOSED inside close(), after the events of
 * that close, and SF_CLOSED only while the connection is still established (mptcp_close_ssk),
 * so nothing of a connection follows its CLOSED; monitor.stop() takes what is queued.
 */
async function closeEvents(monitors: readonly Monitor[]): Promise<void> {
  const deadline = performance.now() + CLOSE_EVENTS_MS;
  while (performance.now() < deadline && !monitors.every((m) => allClosed(m.lines()))) await sleep(2);
}

async function stopObservers(
  built: BuiltLab,
  o: Observers,
  log: (line: string) => void,
): Promise<Pick<Observations, 'counters' | 'events' | 'links'>> {
  const hosts = built.lab.hosts.map((h) => h.name);
  const counters = hosts.map((h) => [h, filterCounters(counterDelta(o.counters[h]!, readCounters(built.ns[h]!)))] as const);
  const linkStats = hosts.map((h) => [h, linkStatsDelta(o.links[h]!, readLinkStats(built.ns[h]!))] as const);
  log('counters and link stats read');
  await closeEvents(Object.values(o.monitors));
  const events = await Promise.all(hosts.map(async (h) => [h, await o.monitors[h]!.stop()] as const));
  await Promise.all(o.captures.map((c) => (c.pid ? killPid(c.pid, 1000) : undefined)));
  log('observers stopped');
  const stats = Object.fromEntries(linkStats);
  // Packets beside bytes: bytes per packet far above the MTU mean GSO super-packets went by (a qdisc drops those whole).
  for (const l of built.lab.links) {
    const ends = [stats[l.a.host]?.[l.a.ifname], stats[l.b.host]?.[l.b.ifname]];
    log(`link ${l.name}: ${ends.map((e, k) => `${k ? 'b->a' : 'a->b'} ${e?.txBytes ?? 0} B in ${e?.txPackets ?? 0} packets`).join(', ')}`);
  }
  const links = Object.fromEntries(
    built.lab.links.map((l) => [
      l.name,
      { aToB: stats[l.a.host]?.[l.a.ifname]?.txBytes ?? 0, bToA: stats[l.b.host]?.[l.b.ifname]?.txBytes ?? 0 },
    ]),
  );
  return { counters: Object.fromEntries(counters), events: Object.fromEntries(events), links };
}

async function observe(
  built: BuiltLab,
  opts: LabRunOptions,
  log: (line: string) => void,
): Promise<{ obs: Observations; error?: string; pcaps: string[] }> {
  const timeoutMs = opts.timeoutMs ?? built.lab.timeoutMs;
  const { server, client } = agentSpecs(built.lab, opts.seed, timeoutMs);
  const observers = await startObservers(built, opts);
  log('observers started');
  try {
    const w = await runWorkload(built, server, client, timeoutMs, log);
    const seen = await stopObservers(built, observers, log);
    return {
      obs: {
        ...seen,
        transfers: w.transfers,
        workloadMs: w.workloadMs,
        applied: w.applied,
        ...(w.cpuBusy !== undefined ? { cpuBusy: w.cpuBusy } : {}),
      },
      error: w.error,
      pcaps: observers.captures.map((c) => c.file),
    };
  } finally {
    // On an exception the observers may still run: close the monitors' sockets, end the captures by PID.
    await Promise.all(Object.values(observers.monitors).map((m) => m.stop()));
    await Promise.all(observers.captures.map((c) => (c.pid ? killPid(c.pid, 500) : undefined)));
  }
}

/** Runs one lab once on the host kernel. Never throws for a lab problem: that is a failed result. */
export async function runLabOnHost(lab: Lab, opts: LabRunOptions): Promise<LabResult> {
  const caps = await probeCapabilities();
  const target = hostTarget(caps);
  const unmet = await unmetRequirements(lab, caps);
  if (unmet.length) return skippedResult(lab, target, unmet.map((u) => u.reason).join('; '));
  const started = performance.now();
  const logLines: string[] = [];
  const log = (line: string) => logLines.push(`${Math.round(performance.now() - started)} ms ${line}`);
  if (opts.outDir) await mkdir(opts.outDir, { recursive: true });
  let built: BuiltLab | undefined;
  const base = resultBase(lab, target);
  try {
    built = await buildLab(lab, caps);
    log(`built in ${built.setupMs.toFixed(1)} ms (${built.setupSteps}): ${Object.values(built.ns).join(' ')}`);
    const { obs, error, pcaps } = await observe(built, opts, log);
    const checks = evaluate(lab, obs);
    log('checks evaluated');
    const failed = Boolean(error) && lab.expect.integrity;
    const status = failed || checks.some((c) => !c.ok) ? 'fail' : 'pass';
    const explanation = status === 'fail' ? explainOnTheWire(lab.name, opts.seed, obs, pcaps, log) : undefined;
    return {
      ...base,
      status,
      ...(error ? { error } : {}),
      durationMs: performance.now() - started,
      checks,
      observations: obs,
      ...(pcaps.length ? { pcaps } : {}),
      ...(explanation ? { explanation } : {}),
    };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    log(`error: ${error}`);
    return { ...base, status: 'fail', error, durationMs: performance.now() - started, checks: [] };
  } finally {
    if (built) await teardownLab(built);
    if (opts.outDir) await writeFile(join(opts.outDir, 'log.txt'), logLines.join('\n') + '\n');
  }
}

/** A located integrity failure of a run with captures, tied to the wire: which subflow and mapping carried the wrong bytes. */
function explainOnTheWire(
  lab: string,
  seed: number,
  obs: Observations,
  pcaps: string[],
  log: (line: string) => void,
): string[] | undefined {
  const diffs = findStreamDiffs(obs.transfers);
  if (!pcaps.length || !diffs.length) return undefined;
  try {
    const lines = explainLabResult({ lab, pcaps, observations: obs }, seed, diffs).flatMap(explanationLines);
    log('integrity failure explained from the captures');
    return lines;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    log(`explain: ${why}`);
    return [`the captures could not explain it: ${why}`];
  }
}
