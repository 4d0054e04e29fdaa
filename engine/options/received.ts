// Filling the received-options record the way the kernel's
// mptcp_parse_option (net/mptcp/options.c) does, one option at a time, in
// segment order. On top of what the codec accepts, the kernel:
//   - picks the MP_CAPABLE form it expects from the TCP flags (SYN, SYN/ACK,
//     ACK, ACK with payload) and ignores an option of another length;
//   - takes MP_CAPABLE only with version 1 (or >= 1 on a SYN, "gentle vs
//     future versions"), flag H set, flags D..G clear and B clear;
//   - takes REMOVE_ADDR only with 1..MPTCP_RM_IDS_MAX IDs, MP_PRIO only with
//     length 3, MP_TCPRST only on a segment with RST set;
//   - writes the DSS flag fields (use_ack, ack64, use_map, dsn64, data_fin,
//     mpc_map = 0) and the ADD_ADDR echo bit *before* checking the length,
//     so a malformed DSS or ADD_ADDR still overwrites them;
//   - keeps reset_reason in a 4-bit field.
// A later suboption of the same kind overwrites the fields of an earlier one,
// and suboptions that share a field (rcvr_key, backup, data_len) overwrite
// each other; the bitmask is the union.

import {
  MPTCPOPT_ADD_ADDR,
  MPTCPOPT_DSS,
  MPTCPOPT_HMAC_LEN,
  MPTCPOPT_THMAC_LEN,
  MPTCP_ADDR_ECHO,
  MPTCP_CAP_CHECKSUM_REQD,
  MPTCP_CAP_DENY_JOIN_ID0,
  MPTCP_CAP_EXTENSIBILITY,
  MPTCP_CAP_FLAG_MASK,
  MPTCP_CAP_HMAC_SHA256,
  MPTCP_DSS_ACK64,
  MPTCP_DSS_DATA_FIN,
  MPTCP_DSS_DSN64,
  MPTCP_DSS_FLAG_MASK,
  MPTCP_DSS_HAS_ACK,
  MPTCP_DSS_HAS_MAP,
  MPTCP_RM_IDS_MAX,
  MPTCP_SUPPORTED_VERSION,
  OPTION_MPTCP_ADD_ADDR,
  OPTION_MPTCP_CSUMREQD,
  OPTION_MPTCP_DSS,
  OPTION_MPTCP_FAIL,
  OPTION_MPTCP_FASTCLOSE,
  OPTION_MPTCP_MPC_ACK,
  OPTION_MPTCP_MPC_SYN,
  OPTION_MPTCP_MPC_SYNACK,
  OPTION_MPTCP_MPJ_ACK,
  OPTION_MPTCP_MPJ_SYN,
  OPTION_MPTCP_MPJ_SYNACK,
  OPTION_MPTCP_PRIO,
  OPTION_MPTCP_RM_ADDR,
  OPTION_MPTCP_RST,
  TCPOLEN_MPTCP_ADD_ADDR_HMAC,
  TCPOLEN_MPTCP_DSS_BASE,
  TCPOLEN_MPTCP_DSS_CHECKSUM,
  TCPOLEN_MPTCP_MPC_ACK,
  TCPOLEN_MPTCP_MPC_ACK_DATA,
  TCPOLEN_MPTCP_MPC_ACK_DATA_CSUM,
  TCPOLEN_MPTCP_MPC_SYN,
  TCPOLEN_MPTCP_MPC_SYNACK,
  type ReceivedOptions,
} from '../protocol.js';
import type { MpCapable, MptcpOption, ParseResult } from './repr.js';
import { dssExpectedLen, type DssOption } from './dss.js';
import { getBe16, getBe32, getBe64 } from '../bytes.js';

/** The TCP header facts the kernel looks at while parsing MPTCP options. */
export interface SegmentFlags {
  readonly syn: boolean;
  readonly ack: boolean;
  readonly rst: boolean;
  /** The segment carries payload (skb->len > doff * 4). */
  readonly hasPayload: boolean;
}

export type MutableReceivedOptions = { -readonly [K in keyof ReceivedOptions]: ReceivedOptions[K] };

/**
 * A record with no suboption seen. The kernel only clears `suboptions` and
 * leaves the rest as stack garbage; zeros make runs reproducible.
 */
const NO_THMAC = new Uint8Array(MPTCPOPT_THMAC_LEN);
const NO_HMAC = new Uint8Array(MPTCPOPT_HMAC_LEN);
const NO_AHMAC = new Uint8Array(TCPOLEN_MPTCP_ADD_ADDR_HMAC);
const NO_ADDR_BYTES = new Uint8Array(0);

/**
 * The zero arrays are shared by every record (one is made per received segment): readers only
 * compare them, and accepting an option replaces a field, never writes into it.
 */
/** The defaults of the record's object fields: shared (an option replaces them, nothing writes into them). */
const NO_ADDR: ReceivedOptions['addr'] = Object.freeze({ id: 0, family: 0, bytes: NO_ADDR_BYTES, port: 0 });
const NO_IDS: ReceivedOptions['rmList'] = Object.freeze([]);

export function emptyReceivedOptions(): MutableReceivedOptions {
  return {
    suboptions: 0,
    sndrKey: 0n,
    rcvrKey: 0n,
    dataAck: 0n,
    dataSeq: 0n,
    subflowSeq: 0,
    dataLen: 0,
    csum: 0,
    useMap: false,
    dsn64: false,
    dataFin: false,
    useAck: false,
    ack64: false,
    mpcMap: false,
    resetReason: 0,
    resetTransient: false,
    echo: false,
    backup: false,
    denyJoinId0: false,
    joinId: 0,
    token: 0,
    nonce: 0,
    thmac: NO_THMAC,
    hmac: NO_HMAC,
    addr: NO_ADDR,
    rmList: NO_IDS,
    ahmac: NO_AHMAC,
    failSeq: 0n,
  };
}

/**
 * Applies the MPTCP option that starts at area[at] to rx. `parsed` is
 * parseOption's answer for those bytes. `area` is the whole options area
 * because the kernel reads the subtype and DSS flags even from an option too
 * short to hold them, i.e. from the bytes after it; past the end of the area
 * (where the kernel would read payload) nothing is applied.
 */
export function receiveOption(
  rx: MutableReceivedOptions,
  area: Uint8Array,
  at: number,
  parsed: ParseResult,
  seg: SegmentFlags | undefined,
): void {
  if (at + 2 >= area.length) return;
  const subtype = area[at + 2] >> 4;
  if (subtype === MPTCPOPT_DSS) rx.mpcMap = false;
  if (subtype === MPTCPOPT_DSS && at + 3 < area.length) {
    const flags = area[at + 3];
    rx.dataFin = (flags & MPTCP_DSS_DATA_FIN) !== 0;
    rx.dsn64 = (flags & MPTCP_DSS_DSN64) !== 0;
    rx.useMap = (flags & MPTCP_DSS_HAS_MAP) !== 0;
    rx.ack64 = (flags & MPTCP_DSS_ACK64) !== 0;
    rx.useAck = (flags & MPTCP_DSS_HAS_ACK) !== 0;
  }
  if (subtype === MPTCPOPT_ADD_ADDR) rx.echo = (area[at + 2] & MPTCP_ADDR_ECHO) !== 0;
  if (parsed.ok) accept(rx, parsed.option, seg);
}

/**
 * receiveOption(rx, area, at, parseOption(the DSS at area[at..at+size])) for a DSS of at least the
 * 4-byte base, read straight into rx: the option on every data segment and ACK, so no representation
 * is built for it. The same checks as parseDss (the length its flags call for, or that plus a checksum).
 */
export function receiveDss(rx: MutableReceivedOptions, area: Uint8Array, at: number, size: number): void {
  const raw = area[at + 3] as number;
  rx.mpcMap = false;
  rx.dataFin = (raw & MPTCP_DSS_DATA_FIN) !== 0;
  rx.dsn64 = (raw & MPTCP_DSS_DSN64) !== 0;
  rx.useMap = (raw & MPTCP_DSS_HAS_MAP) !== 0;
  rx.ack64 = (raw & MPTCP_DSS_ACK64) !== 0;
  rx.useAck = (raw & MPTCP_DSS_HAS_ACK) !== 0;
  const flags = raw & MPTCP_DSS_FLAG_MASK;
  const extra = size - dssExpectedLen(flags);
  if (extra !== 0 && extra !== TCPOLEN_MPTCP_DSS_CHECKSUM) return;
  rx.suboptions |= OPTION_MPTCP_DSS;
  let p = at + TCPOLEN_MPTCP_DSS_BASE;
  if (flags & MPTCP_DSS_HAS_ACK) {
    const wide = (flags & MPTCP_DSS_ACK64) !== 0;
    rx.dataAck = wide ? getBe64(area, p) : BigInt(getBe32(area, p));
    p += wide ? 8 : 4;
  }
  if (flags & MPTCP_DSS_HAS_MAP) {
    const wide = (flags & MPTCP_DSS_DSN64) !== 0;
    rx.dataSeq = wide ? getBe64(area, p) : BigInt(getBe32(area, p));
    p += wide ? 8 : 4;
    rx.subflowSeq = getBe32(area, p);
    rx.dataLen = getBe16(area, p + 4);
    if (extra !== 0) {
      rx.suboptions |= OPTION_MPTCP_CSUMREQD;
      rx.csum = getBe16(area, p + 6);
    }
  }
}

/**
 * receiveDss for a DssOption record (engine/options/dss.ts) without reading its bytes: the same fields,
 * as its bytes would give them (its fields were checked when it was made, so its length is right).
 */
export function receiveDssOption(rx: MutableReceivedOptions, o: DssOption): void {
  const flags = o.flags;
  rx.mpcMap = false;
  rx.dataFin = (flags & MPTCP_DSS_DATA_FIN) !== 0;
  rx.dsn64 = (flags & MPTCP_DSS_DSN64) !== 0;
  rx.useMap = (flags & MPTCP_DSS_HAS_MAP) !== 0;
  rx.ack64 = (flags & MPTCP_DSS_ACK64) !== 0;
  rx.useAck = (flags & MPTCP_DSS_HAS_ACK) !== 0;
  rx.suboptions |= OPTION_MPTCP_DSS;
  if (o.ack !== undefined) rx.dataAck = o.ack;
  if (o.dsn !== undefined) {
    rx.dataSeq = o.dsn;
    rx.subflowSeq = o.ssn;
    rx.dataLen = o.dataLen;
    if (o.checksum !== undefined) {
      rx.suboptions |= OPTION_MPTCP_CSUMREQD;
      rx.csum = o.checksum;
    }
  }
}

function accept(rx: MutableReceivedOptions, o: MptcpOption, seg: SegmentFlags | undefined): void {
  switch (o.kind) {
    case 'mp_capable':
      acceptMpCapable(rx, o, seg);
      return;
    case 'mp_join':
      if (o.form === 'ack') {
        rx.suboptions |= OPTION_MPTCP_MPJ_ACK;
        rx.hmac = o.hmac;
        return;
      }
      rx.suboptions |= o.form === 'syn' ? OPTION_MPTCP_MPJ_SYN : OPTION_MPTCP_MPJ_SYNACK;
      rx.backup = o.backup;
      rx.joinId = o.addressId;
      if (o.form === 'syn') rx.token = o.token;
      else rx.thmac = o.hmac;
      rx.nonce = o.nonce;
      return;
    case 'dss':
      rx.suboptions |= OPTION_MPTCP_DSS;
      if (o.dataAck) rx.dataAck = o.dataAck.value;
      if (o.mapping) {
        rx.dataSeq = o.mapping.dsn.value;
        rx.subflowSeq = o.mapping.subflowSeq;
        rx.dataLen = o.mapping.dataLen;
        if (o.mapping.checksum !== undefined) {
          rx.suboptions |= OPTION_MPTCP_CSUMREQD;
          rx.csum = o.mapping.checksum;
        }
      }
      return;
    case 'add_addr':
      rx.suboptions |= OPTION_MPTCP_ADD_ADDR;
      rx.addr = { id: o.addressId, family: o.address.family, bytes: o.address.bytes, port: o.port ?? 0 };
      rx.ahmac = o.hmac ?? new Uint8Array(TCPOLEN_MPTCP_ADD_ADDR_HMAC);
      return;
    case 'remove_addr':
      if (o.ids.length > MPTCP_RM_IDS_MAX) return;
      rx.suboptions |= OPTION_MPTCP_RM_ADDR;
      rx.rmList = o.ids;
      return;
    case 'mp_prio':
      if (o.addressId !== undefined) return; // only TCPOLEN_MPTCP_PRIO
      rx.suboptions |= OPTION_MPTCP_PRIO;
      rx.backup = o.backup;
      return;
    case 'mp_fastclose':
      rx.suboptions |= OPTION_MPTCP_FASTCLOSE;
      rx.rcvrKey = o.receiverKey;
      return;
    case 'mp_tcprst':
      if (seg && !seg.rst) return;
      rx.suboptions |= OPTION_MPTCP_RST;
      rx.resetTransient = o.transient;
      rx.resetReason = o.reason & 0x0f;
      return;
    case 'mp_fail':
      rx.suboptions |= OPTION_MPTCP_FAIL;
      rx.failSeq = o.dsn;
      return;
    case 'unknown':
      return;
  }
}

/** The MP_CAPABLE length the segment's flags call for, and the bit it sets. */
function mpcExpected(len: number, seg: SegmentFlags | undefined): { expected: number; bit: number } {
  if (!seg) {
    // No TCP header to look at: the length picks the form.
    if (len === TCPOLEN_MPTCP_MPC_SYN) return { expected: len, bit: OPTION_MPTCP_MPC_SYN };
    if (len === TCPOLEN_MPTCP_MPC_SYNACK) return { expected: len, bit: OPTION_MPTCP_MPC_SYNACK };
    return { expected: len, bit: OPTION_MPTCP_MPC_ACK };
  }
  if (!seg.syn) {
    return { expected: seg.hasPayload ? TCPOLEN_MPTCP_MPC_ACK_DATA : TCPOLEN_MPTCP_MPC_ACK, bit: OPTION_MPTCP_MPC_ACK };
  }
  return seg.ack
    ? { expected: TCPOLEN_MPTCP_MPC_SYNACK, bit: OPTION_MPTCP_MPC_SYNACK }
    : { expected: TCPOLEN_MPTCP_MPC_SYN, bit: OPTION_MPTCP_MPC_SYN };
}

function mpcLen(o: MpCapable): number {
  if (o.checksum !== undefined) return TCPOLEN_MPTCP_MPC_ACK_DATA_CSUM;
  if (o.dataLen !== undefined) return TCPOLEN_MPTCP_MPC_ACK_DATA;
  if (o.receiverKey !== undefined) return TCPOLEN_MPTCP_MPC_ACK;
  return o.senderKey !== undefined ? TCPOLEN_MPTCP_MPC_SYNACK : TCPOLEN_MPTCP_MPC_SYN;
}

function acceptMpCapable(rx: MutableReceivedOptions, o: MpCapable, seg: SegmentFlags | undefined): void {
  const len = mpcLen(o);
  const { expected, bit } = mpcExpected(len, seg);
  // RFC 8684 §3.3.0: a checksum where none was negotiated (or the reverse) is
  // parsed anyway so that the subflow can be reset later, with state at hand.
  if (len !== expected && !(expected === TCPOLEN_MPTCP_MPC_ACK_DATA && len === TCPOLEN_MPTCP_MPC_ACK_DATA_CSUM)) return;
  if (len === TCPOLEN_MPTCP_MPC_SYN ? o.version < MPTCP_SUPPORTED_VERSION : o.version !== MPTCP_SUPPORTED_VERSION) return;
  if ((o.flags & MPTCP_CAP_FLAG_MASK) !== MPTCP_CAP_HMAC_SHA256 || o.flags & MPTCP_CAP_EXTENSIBILITY) return;

  // RFC 8684 §3.1: if either host asks for checksums (A), both use them.
  if (o.flags & MPTCP_CAP_CHECKSUM_REQD) rx.suboptions |= OPTION_MPTCP_CSUMREQD;
  rx.denyJoinId0 = (o.flags & MPTCP_CAP_DENY_JOIN_ID0) !== 0;
  rx.suboptions |= bit;
  if (o.senderKey !== undefined) rx.sndrKey = o.senderKey;
  if (o.receiverKey !== undefined) rx.rcvrKey = o.receiverKey;
  if (o.dataLen !== undefined) {
    // RFC 8684 §3.1: the data parameters of an MP_CAPABLE are those of a DSS
    // mapping; the engine derives the DSN from the key (mpc_map).
    rx.suboptions |= OPTION_MPTCP_DSS;
    rx.useMap = true;
    rx.mpcMap = true;
    rx.useAck = false;
    rx.dataLen = o.dataLen;
  }
  if (o.checksum !== undefined) {
    rx.csum = o.checksum;
    rx.suboptions |= OPTION_MPTCP_CSUMREQD;
  }
}
