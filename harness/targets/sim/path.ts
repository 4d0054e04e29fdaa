// Where the kernel would send a packet, asked of the hosts' HostFibs without
// sending anything: one host's decision (simRoute, with the socket's bound
// interface when it has one), or the whole path hop by hop (predictPath).
import type { SimLab } from './build.js';
import type { RouteDecision } from './fib.js';

export function simRoute(sim: SimLab, host: string, src: string, dst: string, oif?: string): RouteDecision {
  const fib = sim.fibs[host];
  if (!fib) throw new Error(`lab ${sim.lab.name}: no host ${host}`);
  return fib.lookup(src, dst, oif);
}

export interface PathHop {
  /** The lab link crossed, and which way. */
  link: string;
  dir: 'aToB' | 'bToA';
  /** The host that sent it onto the link. */
  from: string;
}

export interface PredictedPath {
  hops: PathHop[];
  /** The host that delivers it to itself, or undefined when it is dropped. */
  deliveredTo?: string;
  /** Why it is dropped: no route (at a host), link down, not for a host that does not forward, too many hops. */
  dropped?: { at: string; reason: 'no-route' | 'link-down' | 'not-local' | 'hop-limit' };
}

/** The path of a packet from `host` (source address `src`) to `dst`, by the hosts' current routing and link states. */
export function predictPath(
  sim: SimLab,
  host: string,
  src: string,
  dst: string,
  opts: { oif?: string; maxHops?: number } = {},
): PredictedPath {
  const hops: PathHop[] = [];
  const maxHops = opts.maxHops ?? 64;
  let at = host;
  for (;;) {
    const fib = sim.fibs[at]!;
    const d = fib.lookup(src, dst, hops.length === 0 ? opts.oif : undefined);
    if (d.kind === 'local') return { hops, deliveredTo: at };
    if (hops.length > 0 && !fib.forward) return { hops, dropped: { at, reason: 'not-local' } };
    if (d.kind === 'unreachable') return { hops, dropped: { at, reason: 'no-route' } };
    if (hops.length + 1 >= maxHops) return { hops, dropped: { at, reason: 'hop-limit' } };
    const spec = sim.lab.links.find((l) => (l.a.host === at && l.a.ifname === d.dev) || (l.b.host === at && l.b.ifname === d.dev));
    if (!spec) throw new Error(`lab ${sim.lab.name}: ${at} routes out of ${d.dev}, which is on no link`);
    const dir = spec.a.host === at && spec.a.ifname === d.dev ? 'aToB' : 'bToA';
    hops.push({ link: spec.name, dir, from: at });
    if (!sim.links[spec.name]!.up) return { hops, dropped: { at, reason: 'link-down' } };
    at = dir === 'aToB' ? spec.b.host : spec.a.host;
  }
}
