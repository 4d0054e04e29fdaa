// A discrete-event network in virtual time (smoltcp's netsim, quinn's test
// pair, Mininet's Node/Link/Intf layering): nodes with interfaces and
// addresses, point-to-point links impaired per direction (link.ts), static
// routes, forwarding nodes, timers. Time is in milliseconds (a float) and only
// moves when events are processed: step(), drive(untilMs),
// driveBounded(maxEvents). Nothing reads a clock or draws an unseeded random
// number, so a given seed and the same calls give the same run bit for bit.
//
// Routing. Each interface address ("198.18.1.1/24", "2001:db8:1::1/64")
// gives a connected route for its subnet on that interface. Static routes
// map a destination prefix (or "default") to an interface; a route may be
// restricted to a source prefix (`from`), standing for the lab's
// `ip rule from X lookup T`: routes whose `from` matches are tried first,
// then the others, longest destination prefix first; ties go to the route
// added first (connected routes come before static ones). A packet for one of
// the node's own addresses is delivered to its handler, whatever interface it
// came in on. A node that does not forward drops what is not for it.
//
// Delivery. A node's handler gets (now, packet, ifaceIndex); a packet a node
// sends to its own address comes back through the handler at the same time
// with ifaceIndex -1. Handlers may send and schedule: what they cause happens
// in later events, never inside the current one.
import { EventQueue, type QueueEntry } from './event-queue.js';
import { ipOrThrow, parsePrefix, prefixContains, sameIp, type IpAddress, type IpPrefix } from '../addr.js';
import {
  Link,
  linkParams,
  packetLength,
  type DropReason,
  type LinkDirection,
  type LinkDirectionName,
  type LinkHost,
  type LinkParamsInput,
  type Packet,
} from './link.js';
import { Prng } from './prng.js';

export type { Packet, DropReason };

export type PacketHandler = (now: number, packet: Packet, ifaceIndex: number) => void;

export interface InterfaceAddress {
  readonly address: string;
  readonly prefixLen: number;
  readonly ip: IpAddress;
}

export interface SimInterface {
  readonly index: number;
  /** eth0, eth1, ... in the order links were added, as in the lab model. */
  readonly name: string;
  readonly addresses: readonly InterfaceAddress[];
  readonly link: Link;
  /** Which end of the link this interface is. */
  readonly side: 'a' | 'b';
}

interface Route {
  readonly to: IpPrefix;
  readonly from: IpPrefix | undefined;
  readonly iface: number;
}

/** Route decision: an interface index, or LOCAL, or NO_ROUTE. */
const LOCAL = -2;
const NO_ROUTE = -1;

export class SimNode {
  readonly interfaces: SimInterface[] = [];
  private handlerFn: PacketHandler | undefined;
  private readonly routes: Route[] = [];
  private readonly connected: Route[] = [];
  /** dst → src → decision. */
  private cache = new Map<string, Map<string, number>>();

  constructor(
    readonly name: string,
    readonly forward: boolean,
    handler: PacketHandler | undefined,
  ) {
    this.handlerFn = handler;
  }

  get handler(): PacketHandler | undefined {
    return this.handlerFn;
  }

  /** Who gets packets addressed to this node. */
  setHandler(handler: PacketHandler | undefined): void {
    this.handlerFn = handler;
  }

  /** The interface index for a name (eth1) or an index, or throws. */
  ifaceIndex(iface: number | string): number {
    const i = typeof iface === 'number' ? iface : this.interfaces.findIndex((x) => x.name === iface);
    if (!Number.isInteger(i) || i < 0 || i >= this.interfaces.length) {
      throw new Error(
        `node ${this.name}: no interface ${String(iface)} (it has ${this.interfaces.map((x) => x.name).join(', ') || 'none'})`,
      );
    }
    return i;
  }

  /**
   * Route packets for `to` ("198.18.2.0/24", "2001:db8:2::/64", "default",
   * or a single address) out of `iface`; with `from`, only packets whose
   * source is in that prefix (policy routing).
   */
  addRoute(to: string, iface: number | string, opts: { from?: string } = {}): void {
    const dst = parsePrefix(to);
    if (!dst) throw new Error(`node ${this.name}: route destination ${JSON.stringify(to)} is not a prefix, an address or "default"`);
    let from: IpPrefix | undefined;
    if (opts.from !== undefined) {
      from = parsePrefix(opts.from);
      if (!from) throw new Error(`node ${this.name}: route source ${JSON.stringify(opts.from)} is not a prefix, an address or "default"`);
    }
    this.routes.push({ to: dst, from, iface: this.ifaceIndex(iface) });
    this.cache.clear();
  }

  /** Whether `addr` is one of this node's addresses. */
  hasAddress(addr: string): boolean {
    return this.decide('', addr) === LOCAL;
  }

  /** @internal Called by Network when a link is added. */
  attach(iface: SimInterface): void {
    this.interfaces.push(iface);
    for (const a of iface.addresses) {
      this.connected.push({ to: { family: a.ip.family, bytes: a.ip.bytes, len: a.prefixLen }, from: undefined, iface: iface.index });
    }
    this.cache.clear();
  }

  /** @internal Where a packet from src to dst goes: LOCAL, NO_ROUTE or an interface index. Cached. */
  decide(src: string, dst: string): number {
    let bySrc = this.cache.get(dst);
    if (!bySrc) {
      bySrc = new Map();
      this.cache.set(dst, bySrc);
    }
    const hit = bySrc.get(src);
    if (hit !== undefined) return hit;
    const d = this.lookup(src, dst);
    bySrc.set(src, d);
    return d;
  }

  private lookup(src: string, dst: string): number {
    const dstIp = parseIpLoose(dst);
    if (!dstIp) return NO_ROUTE;
    for (const iface of this.interfaces) for (const a of iface.addresses) if (sameIp(a.ip, dstIp)) return LOCAL;
    const srcIp = parseIpLoose(src);
    const all = [...this.connected, ...this.routes];
    if (srcIp) {
      const policy = best(
        all.filter((r) => r.from !== undefined && prefixContains(r.from, srcIp)),
        dstIp,
      );
      if (policy !== undefined) return policy;
    }
    return (
      best(
        all.filter((r) => r.from === undefined),
        dstIp,
      ) ?? NO_ROUTE
    );
  }
}

function parseIpLoose(s: string): IpAddress | undefined {
  try {
    return s === '' ? undefined : ipOrThrow(s);
  } catch {
    return undefined;
  }
}

function best(routes: Route[], dst: IpAddress): number | undefined {
  let chosen: Route | undefined;
  for (const r of routes) if (prefixContains(r.to, dst) && (chosen === undefined || r.to.len > chosen.to.len)) chosen = r;
  return chosen?.iface;
}

export type TraceKind = 'send' | 'deliver' | 'forward' | 'drop' | 'duplicate' | 'corrupt' | 'reorder';

/** One thing that happened, for tests and captures. */
export interface TraceEvent {
  readonly at: number;
  readonly kind: TraceKind;
  /** The node that sent, received, forwarded or dropped; for link impairments, the sending node. */
  readonly node: string;
  readonly link?: string;
  readonly dir?: LinkDirectionName;
  readonly ifaceIndex?: number;
  readonly reason?: DropReason;
  readonly packet: Packet;
}

export interface NetworkOptions {
  /** The run seed; each link direction derives its own generator from it and the link's name. */
  readonly seed: number;
  /**
   * Bytes a packet occupies on a link beyond its segment, for the rate and
   * the counters. Default: Ethernet (14) + IPv4 (20) or IPv6 (40) header, so
   * link counters compare with an interface's tx_bytes.
   */
  readonly overheadBytes?: (packet: Packet) => number;
  /** Called for every send, delivery, forward, drop and impairment. */
  readonly trace?: (event: TraceEvent) => void;
  /** Forwarding hops before a packet is dropped (a routing loop). Default 64. */
  readonly maxHops?: number;
}

export function ethernetIpOverhead(packet: Packet): number {
  return 14 + (packet.dst.includes(':') ? 40 : 20);
}

export interface LinkOptions {
  /** Unique name; default "link<N>". Names the generators, so keep it stable for reproducible runs. */
  readonly name?: string;
  /** Both directions. */
  readonly params?: LinkParamsInput;
  /** One direction, over `params`. */
  readonly aToB?: LinkParamsInput;
  readonly bToA?: LinkParamsInput;
}

export interface LinkEndSpec {
  readonly node: SimNode | string;
  /** "198.18.1.1/24", "2001:db8:1::1/64"; a bare address is a /32 or /128. */
  readonly addresses?: readonly string[];
}

/** A timer made by schedule(); cancel() before it fires to forget it. */
export interface Timer {
  readonly at: number;
  cancel(): boolean;
  /**
   * Move it to `atMs` (a time in the past: now) before it fires: it then fires as a timer cancelled
   * and scheduled anew at that time would, without a new one. Returns whether it was still pending.
   */
  reschedule(atMs: number): boolean;
}

/** Network.schedule()'s timer: its queue entry. */
class SimTimer implements Timer {
  constructor(
    private readonly net: { readonly now: number },
    private readonly queue: EventQueue<SimEvent>,
    private readonly entry: QueueEntry<SimEvent>,
  ) {}

  get at(): number {
    return this.entry.time;
  }

  cancel(): boolean {
    return this.queue.cancel(this.entry);
  }

  reschedule(atMs: number): boolean {
    return this.queue.reschedule(this.entry, Math.max(atMs, this.net.now));
  }
}

type SimEvent =
  | { readonly kind: 'timer'; readonly fn: (now: number) => void }
  | { readonly kind: 'arrive'; readonly dir: LinkDirection; readonly packet: Packet; readonly hops: number; readonly epoch: number }
  | { readonly kind: 'local'; readonly node: SimNode; readonly packet: Packet };

/** Network-level drops (not on a link). */
export interface NetworkCounters {
  noRoute: number;
  notLocal: number;
  hopLimit: number;
  /** Packets for a node that has no handler. */
  unhandled: number;
}

export class Network {
  private readonly queue = new EventQueue<SimEvent>();
  private nowValue = 0;
  private readonly nodes = new Map<string, SimNode>();
  private readonly links = new Map<string, Link>();
  private readonly linkList: Link[] = [];
  readonly seed: number;
  readonly counters: NetworkCounters = { noRoute: 0, notLocal: 0, hopLimit: 0, unhandled: 0 };
  private readonly overhead: (packet: Packet) => number;
  private readonly tracer: ((event: TraceEvent) => void) | undefined;
  private readonly maxHops: number;
  private readonly host: LinkHost;
  /** Events processed so far. */
  eventsProcessed = 0;

  constructor(opts: NetworkOptions) {
    if (!Number.isSafeInteger(opts.seed)) throw new RangeError(`Network: seed must be a safe integer, got ${opts.seed}`);
    this.seed = opts.seed;
    this.overhead = opts.overheadBytes ?? ethernetIpOverhead;
    this.tracer = opts.trace;
    this.maxHops = opts.maxHops ?? 64;
    const net = this;
    this.host = {
      get now() {
        return net.nowValue;
      },
      arrive: (at, dir, packet, hops, epoch) => {
        this.queue.push(at, { kind: 'arrive', dir, packet, hops, epoch });
      },
      left: (at, left) => {
        this.queue.push(at, { kind: 'timer', fn: left });
      },
      wireBytes: (packet) => packetLength(packet) + this.overhead(packet),
      note: (kind, dir, packet, reason) => {
        if (!this.tracer) return;
        const end = dir.name === 'aToB' ? dir.link.a : dir.link.b;
        this.tracer({ at: this.nowValue, kind, node: end.node, link: dir.link.name, dir: dir.name, ...(reason ? { reason } : {}), packet });
      },
    };
  }

  /** Virtual time in milliseconds: the time of the event being (or last) processed, or where drive() stopped. */
  get now(): number {
    return this.nowValue;
  }

  /** Events waiting (timers and packets in flight). */
  get pending(): number {
    return this.queue.size;
  }

  /** Time of the next event, or undefined. */
  nextEventTime(): number | undefined {
    return this.queue.peekTime();
  }

  addNode(name: string, opts: { forward?: boolean; handler?: PacketHandler } = {}): SimNode {
    if (this.nodes.has(name)) throw new Error(`Network: a node named ${JSON.stringify(name)} already exists`);
    const n = new SimNode(name, opts.forward ?? false, opts.handler);
    this.nodes.set(name, n);
    return n;
  }

  node(name: string): SimNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`Network: no node ${JSON.stringify(name)}`);
    return n;
  }

  link(name: string): Link {
    const l = this.links.get(name);
    if (!l) throw new Error(`Network: no link ${JSON.stringify(name)}`);
    return l;
  }

  allNodes(): readonly SimNode[] {
    return [...this.nodes.values()];
  }

  allLinks(): readonly Link[] {
    return this.linkList;
  }

  private resolve(node: SimNode | string): SimNode {
    if (typeof node !== 'string') {
      if (this.nodes.get(node.name) !== node) throw new Error(`Network: node ${node.name} belongs to another network`);
      return node;
    }
    return this.node(node);
  }

  /** Connect two nodes with a new link; each gets a new interface (ethN) with the given addresses. */
  addLink(a: LinkEndSpec, b: LinkEndSpec, opts: LinkOptions = {}): Link {
    const name = opts.name ?? `link${this.linkList.length}`;
    if (this.links.has(name)) throw new Error(`Network: a link named ${JSON.stringify(name)} already exists`);
    const na = this.resolve(a.node);
    const nb = this.resolve(b.node);
    if (na === nb) throw new Error(`Network: link ${name} connects node ${na.name} to itself`);
    const base = linkParams(opts.params, undefined, `link ${name}`);
    const params = {
      aToB: linkParams(opts.aToB ?? {}, base, `link ${name} aToB`),
      bToA: linkParams(opts.bToA ?? {}, base, `link ${name} bToA`),
    };
    const rngs = { aToB: Prng.fromSeed(this.seed, 'link', name, 'aToB'), bToA: Prng.fromSeed(this.seed, 'link', name, 'bToA') };
    const addrsA = (a.addresses ?? []).map((s) => ifaceAddress(s, `link ${name}, node ${na.name}`));
    const addrsB = (b.addresses ?? []).map((s) => ifaceAddress(s, `link ${name}, node ${nb.name}`));
    const link = new Link(
      name,
      { node: na.name, iface: na.interfaces.length },
      { node: nb.name, iface: nb.interfaces.length },
      params,
      rngs,
      this.host,
    );
    na.attach({ index: na.interfaces.length, name: `eth${na.interfaces.length}`, addresses: addrsA, link, side: 'a' });
    nb.attach({ index: nb.interfaces.length, name: `eth${nb.interfaces.length}`, addresses: addrsB, link, side: 'b' });
    this.links.set(name, link);
    this.linkList.push(link);
    return link;
  }

  /**
   * The node sends a packet at `now` (≥ network time; a later time is
   * scheduled). It leaves by the interface its routes choose. `left`, if
   * given, runs (in an event of its own) when the packet has left the node:
   * see link.ts; at once for a packet to itself or one without a route.
   */
  send(now: number, from: SimNode | string, packet: Packet, left?: (now: number) => void): void {
    const node = this.resolve(from);
    if (now < this.nowValue)
      throw new RangeError(`Network.send at ${now} ms, but the network is already at ${this.nowValue} ms: time never goes backwards`);
    if (now > this.nowValue) {
      this.queue.push(now, { kind: 'timer', fn: () => this.sendNow(node, packet, left) });
      return;
    }
    this.sendNow(node, packet, left);
  }

  private sendNow(node: SimNode, packet: Packet, left?: (now: number) => void): void {
    if (this.tracer) this.tracer({ at: this.nowValue, kind: 'send', node: node.name, packet });
    const d = node.decide(packet.src, packet.dst);
    if (d === LOCAL) {
      this.queue.push(this.nowValue, { kind: 'local', node, packet });
      if (left) this.host.left(this.nowValue, left);
      return;
    }
    this.out(node, d, packet, 0, left);
  }

  private out(node: SimNode, decision: number, packet: Packet, hops: number, left?: (now: number) => void): void {
    if (decision === NO_ROUTE) {
      this.counters.noRoute += 1;
      this.drop(node, packet, 'no-route');
      if (left) this.host.left(this.nowValue, left);
      return;
    }
    const iface = node.interfaces[decision] as SimInterface;
    const dir = iface.side === 'a' ? iface.link.aToB : iface.link.bToA;
    dir.transmit(packet, hops, left);
  }

  private drop(node: SimNode, packet: Packet, reason: DropReason): void {
    if (this.tracer) this.tracer({ at: this.nowValue, kind: 'drop', node: node.name, reason, packet });
  }

  /** Run fn at virtual time atMs (a time in the past runs at now, after what is already due). */
  schedule(atMs: number, fn: (now: number) => void): Timer {
    const at = Math.max(atMs, this.nowValue);
    return new SimTimer(this, this.queue, this.queue.push(at, { kind: 'timer', fn }));
  }

  /** Process the next event. False when there is none. */
  step(): boolean {
    const e = this.queue.pop();
    if (!e) return false;
    this.nowValue = e.time;
    this.eventsProcessed += 1;
    const ev = e.value;
    switch (ev.kind) {
      case 'timer':
        ev.fn(this.nowValue);
        break;
      case 'arrive':
        this.arrive(ev.dir, ev.packet, ev.hops, ev.epoch);
        break;
      case 'local':
        this.deliver(ev.node, ev.packet, -1);
        break;
    }
    return true;
  }

  /** Process every event up to and including untilMs, then stand at untilMs. Returns the number processed. */
  drive(untilMs: number): number {
    let n = 0;
    for (;;) {
      const t = this.queue.peekTime();
      if (t === undefined || t > untilMs) break;
      this.step();
      n += 1;
    }
    if (untilMs > this.nowValue) this.nowValue = untilMs;
    return n;
  }

  /** Process at most maxEvents events; settled = nothing left to do. */
  driveBounded(maxEvents: number): { events: number; settled: boolean } {
    let n = 0;
    while (n < maxEvents && this.step()) n += 1;
    return { events: n, settled: this.queue.size === 0 };
  }

  private arrive(dir: LinkDirection, packet: Packet, hops: number, epoch: number): void {
    const link = dir.link;
    const c = dir.counters;
    if (!link.up || epoch !== link.epoch) {
      c.dropDown += 1;
      if (this.tracer)
        this.tracer({
          at: this.nowValue,
          kind: 'drop',
          node: (dir.name === 'aToB' ? link.a : link.b).node,
          link: link.name,
          dir: dir.name,
          reason: 'link-down',
          packet,
        });
      return;
    }
    c.rxPackets += 1;
    c.rxBytes += packetLength(packet) + this.overhead(packet);
    const end = dir.name === 'aToB' ? link.b : link.a;
    const node = this.nodes.get(end.node) as SimNode;
    const d = node.decide(packet.src, packet.dst);
    if (d === LOCAL) {
      this.deliver(node, packet, end.iface);
      return;
    }
    if (!node.forward) {
      this.counters.notLocal += 1;
      this.drop(node, packet, 'not-local');
      return;
    }
    if (hops + 1 >= this.maxHops) {
      this.counters.hopLimit += 1;
      this.drop(node, packet, 'hop-limit');
      return;
    }
    if (this.tracer) this.tracer({ at: this.nowValue, kind: 'forward', node: node.name, ifaceIndex: end.iface, packet });
    this.out(node, d, packet, hops + 1);
  }

  private deliver(node: SimNode, packet: Packet, ifaceIndex: number): void {
    if (this.tracer) this.tracer({ at: this.nowValue, kind: 'deliver', node: node.name, ifaceIndex, packet });
    const h = node.handler;
    if (!h) {
      this.counters.unhandled += 1;
      return;
    }
    h(this.nowValue, packet, ifaceIndex);
  }

  /** Bytes put on each link each way, by link name (Observations' links). */
  linkBytes(): Record<string, { aToB: number; bToA: number }> {
    const out: Record<string, { aToB: number; bToA: number }> = {};
    for (const l of this.linkList) out[l.name] = l.bytes();
    return out;
  }
}

function ifaceAddress(s: string, where: string): InterfaceAddress {
  const slash = s.indexOf('/');
  const text = slash >= 0 ? s.slice(0, slash) : s;
  const ip = ipOrThrow(text, `${where}: address`);
  const p = parsePrefix(s);
  if (!p) throw new Error(`${where}: ${JSON.stringify(s)} is not an address with an optional /prefix length`);
  return { address: text, prefixLen: p.len, ip };
}
