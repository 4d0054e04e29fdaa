// Byte helpers, written once for the whole engine (and the harness's packet
// readers): big-endian loads and stores named like the kernel's
// get_unaligned_be16/put_unaligned_be16 family, byte-array concatenation,
// comparison and hex text. Readers do no bounds checks: a caller checks the
// length of what it parses first (a byte past the end reads as 0).

/** get_unaligned_be16. */
export function getBe16(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

/** get_unaligned_be32. */
export function getBe32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

/** get_unaligned_be64. */
export function getBe64(b: Uint8Array, at: number): bigint {
  return (BigInt(getBe32(b, at)) << 32n) | BigInt(getBe32(b, at + 4));
}

/** put_unaligned_be16: the low 16 bits of v. */
export function putBe16(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 8;
  out[at + 1] = v;
}

/** put_unaligned_be32: the low 32 bits of v. */
export function putBe32(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 24;
  out[at + 1] = v >>> 16;
  out[at + 2] = v >>> 8;
  out[at + 3] = v;
}

/** put_unaligned_be64: the low 64 bits of v. */
export function putBe64(out: Uint8Array, at: number, v: bigint): void {
  putBe32(out, at, Number((v >> 32n) & 0xffffffffn));
  putBe32(out, at + 4, Number(v & 0xffffffffn));
}

/** A 32-bit value as 4 bytes in network order (a cpu_to_be32 value to hash or send). */
export function be32Bytes(v: number): Uint8Array {
  const out = new Uint8Array(4);
  putBe32(out, 0, v);
  return out;
}

/** A 64-bit value as 8 bytes in network order (a cpu_to_be64 value to hash or send). */
export function be64Bytes(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  putBe64(out, 0, v);
  return out;
}

/** The parts one after the other, in a new array. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Same length, same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/** Lower-case hex, two digits a byte, with `separator` between bytes ("" or ":" for a MAC). */
export function toHex(b: Uint8Array, separator = ''): string {
  const parts: string[] = [];
  for (const x of b) parts.push(x.toString(16).padStart(2, '0'));
  return parts.join(separator);
}

/** Hex digits (either case, two a byte, no separators) to bytes; throws on anything else. */
export function fromHex(text: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) throw new Error(`not hex bytes: ${JSON.stringify(text)}`);
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
