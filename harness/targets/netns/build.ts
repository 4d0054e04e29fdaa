// The netns backend: realizes a normalized Lab on the running kernel as one
// network namespace per host, veth pairs for links, qdiscs and nft tables for
// impairments, sysctls and the MPTCP path manager, all inside the lab's own
// namespaces. Nothing touches the initial namespace.
// Few processes: one `ip -batch` makes the namespaces and links, then per host
// one `ip -n NS -batch` (addresses, routes, rules, path manager), one `tc -batch`
// and one `nft -f` when impaired, all at once under one `sh` (lib/concurrent.ts);
// sysctls are written from this thread entered into the namespace. Teardown
// queues the deletion (cleanup.ts).
import { writeFileSync } from 'node:fs';
import { keepShellsWarm, runConcurrently, type ConcurrentCommand } from '../../../lib/concurrent.js';
import { run } from '../../../lib/exec.js';
import { NS_PREFIX, queueNamespaceDeletion, registerNamespace } from '../../cleanup.js';
import { forgetNamespaceHandle, inNamespace } from './enter.js';
import type { Capabilities } from '../../capabilities.js';
import type { Host, Impairment, Interface, Lab } from '../../lab/model.js';
import { hostLines, ipv6RuleLines, pmLines, vethLines } from '../../tools/ip.js';
import { compileLossRuleset, compileLossUpdate, compileRewrite } from '../../tools/nft.js';
import { compileQdiscs, lossByNft, sameQdiscShape } from '../../tools/tc.js';

let slotCounter = 0;

export interface BuiltLab {
  lab: Lab;
  /** Namespace of each host. */
  ns: Record<string, string>;
  caps: Capabilities;
  /** Set-up time in ms, for the benchmark. */
  setupMs: number;
  /** Where the set-up time went, for the lab's log: "namespaces+links 12.3 ms, ...". */
  setupSteps: string;
}

export function namespaceNames(lab: Lab): Record<string, string> {
  slotCounter += 1;
  const slot = `${process.pid}-${slotCounter}`;
  return Object.fromEntries(lab.hosts.map((h) => [h.name, `${NS_PREFIX}${slot}-${h.name}`]));
}

/** `ip -n NS -batch -` over these lines; none when there are no lines. */
function batch(ns: string, lines: string[], family: '-4' | '-6' | undefined = undefined): ConcurrentCommand[] {
  if (!lines.length) return [];
  return [{ argv: ['ip', ...(family ? [family] : []), '-n', ns, '-batch', '-'], input: lines.join('\n') + '\n' }];
}

/** /proc/sys path of a sysctl key, as sysctl(8) maps it: dots are the separators. */
export function sysctlPath(key: string): string {
  return `/proc/sys/${key.replace(/\./g, '/')}`;
}

/** Written with the thread inside the namespace: /proc/sys/net there is the lab's own. */
function setSysctls(ns: string, sysctls: Record<string, string>): void {
  inNamespace(ns, () => {
    for (const [key, value] of Object.entries(sysctls)) {
      try {
        writeFileSync(sysctlPath(key), value);
      } catch (e) {
        throw new Error(`sysctl ${key}=${value} in ${ns}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  });
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

function peerInterface(lab: Lab, i: Interface): { host: string; ifname: string } {
  return { host: i.peer.host, ifname: i.peer.name };
}

/**
 * Whether what the sender hands the link must be one packet per segment: nft counts or drops
 * packets, and so does netem, which drops a whole GSO skb (up to 64 KB) as one "packet", so
 * 15 % loss with offloads on loses a few super-packets per window instead of 15 % of segments.
 */
function segmentsOnWire(egress: Impairment, caps: Capabilities): boolean {
  return Boolean(egress.lossPct) || lossByNft(egress, caps) || egress.rewrite !== undefined;
}

const OFFLOADS_OFF = ['tso', 'off', 'gso', 'off', 'gro', 'off'];

/**
 * Whether some link loses packets, from the start or after an event. A veth hands a GSO skb to
 * its peer whole, so a router forwards the sender's super-packets as they are and netem on the
 * router's egress drops them whole: with loss anywhere, every interface of the lab sends segments.
 */
function labHasLoss(lab: Lab): boolean {
  return (
    lab.hosts.some((h) => h.interfaces.some((i) => Boolean(i.egress.lossPct))) ||
    lab.events.some((e) => e.action === 'impair' && Boolean(e.impairment.lossPct))
  );
}

/**
 * qdiscs on the sender; loss without netem and payload rewrites as nft on the receiver, with
 * segmentation offloads off on the sender (its checksum offload stays: see harness/tools/nft.ts).
 */
function impair(built: BuiltLab, host: Host): ConcurrentCommand[] {
  const ns = built.ns[host.name]!;
  const commands: ConcurrentCommand[] = [];
  // tc -batch reads the argv of compileQdiscs without the leading "tc".
  const qdiscs = host.interfaces.flatMap((i) => compileQdiscs(i.name, i.egress, built.caps).map((argv) => argv.slice(1).join(' ')));
  if (qdiscs.length) commands.push({ argv: ['tc', '-n', ns, '-batch', '-'], input: qdiscs.join('\n') + '\n' });
  for (const i of host.interfaces) {
    if (segmentsOnWire(i.egress, built.caps) || labHasLoss(built.lab))
      commands.push({ argv: ['ethtool', '-K', i.name, ...OFFLOADS_OFF], netns: ns });
  }
  const incoming = built.lab.hosts.flatMap((h) => h.interfaces.filter((i) => i.peer.host === host.name));
  const losses = incoming.filter((i) => lossByNft(i.egress, built.caps)).map((i) => ({ dev: i.peer.name, lossPct: i.egress.lossPct! }));
  // One nft transaction for the loss table and every rewrite.
  const scripts = [
    ...(losses.length ? [compileLossRuleset(losses)] : []),
    ...incoming.flatMap((i) => (i.egress.rewrite ? [compileRewrite(i.peer.name, i.egress.rewrite)] : [])),
  ];
  if (scripts.length) commands.push({ argv: ['nft', '-f', '-'], netns: ns, input: scripts.join('') });
  return commands;
}

export async function buildLab(input: Lab, caps: Capabilities): Promise<BuiltLab> {
  // Events change impairments on the built copy; the lab itself stays as loaded.
  const lab: Lab = {
    ...input,
    hosts: input.hosts.map((h) => ({ ...h, interfaces: h.interfaces.map((i) => ({ ...i, egress: { ...i.egress } })) })),
  };
  const started = performance.now();
  const ns = namespaceNames(lab);
  const built: BuiltLab = { lab, ns, caps, setupMs: 0, setupSteps: '' };
  const steps: string[] = [];
  let stepStart = started;
  const step = (name: string): void => {
    const now = performance.now();
    steps.push(`${name} ${(now - stepStart).toFixed(1)} ms`);
    stepStart = now;
  };
  try {
    for (const name of Object.values(ns)) registerNamespace(name);
    const make = [...Object.values(ns).map((n) => `netns add ${n}`), ...vethLines(lab, (h) => ns[h]!)];
    // A host's ip lines, IPv6 rules and impairments touch different objects of links that exist
    // already (RTNL orders them in the kernel): once the namespaces and links are made and the
    // sysctls written, every host's commands run at once, all through one shell.
    await runConcurrently(
      lab.hosts.flatMap((h) => {
        const n = ns[h.name]!;
        return [...batch(n, [...hostLines(h), ...pmLines(h)]), ...batch(n, ipv6RuleLines(h), '-6'), ...impair(built, h)];
      }),
      {
        command: { argv: ['ip', '-batch', '-'], input: make.join('\n') + '\n' },
        then: () => {
          step('namespaces+links');
          for (const h of lab.hosts) setSysctls(ns[h.name]!, baseSysctls(h));
          step('sysctls');
        },
      },
    );
  } catch (e) {
    await teardownLab(built);
    throw e;
  }
  step('hosts');
  built.setupMs = performance.now() - started;
  built.setupSteps = steps.join(', ');
  return built;
}

/** Returns at once: the namespaces are deleted in the background (cleanupAll waits for them at exit). */
export function teardownLab(built: BuiltLab): Promise<void> {
  const names = Object.values(built.ns);
  for (const n of names) forgetNamespaceHandle(n);
  queueNamespaceDeletion(names);
  // The next lab's set-up shell starts now, after this lab's verdict, not on that lab's path.
  keepShellsWarm();
  return Promise.resolve();
}

/** The interface at side `from` of a link (default: both ends). */
export function linkEnds(lab: Lab, link: string): { host: string; ifname: string }[] {
  const l = lab.links.find((x) => x.name === link);
  if (!l) throw new Error(`no link ${link}`);
  return [l.a, l.b];
}

export async function setLinkState(built: BuiltLab, link: string, up: boolean): Promise<void> {
  // ip -n, not ip netns exec: no mount namespace to set up, so the link changes sooner after the event is due.
  await Promise.all(
    linkEnds(built.lab, link).map((end) => run(['ip', '-n', built.ns[end.host]!, 'link', 'set', end.ifname, up ? 'up' : 'down'])),
  );
}

/** Change the impairment of a link (both senders, or only `from`), as a timed event does. */
export async function changeImpairment(built: BuiltLab, link: string, from: string | undefined, change: Impairment): Promise<void> {
  for (const end of linkEnds(built.lab, link)) {
    if (from && end.host !== from) continue;
    const host = built.lab.hosts.find((h) => h.name === end.host)!;
    const i = host.interfaces.find((x) => x.name === end.ifname)!;
    const before = i.egress;
    i.egress = { ...i.egress, ...change };
    const ns = built.ns[end.host]!;
    const inPlace = sameQdiscShape(before, i.egress, built.caps);
    // tc -n, not ip netns exec: no mount namespace to set up, so the change is in place sooner after it is due.
    if (!inPlace) await run(['tc', '-n', ns, 'qdisc', 'del', 'dev', i.name, 'root'], { reject: false });
    for (const argv of compileQdiscs(i.name, i.egress, built.caps, inPlace ? 'replace' : 'add'))
      await run(['tc', '-n', ns, ...argv.slice(1)]);
    const peer = peerInterface(built.lab, i);
    if (change.lossPct !== undefined) await run(['ethtool', '-K', i.name, ...OFFLOADS_OFF], { netns: ns });
    if (change.lossPct !== undefined && !built.caps.netem) {
      await run(['nft', '-f', '-'], { netns: built.ns[peer.host], input: compileLossUpdate(peer.ifname, change.lossPct) });
    }
    if (change.rewrite !== undefined) {
      await run(['ethtool', '-K', i.name, ...OFFLOADS_OFF], { netns: ns });
      await run(['nft', '-f', '-'], { netns: built.ns[peer.host], input: compileRewrite(peer.ifname, change.rewrite) });
    }
  }
}
