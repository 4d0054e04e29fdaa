// From what a person wrote (validated shape) to the Lab every backend builds:
// names resolved, addresses assigned and checked, quantities in numbers.
// Every problem is collected with its path, so a lab is rejected whole and
// before anything is created.
import { isIP } from 'node:net';
import { hostAddress, inLabRange, linkSubnetV4, linkSubnetV6, networkOf, parseCidr, sameNetwork } from './addresses.js';
import { ProblemList } from './errors.js';
import {
  EVENT_ACTIONS,
  type Endpoint,
  type EventSpec,
  type Host,
  type IfAddress,
  type Impairment,
  type Interface,
  type Lab,
  type LabTolerances,
  type Link,
  type TimedEvent,
  type Workload,
} from './model.js';
import { computeRoutes } from './routes.js';
import type { EndpointParsed, EventParsed, ImpairmentInput, LabParsed, LinkParsed } from './schema.js';
import { parseDuration, parsePercent, parseRate, parseSize } from './units.js';
import { completionBoundMs } from './timing.js';

const MIN_RATE = 8_000;
const MAX_RATE = 100e9;

type Path = (string | number)[];

export function toImpairment(i: ImpairmentInput, path: Path, problems: ProblemList): Impairment {
  const out: Impairment = {};
  if (i.rate !== undefined) {
    const r = parseRate(i.rate)!;
    if (r < MIN_RATE || r > MAX_RATE)
      problems.add([...path, 'rate'], `rate ${i.rate} is impossible here: expected between 8kbit and 100gbit`);
    out.rateBps = r;
  }
  if (i.delay !== undefined) out.delayMs = parseDuration(i.delay);
  if (i.jitter !== undefined) out.jitterMs = parseDuration(i.jitter);
  if (i.loss !== undefined) out.lossPct = parsePercent(i.loss);
  if (i.reorder !== undefined) out.reorderPct = parsePercent(i.reorder);
  if (i.duplicate !== undefined) out.duplicatePct = parsePercent(i.duplicate);
  if (i.corrupt !== undefined) out.corruptPct = parsePercent(i.corrupt);
  if (i.queue !== undefined) out.queuePackets = i.queue;
  if (i.rewrite !== undefined) out.rewrite = { packet: i.rewrite.packet, offset: i.rewrite.offset };
  if (out.jitterMs && !out.delayMs) problems.add([...path, 'jitter'], 'jitter needs a delay');
  if (out.reorderPct && !out.delayMs)
    problems.add([...path, 'reorder'], 'reorder needs a delay (netem reorders by sending some packets without it)');
  return out;
}

function linkImpairment(l: LinkParsed): ImpairmentInput {
  const { rate, delay, jitter, loss, reorder, duplicate, corrupt, queue, rewrite } = l;
  return { rate, delay, jitter, loss, reorder, duplicate, corrupt, queue, rewrite };
}

function linkAddresses(l: LinkParsed, index: number, side: 0 | 1, path: Path, problems: ProblemList): IfAddress[] {
  const host = l.between[side];
  const given = l.addresses?.[host];
  if (!given) {
    const out: IfAddress[] = [];
    if (l.ipv4) out.push(hostAddress(linkSubnetV4(index), side + 1));
    if (l.ipv6) out.push(hostAddress(linkSubnetV6(index), side + 1));
    return out;
  }
  return given.flatMap((text, k) => {
    const c = parseCidr(text);
    const at = [...path, 'addresses', host, k];
    if (!c) return (problems.add(at, `"${text}" is not an address with a prefix length, e.g. 198.18.7.1/24`), []);
    if (!inLabRange(c.address)) return (problems.add(at, `${c.address} is outside the lab ranges 198.18.0.0/15 and 2001:db8::/32`), []);
    return [c];
  });
}

/** Link names, and those already reported as broken (their hosts are missing), so no follow-up problem repeats them. */
interface LinkNames {
  all: Set<string>;
  broken: Set<string>;
}

function buildLinks(parsed: LabParsed, hosts: Map<string, Host>, problems: ProblemList, broken: Set<string>): Link[] {
  const names = new Set<string>();
  return parsed.links.map((l, index) => {
    const path: Path = ['links', index];
    const name = l.name ?? `l${index + 1}`;
    if (names.has(name)) problems.add([...path, 'name'], `link name "${name}" is used twice`);
    names.add(name);
    const [a, b] = l.between;
    if (a === b) problems.add([...path, 'between'], 'a link joins two different hosts');
    l.between.forEach((h, k) => {
      if (!hosts.has(h)) problems.add([...path, 'between', k], `no host "${h}": expected one of ${[...hosts.keys()].join(', ')}`);
    });
    for (const h of Object.keys(l.addresses ?? {}))
      if (!l.between.includes(h)) problems.add([...path, 'addresses', h], `"${h}" is not on this link`);
    for (const h of Object.keys(l.from ?? {})) if (!l.between.includes(h)) problems.add([...path, 'from', h], `"${h}" is not on this link`);
    const base = toImpairment(linkImpairment(l), path, problems);
    const addrA = linkAddresses(l, index, 0, path, problems);
    const addrB = linkAddresses(l, index, 1, path, problems);
    for (const x of addrA) {
      const y = addrB.find((z) => z.family === x.family);
      if (y && !sameNetwork(x, y))
        problems.add([...path, 'addresses'], `${x.address}/${x.prefixLen} and ${y.address}/${y.prefixLen} are not in the same prefix`);
    }
    const ha = hosts.get(a);
    const hb = hosts.get(b);
    if (!ha || !hb || a === b) {
      broken.add(name);
      return { name, a: { host: a, ifname: '' }, b: { host: b, ifname: '' } };
    }
    const egress = (host: string): Impairment => ({ ...base, ...toImpairment(l.from?.[host] ?? {}, [...path, 'from', host], problems) });
    const ia: Interface = {
      host: a,
      name: `eth${ha.interfaces.length}`,
      link: name,
      addresses: addrA,
      peer: { host: b, name: `eth${hb.interfaces.length}`, addresses: addrB },
      egress: egress(a),
    };
    const ib: Interface = {
      host: b,
      name: `eth${hb.interfaces.length}`,
      link: name,
      addresses: addrB,
      peer: { host: a, name: ia.name, addresses: addrA },
      egress: egress(b),
    };
    ha.interfaces.push(ia);
    hb.interfaces.push(ib);
    const v4 = addrA.find((x) => x.family === 4);
    const v6 = addrA.find((x) => x.family === 6);
    return { name, a: { host: a, ifname: ia.name }, b: { host: b, ifname: ib.name }, v4: v4 && networkOf(v4), v6: v6 && networkOf(v6) };
  });
}

/** The address a host has on a link, by family (default: IPv4, else IPv6). */
function addressOn(host: Host | undefined, link: string, family: 4 | 6 | undefined): IfAddress | undefined {
  const i = host?.interfaces.find((x) => x.link === link);
  if (!i) return undefined;
  return i.addresses.find((a) => a.family === (family ?? 4)) ?? (family ? undefined : i.addresses[0]);
}

interface AddressRef {
  link?: string;
  address?: string;
  family?: 4 | 6;
}

function resolveAddress(host: Host | undefined, ref: AddressRef, path: Path, problems: ProblemList, links: LinkNames): string | undefined {
  if (ref.address !== undefined) {
    if (isIP(ref.address) === 0) return (problems.add([...path, 'address'], `"${ref.address}" is not an IP address`), undefined);
    if (!inLabRange(ref.address))
      return (problems.add([...path, 'address'], `${ref.address} is outside the lab ranges 198.18.0.0/15 and 2001:db8::/32`), undefined);
    return ref.address;
  }
  if (ref.link === undefined) return (problems.add(path, 'expected "link" or "address"'), undefined);
  if (!links.all.has(ref.link)) return (problems.add([...path, 'link'], `no link "${ref.link}"`), undefined);
  // A missing host or a broken link was reported where it was written.
  if (!host || links.broken.has(ref.link)) return undefined;
  const a = addressOn(host, ref.link, ref.family);
  if (!a)
    problems.add([...path, 'link'], `host "${host?.name}" has no ${ref.family ? `IPv${ref.family} ` : ''}address on link "${ref.link}"`);
  return a?.address;
}

function toEndpoint(host: Host | undefined, e: EndpointParsed, path: Path, problems: ProblemList, links: LinkNames): Endpoint | undefined {
  const address = resolveAddress(host, e, path, problems, links);
  let dev: string | undefined;
  if (e.dev === true) {
    dev = host?.interfaces.find((i) => i.link === e.link)?.name;
    if (!dev) problems.add([...path, 'dev'], 'dev: true needs the endpoint to name a link of this host');
  } else if (typeof e.dev === 'string') {
    dev = e.dev;
    if (host && !host.interfaces.some((i) => i.name === dev))
      problems.add(
        [...path, 'dev'],
        `host "${host.name}" has no interface "${dev}": expected one of ${host.interfaces.map((i) => i.name).join(', ') || '(none)'}`,
      );
  }
  if (e.flags.includes('fullmesh') && e.flags.includes('signal'))
    problems.add([...path, 'flags'], 'fullmesh cannot be combined with signal (the kernel refuses it)');
  if (e.port !== undefined && !e.flags.includes('signal')) problems.add([...path, 'port'], 'a port is only valid on a signal endpoint');
  if (!address) return undefined;
  return { address, id: e.id, flags: e.flags, port: e.port, dev };
}

/** Every address is used once in a lab: two interfaces with one address make routing meaningless. */
function checkDuplicateAddresses(hosts: Map<string, Host>, problems: ProblemList): void {
  const seen = new Map<string, string>();
  for (const h of hosts.values()) {
    for (const i of h.interfaces) {
      for (const a of i.addresses) {
        const where = `${h.name} ${i.name} (link ${i.link})`;
        const first = seen.get(a.address);
        if (first) problems.add(['links', i.link], `address ${a.address} is used twice: on ${first} and on ${where}`);
        else seen.set(a.address, where);
      }
    }
  }
}

function buildHosts(parsed: LabParsed): Map<string, Host> {
  const hosts = new Map<string, Host>();
  for (const [name, h] of Object.entries(parsed.hosts)) {
    const sysctls = Object.fromEntries(Object.entries(h.sysctls).map(([k, v]) => [k, String(v)]));
    if (h.forward) {
      sysctls['net.ipv4.ip_forward'] ??= '1';
      sysctls['net.ipv6.conf.all.forwarding'] ??= '1';
    }
    const limits = h.limits && { subflows: h.limits.subflows, addAddrAccepted: h.limits.add_addr_accepted };
    hosts.set(name, { name, forward: h.forward, sysctls, limits, endpoints: [], interfaces: [], routes: [], rules: [] });
  }
  return hosts;
}

function buildWorkload(parsed: LabParsed, hosts: Map<string, Host>, links: LinkNames, problems: ProblemList): Workload {
  const w = parsed.workload;
  const path: Path = ['workload'];
  for (const role of ['client', 'server'] as const)
    if (!hosts.has(w[role])) problems.add([...path, role], `no host "${w[role]}": expected one of ${[...hosts.keys()].join(', ')}`);
  if (w.client === w.server) problems.add([...path, 'server'], 'client and server must be different hosts');
  const server = hosts.get(w.server);
  const [linkPart, famPart] = w.connect.split('/');
  const connectRef: AddressRef = isIP(w.connect)
    ? { address: w.connect }
    : { link: linkPart, family: famPart === '6' ? 6 : famPart === '4' ? 4 : undefined };
  const connect = resolveAddress(server, connectRef, [...path, 'connect'], problems, links) ?? '';
  if (connect && isIP(w.connect) && server && !server.interfaces.some((i) => i.addresses.some((a) => a.address === connect))) {
    problems.add([...path, 'connect'], `${connect} is not an address of host "${w.server}"`);
  }
  const bindRef: AddressRef | undefined = w.bind === undefined ? undefined : isIP(w.bind) ? { address: w.bind } : { link: w.bind };
  return {
    client: w.client,
    server: w.server,
    connect,
    family: isIP(connect) === 6 ? 6 : 4,
    direction: w.direction,
    sizeBytes: parseSize(w.size)!,
    connections: w.connections,
    write: { chunkBytes: parseSize(w.write?.chunk ?? '64KiB')!, pauseMs: parseDuration(w.write?.pause ?? 0)! },
    clientMptcp: w.mptcp?.client ?? true,
    serverMptcp: w.mptcp?.server ?? true,
    port: w.port,
    bind: bindRef && resolveAddress(hosts.get(w.client), bindRef, [...path, 'bind'], problems, links),
    abortAfterBytes: w['abort-after'] === undefined ? undefined : parseSize(w['abort-after']),
  };
}

function checkHost(name: string, hosts: Map<string, Host>, path: Path, problems: ProblemList): Host | undefined {
  const h = hosts.get(name);
  if (!h) problems.add(path, `no host "${name}": expected one of ${[...hosts.keys()].join(', ')}`);
  return h;
}

function toEvent(e: EventParsed, path: Path, hosts: Map<string, Host>, links: LinkNames, problems: ProblemList): EventSpec | undefined {
  const present = EVENT_ACTIONS.filter((a) => e[a] !== undefined);
  if (present.length !== 1) {
    problems.add(path, `expected exactly one action of ${EVENT_ACTIONS.join(', ')}; found ${present.length ? present.join(', ') : 'none'}`);
    return undefined;
  }
  const checkLink = (l: string, p: Path) => (links.all.has(l) ? l : (problems.add(p, `no link "${l}"`), l));
  if (e['link-down'] !== undefined) return { action: 'link-down', link: checkLink(e['link-down'], [...path, 'link-down']) };
  if (e['link-up'] !== undefined) return { action: 'link-up', link: checkLink(e['link-up'], [...path, 'link-up']) };
  if (e['endpoint-flush'] !== undefined)
    return (
      checkHost(e['endpoint-flush'], hosts, [...path, 'endpoint-flush'], problems) && {
        action: 'endpoint-flush',
        host: e['endpoint-flush'],
      }
    );
  if (e['endpoint-add']) {
    const { host, ...rest } = e['endpoint-add'];
    const p = [...path, 'endpoint-add'];
    const ep = toEndpoint(checkHost(host, hosts, [...p, 'host'], problems), rest, p, problems, links);
    return ep && { action: 'endpoint-add', host, endpoint: ep };
  }
  const ref = e['endpoint-delete'] ?? e.backup;
  if (ref) {
    const p = [...path, e.backup ? 'backup' : 'endpoint-delete'];
    const h = checkHost(ref.host, hosts, [...p, 'host'], problems);
    const address = ref.id === undefined ? resolveAddress(h, ref, p, problems, links) : undefined;
    return e.backup
      ? { action: 'backup', host: ref.host, id: ref.id, address, backup: e.backup.backup }
      : { action: 'endpoint-delete', host: ref.host, id: ref.id, address };
  }
  if (e.impair) {
    const { link, from, ...imp } = e.impair;
    checkLink(link, [...path, 'impair', 'link']);
    if (from !== undefined) checkHost(from, hosts, [...path, 'impair', 'from'], problems);
    return { action: 'impair', link, from, impairment: toImpairment(imp, [...path, 'impair'], problems) };
  }
  const shell = e.shell!;
  checkHost(shell.host, hosts, [...path, 'shell', 'host'], problems);
  return { action: 'shell', host: shell.host, command: shell.command };
}

export function normalize(parsed: LabParsed, file: string, defaultName: string): Lab {
  const problems = new ProblemList();
  const hosts = buildHosts(parsed);
  if (hosts.size < 2) problems.add(['hosts'], 'a lab needs at least two hosts');
  const broken = new Set<string>();
  const links = buildLinks(parsed, hosts, problems, broken);
  const linkNames: LinkNames = { all: new Set(links.map((l) => l.name)), broken };
  checkDuplicateAddresses(hosts, problems);
  for (const [name, h] of Object.entries(parsed.hosts)) {
    const host = hosts.get(name)!;
    host.endpoints = h.endpoints.flatMap((e, k) => toEndpoint(host, e, ['hosts', name, 'endpoints', k], problems, linkNames) ?? []);
  }
  const workload = buildWorkload(parsed, hosts, linkNames, problems);
  const events: TimedEvent[] = parsed.events.flatMap((e, k) => {
    const spec = toEvent(e, ['events', k], hosts, linkNames, problems);
    return spec ? [{ ...spec, atMs: parseDuration(e.at)! }] : [];
  });
  for (const [linkName] of Object.entries(parsed.expect.link_share ?? {})) {
    if (!linkNames.all.has(linkName)) problems.add(['expect', 'link_share', linkName], `no link "${linkName}"`);
  }
  for (const [hostName] of Object.entries(parsed.expect.counters ?? {}))
    checkHost(hostName, hosts, ['expect', 'counters', hostName], problems);
  (parsed.expect.events ?? []).forEach((ev, k) => checkHost(ev.host, hosts, ['expect', 'events', k, 'host'], problems));
  problems.throwIfAny(file);

  const hostList = [...hosts.values()];
  computeRoutes(hostList, (i, family) => {
    const a = i.addresses.find((x) => x.family === family);
    return a && networkOf(a);
  });
  const { duration, ...expect } = parsed.expect;
  const lab: Lab = {
    name: parsed.name ?? defaultName,
    file,
    description: parsed.description,
    group: parsed.group,
    tags: parsed.tags,
    requires: parsed.requires,
    timeoutMs: parseDuration(parsed.timeout)!,
    ...(parsed.repeat !== undefined ? { repeat: parsed.repeat } : {}),
    hosts: hostList,
    links,
    workload,
    events,
    expect,
    compare: labTolerances(parsed.compare),
    knownDivergences: parsed['known-divergences'],
    knownBugs: parsed['known-bugs'],
  };
  if (duration) {
    lab.expect.durationMaxMs = duration.max === 'auto' ? completionBoundMs(lab, duration.margin) : parseDuration(duration.max);
    if (lab.expect.durationMaxMs === undefined) {
      problems.add(['expect', 'duration', 'max'], 'auto needs a rate on every link of the client, in the direction of the transfer');
      problems.throwIfAny(file);
    }
  }
  return lab;
}

function labTolerances(c: LabParsed['compare']): LabTolerances {
  const t: LabTolerances = {};
  if (c.link_share !== undefined) t.linkShare = c.link_share;
  if (c.duration_factor !== undefined) t.durationFactor = c.duration_factor;
  if (c.duration_slack !== undefined) t.durationSlackMs = parseDuration(c.duration_slack);
  if (c.counters !== undefined) t.counters = c.counters;
  return t;
}
