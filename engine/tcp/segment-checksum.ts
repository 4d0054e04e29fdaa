// The TCP checksum (RFC 9293 section 3.1) over the IPv4 (RFC 791) or IPv6
// (RFC 8200 section 8.1) pseudo-header. The simulator does not use it
// (segments travel with a zero checksum field; see segment.ts); it is for
// segments that go on a real wire or come from a capture.
import { ipOrThrow } from '../addr.js';

const IPPROTO_TCP = 6;
const CHECKSUM_OFFSET = 16;

/** One's-complement sum of 16-bit big-endian words, carries not yet folded. */
function sumWords(bytes: Uint8Array, skipChecksum: boolean): number {
  let sum = 0;
  const n = bytes.length;
  const even = n & ~1;
  for (let i = 0; i < even; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (n & 1) sum += bytes[n - 1] << 8;
  // The sum is not folded yet, so taking the checksum word out again is exact.
  if (skipChecksum && even > CHECKSUM_OFFSET) sum -= (bytes[CHECKSUM_OFFSET] << 8) | bytes[CHECKSUM_OFFSET + 1];
  return sum;
}

function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** The addresses' part of the pseudo-header sum and their family, by "src dst": a host sums the same few pairs again and again. */
const addressSums = new Map<string, { readonly sum: number; readonly family: 4 | 6 }>();
const ADDRESS_SUMS_MAX = 4096;

function addressSum(srcIp: string, dstIp: string): { readonly sum: number; readonly family: 4 | 6 } {
  const key = `${srcIp} ${dstIp}`;
  const known = addressSums.get(key);
  if (known) return known;
  const src = ipOrThrow(srcIp, 'tcpChecksum: source');
  const dst = ipOrThrow(dstIp, 'tcpChecksum: destination');
  if (src.family !== dst.family) throw new Error(`tcpChecksum: ${srcIp} and ${dstIp} are not the same address family`);
  const entry = { sum: sumWords(src.bytes, false) + sumWords(dst.bytes, false), family: src.family };
  if (addressSums.size >= ADDRESS_SUMS_MAX) addressSums.clear();
  addressSums.set(key, entry);
  return entry;
}

function pseudoHeaderSum(srcIp: string, dstIp: string, length: number): number {
  const a = addressSum(srcIp, dstIp);
  let sum = a.sum;
  if (a.family === 4) {
    if (length > 0xffff) throw new RangeError(`tcpChecksum: ${length} bytes do not fit an IPv4 packet`);
    sum += IPPROTO_TCP + length; // zero, protocol, TCP length
  } else {
    sum += Math.floor(length / 0x10000) + (length & 0xffff) + IPPROTO_TCP; // upper-layer length (32 bits), zeros, next header
  }
  return sum;
}

/**
 * The value for the checksum field of `segment` (header + payload as emitted)
 * sent from srcIp to dstIp, both IPv4 or both IPv6. The checksum field's
 * current content is ignored. Throws on an address that does not parse.
 */
export function tcpChecksum(srcIp: string, dstIp: string, segment: Uint8Array): number {
  const sum = pseudoHeaderSum(srcIp, dstIp, segment.length) + sumWords(segment, true);
  return ~fold(sum) & 0xffff;
}

/** Fill the checksum field of `segment` in place. */
export function setTcpChecksum(srcIp: string, dstIp: string, segment: Uint8Array): void {
  if (segment.length < 18) throw new RangeError(`setTcpChecksum: ${segment.length} bytes is too short for a TCP header`);
  const c = tcpChecksum(srcIp, dstIp, segment);
  segment[CHECKSUM_OFFSET] = c >>> 8;
  segment[CHECKSUM_OFFSET + 1] = c & 0xff;
}

/** Whether the checksum field of `segment` is right (either one's-complement zero is accepted). */
export function verifyTcpChecksum(srcIp: string, dstIp: string, segment: Uint8Array): boolean {
  if (segment.length < 18) return false;
  const sum = pseudoHeaderSum(srcIp, dstIp, segment.length) + sumWords(segment, false);
  return fold(sum) === 0xffff;
}
