// The typed representation of one MPTCP option (smoltcp's "Repr"): plain
// readonly data, no state. Absent fields are absent, never `undefined`, so a
// parsed option deep-equals the one that was emitted.

import type { AddressBytes } from '../protocol.js';

/**
 * MP_CAPABLE (RFC 8684 §3.1). Which fields are present is the form:
 * none on the SYN, senderKey on the SYN/ACK, both keys on the third ACK,
 * plus dataLen (and checksum, when checksums are in use) on the first ACK
 * that carries data.
 */
export interface MpCapable {
  readonly kind: 'mp_capable';
  /** 4 bits. */
  readonly version: number;
  /** The whole "A B C D E F G H" byte; see MPTCP_CAP_*. */
  readonly flags: number;
  readonly senderKey?: bigint;
  readonly receiverKey?: bigint;
  readonly dataLen?: number;
  readonly checksum?: number;
}

/** MP_JOIN on the SYN (RFC 8684 §3.2): the peer's token and our nonce. */
export interface MpJoinSyn {
  readonly kind: 'mp_join';
  readonly form: 'syn';
  readonly backup: boolean;
  readonly addressId: number;
  readonly token: number;
  readonly nonce: number;
}

/** MP_JOIN on the SYN/ACK: the leftmost 64 bits of the HMAC and our nonce. */
export interface MpJoinSynAck {
  readonly kind: 'mp_join';
  readonly form: 'synack';
  readonly backup: boolean;
  readonly addressId: number;
  /** 8 bytes. */
  readonly hmac: Uint8Array;
  readonly nonce: number;
}

/** MP_JOIN on the third ACK: 160 bits of HMAC and nothing else. */
export interface MpJoinAck {
  readonly kind: 'mp_join';
  readonly form: 'ack';
  /** 20 bytes. */
  readonly hmac: Uint8Array;
}

export type MpJoin = MpJoinSyn | MpJoinSynAck | MpJoinAck;

/**
 * A data-level sequence number or Data ACK as it was on the wire: 32 bits
 * are the low half of the 64-bit number, which the receiver expands
 * (the kernel's __mptcp_expand_seq). Keeping the width keeps the option's
 * length and flags.
 */
export interface SeqNum {
  readonly value: bigint;
  readonly bits: 32 | 64;
}

export interface DssMapping {
  readonly dsn: SeqNum;
  /** Relative to the subflow's initial sequence number. */
  readonly subflowSeq: number;
  /** 0 is the infinite mapping (RFC 8684 §3.7). */
  readonly dataLen: number;
  /** Present iff the option was 2 bytes longer: checksums are in use (RFC 8684 §3.3.1). */
  readonly checksum?: number;
}

/** DSS (RFC 8684 §3.3): Data ACK and/or mapping, and DATA_FIN. */
export interface Dss {
  readonly kind: 'dss';
  readonly dataAck?: SeqNum;
  readonly mapping?: DssMapping;
  readonly dataFin: boolean;
  /**
   * Two bytes after a DSS that has no mapping. The RFC gives them no place,
   * but the kernel accepts "expected length + 2" whatever the flags and then
   * ignores them, so they are kept here to parse what Linux parses and to
   * emit the same bytes back. Never set together with `mapping`.
   */
  readonly ignoredTrailer?: number;
}

/** ADD_ADDR (RFC 8684 §3.4.1). An echo (E=1) carries no HMAC. */
export interface AddAddr {
  readonly kind: 'add_addr';
  readonly echo: boolean;
  readonly addressId: number;
  readonly address: AddressBytes;
  readonly port?: number;
  /** 8 bytes: the rightmost 64 bits of the HMAC; present iff !echo. */
  readonly hmac?: Uint8Array;
}

/** REMOVE_ADDR (RFC 8684 §3.4.2): one or more address IDs. */
export interface RemoveAddr {
  readonly kind: 'remove_addr';
  readonly ids: readonly number[];
}

/** MP_PRIO (RFC 8684 §3.3.8). addressId only in the RFC 6824 form. */
export interface MpPrio {
  readonly kind: 'mp_prio';
  readonly backup: boolean;
  readonly addressId?: number;
}

/** MP_FAIL (RFC 8684 §3.7): the 64-bit DSN where the checksum failed. */
export interface MpFail {
  readonly kind: 'mp_fail';
  readonly dsn: bigint;
}

/** MP_FASTCLOSE (RFC 8684 §3.5): the receiver's key. */
export interface MpFastclose {
  readonly kind: 'mp_fastclose';
  readonly receiverKey: bigint;
}

/** MP_TCPRST (RFC 8684 §3.6): a reason for resetting one subflow. */
export interface MpTcpRst {
  readonly kind: 'mp_tcprst';
  /** T: the condition is temporary, retrying may work. */
  readonly transient: boolean;
  /** One byte; see RESET_REASONS. */
  readonly reason: number;
}

/**
 * A subtype this codec does not know (0x9..0xe unassigned, 0xf
 * MP_EXPERIMENTAL), kept whole so that it is emitted back unchanged.
 */
export interface UnknownOption {
  readonly kind: 'unknown';
  readonly subtype: number;
  /** The whole option: kind 30, length, then the subtype byte and the rest. */
  readonly bytes: Uint8Array;
}

export type MptcpOption = MpCapable | MpJoin | Dss | AddAddr | RemoveAddr | MpPrio | MpFail | MpFastclose | MpTcpRst | UnknownOption;

/** parseOption's answer: never an exception, whatever the bytes. */
export type ParseResult<T = MptcpOption> = { readonly ok: true; readonly option: T } | { readonly ok: false; readonly error: string };
