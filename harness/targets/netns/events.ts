// Timed events during the workload, applied to a built lab: link down/up,
// endpoint add/delete/flush, backup flag, impairment change, shell steps.
import { shellQuote } from '../../../lib/concurrent.js';
import { run } from '../../../lib/exec.js';
import type { BuiltLab } from './build.js';
import { changeImpairment, linkEnds } from './build.js';
import type { EventSpec, HostShell, Lab, TimedEvent } from '../../lab/model.js';
import { endpointWords } from '../../tools/ip.js';
import { describeEvent } from '../../lab/describe-event.js';
import { MptcpPmClient } from '../../netlink/mptcp-pm.js';
import { interfaceIndex } from '../../netlink/genl.js';
import { inNamespace } from './enter.js';

export { describeEvent };

/** The endpoint id of a delete or backup change: the lab's, or the kernel's for the lab's address. */
function endpointId(pm: MptcpPmClient, ns: string, id: number | undefined, address: string | undefined): number {
  if (id !== undefined) return id;
  const found = pm.endpoints().find((ep) => ep.address === address);
  if (!found) throw new Error(`no endpoint with address ${address} in ${ns}`);
  return found.id;
}

/**
 * A path-manager command socket per namespace (harness/netlink/mptcp-pm.ts), opened when first asked:
 * an endpoint event then costs a netlink request, not a process start (issue 9: in a TCG guest an
 * `ip` process took 0.7-1.6 s to start, and endpoint events due at 150 ms acted after the transfer).
 */
export class PmClients {
  private readonly clients = new Map<string, MptcpPmClient>();

  get(ns: string): MptcpPmClient {
    let c = this.clients.get(ns);
    if (!c) {
      c = inNamespace(ns, () => MptcpPmClient.open());
      this.clients.set(ns, c);
    }
    return c;
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

/** Applies an endpoint event through the PM client, as `ip mptcp endpoint add|delete|flush|change` would. */
function applyEndpointEvent(built: BuiltLab, e: EndpointEvent, pm: MptcpPmClient): void {
  const ns = built.ns[e.host]!;
  switch (e.action) {
    case 'endpoint-add': {
      const dev = e.endpoint.dev;
      pm.addEndpoint(e.endpoint, dev === undefined ? undefined : inNamespace(ns, () => interfaceIndex(dev)));
      return;
    }
    case 'endpoint-delete':
      return pm.deleteEndpoint(endpointId(pm, ns, e.id, e.address));
    case 'endpoint-flush':
      return pm.flushEndpoints();
    case 'backup':
      // `ip mptcp endpoint change id I [no]backup` sends the backup flag alone.
      return pm.setFlags({ id: endpointId(pm, ns, e.id, e.address) }, e.backup ? ['backup'] : []);
  }
}

/** Marks text a lab author wrote as a whole command line (not one quoted argument). */
function raw(command: string): { raw: string } {
  return { raw: command };
}

/** One argument for `sh -c` (POSIX single quotes, which dash understands too): lib/concurrent.ts. */
export { shellQuote };

/**
 * A zx-style $ scoped to one host: interpolated values are quoted one argument
 * each (shellQuote), and the whole command runs in `sh -c` inside the host's namespace,
 * without a time limit (a step takes what it takes), throwing on a non-zero exit.
 */
export function hostShell(ns: string): HostShell {
  return async (pieces, ...args) => {
    const command = pieces.reduce((acc, piece, i) => {
      const arg = args[i - 1];
      const text = typeof arg === 'object' && arg !== null && 'raw' in arg ? String((arg as { raw: string }).raw) : shellQuote(String(arg));
      return acc + text + piece;
    });
    // Errors name the command as the lab wrote it, not the namespace wrapper (its name changes every run).
    const r = await run(['sh', '-c', command], { netns: ns, timeoutMs: 0, label: command });
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? null };
  };
}

/** Runs `ip -n NS <words>`; the workload passes one that is quicker than a new process (harness/workload/ip-batch.ts). */
export type IpRunner = (ns: string, words: string[]) => Promise<void>;

const ipProcess: IpRunner = async (ns, words) => void (await run(['ip', '-n', ns, ...words]));

/** The `ip` words of an event, by host (what `mptcp-lab export --sh` writes; a run sends endpoint changes over netlink); `id` is the endpoint id of a delete or backup change (looked up when the lab gave an address). */
export function eventIpCommands(lab: Lab, e: EventSpec, id: string): { host: string; words: string[] }[] | undefined {
  switch (e.action) {
    case 'link-down':
    case 'link-up':
      return linkEnds(lab, e.link).map((end) => ({
        host: end.host,
        words: ['link', 'set', 'dev', end.ifname, e.action === 'link-up' ? 'up' : 'down'],
      }));
    case 'endpoint-add':
      return [{ host: e.host, words: ['mptcp', 'endpoint', 'add', ...endpointWords(e.endpoint)] }];
    case 'endpoint-delete':
      return [{ host: e.host, words: ['mptcp', 'endpoint', 'delete', 'id', id] }];
    case 'endpoint-flush':
      return [{ host: e.host, words: ['mptcp', 'endpoint', 'flush'] }];
    case 'backup':
      return [{ host: e.host, words: ['mptcp', 'endpoint', 'change', 'id', id, e.backup ? 'backup' : 'nobackup'] }];
    case 'impair':
    case 'shell':
      return undefined;
  }
}

type EndpointEvent = Extract<EventSpec, { action: 'endpoint-add' | 'endpoint-delete' | 'endpoint-flush' | 'backup' }>;

function isEndpointEvent(e: EventSpec): e is EndpointEvent {
  return e.action === 'endpoint-add' || e.action === 'endpoint-delete' || e.action === 'endpoint-flush' || e.action === 'backup';
}

/** How events reach the kernel: `ip` lines (link up/down) and PM sockets (endpoints); by default a process and a socket per event. */
export interface EventRunners {
  ip?: IpRunner;
  pm?: PmClients;
}

export async function applyEvent(built: BuiltLab, e: EventSpec, runners: EventRunners = {}): Promise<void> {
  if (e.action === 'impair') return changeImpairment(built, e.link, e.from, e.impairment);
  if (e.action === 'shell') {
    const $host = hostShell(built.ns[e.host]!);
    if (typeof e.command === 'string') await $host`${raw(e.command)}`;
    else await e.command($host);
    return;
  }
  if (isEndpointEvent(e)) {
    const own = runners.pm ? undefined : new PmClients();
    try {
      return applyEndpointEvent(built, e, (runners.pm ?? own!).get(built.ns[e.host]!));
    } finally {
      own?.close();
    }
  }
  const ip = runners.ip ?? ipProcess;
  await Promise.all((eventIpCommands(built.lab, e, '') ?? []).map((c) => ip(built.ns[c.host]!, c.words)));
}

export interface AppliedEvent {
  atMs: number;
  /** When the change was in place (the command returned), on the same clock as atMs. */
  doneMs?: number;
  what: string;
  ok: boolean;
  error?: string;
}

/** Schedules every event relative to now. cancel() reports the events not yet due as not applied. */
export function scheduleEvents(
  built: BuiltLab,
  events: readonly TimedEvent[],
  log: (line: string) => void,
  runners: EventRunners = {},
): { done: Promise<AppliedEvent[]>; cancel: () => void } {
  const t0 = performance.now();
  const pending = new Map<number, { timer: NodeJS.Timeout; resolve: (a: AppliedEvent) => void; what: string }>();
  const results = events.map(
    (e, k) =>
      new Promise<AppliedEvent>((resolve) => {
        const what = describeEvent(e);
        const timer = setTimeout(() => {
          pending.delete(k);
          const atMs = Math.round(performance.now() - t0);
          applyEvent(built, e, runners).then(
            // When it took effect matters too: starting a command is slow on a loaded or emulated CPU.
            () => {
              const doneMs = Math.round(performance.now() - t0);
              log(`event at ${atMs} ms: ${what} (done at ${doneMs} ms)`);
              resolve({ atMs, doneMs, what, ok: true });
            },
            (err: unknown) => {
              const error = err instanceof Error ? err.message : String(err);
              log(`event at ${atMs} ms FAILED: ${what}: ${error}`);
              resolve({ atMs, what, ok: false, error });
            },
          );
        }, e.atMs);
        pending.set(k, { timer, resolve, what });
      }),
  );
  return {
    done: Promise.all(results),
    cancel: () => {
      for (const { timer, resolve, what } of pending.values()) {
        clearTimeout(timer);
        resolve({ atMs: -1, what, ok: false, error: 'not applied: the workload ended before it was due' });
      }
      pending.clear();
    },
  };
}
