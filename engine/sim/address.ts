// IP addresses and prefixes as the simulator needs them: parse a textual
// IPv4/IPv6 address into bytes, parse "a.b.c.d/n" / "x:y::/n" / "default",
// and test whether a prefix contains an address. Pure functions; no node:net
// so the engine stays portable.

export interface IpAddress {
  readonly family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
}

export interface IpPrefix {
  /** undefined for "default", which matches both families. */
  readonly family: 4 | 6 | undefined;
  readonly bytes: Uint8Array;
  readonly len: number;
}

/** "198.18.1.1" → 4 bytes, or undefined. Dotted quad only, no leading zeros beyond "0". */
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

/** "2001:db8::1", "::ffff:198.18.0.1" → 16 bytes, or undefined. No zone ids. */
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

/** Addresses already parsed: every packet's checksum and route lookup parses the same few strings. */
const parsed = new Map<string, IpAddress | null>();
const PARSED_MAX = 4096;

/** An IPv4 or IPv6 address, or undefined. The result is shared: treat its bytes as read-only. */
export function parseIp(s: string): IpAddress | undefined {
  const known = parsed.get(s);
  if (known !== undefined) return known ?? undefined;
  let ip: IpAddress | undefined;
  if (s.includes(':')) {
    const b = parseIpv6(s);
    ip = b ? { family: 6, bytes: b } : undefined;
  } else {
    const b = parseIpv4(s);
    ip = b ? { family: 4, bytes: b } : undefined;
  }
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(s, ip ?? null);
  return ip;
}

/** Like parseIp, but throws a clear Error (for addresses a program wrote, not hostile input). */
export function ipOrThrow(s: string, what = 'address'): IpAddress {
  const a = parseIp(s);
  if (!a) throw new Error(`${what} ${JSON.stringify(s)} is not an IPv4 or IPv6 address`);
  return a;
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

/** Whether two parsed addresses are the same. */
export function sameIp(a: IpAddress, b: IpAddress): boolean {
  if (a.family !== b.family) return false;
  for (let i = 0; i < a.bytes.length; i += 1) if (a.bytes[i] !== b.bytes[i]) return false;
  return true;
}
