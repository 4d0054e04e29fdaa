// The forwarding decisions of one lab host as the kernel takes them, built
// from the same normalized Host the netns backend compiles into `ip route` /
// `ip rule` (harness/lab/routes.ts, harness/tools/ip.ts):
//
//   - local: a packet for one of the host's addresses is delivered, whatever
//     interface it came in on (the local table, rule 0);
//   - policy rules in preference order: a rule added without `pref` gets the
//     kernel's default (one below the first rule after `local`, so before
//     main, the later added first); the lab's fallback rules (pref 40000) come
//     after main (32766) and default (32767);
//   - each table: longest prefix; connected routes (one per interface
//     address) live in main; a table without a match passes to the next rule;
//   - with an output interface (a socket bound to a device: an endpoint with
//     `dev`), only routes through it count; IPv4 then assumes the destination
//     is on-link (ip_route_output_key_hash_rcu), IPv6 does not.
//
// Interface down (`ip link set dev X down` on both ends, what a link-down
// event does): every route through it is deleted, in every table (IPv4
// fib_sync_down_dev + fib_flush, IPv6 rt6_sync_down_dev). IPv4 addresses stay
// and stay local (their local routes have scope host); IPv6 addresses are
// deleted unless keep_addr_on_down > 0 (addrconf_ifdown). Interface up: the
// connected routes of the addresses it still has come back, static routes do
// not (the kernel does not remember them).
import { parseIp, parsePrefix, prefixContains, sameIp, type IpAddress, type IpPrefix } from '../../../engine/index.js';
import type { Host } from '../../lab/model.js';

export const RT_TABLE_MAIN = 254;
export const RT_TABLE_DEFAULT = 253;
const PREF_LOCAL = 0;
const PREF_MAIN = 32766;
const PREF_DEFAULT = 32767;

export interface FibAddress {
  readonly family: 4 | 6;
  readonly address: string;
  readonly prefixLen: number;
  readonly ip: IpAddress;
  readonly dev: string;
}

export interface FibRoute {
  readonly family: 4 | 6;
  /** As the lab wrote it: "198.18.2.0/24". */
  readonly to: string;
  readonly prefix: IpPrefix;
  readonly dev: string;
  readonly via?: string;
  readonly table: number;
  /** connected: made by an interface address; static: from the lab's routes. */
  readonly origin: 'connected' | 'static';
}

export interface FibRule {
  readonly family: 4 | 6;
  /** Source prefix; "all" for main and default. */
  readonly from: string;
  readonly fromPrefix: IpPrefix | undefined;
  readonly table: number;
  readonly pref: number;
}

export type RouteDecision =
  | { readonly kind: 'local' }
  | {
      readonly kind: 'out';
      readonly dev: string;
      readonly via?: string;
      readonly table: number;
      readonly pref: number;
      readonly onLink?: boolean;
    }
  | { readonly kind: 'unreachable' };

function prefixOrThrow(text: string, where: string): IpPrefix {
  const p = parsePrefix(text);
  if (!p) throw new Error(`${where}: ${JSON.stringify(text)} is not a prefix`);
  return p;
}

/** The subnet of an address: "198.18.1.1"/24 → "198.18.1.0/24". */
function subnetText(ip: IpAddress, len: number): string {
  const bytes = ip.bytes.slice();
  for (let bit = len; bit < bytes.length * 8; bit += 1) bytes[bit >> 3] = (bytes[bit >> 3] as number) & ~(0x80 >> (bit & 7));
  if (ip.family === 4) return `${[...bytes].join('.')}/${len}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] as number) << 8) | (bytes[i + 1] as number)).toString(16));
  return `${groups.join(':')}/${len}`;
}

/** "default" of one family (the simulator's "default" matches both). */
function zeroPrefix(family: 4 | 6): IpPrefix {
  return { family, bytes: new Uint8Array(family === 4 ? 4 : 16), len: 0 };
}

/** A prefix as text, host bits cleared: "198.18.1.0/24", "2001:db8:1:0:0:0:0:0/64". */
export function prefixText(p: IpPrefix): string {
  if (p.family === undefined) return 'default';
  return subnetText({ family: p.family, bytes: p.bytes }, p.len);
}

/** Whether route prefix r covers every address of prefix p (r no longer than p, and p's base inside r). */
function covers(r: IpPrefix, p: IpPrefix): boolean {
  if (r.family !== undefined && r.family !== p.family) return false;
  if (r.len > p.len) return false;
  if (p.family === undefined) return r.family === undefined;
  return prefixContains(r, { family: p.family, bytes: p.bytes });
}

function sysctlPositive(sysctls: Record<string, string>, key: string): boolean {
  const v = sysctls[key];
  return v !== undefined && Number(v) > 0;
}

/** One host's addresses, tables, rules and interface states. */
export class HostFib {
  private addressList: FibAddress[] = [];
  private routeList: FibRoute[] = [];
  private ruleList: { 4: FibRule[]; 6: FibRule[] } = { 4: [], 6: [] };
  private readonly upState = new Map<string, boolean>();
  /** Bumped on every change, so callers can drop cached decisions. */
  generation = 0;

  private constructor(
    readonly host: string,
    readonly forward: boolean,
    private readonly sysctls: Record<string, string>,
  ) {
    for (const family of [4, 6] as const) {
      this.ruleList[family] = [
        { family, from: 'all', fromPrefix: undefined, table: 255, pref: PREF_LOCAL },
        { family, from: 'all', fromPrefix: undefined, table: RT_TABLE_MAIN, pref: PREF_MAIN },
        { family, from: 'all', fromPrefix: undefined, table: RT_TABLE_DEFAULT, pref: PREF_DEFAULT },
      ];
    }
  }

  /** The host as the netns backend sets it up: addresses, interfaces up, table routes, main routes, rules in order. */
  static fromHost(host: Host): HostFib {
    const fib = new HostFib(host.name, host.forward, host.sysctls);
    for (const i of host.interfaces) {
      fib.upState.set(i.name, true);
      for (const a of i.addresses) {
        const ip = parseIp(a.address);
        if (!ip) throw new Error(`host ${host.name} ${i.name}: ${JSON.stringify(a.address)} is not an address`);
        fib.addressList.push({ family: a.family, address: a.address, prefixLen: a.prefixLen, ip, dev: i.name });
        fib.addConnected(fib.addressList[fib.addressList.length - 1]!);
      }
    }
    for (const r of [...host.routes.filter((x) => x.table !== undefined), ...host.routes.filter((x) => x.table === undefined)]) {
      if (!fib.upState.has(r.dev)) throw new Error(`host ${host.name}: route ${r.to} through unknown interface ${r.dev}`);
      fib.routeList.push({
        family: r.family,
        to: r.to,
        prefix: r.to === 'default' ? zeroPrefix(r.family) : prefixOrThrow(r.to, `host ${host.name} route`),
        dev: r.dev,
        ...(r.via !== undefined ? { via: r.via } : {}),
        table: r.table ?? RT_TABLE_MAIN,
        origin: 'static',
      });
    }
    for (const rule of host.rules) fib.addRule(rule.family, rule.from, rule.table, rule.priority);
    return fib;
  }

  private addConnected(a: FibAddress): void {
    const to = subnetText(a.ip, a.prefixLen);
    if (this.routeList.some((r) => r.origin === 'connected' && r.dev === a.dev && r.to === to && r.table === RT_TABLE_MAIN)) return;
    this.routeList.push({
      family: a.family,
      to,
      prefix: prefixOrThrow(to, `host ${this.host} address`),
      dev: a.dev,
      table: RT_TABLE_MAIN,
      origin: 'connected',
    });
  }

  /** `ip rule add from X table T [pref P]`, placed where the kernel places it (fib_nl_newrule). */
  addRule(family: 4 | 6, from: string, table: number, pref?: number): void {
    const list = this.ruleList[family];
    const p = pref ?? ((list[1]?.pref ?? 0) > 0 ? list[1]!.pref - 1 : 0);
    let at = 0;
    while (at < list.length && list[at]!.pref <= p) at += 1;
    const fromPrefix = from === 'all' ? undefined : prefixOrThrow(from, `host ${this.host} rule`);
    list.splice(at, 0, { family, from, fromPrefix, table, pref: p });
    this.generation += 1;
  }

  get addresses(): readonly FibAddress[] {
    return this.addressList;
  }

  get routes(): readonly FibRoute[] {
    return this.routeList;
  }

  rules(family: 4 | 6): readonly FibRule[] {
    return this.ruleList[family];
  }

  isUp(dev: string): boolean {
    return this.upState.get(dev) ?? false;
  }

  /** Whether `address` is one of the host's addresses right now. */
  isLocal(address: string): boolean {
    const ip = parseIp(address);
    return ip !== undefined && this.addressList.some((a) => sameIp(a.ip, ip));
  }

  /** Rules that apply to a source (undefined: no source yet, only "from all"). */
  private rulesFor(family: 4 | 6, src: IpAddress | undefined): FibRule[] {
    return this.ruleList[family].filter(
      (r) => r.table !== 255 && (r.fromPrefix === undefined || (src !== undefined && prefixContains(r.fromPrefix, src))),
    );
  }

  private lookupTable(table: number, family: 4 | 6, matches: (r: FibRoute) => boolean, oif: string | undefined): FibRoute | undefined {
    let best: FibRoute | undefined;
    for (const r of this.routeList) {
      if (r.table !== table || r.family !== family || !matches(r)) continue;
      if (oif !== undefined && r.dev !== oif) continue;
      if (best === undefined || r.prefix.len > best.prefix.len) best = r;
    }
    return best;
  }

  private resolve(family: 4 | 6, src: IpAddress | undefined, matches: (r: FibRoute) => boolean, oif?: string): RouteDecision {
    for (const rule of this.rulesFor(family, src)) {
      const r = this.lookupTable(rule.table, family, matches, oif);
      if (r) return { kind: 'out', dev: r.dev, ...(r.via !== undefined ? { via: r.via } : {}), table: r.table, pref: rule.pref };
    }
    return { kind: 'unreachable' };
  }

  /**
   * Where a packet from `src` to `dst` goes: delivered here, out of an
   * interface, or nowhere. `src` "" = no source chosen yet. `oif`: the
   * socket is bound to that interface (SO_BINDTODEVICE).
   */
  lookup(src: string, dst: string, oif?: string): RouteDecision {
    const d = parseIp(dst);
    if (!d) return { kind: 'unreachable' };
    if (this.addressList.some((a) => sameIp(a.ip, d))) return { kind: 'local' };
    if (oif !== undefined && !this.isUp(oif)) return { kind: 'unreachable' };
    const s = src === '' ? undefined : parseIp(src);
    const decision = this.resolve(d.family, s, (r) => prefixContains(r.prefix, d), oif);
    if (decision.kind === 'unreachable' && oif !== undefined && d.family === 4) {
      return { kind: 'out', dev: oif, table: RT_TABLE_MAIN, pref: PREF_MAIN, onLink: true };
    }
    return decision;
  }

  /**
   * The decision for every destination in `region` that no longer prefix of
   * the host's routes takes over: what a route for exactly that prefix must
   * say for a longest-prefix router to decide like the kernel.
   */
  lookupRegion(src: string, region: IpPrefix): RouteDecision {
    if (region.family === undefined) return { kind: 'unreachable' };
    const s = parseIp(src);
    return this.resolve(region.family, s, (r) => covers(r.prefix, region));
  }

  /** Every destination prefix of any table, once, longest first. */
  prefixes(): IpPrefix[] {
    const seen = new Map<string, IpPrefix>();
    for (const r of this.routeList) {
      const key = prefixText(r.prefix);
      if (!seen.has(key)) seen.set(key, r.prefix);
    }
    return [...seen.values()].sort((x, y) => y.len - x.len);
  }

  private keepAddrOnDown(dev: string): boolean {
    return (
      sysctlPositive(this.sysctls, 'net.ipv6.conf.all.keep_addr_on_down') ||
      sysctlPositive(this.sysctls, `net.ipv6.conf.${dev}.keep_addr_on_down`)
    );
  }

  /** `ip link set dev up|down` on this host. */
  setLinkState(dev: string, up: boolean): void {
    if (!this.upState.has(dev)) throw new Error(`host ${this.host}: no interface ${dev}`);
    if (this.upState.get(dev) === up) return;
    this.upState.set(dev, up);
    if (!up) {
      this.routeList = this.routeList.filter((r) => r.dev !== dev);
      if (!this.keepAddrOnDown(dev)) this.addressList = this.addressList.filter((a) => a.dev !== dev || a.family === 4);
    } else {
      for (const a of this.addressList) if (a.dev === dev) this.addConnected(a);
    }
    this.generation += 1;
  }
}
