// Routes inside a lab: only the lab's own subnets, never a default route, so
// nothing can leave. The main table reaches every subnet by the shortest
// path through forwarding hosts; when a host has several interfaces of a
// family, each local address also gets its own table (source-based policy
// routing, as mptcp_join.sh sets up) so each subflow leaves by its own link.
import type { Host, Interface, Route, Rule } from './model.js';

interface Subnet {
  family: 4 | 6;
  prefix: string;
  hosts: Set<string>;
}

const FIRST_TABLE = 100;
const FALLBACK_OFFSET = 100;
/** After main (32766) and default (32767). */
const FALLBACK_PRIORITY = 40_000;

export function subnetsOf(hosts: readonly Host[], networkOf: (i: Interface, family: 4 | 6) => string | undefined): Subnet[] {
  const byPrefix = new Map<string, Subnet>();
  for (const h of hosts) {
    for (const i of h.interfaces) {
      for (const family of [4, 6] as const) {
        const prefix = networkOf(i, family);
        if (!prefix) continue;
        const s = byPrefix.get(prefix) ?? { family, prefix, hosts: new Set<string>() };
        s.hosts.add(h.name);
        byPrefix.set(prefix, s);
      }
    }
  }
  return [...byPrefix.values()];
}

/** First hop (interface of `from`) on a shortest path to any host of `targets`, through forwarding hosts only. */
function firstHop(hosts: ReadonlyMap<string, Host>, from: Host, targets: Set<string>, avoid?: string): Interface | undefined {
  return searchHop(hosts, from, targets, avoid, true) ?? searchHop(hosts, from, targets, avoid, false);
}

// A subnet is best reached through a forwarding host on it (which can deliver
// to every address there); a plain end host on it only answers for itself.
function searchHop(
  hosts: ReadonlyMap<string, Host>,
  from: Host,
  targets: Set<string>,
  avoid: string | undefined,
  targetMustForward: boolean,
): Interface | undefined {
  const queue: { host: Host; first: Interface }[] = [];
  const seen = new Set<string>([from.name, ...(avoid ? [avoid] : [])]);
  for (const i of from.interfaces) {
    if (seen.has(i.peer.host)) continue;
    const peer = hosts.get(i.peer.host);
    if (peer) queue.push({ host: peer, first: i });
  }
  while (queue.length) {
    const { host, first } = queue.shift()!;
    if (seen.has(host.name)) continue;
    seen.add(host.name);
    if (targets.has(host.name) && (host.forward || !targetMustForward)) return first;
    if (!host.forward) continue;
    for (const i of host.interfaces) {
      const next = hosts.get(i.peer.host);
      if (next && !seen.has(next.name)) queue.push({ host: next, first });
    }
  }
  return undefined;
}

function peerAddress(i: Interface, family: 4 | 6): string | undefined {
  return i.peer.addresses.find((a) => a.family === family)?.address;
}

/** Fills host.routes and host.rules for every host of the lab. */
export function computeRoutes(hostList: Host[], networkOf: (i: Interface, family: 4 | 6) => string | undefined): void {
  const hosts = new Map(hostList.map((h) => [h.name, h]));
  const subnets = subnetsOf(hostList, networkOf);
  for (const host of hostList) {
    const routes: Route[] = [];
    const rules: Rule[] = [];
    const remote = subnets.filter((s) => !s.hosts.has(host.name));
    for (const s of remote) {
      const hop = firstHop(hosts, host, s.hosts);
      const via = hop && peerAddress(hop, s.family);
      if (hop && via) routes.push({ family: s.family, to: s.prefix, via, dev: hop.name });
    }
    let table = FIRST_TABLE;
    for (const family of [4, 6] as const) {
      const own = host.interfaces.filter((i) => i.addresses.some((a) => a.family === family));
      if (own.length < 2) continue;
      for (const i of own) {
        const prefix = networkOf(i, family);
        if (!prefix) continue;
        table += 1;
        for (const a of i.addresses.filter((x) => x.family === family)) rules.push({ family, from: a.address, table });
        routes.push({ family, to: prefix, dev: i.name, table });
        const peer = hosts.get(i.peer.host);
        const via = peerAddress(i, family);
        if (!peer || !via) continue;
        if (peer.forward) {
          for (const s of remote.filter((x) => x.family === family)) {
            if (s.hosts.has(peer.name) || firstHop(hosts, peer, s.hosts, host.name))
              routes.push({ family, to: s.prefix, via, dev: i.name, table });
          }
        }
        // Fallback after main: the peer's other addresses through this link. A
        // subflow bound to this interface (endpoint dev) reaches the peer's
        // address on another link this way, as mptcp_join.sh's per-link
        // default routes allow; unbound traffic still takes main's direct route.
        const fallback = table + FALLBACK_OFFSET;
        const peerOnly = subnets.filter(
          (x) => x.family === family && x.prefix !== prefix && x.hosts.has(peer.name) && x.hosts.has(host.name),
        );
        if (!peerOnly.length) continue;
        for (const a of i.addresses.filter((x) => x.family === family))
          rules.push({ family, from: a.address, table: fallback, priority: FALLBACK_PRIORITY });
        for (const x of peerOnly) routes.push({ family, to: x.prefix, via, dev: i.name, table: fallback });
      }
    }
    host.routes = routes;
    host.rules = rules;
  }
}
