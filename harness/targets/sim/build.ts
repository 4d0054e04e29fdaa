// A simulated network from a normalized Lab: one sim node per lab host
// (forwarding as host.forward), one sim link per lab link with the
// interfaces' addresses (added in lab order, so the sim's eth0, eth1, ...
// are the lab's), each direction impaired as the sending interface's egress,
// and routing that decides like the kernel with the lab's routes and rules.
//
// Routing. Each host's kernel state is modelled by a HostFib (fib.ts). The
// sim's routes are compiled from it: main-table routes as plain routes (the
// connected ones the sim makes from the addresses), and for each policy
// rule's source, one `from`-scoped route per destination prefix saying what
// the kernel's rule chain (per-address table, main, the fallback table after
// main, ...) decides for that prefix. With every such route present the
// sim's "source routes first, longest prefix" gives the kernel's answer.
//
// A link event changes the kernel's state in ways routes cannot be added
// over (routes deleted, IPv6 addresses gone), and the sim has no way to
// remove a route: from the first link event on, the two end nodes take their
// decisions from their HostFib directly (see useFibRouting).
import {
  Network,
  prefixContains,
  type IpPrefix,
  type Link,
  type LinkDirectionName,
  type LinkParamsInput,
  type NetworkOptions,
  type SimNode,
} from '../../../engine/index.js';
import type { Impairment, Lab } from '../../lab/model.js';
import { HostFib, prefixText, RT_TABLE_DEFAULT, RT_TABLE_MAIN } from './fib.js';

export interface SimLab {
  readonly lab: Lab;
  readonly network: Network;
  /** By lab host name. */
  readonly nodes: Record<string, SimNode>;
  /** By lab link name (side a = the lab link's a). */
  readonly links: Record<string, Link>;
  /** Each host's kernel routing state; link events change it. */
  readonly fibs: Record<string, HostFib>;
  /** Hosts whose node decides from its HostFib directly (after a link event, or rules the sim's routes cannot express). */
  readonly fibRouted: Set<string>;
  /** The sim's route decision codes for "deliver here" and "no route", read from the sim at build time. */
  readonly decisionCodes: { readonly local: number; readonly noRoute: number };
}

export interface BuildOptions {
  /** Passed to the Network: every send, delivery, forward, drop. */
  readonly trace?: NetworkOptions['trace'];
  readonly overheadBytes?: NetworkOptions['overheadBytes'];
  readonly maxHops?: NetworkOptions['maxHops'];
}

/** The sim's parameters for an impairment: only what it sets, so it can also be laid over current parameters. */
export function impairmentToLinkParams(i: Impairment): LinkParamsInput {
  const p: { -readonly [K in keyof LinkParamsInput]: LinkParamsInput[K] } = {};
  if (i.rateBps !== undefined) p.rateBps = i.rateBps;
  if (i.delayMs !== undefined) p.delayMs = i.delayMs;
  if (i.jitterMs !== undefined) p.jitterMs = i.jitterMs;
  if (i.lossPct !== undefined) p.lossPct = i.lossPct;
  if (i.reorderPct !== undefined) p.reorderPct = i.reorderPct;
  if (i.duplicatePct !== undefined) p.duplicatePct = i.duplicatePct;
  if (i.corruptPct !== undefined) p.corruptPct = i.corruptPct;
  if (i.queuePackets !== undefined) p.queuePackets = i.queuePackets;
  return p;
}

/** The lab's payload rewrite (a middlebox, not a link parameter) on one direction, if it has one. */
export function applyRewrite(link: Link, dir: LinkDirectionName, i: Impairment): void {
  if (i.rewrite) link.direction(dir).setPayloadRewrite({ nth: i.rewrite.packet, offset: i.rewrite.offset });
}

function interfaceOf(lab: Lab, host: string, ifname: string) {
  const h = lab.hosts.find((x) => x.name === host);
  const i = h?.interfaces.find((x) => x.name === ifname);
  if (!i) throw new Error(`lab ${lab.name}: host ${host} has no interface ${ifname}`);
  return i;
}

/** Reads the sim's decision codes from a node that has an address (before any route of ours is involved). */
function probeDecisionCodes(nodes: readonly SimNode[]): { local: number; noRoute: number } {
  const withAddress = nodes.find((n) => n.interfaces.some((i) => i.addresses.length > 0));
  const noRoute = (withAddress ?? nodes[0])?.decide('', '') ?? -1;
  const local = withAddress ? withAddress.decide('', withAddress.interfaces.find((i) => i.addresses.length)!.addresses[0]!.address) : -2;
  if (!(local < 0 && noRoute < 0 && local !== noRoute))
    throw new Error(`engine/sim: unexpected route decision codes (local ${local}, no route ${noRoute})`);
  return { local, noRoute };
}

/**
 * Installs `fib` as `node`'s routes. Returns false when the sim's routes
 * cannot say the same (rules whose sources overlap, or rules for every
 * source other than main and default); the node then needs useFibRouting.
 */
export function compileRoutes(node: SimNode, fib: HostFib): boolean {
  const rules = [...fib.rules(4), ...fib.rules(6)].filter((r) => r.table !== 255);
  const forAll = rules.filter((r) => r.fromPrefix === undefined);
  if (forAll.some((r) => r.table !== RT_TABLE_MAIN && r.table !== RT_TABLE_DEFAULT) || fib.routes.some((r) => r.table === RT_TABLE_DEFAULT))
    return false;
  const sources = new Map<string, IpPrefix & { family: 4 | 6 }>();
  for (const r of rules) {
    if (!r.fromPrefix) continue;
    const f = r.fromPrefix.family;
    if (f === undefined) return false;
    sources.set(prefixText(r.fromPrefix), { ...r.fromPrefix, family: f });
  }
  // The sim tries every `from` route that matches a source, so two rules whose sources overlap cannot be told apart.
  const list = [...sources.values()];
  for (let i = 0; i < list.length; i += 1) {
    for (let j = i + 1; j < list.length; j += 1) {
      const [x, y] = [list[i]!, list[j]!];
      const [outer, inner] = x.len <= y.len ? [x, y] : [y, x];
      if (x.family === y.family && prefixContains(outer, { family: inner.family, bytes: inner.bytes })) return false;
    }
  }
  for (const r of fib.routes) if (r.table === RT_TABLE_MAIN && r.origin === 'static') node.addRoute(prefixText(r.prefix), r.dev);
  for (const [from, src] of sources) {
    const representative = prefixText({ ...src, len: src.family === 4 ? 32 : 128 }).split('/')[0]!;
    for (const region of fib.prefixes()) {
      if (region.family !== src.family) continue;
      const d = fib.lookupRegion(representative, region);
      if (d.kind === 'out') node.addRoute(prefixText(region), d.dev, { from });
    }
  }
  return true;
}

/**
 * From now on `host`'s node takes every decision from its HostFib (what the
 * kernel would do in the current state), ignoring the routes it was given.
 */
export function useFibRouting(sim: SimLab, host: string): void {
  if (sim.fibRouted.has(host)) return;
  const node = sim.nodes[host];
  const fib = sim.fibs[host];
  if (!node || !fib) throw new Error(`lab ${sim.lab.name}: no host ${host}`);
  const { local, noRoute } = sim.decisionCodes;
  const cache = new Map<string, number>();
  let generation = fib.generation;
  node.decide = (src: string, dst: string): number => {
    if (fib.generation !== generation) {
      cache.clear();
      generation = fib.generation;
    }
    const key = `${src}>${dst}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const d = fib.lookup(src, dst);
    const code = d.kind === 'local' ? local : d.kind === 'out' ? node.ifaceIndex(d.dev) : noRoute;
    cache.set(key, code);
    return code;
  };
  sim.fibRouted.add(host);
}

/**
 * The lab as a simulated network. `seed` seeds every link direction's
 * generator (named by link, so adding a link changes no other).
 */
export function buildSimNetwork(lab: Lab, seed: number, opts: BuildOptions = {}): SimLab {
  const network = new Network({
    seed,
    ...(opts.trace ? { trace: opts.trace } : {}),
    ...(opts.overheadBytes ? { overheadBytes: opts.overheadBytes } : {}),
    ...(opts.maxHops !== undefined ? { maxHops: opts.maxHops } : {}),
  });
  const nodes: Record<string, SimNode> = {};
  const fibs: Record<string, HostFib> = {};
  for (const h of lab.hosts) {
    nodes[h.name] = network.addNode(h.name, { forward: h.forward });
    fibs[h.name] = HostFib.fromHost(h);
  }
  const links: Record<string, Link> = {};
  for (const l of lab.links) {
    const ia = interfaceOf(lab, l.a.host, l.a.ifname);
    const ib = interfaceOf(lab, l.b.host, l.b.ifname);
    const cidrs = (i: typeof ia) => i.addresses.map((a) => `${a.address}/${a.prefixLen}`);
    const link = network.addLink(
      { node: l.a.host, addresses: cidrs(ia) },
      { node: l.b.host, addresses: cidrs(ib) },
      { name: l.name, aToB: impairmentToLinkParams(ia.egress), bToA: impairmentToLinkParams(ib.egress) },
    );
    for (const [end, want] of [
      [link.a, l.a],
      [link.b, l.b],
    ] as const) {
      const got = nodes[end.node]!.interfaces[end.iface]!.name;
      if (got !== want.ifname)
        throw new Error(
          `lab ${lab.name}: link ${l.name} is ${want.host} ${want.ifname} in the lab but ${got} in the sim (links must be listed in interface order)`,
        );
    }
    applyRewrite(link, 'aToB', ia.egress);
    applyRewrite(link, 'bToA', ib.egress);
    links[l.name] = link;
  }
  const decisionCodes = probeDecisionCodes(Object.values(nodes));
  const sim: SimLab = { lab, network, nodes, links, fibs, fibRouted: new Set(), decisionCodes };
  for (const h of lab.hosts) if (!compileRoutes(nodes[h.name]!, fibs[h.name]!)) useFibRouting(sim, h.name);
  return sim;
}
