// Per-interface byte and packet counters from `ip -j -s link show`.
import { runJson } from '../../lib/exec.js';

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

/** Read every interface's counters in a namespace. */
export async function readLinkStats(netns: string): Promise<LinkStatsByName> {
  return parseLinkStats(await runJson<unknown>(['ip', '-j', '-s', 'link', 'show'], { netns }));
}
