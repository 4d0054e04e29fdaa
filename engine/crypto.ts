// MPTCP cryptography, after Linux net/mptcp/crypto.c plus the places that
// use it: subflow.c (MP_JOIN HMACs), options.c (ADD_ADDR HMAC, DSS checksum)
// and token.c (key generation). Pure functions over node:crypto; MPTCP v1
// (RFC 8684) uses SHA-256 and HMAC-SHA256 only.
import { createHash, createHmac } from 'node:crypto';
import { ipBytes } from './addr.js';
import { be32Bytes, be64Bytes, concat, getBe32, getBe64, putBe16, putBe32, putBe64 } from './bytes.js';
import type { RandomSource } from './random.js';

/** SHA-256 digest size (SHA256_DIGEST_SIZE). */
export const SHA256_DIGEST_SIZE = 32;
/** Bytes of HMAC carried in the MP_JOIN third ACK (MPTCPOPT_HMAC_LEN, 160 bits). */
export const MPTCPOPT_HMAC_LEN = 20;

const U64_MAX = (1n << 64n) - 1n;

function checkU64(name: string, v: bigint): void {
  if (v < 0n || v > U64_MAX) throw new RangeError(`${name} must be an unsigned 64-bit integer, got ${v}`);
}

function checkUint(name: string, v: number, bits: 8 | 16 | 32): void {
  if (!Number.isInteger(v) || v < 0 || v > 2 ** bits - 1) {
    throw new RangeError(`${name} must be an unsigned ${bits}-bit integer, got ${v}`);
  }
}

export interface TokenAndIdsn {
  /** Connection token: the most significant 32 bits of SHA-256(key). */
  token: number;
  /** Initial data sequence number: the least significant 64 bits of SHA-256(key). */
  idsn: bigint;
}

/**
 * mptcp_crypto_key_sha: hash the 64-bit key in network byte order with
 * SHA-256; the token is the first 4 bytes of the digest read big-endian
 * (RFC 8684 §3.1: "truncated to the most significant 32 bits") and the IDSN
 * the last 8 bytes read big-endian ("the least significant 64 bits").
 */
export function keyToTokenAndIdsn(key: bigint): TokenAndIdsn {
  checkU64('key', key);
  const digest = createHash('sha256').update(be64Bytes(key)).digest();
  return {
    token: getBe32(digest, 0),
    idsn: getBe64(digest, SHA256_DIGEST_SIZE - 8),
  };
}

export interface KeyMaterial extends TokenAndIdsn {
  key: bigint;
}

/**
 * mptcp_crypto_key_gen_sha: draw a fresh local key and derive its token and
 * IDSN. A zero key is drawn again: the kernel uses 0 as "no key" (and
 * subflow_check_req loops `while (local_key == 0)`).
 */
export function keyGenSha(random: RandomSource): KeyMaterial {
  let key = 0n;
  while (key === 0n) key = BigInt.asUintN(64, random.nextU64());
  return { key, ...keyToTokenAndIdsn(key) };
}

/**
 * mptcp_crypto_hmac_sha: HMAC-SHA256 keyed with key1 || key2, each 64 bits
 * big-endian (a 16-byte key, zero-padded to the 64-byte block as in RFC 2104),
 * over `message`. Returns the 32-byte digest.
 *
 * The kernel only ever hashes short messages (8 bytes for MP_JOIN, at most 19
 * for ADD_ADDR) and clamps anything above 32 bytes with a WARN; here a longer
 * message is a programming error and throws a RangeError.
 */
export function hmacSha256(key1: bigint, key2: bigint, message: Uint8Array): Uint8Array {
  checkU64('key1', key1);
  checkU64('key2', key2);
  if (message.length > SHA256_DIGEST_SIZE) {
    throw new RangeError(`HMAC message is ${message.length} bytes; mptcp_crypto_hmac_sha takes at most ${SHA256_DIGEST_SIZE}`);
  }
  const mac = createHmac('sha256', concat([be64Bytes(key1), be64Bytes(key2)]));
  mac.update(message);
  return new Uint8Array(mac.digest());
}

export interface JoinHmac {
  /** The full 32-byte HMAC-SHA256. */
  hmac: Uint8Array;
  /** Leftmost 64 bits, big-endian: the "truncated HMAC" of the MP_JOIN SYN/ACK (thmac). */
  truncated64: bigint;
  /** Leftmost 160 bits (20 bytes): the HMAC of the MP_JOIN third ACK. */
  truncated160: Uint8Array;
}

/**
 * subflow_generate_hmac, as seen by the host that sends the value:
 * HMAC(Key = localKey || remoteKey, Msg = localNonce || remoteNonce)
 * (RFC 8684 §3.2: HMAC-A = HMAC(Key=(Key-A + Key-B), Msg=(R-A + R-B))).
 *
 * - The passive side (B) puts `truncated64` of joinHmac(keyB, keyA, nonceB,
 *   nonceA) in its SYN/ACK (subflow_req_create_thmac); the active side checks
 *   it with joinHmac(remote = B, local = A, ...) swapped the same way
 *   (subflow_thmac_valid).
 * - The active side (A) puts `truncated160` of joinHmac(keyA, keyB, nonceA,
 *   nonceB) in the third ACK (subflow_finish_connect); B checks it in
 *   subflow_hmac_valid.
 */
export function joinHmac(localKey: bigint, remoteKey: bigint, localNonce: number, remoteNonce: number): JoinHmac {
  checkUint('localNonce', localNonce, 32);
  checkUint('remoteNonce', remoteNonce, 32);
  const hmac = hmacSha256(localKey, remoteKey, concat([be32Bytes(localNonce), be32Bytes(remoteNonce)]));
  return {
    hmac,
    truncated64: getBe64(hmac, 0),
    truncated160: hmac.slice(0, MPTCPOPT_HMAC_LEN),
  };
}

/**
 * add_addr_generate_hmac: the rightmost 64 bits (big-endian) of
 * HMAC(Key = key1 || key2, Msg = Address ID || IP address || Port).
 * The sender uses (local key, remote key) and the receiver checks with
 * (remote key, local key) — the announcer's key always comes first.
 * Per RFC 8684 §3.4.1 the port is always part of the message: two zero bytes
 * when the ADD_ADDR carries no port (the kernel always appends `port`, 0 if
 * unset).
 */
export function addAddrHmac(key1: bigint, key2: bigint, addressId: number, address: string | Uint8Array, port?: number): bigint {
  checkUint('addressId', addressId, 8);
  const addr = typeof address === 'string' ? ipBytes(address) : address;
  if (addr.length !== 4 && addr.length !== 16) {
    throw new RangeError(`address must be 4 (IPv4) or 16 (IPv6) bytes, got ${addr.length}`);
  }
  const p = port ?? 0;
  checkUint('port', p, 16);
  const msg = new Uint8Array(1 + addr.length + 2);
  msg[0] = addressId;
  msg.set(addr, 1);
  putBe16(msg, 1 + addr.length, p);
  return getBe64(hmacSha256(key1, key2, msg), SHA256_DIGEST_SIZE - 8);
}

/** 16-bit one's-complement sum (unfolded carries folded back in), like csum_partial + fold. */
function onesComplementSum(chunks: readonly Uint8Array[]): number {
  let sum = 0;
  for (const c of chunks) {
    // every chunk but the last starts on an even offset: the pseudo-header is 16 bytes
    const even = c.length & ~1;
    for (let i = 0; i < even; i += 2) sum += ((c[i] ?? 0) << 8) | (c[i + 1] ?? 0);
    if (c.length & 1) sum += (c[c.length - 1] ?? 0) << 8;
    if (sum > 0x7fffffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

function dssPseudoHeader(dsn: bigint, subflowSeq: number, dataLen: number, csum: number): Uint8Array {
  checkU64('dsn', dsn);
  checkUint('subflowSeq', subflowSeq, 32);
  checkUint('dataLen', dataLen, 16);
  const h = new Uint8Array(16);
  putBe64(h, 0, dsn);
  putBe32(h, 8, subflowSeq);
  putBe16(h, 12, dataLen);
  putBe16(h, 14, csum);
  return h;
}

/**
 * The DSS checksum (RFC 8684 §3.3.1; __mptcp_make_csum): the TCP one's-
 * complement checksum over the pseudo-header
 *   Data Sequence Number (always the full 64 bits, even when the DSS carries
 *   a 32-bit DSN) | Subflow Sequence Number (32, relative to the subflow ISN)
 *   | Data-Level Length (16) | Zero (16)
 * followed by the mapped payload. Returns the 16-bit value as it appears on
 * the wire (read big-endian).
 *
 * `dataLen` is the DSS Data-Level Length field, which counts a DATA_FIN
 * (validate_data_csum uses map_data_len + map_data_fin); `payload` is the
 * data the mapping covers. For an MP_CAPABLE carrying data, the DSN is the
 * sender's IDSN + 1 and the subflow sequence number 1. The kernel sends 0
 * instead of a checksum for data_len 0 (infinite mapping); that choice is the
 * caller's.
 */
export function dssChecksum(dsn: bigint, subflowSeq: number, dataLen: number, payload: Uint8Array): number {
  const sum = onesComplementSum([dssPseudoHeader(dsn, subflowSeq, dataLen, 0), payload]);
  return ~sum & 0xffff;
}

/**
 * validate_data_csum: true when `csum` (as read big-endian from the option)
 * is the correct DSS checksum, i.e. the sum with the checksum in the
 * pseudo-header's zero field folds to 0xffff.
 */
export function dssChecksumValid(dsn: bigint, subflowSeq: number, dataLen: number, payload: Uint8Array, csum: number): boolean {
  checkUint('csum', csum, 16);
  return onesComplementSum([dssPseudoHeader(dsn, subflowSeq, dataLen, csum), payload]) === 0xffff;
}
