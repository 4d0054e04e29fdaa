// Lab addresses: assigned from 198.18.0.0/15 (RFC 2544 benchmarking) and
// 2001:db8::/32 (documentation), one /24 and one /64 per link, so nothing in
// a lab can collide with a real network or route out of it.
import { BlockList, isIP } from 'node:net';
import type { IfAddress } from './model.js';

const LAB_RANGES = new BlockList();
LAB_RANGES.addSubnet('198.18.0.0', 15, 'ipv4');
LAB_RANGES.addSubnet('2001:db8::', 32, 'ipv6');

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
  const family = isIP(m[1]);
  const prefixLen = Number(m[2]);
  if (family === 4 && prefixLen <= 32) return { family, address: m[1], prefixLen };
  if (family === 6 && prefixLen <= 128) return { family, address: m[1], prefixLen };
  return undefined;
}

export function inLabRange(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return LAB_RANGES.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function toBigInt(address: string): bigint {
  if (isIP(address) === 4) return address.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
  const [head = '', tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** The network prefix of an address, as "net/len". */
export function networkOf(a: ParsedCidr): string {
  const bits = a.family === 4 ? 32n : 128n;
  const len = BigInt(a.prefixLen);
  const mask = len === 0n ? 0n : ((1n << len) - 1n) << (bits - len);
  const net = toBigInt(a.address) & mask;
  return `${a.family === 4 ? fromBigInt4(net) : fromBigInt6(net)}/${a.prefixLen}`;
}

function fromBigInt4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
}

function fromBigInt6(n: bigint): string {
  const groups = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((n >> s) & 0xffffn).toString(16));
  return groups.join(':');
}

export function sameNetwork(a: ParsedCidr, b: ParsedCidr): boolean {
  return a.family === b.family && a.prefixLen === b.prefixLen && networkOf(a) === networkOf(b);
}
