// What the netns backend runs to realize a lab, as data: the `ip -batch` lines
// that make the namespaces and veth pairs, the sysctls of each host, each
// host's ip/tc/ethtool/nft commands, and the commands of an impairment change.
// build.ts runs them; the shell exporter (harness/export/) writes the same
// commands into a script, so the two cannot drift apart.
import type { ConcurrentCommand } from '../../../lib/concurrent.js';
import type { Host, Impairment, Lab } from '../../lab/model.js';
import { hostLines, ipv6RuleLines, pmLines, vethLines } from '../../tools/ip.js';
import { compileLossRuleset, compileLossUpdate, compileRewrite } from '../../tools/nft.js';
import { compileQdiscs, lossByNft, sameQdiscShape, type QdiscCaps } from '../../tools/tc.js';

/** A command of the plan; `mayFail` when its failure is expected and ignored (deleting what may not exist). */
export interface PlannedCommand extends ConcurrentCommand {
  readonly mayFail?: boolean;
}

export interface SetupPlan {
  /** `ip -batch` lines run first: the namespaces, then every veth pair. */
  make: string[];
  /** By host: sysctls written in its namespace once the links exist (lab values override the base ones). */
  sysctls: Record<string, Record<string, string>>;
  /** Every host's commands; they touch different objects, so they may run at once after the sysctls. */
  hosts: PlannedCommand[];
}

/** /proc/sys path of a sysctl key, as sysctl(8) maps it: dots are the separators. */
export function sysctlPath(key: string): string {
  return `/proc/sys/${key.replace(/\./g, '/')}`;
}

/** Sysctls every lab host gets so runs are repeatable (lab values override). */
export function baseSysctls(host: Host): Record<string, string> {
  return {
    // Source-based routing with several interfaces must not be undone by reverse-path filtering.
    'net.ipv4.conf.all.rp_filter': '0',
    'net.ipv4.conf.default.rp_filter': '0',
    ...noLinkLocalDad(host),
    ...host.sysctls,
  };
}

/**
 * Lab addresses are added `nodad`, but the link-local address each interface makes when it comes
 * up still runs DAD for 1-2 s. Until then a neighbour solicitation whose packet's source is not an
 * address of that interface (a reply leaving by another link than its source's) is not sent at
 * all (ndisc_send_ns finds no usable link-local source), so the reply is lost without a counter:
 * docs/findings/ipv6-join-link-local-dad.md. Written before the links come up, so it applies.
 */
function noLinkLocalDad(host: Host): Record<string, string> {
  const withIpv6 = host.interfaces.filter((i) => i.addresses.some((a) => a.family === 6));
  return Object.fromEntries(withIpv6.map((i) => [`net.ipv6.conf.${i.name}.accept_dad`, '0']));
}

/** `ip -n NS -batch -` over these lines; none when there are no lines. */
function batch(ns: string, lines: string[], family: '-4' | '-6' | undefined = undefined): PlannedCommand[] {
  if (!lines.length) return [];
  return [{ argv: ['ip', ...(family ? [family] : []), '-n', ns, '-batch', '-'], input: lines.join('\n') + '\n' }];
}

/**
 * Whether what the sender hands the link must be one packet per segment: nft counts or drops
 * packets, and so does netem, which drops a whole GSO skb (up to 64 KB) as one "packet", so
 * 15 % loss with offloads on loses a few super-packets per window instead of 15 % of segments.
 */
function segmentsOnWire(egress: Impairment, caps: QdiscCaps): boolean {
  return Boolean(egress.lossPct) || lossByNft(egress, caps) || egress.rewrite !== undefined;
}

const OFFLOADS_OFF = ['tso', 'off', 'gso', 'off', 'gro', 'off'];

/**
 * Whether some link loses packets, from the start or after an event. A veth hands a GSO skb to
 * its peer whole, so a router forwards the sender's super-packets as they are and netem on the
 * router's egress drops them whole: with loss anywhere, every interface of the lab sends segments.
 */
export function labHasLoss(lab: Lab): boolean {
  return (
    lab.hosts.some((h) => h.interfaces.some((i) => Boolean(i.egress.lossPct))) ||
    lab.events.some((e) => e.action === 'impair' && Boolean(e.impairment.lossPct))
  );
}

/**
 * qdiscs on the sender; loss without netem and payload rewrites as nft on the receiver, with
 * segmentation offloads off on the sender (its checksum offload stays: see harness/tools/nft.ts).
 */
function impair(lab: Lab, ns: Record<string, string>, host: Host, caps: QdiscCaps): PlannedCommand[] {
  const n = ns[host.name]!;
  const commands: PlannedCommand[] = [];
  // tc -batch reads the argv of compileQdiscs without the leading "tc".
  const qdiscs = host.interfaces.flatMap((i) => compileQdiscs(i.name, i.egress, caps).map((argv) => argv.slice(1).join(' ')));
  if (qdiscs.length) commands.push({ argv: ['tc', '-n', n, '-batch', '-'], input: qdiscs.join('\n') + '\n' });
  for (const i of host.interfaces) {
    if (segmentsOnWire(i.egress, caps) || labHasLoss(lab)) commands.push({ argv: ['ethtool', '-K', i.name, ...OFFLOADS_OFF], netns: n });
  }
  const incoming = lab.hosts.flatMap((h) => h.interfaces.filter((i) => i.peer.host === host.name));
  const losses = incoming.filter((i) => lossByNft(i.egress, caps)).map((i) => ({ dev: i.peer.name, lossPct: i.egress.lossPct! }));
  // One nft transaction for the loss table and every rewrite.
  const scripts = [
    ...(losses.length ? [compileLossRuleset(losses)] : []),
    ...incoming.flatMap((i) => (i.egress.rewrite ? [compileRewrite(i.peer.name, i.egress.rewrite)] : [])),
  ];
  if (scripts.length) commands.push({ argv: ['nft', '-f', '-'], netns: n, input: scripts.join('') });
  return commands;
}

/** The whole set-up of `lab` with these namespace names. */
export function planSetup(lab: Lab, ns: Record<string, string>, caps: QdiscCaps): SetupPlan {
  return {
    make: [...lab.hosts.map((h) => `netns add ${ns[h.name]!}`), ...vethLines(lab, (h) => ns[h]!)],
    sysctls: Object.fromEntries(lab.hosts.map((h) => [h.name, baseSysctls(h)])),
    hosts: lab.hosts.flatMap((h) => {
      const n = ns[h.name]!;
      return [...batch(n, [...hostLines(h), ...pmLines(h)]), ...batch(n, ipv6RuleLines(h), '-6'), ...impair(lab, ns, h, caps)];
    }),
  };
}

/** The interface at each side of a link. */
export function linkEnds(lab: Lab, link: string): { host: string; ifname: string }[] {
  const l = lab.links.find((x) => x.name === link);
  if (!l) throw new Error(`no link ${link}`);
  return [l.a, l.b];
}

/**
 * The commands, in order, that change the impairment of a link (both senders, or only `from`)
 * as a timed event does. Updates the egress of `lab`'s interfaces: later changes build on it.
 */
export function planImpairmentChange(
  lab: Lab,
  ns: Record<string, string>,
  caps: QdiscCaps,
  link: string,
  from: string | undefined,
  change: Impairment,
): PlannedCommand[] {
  const commands: PlannedCommand[] = [];
  for (const end of linkEnds(lab, link)) {
    if (from && end.host !== from) continue;
    const host = lab.hosts.find((h) => h.name === end.host)!;
    const i = host.interfaces.find((x) => x.name === end.ifname)!;
    const before = i.egress;
    i.egress = { ...i.egress, ...change };
    const n = ns[end.host]!;
    const inPlace = sameQdiscShape(before, i.egress, caps);
    // tc -n, not ip netns exec: no mount namespace to set up, so the change is in place sooner after it is due.
    if (!inPlace) commands.push({ argv: ['tc', '-n', n, 'qdisc', 'del', 'dev', i.name, 'root'], mayFail: true });
    for (const argv of compileQdiscs(i.name, i.egress, caps, inPlace ? 'replace' : 'add'))
      commands.push({ argv: ['tc', '-n', n, ...argv.slice(1)] });
    const peer = { host: i.peer.host, ifname: i.peer.name };
    if (change.lossPct !== undefined) commands.push({ argv: ['ethtool', '-K', i.name, ...OFFLOADS_OFF], netns: n });
    if (change.lossPct !== undefined && !caps.netem) {
      commands.push({ argv: ['nft', '-f', '-'], netns: ns[peer.host]!, input: compileLossUpdate(peer.ifname, change.lossPct) });
    }
    if (change.rewrite !== undefined) {
      commands.push({ argv: ['ethtool', '-K', i.name, ...OFFLOADS_OFF], netns: n });
      commands.push({ argv: ['nft', '-f', '-'], netns: ns[peer.host]!, input: compileRewrite(peer.ifname, change.rewrite) });
    }
  }
  return commands;
}

/** A copy of the lab whose interfaces' egress an impairment change may update without touching `lab`. */
export function copyForEvents(lab: Lab): Lab {
  return {
    ...lab,
    hosts: lab.hosts.map((h) => ({ ...h, interfaces: h.interfaces.map((i) => ({ ...i, egress: { ...i.egress } })) })),
  };
}
