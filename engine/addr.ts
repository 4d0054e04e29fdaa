// IP addresses, written once for the engine and the harness: IPv4 and IPv6
// text to bytes and back (like the kernel's in4_pton/in6_pton and glibc's
// inet_ntop, which iproute2 prints with), zone ids ("fe80::1%eth0"),
// IPv4-mapped IPv6 ("::ffff:198.18.1.1"), prefixes and containment. Pure
// functions, no node:net, so the engine stays portable.

import { bytesEqual } from './bytes.js';

export type IpFamily = 4 | 6;

export interface IpAddress {
  readonly family: IpFamily;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
}

/** An address as a user may write it: with an IPv6 zone id (the interface a link-local address belongs to). */
export interface ScopedIpAddress extends IpAddress {
  readonly zone?: string;
}

export interface IpPrefix {
  /** undefined for "default", which matches both families. */
  readonly family: IpFamily | undefined;
  readonly bytes: Uint8Array;
  readonly len: number;
}

/** "198.18.1.1" → 4 bytes, or undefined. Dotted quad only, no leading zeros beyond "0" (like node's isIP). */
export function parseIpv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i += 1) {
    const p = parts[i] as string;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseGroups(s: string): number[] | undefined {
  if (s === '') return [];
  const groups: number[] = [];
  for (const g of s.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    groups.push(parseInt(g, 16));
  }
  return groups;
}

/** "2001:db8::1", "::ffff:198.18.0.1" → 16 bytes, or undefined. No zone id (see parseScopedIp). */
export function parseIpv6(s: string): Uint8Array | undefined {
  let text = s;
  let tail: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.indexOf('.', lastColon) > lastColon) {
    tail = parseIpv4(text.slice(lastColon + 1));
    if (!tail) return undefined;
    // Keep the colon(s) before the IPv4 part so "::" before it is still seen.
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const head = parseGroups(halves[0] as string);
    const rest = parseGroups(halves[1] as string);
    if (!head || !rest || head.length + rest.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  } else {
    const all = parseGroups(text);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >>> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (tail) out.set(tail, 12);
  return out;
}

function parseUncached(s: string): IpAddress | undefined {
  if (s.includes(':')) {
    const b = parseIpv6(s);
    return b ? { family: 6, bytes: b } : undefined;
  }
  const b = parseIpv4(s);
  return b ? { family: 4, bytes: b } : undefined;
}

/** Addresses already parsed: every packet's checksum and route lookup parses the same few strings. */
const parsed = new Map<string, IpAddress | null>();
const PARSED_MAX = 4096;

/** An IPv4 or IPv6 address without zone id, or undefined. The result is shared: treat its bytes as read-only. */
export function parseIp(s: string): IpAddress | undefined {
  const known = parsed.get(s);
  if (known !== undefined) return known ?? undefined;
  const ip = parseUncached(s);
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(s, ip ?? null);
  return ip;
}

/** A zone id as node's isIP takes it: an interface name or number. */
const ZONE = /^[0-9a-zA-Z.:-]+$/;

/** Like parseIp, but an IPv6 address may carry a zone id ("fe80::1%eth0"); the zone is not part of the bytes. */
export function parseScopedIp(s: string): ScopedIpAddress | undefined {
  const pct = s.indexOf('%');
  if (pct < 0) return parseIp(s);
  const zone = s.slice(pct + 1);
  const ip = parseIp(s.slice(0, pct));
  if (!ip || ip.family !== 6 || !ZONE.test(zone)) return undefined;
  return { ...ip, zone };
}

/** Like parseIp, but throws a clear Error (for addresses a program wrote, not hostile input). */
export function ipOrThrow(s: string, what = 'address'): IpAddress {
  const a = parseIp(s);
  if (!a) throw new Error(`${what} ${JSON.stringify(s)} is not an IPv4 or IPv6 address`);
  return a;
}

/** The 4 or 16 network-order bytes of an address (a zone id allowed and left out); a RangeError if it is none. */
export function ipBytes(s: string): Uint8Array {
  const a = parseScopedIp(s);
  if (!a) throw new RangeError(`not an IPv4 or IPv6 address: ${JSON.stringify(s)}`);
  return a.bytes;
}

/** Whether the 16 bytes are an IPv4-mapped IPv6 address (::ffff:0:0/96). */
export function isV4Mapped(bytes: Uint8Array): boolean {
  if (bytes.length !== 16 || bytes[10] !== 0xff || bytes[11] !== 0xff) return false;
  for (let i = 0; i < 10; i += 1) if (bytes[i] !== 0) return false;
  return true;
}

/** The IPv4 address inside an IPv4-mapped IPv6 one; any other address unchanged. */
export function unmapV4(ip: IpAddress): IpAddress {
  return ip.family === 6 && isV4Mapped(ip.bytes) ? { family: 4, bytes: ip.bytes.subarray(12, 16) } : ip;
}

/** Dotted quad of the first 4 bytes. */
export function formatIpv4(bytes: Uint8Array): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

function groupsOf(bytes: Uint8Array): number[] {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  return g;
}

/** The longest run of two or more zero groups, the first of equals (RFC 5952 §4.2). */
function longestZeroRun(g: readonly number[]): { at: number; len: number } | undefined {
  let best: { at: number; len: number } | undefined;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j += 1;
    if (j - i >= 2 && j - i > (best?.len ?? 0)) best = { at: i, len: j - i };
    i = j;
  }
  return best;
}

/**
 * IPv6 text of 16 bytes. 'compressed' (the default) is what inet_ntop prints
 * and so iproute2 (`ip mptcp monitor`, `ip addr`): lower case, no leading
 * zeros, the longest run of zero groups as "::" (RFC 5952), and the last 32
 * bits dotted for IPv4-mapped (::ffff:198.18.1.1) and IPv4-compatible
 * (::198.18.1.1) addresses, as glibc does. 'full' writes all eight groups.
 */
export function formatIpv6(bytes: Uint8Array, style: 'compressed' | 'full' = 'compressed'): string {
  const g = groupsOf(bytes);
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (style === 'full') return hex(g);
  const run = longestZeroRun(g);
  if (run === undefined) return hex(g);
  if (run.at === 0 && (run.len === 6 || (run.len === 5 && g[5] === 0xffff))) {
    return `::${hex(g.slice(run.len, 6))}${run.len === 5 ? ':' : ''}${formatIpv4(bytes.subarray(12, 16))}`;
  }
  return `${hex(g.slice(0, run.at))}::${hex(g.slice(run.at + run.len))}`;
}

/** Text of an address, with its zone id if it has one. */
export function formatIp(ip: ScopedIpAddress): string {
  if (ip.family === 4) return formatIpv4(ip.bytes);
  return ip.zone === undefined ? formatIpv6(ip.bytes) : `${formatIpv6(ip.bytes)}%${ip.zone}`;
}

/** The canonical spelling of an address (as formatIp prints it), or undefined when the text is not one. */
export function canonicalIp(text: string): string | undefined {
  const ip = parseScopedIp(text);
  return ip && formatIp(ip);
}

/**
 * "198.18.1.0/24", "2001:db8:1::/64", "198.18.1.1" (a /32 or /128), or
 * "default" (length 0, both families). Host bits may be set (an interface
 * address "198.18.1.1/24" is its subnet). Undefined if malformed.
 */
export function parsePrefix(s: string): IpPrefix | undefined {
  if (s === 'default') return { family: undefined, bytes: new Uint8Array(0), len: 0 };
  const slash = s.indexOf('/');
  const addr = parseIp(slash >= 0 ? s.slice(0, slash) : s);
  if (!addr) return undefined;
  const max = addr.family === 4 ? 32 : 128;
  let len = max;
  if (slash >= 0) {
    const t = s.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(t)) return undefined;
    len = Number(t);
    if (len > max) return undefined;
  }
  return { family: addr.family, bytes: addr.bytes, len };
}

/** Whether `addr` lies inside `prefix` (same family, first len bits equal). */
export function prefixContains(prefix: IpPrefix, addr: IpAddress): boolean {
  if (prefix.family === undefined) return true;
  if (prefix.family !== addr.family) return false;
  const full = prefix.len >>> 3;
  for (let i = 0; i < full; i += 1) if (prefix.bytes[i] !== addr.bytes[i]) return false;
  const rest = prefix.len & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((prefix.bytes[full] as number) & mask) === ((addr.bytes[full] as number) & mask);
}

/** The first `len` bits of the bytes, the rest zero: the network of an address. */
export function maskBytes(bytes: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 1) {
    const bits = Math.min(8, Math.max(0, len - 8 * i));
    out[i] = (bytes[i] as number) & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

/** Whether two parsed addresses are the same. */
export function sameIp(a: IpAddress, b: IpAddress): boolean {
  return a.family === b.family && bytesEqual(a.bytes, b.bytes);
}
