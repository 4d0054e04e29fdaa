// Per-interface byte and packet counters of a namespace, read from its
// /proc/thread-self/net/dev with the thread entered into it (no `ip -s link`
// process per read; the same dev_get_stats numbers ip prints as stats64).
// parseLinkStats still reads `ip -j -s link show` for tools and tests.
import { cIfNameToIndex } from '../../lib/libc.js';
import { readFileSync } from 'node:fs';
import { inNamespace } from '../targets/netns/enter.js';

/** Asks the calling thread's namespace (a socket made in it), so inside inNamespace it is the lab's. */

export interface LinkStats {
  ifindex: number;
  rxBytes: number;
  rxPackets: number;
  txBytes: number;
  txPackets: number;
}

/** By interface name. */
export type LinkStatsByName = Record<string, LinkStats>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/**
 * Parse the JSON of `ip -j -s link show` (an array of links). Counters come
 * from `stats64` (iproute2 ≥ 4.x) or `stats` (older); a link without either
 * reads as zeros.
 */
export function parseLinkStats(json: unknown): LinkStatsByName {
  if (!Array.isArray(json)) throw new Error('ip -j -s link show: expected a JSON array');
  const out: LinkStatsByName = {};
  for (const link of json) {
    if (!isRecord(link) || typeof link.ifname !== 'string') continue;
    const stats = isRecord(link.stats64) ? link.stats64 : isRecord(link.stats) ? link.stats : {};
    const rx = isRecord(stats.rx) ? stats.rx : {};
    const tx = isRecord(stats.tx) ? stats.tx : {};
    out[link.ifname] = {
      ifindex: num(link.ifindex),
      rxBytes: num(rx.bytes),
      rxPackets: num(rx.packets),
      txBytes: num(tx.bytes),
      txPackets: num(tx.packets),
    };
  }
  return out;
}

/** after - before per interface; an interface missing from before counts from 0. */
export function linkStatsDelta(before: LinkStatsByName, after: LinkStatsByName): LinkStatsByName {
  const out: LinkStatsByName = {};
  for (const [name, a] of Object.entries(after)) {
    const b = before[name];
    out[name] = {
      ifindex: a.ifindex,
      rxBytes: a.rxBytes - (b?.rxBytes ?? 0),
      rxPackets: a.rxPackets - (b?.rxPackets ?? 0),
      txBytes: a.txBytes - (b?.txBytes ?? 0),
      txPackets: a.txPackets - (b?.txPackets ?? 0),
    };
  }
  return out;
}

/**
 * Parse /proc/net/dev: two header lines, then per interface `name: ` and 16
 * numbers, receive (bytes packets errs drop fifo frame compressed multicast)
 * then transmit (bytes packets errs drop fifo colls carrier compressed).
 * ifindexOf gives each interface's index (the file has none).
 */
export function parseProcNetDev(text: string, ifindexOf: (ifname: string) => number = () => 0): LinkStatsByName {
  const out: LinkStatsByName = {};
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const n = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (name === '' || n.length < 16 || n.some((x) => !Number.isFinite(x))) throw new Error(`/proc/net/dev: cannot read "${line.trim()}"`);
    out[name] = { ifindex: ifindexOf(name), rxBytes: n[0]!, rxPackets: n[1]!, txBytes: n[8]!, txPackets: n[9]! };
  }
  return out;
}

/** Every interface's counters in the calling thread's namespace. */
export function readOwnLinkStats(): LinkStatsByName {
  return parseProcNetDev(readFileSync('/proc/thread-self/net/dev', 'utf8'), (name) => cIfNameToIndex(name) as number);
}

/** Read every interface's counters in a namespace, without a process. */
export function readLinkStats(netns: string): LinkStatsByName {
  return inNamespace(netns, readOwnLinkStats);
}
