// IP addresses as netlink carries them (network byte order) and as the tools
// print them (inet_ntop).
import { isIPv4, isIPv6 } from 'node:net';

export const AF_INET = 2;
export const AF_INET6 = 10;

export function ipv4(b: Buffer): string {
  return [...b.subarray(0, 4)].join('.');
}

/** RFC 5952, as inet_ntop prints it: the longest run of two or more zero groups as ::, lower case. */
export function ipv6(b: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2));
  // inet_ntop writes IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses with a dotted tail.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${ipv4(b.subarray(12, 16))}`;
  if (groups.slice(0, 6).every((g) => g === 0) && groups[6] !== 0) return `::${ipv4(b.subarray(12, 16))}`;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** An address as the kernel takes it: family and bytes in network order. */
export function addressBytes(address: string): { family: typeof AF_INET | typeof AF_INET6; bytes: Buffer } {
  if (isIPv4(address)) return { family: AF_INET, bytes: Buffer.from(address.split('.').map(Number)) };
  if (!isIPv6(address)) throw new Error(`not an IP address: ${address}`);
  let text = address;
  // A dotted IPv4 tail stands for the last two groups.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const b = tail[1]!.split('.').map(Number);
    text = `${text.slice(0, -tail[1]!.length)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const groups = (s: string) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const all = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = Buffer.alloc(16);
  all.forEach((g, i) => bytes.writeUInt16BE(g, i * 2));
  return { family: AF_INET6, bytes };
}
