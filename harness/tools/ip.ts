// Compiles a host of the lab into `ip -batch` lines (one process per host
// instead of one per command) and the argv of single ip commands used by
// timed events. Words are joined with spaces only because ip -batch reads
// lines; every word comes from the normalized lab, never from free text.
import type { Endpoint, Host, Lab, Route, Rule } from '../lab/model.js';

/** Interface index of link k's side a; side b gets the next one. */
const FIRST_VETH_INDEX = 100;

/**
 * `ip link add` lines that create every veth pair directly in its two namespaces. The two ends get
 * different interface indexes: made in fresh namespaces they would both get the same one, and the
 * kernel takes a device whose index equals its peer's (iflink) for a physical one, whose carrier
 * change linkwatch may hold back up to a second (net/core/link_watch.c linkwatch_urgent_event):
 * until then its IPv6 link-local and multicast routes are missing and its routes "linkdown", and
 * a neighbour solicitation to it is dropped (docs/findings/ipv6-join-link-local-dad.md).
 */
export function vethLines(lab: Lab, nsOf: (host: string) => string): string[] {
  return lab.links.map((l, k) => {
    const index = FIRST_VETH_INDEX + 2 * k;
    return `link add ${l.a.ifname} index ${index} netns ${nsOf(l.a.host)} type veth peer name ${l.b.ifname} index ${index + 1} netns ${nsOf(l.b.host)}`;
  });
}

function routeLine(r: Route): string {
  const words = ['route', 'add', r.to];
  if (r.via) words.push('via', r.via);
  words.push('dev', r.dev);
  if (r.table !== undefined) words.push('table', String(r.table));
  return words.join(' ');
}

export function endpointWords(e: Endpoint): string[] {
  const words = [e.address];
  if (e.port !== undefined) words.push('port', String(e.port));
  if (e.id !== undefined) words.push('id', String(e.id));
  if (e.dev !== undefined) words.push('dev', e.dev);
  words.push(...e.flags);
  return words;
}

/** Everything of one host after its links exist: addresses, up, routes, rules, MPTCP PM. */
export function hostLines(host: Host): string[] {
  const lines = ['link set lo up'];
  for (const i of host.interfaces) {
    for (const a of i.addresses) lines.push(`addr add ${a.address}/${a.prefixLen} dev ${i.name}${a.family === 6 ? ' nodad' : ''}`);
    lines.push(`link set ${i.name} up`);
  }
  for (const r of host.routes.filter((x) => x.table !== undefined)) lines.push(routeLine(r));
  for (const r of host.routes.filter((x) => x.table === undefined)) lines.push(routeLine(r));
  for (const rule of host.rules.filter((r) => r.family === 4)) lines.push(ruleLine(rule));
  return lines;
}

function ruleLine(rule: Rule): string {
  return `rule add from ${rule.from} table ${rule.table}${rule.priority !== undefined ? ` pref ${rule.priority}` : ''}`;
}

/** `ip rule` defaults to IPv4 and batch lines cannot say -6: these go to a second `ip -6 -batch`. */
export function ipv6RuleLines(host: Host): string[] {
  return host.rules.filter((r) => r.family === 6).map(ruleLine);
}

export function pmLines(host: Host): string[] {
  const lines: string[] = [];
  if (host.limits) {
    const words = ['mptcp', 'limits', 'set'];
    if (host.limits.subflows !== undefined) words.push('subflows', String(host.limits.subflows));
    if (host.limits.addAddrAccepted !== undefined) words.push('add_addr_accepted', String(host.limits.addAddrAccepted));
    lines.push(words.join(' '));
  }
  for (const e of host.endpoints) lines.push(['mptcp', 'endpoint', 'add', ...endpointWords(e)].join(' '));
  return lines;
}
