// Lab addresses: assigned from 198.18.0.0/15 (RFC 2544 benchmarking) and
// 2001:db8::/32 (documentation), one /24 and one /64 per link, so nothing in
// a lab can collide with a real network or route out of it.
import {
  formatIpv4,
  formatIpv6,
  maskBytes,
  parsePrefix,
  parseScopedIp,
  prefixContains,
  unmapV4,
  type IpPrefix,
} from '../../engine/index.js';
import type { IfAddress } from './model.js';

const LAB_RANGES: IpPrefix[] = ['198.18.0.0/15', '2001:db8::/32'].flatMap((p) => parsePrefix(p) ?? []);

/** Link index i (0-based) gets 198.18.(i+1).0/24 then 198.19.x.0/24. */
export function linkSubnetV4(index: number): string {
  const n = index + 1;
  if (n > 511) throw new Error('more than 511 links in one lab');
  return `198.${18 + (n >> 8)}.${n & 0xff}.0/24`;
}

export function linkSubnetV6(index: number): string {
  return `2001:db8:${(index + 1).toString(16)}::/64`;
}

/** Host number k (1 = side a, 2 = side b) on the subnet. */
export function hostAddress(subnet: string, k: number): IfAddress {
  const [base, len] = subnet.split('/') as [string, string];
  if (base.includes(':')) return { family: 6, address: `${base.replace(/::$/, '')}::${k}`, prefixLen: Number(len) };
  const parts = base.split('.');
  parts[3] = String(k);
  return { family: 4, address: parts.join('.'), prefixLen: Number(len) };
}

export interface ParsedCidr {
  family: 4 | 6;
  address: string;
  prefixLen: number;
}

/** "198.18.1.1/24" → parts; undefined when it is not an address with a prefix. */
export function parseCidr(text: string): ParsedCidr | undefined {
  const m = /^([^/]+)\/([0-9]{1,3})$/.exec(text.trim());
  if (!m || !m[1] || !m[2]) return undefined;
  const family = parseScopedIp(m[1])?.family;
  const prefixLen = Number(m[2]);
  if (family === 4 && prefixLen <= 32) return { family, address: m[1], prefixLen };
  if (family === 6 && prefixLen <= 128) return { family, address: m[1], prefixLen };
  return undefined;
}

/** Whether the address (a zone id ignored, IPv4-mapped IPv6 as IPv4) is in 198.18.0.0/15 or 2001:db8::/32. */
export function inLabRange(address: string): boolean {
  const ip = parseScopedIp(address);
  return ip !== undefined && LAB_RANGES.some((r) => prefixContains(r, unmapV4(ip)));
}

/** The network prefix of an address, as "net/len" (IPv6 with all eight groups, the form routes have always used). */
export function networkOf(a: ParsedCidr): string {
  const ip = parseScopedIp(a.address);
  if (!ip) throw new Error(`networkOf: ${JSON.stringify(a.address)} is not an address`);
  const net = maskBytes(ip.bytes, a.prefixLen);
  return `${ip.family === 4 ? formatIpv4(net) : formatIpv6(net, 'full')}/${a.prefixLen}`;
}

export function sameNetwork(a: ParsedCidr, b: ParsedCidr): boolean {
  return a.family === b.family && a.prefixLen === b.prefixLen && networkOf(a) === networkOf(b);
}
