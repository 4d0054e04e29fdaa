// Timed lab events in the simulated network, and its link counters in the
// Observations' shape. Link down/up and impairment changes act on the
// network here; endpoint and backup changes belong to the engine's path
// manager and shell steps have no meaning in a simulation: 'unsupported'.
import { type LinkDirectionName } from '../../../engine/index.js';
import type { EventSpec, TimedEvent } from '../../lab/model.js';
import { applyRewrite, impairmentToLinkParams, useFibRouting, type SimLab } from './build.js';

export type SimEventOutcome = 'applied' | 'unsupported';

function linkOf(sim: SimLab, name: string) {
  const link = sim.links[name];
  const spec = sim.lab.links.find((l) => l.name === name);
  if (!link || !spec) throw new Error(`lab ${sim.lab.name}: no link ${name} (links: ${Object.keys(sim.links).join(', ')})`);
  return { link, spec };
}

/**
 * Applies one event now (at the network's current time).
 *
 * - link-down / link-up: both interfaces of the link go down or up, as the
 *   netns backend's `ip link set` on both ends: the link loses what is queued
 *   and in flight, and both hosts' routing changes the kernel's way (routes
 *   through the interfaces deleted, IPv6 addresses dropped; on up only the
 *   connected routes come back). See fib.ts.
 * - impair: the impairment is laid over what the sending side(s) have (only
 *   the side `from` sends, or both), as changeImpairment does.
 */
export function applySimEvent(sim: SimLab, event: EventSpec | TimedEvent): SimEventOutcome {
  switch (event.action) {
    case 'link-down':
    case 'link-up': {
      const up = event.action === 'link-up';
      const { link, spec } = linkOf(sim, event.link);
      for (const end of [spec.a, spec.b]) {
        sim.fibs[end.host]!.setLinkState(end.ifname, up);
        useFibRouting(sim, end.host);
      }
      link.setUp(up);
      return 'applied';
    }
    case 'impair': {
      const { link, spec } = linkOf(sim, event.link);
      if (event.from !== undefined && event.from !== spec.a.host && event.from !== spec.b.host) {
        throw new Error(
          `lab ${sim.lab.name}: impair ${event.link} from ${event.from}: ${event.from} is not on that link (${spec.a.host}, ${spec.b.host})`,
        );
      }
      const dir: LinkDirectionName | 'both' = event.from === undefined ? 'both' : event.from === spec.a.host ? 'aToB' : 'bToA';
      link.set(impairmentToLinkParams(event.impairment), dir);
      if (dir !== 'bToA') applyRewrite(link, 'aToB', event.impairment);
      if (dir !== 'aToB') applyRewrite(link, 'bToA', event.impairment);
      return 'applied';
    }
    case 'endpoint-add':
    case 'endpoint-delete':
    case 'endpoint-flush':
    case 'backup':
    case 'shell':
      return 'unsupported';
  }
}

/** A short description of an event, for Observations.applied. */
export function simEventLabel(e: EventSpec): string {
  switch (e.action) {
    case 'link-down':
    case 'link-up':
      return `${e.action} ${e.link}`;
    case 'impair':
      return `impair ${e.link}${e.from ? ` from ${e.from}` : ''} ${JSON.stringify(e.impairment)}`;
    case 'shell':
      return `shell ${e.host}: ${e.command}`;
    case 'endpoint-add':
      return `endpoint-add ${e.host} ${e.endpoint.address}`;
    case 'endpoint-delete':
      return `endpoint-delete ${e.host} ${e.id !== undefined ? `id ${e.id}` : (e.address ?? '')}`;
    case 'endpoint-flush':
      return `endpoint-flush ${e.host}`;
    case 'backup':
      return `${e.backup ? 'backup' : 'nobackup'} ${e.host} ${e.id !== undefined ? `id ${e.id}` : (e.address ?? '')}`;
  }
}

export interface AppliedSimEvent {
  atMs: number;
  what: string;
  ok: boolean;
  error?: string;
}

/**
 * Schedules the lab's events at `startMs + atMs` of virtual time. `applied`
 * fills as they happen (Observations.applied); an unsupported event is
 * reported not ok with the reason. `handle` gets the events this module does
 * not apply (the engine's path manager may).
 */
export function scheduleSimEvents(
  sim: SimLab,
  events: readonly TimedEvent[],
  opts: { startMs?: number; handle?: (now: number, e: TimedEvent) => boolean } = {},
): { applied: AppliedSimEvent[] } {
  const applied: AppliedSimEvent[] = [];
  const start = opts.startMs ?? sim.network.now;
  for (const e of events) {
    sim.network.schedule(start + e.atMs, (now) => {
      const what = simEventLabel(e);
      const atMs = now - start;
      try {
        if (applySimEvent(sim, e) === 'applied' || opts.handle?.(now, e)) applied.push({ atMs, what, ok: true });
        else applied.push({ atMs, what, ok: false, error: 'not supported by the simulator' });
      } catch (err) {
        applied.push({ atMs, what, ok: false, error: err instanceof Error ? err.message : String(err) });
      }
    });
  }
  return { applied };
}

/** Bytes each link carried each way (what the sending interfaces transmitted), by lab link name: Observations.links. */
export function simLinkBytes(sim: SimLab): Record<string, { aToB: number; bToA: number }> {
  const out: Record<string, { aToB: number; bToA: number }> = {};
  for (const l of sim.lab.links) {
    const link = sim.links[l.name];
    if (link) out[l.name] = link.bytes();
  }
  return out;
}
