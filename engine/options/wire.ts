// Helpers shared by the per-subtype codecs (the big-endian loads and stores
// are ../bytes.ts). Readers assume the caller has already checked the
// option's length (every parser checks it before it reads a field). Emit-side
// checks throw RangeError: a bad representation is the engine's bug, unlike
// bad bytes from the network, which parse reports as a value.

import { TCPOPT_MPTCP } from '../protocol.js';
import type { ParseResult } from './repr.js';

export function ok<T>(option: T): ParseResult<T> {
  return { ok: true, option };
}

export function fail<T>(error: string): ParseResult<T> {
  return { ok: false, error };
}

/** A copy, so a parsed option never aliases the segment it came from. */
export function copy(b: Uint8Array, from: number, to: number): Uint8Array {
  return new Uint8Array(b.subarray(from, to));
}

/** Kind, length and the subtype byte (subtype in the high nibble, `low` in the low one). */
export function putHeader(out: Uint8Array, at: number, len: number, subtype: number, low: number): void {
  out[at] = TCPOPT_MPTCP;
  out[at + 1] = len;
  out[at + 2] = (subtype << 4) | (low & 0x0f);
}

export function checkUint(what: string, v: number, bits: 4 | 8 | 16 | 32): void {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** bits) {
    throw new RangeError(`${what}: ${v} is not an unsigned ${bits}-bit integer`);
  }
}

const BIG_LIMIT_32 = 1n << 32n;
const BIG_LIMIT_64 = 1n << 64n;

export function checkBig(what: string, v: bigint, bits: 32 | 64): void {
  if (v < 0n || v >= (bits === 64 ? BIG_LIMIT_64 : BIG_LIMIT_32)) {
    throw new RangeError(`${what}: ${v} is not an unsigned ${bits}-bit integer`);
  }
}

export function checkBytes(what: string, b: Uint8Array, len: number): void {
  if (b.length !== len) throw new RangeError(`${what}: ${b.length} bytes, expected ${len}`);
}

export function hex8(v: number): string {
  return `0x${v.toString(16).padStart(2, '0')}`;
}
