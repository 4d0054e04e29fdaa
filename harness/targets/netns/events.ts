// Timed events during the workload, applied to a built lab: link down/up,
// endpoint add/delete/flush, backup flag, impairment change, shell steps.
import { shellQuote } from '../../../lib/concurrent.js';
import { run } from '../../../lib/exec.js';
import type { BuiltLab } from './build.js';
import { changeImpairment, linkEnds } from './build.js';
import type { EventSpec, HostShell, Lab, TimedEvent } from '../../lab/model.js';
import { endpointWords } from '../../tools/ip.js';
import { describeEvent } from '../../lab/describe-event.js';

export { describeEvent };

/** `ip mptcp endpoint` identifies an endpoint by id; find it from the address when the lab gave one. */
async function endpointId(ns: string, id: number | undefined, address: string | undefined): Promise<number> {
  if (id !== undefined) return id;
  const r = await run(['ip', '-n', ns, 'mptcp', 'endpoint', 'show']);
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+)\s.*\bid (\d+)/.exec(line.trim());
    if (m && m[1] === address) return Number(m[2]);
  }
  throw new Error(`no endpoint with address ${address} in ${ns}`);
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

/** The `ip` words an event runs, by host; `id` is the endpoint id of a delete or backup change (looked up when the lab gave an address). */
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

export async function applyEvent(built: BuiltLab, e: EventSpec, ip: IpRunner = ipProcess): Promise<void> {
  if (e.action === 'impair') return changeImpairment(built, e.link, e.from, e.impairment);
  if (e.action === 'shell') {
    const $host = hostShell(built.ns[e.host]!);
    if (typeof e.command === 'string') await $host`${raw(e.command)}`;
    else await e.command($host);
    return;
  }
  const byId = e.action === 'endpoint-delete' || e.action === 'backup';
  const id = byId ? String(await endpointId(built.ns[e.host]!, e.id, e.address)) : '';
  await Promise.all((eventIpCommands(built.lab, e, id) ?? []).map((c) => ip(built.ns[c.host]!, c.words)));
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
  ip?: IpRunner,
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
          applyEvent(built, e, ip).then(
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
