// Byte helpers shared by the per-subtype codecs. Readers assume the caller
// has already checked the option's length (every parser checks it before it
// reads a field), so they do no bounds checks of their own. Emit-side
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

export function be16(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

export function be32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

export function be64(b: Uint8Array, at: number): bigint {
  return (BigInt(be32(b, at)) << 32n) | BigInt(be32(b, at + 4));
}

/** A copy, so a parsed option never aliases the segment it came from. */
export function copy(b: Uint8Array, from: number, to: number): Uint8Array {
  return new Uint8Array(b.subarray(from, to));
}

export function put16(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 8;
  out[at + 1] = v & 0xff;
}

export function put32(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 24;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}

export function put64(out: Uint8Array, at: number, v: bigint): void {
  put32(out, at, Number(v >> 32n));
  put32(out, at + 4, Number(v & 0xffffffffn));
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

export function checkBig(what: string, v: bigint, bits: 32 | 64): void {
  if (v < 0n || v >= 1n << BigInt(bits)) {
    throw new RangeError(`${what}: ${v} is not an unsigned ${bits}-bit integer`);
  }
}

export function checkBytes(what: string, b: Uint8Array, len: number): void {
  if (b.length !== len) throw new RangeError(`${what}: ${b.length} bytes, expected ${len}`);
}

export function hex8(v: number): string {
  return `0x${v.toString(16).padStart(2, '0')}`;
}
