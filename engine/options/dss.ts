// DSS (RFC 8684 §3.3):
//
//   kind=30 | length | subtype=0x2 (reserved) | (reserved) F m M a A
//   Data ACK (4 or 8 octets, depending on flags)                       — A, a
//   Data Sequence Number (4 or 8 octets, depending on flags)           — M, m
//   Subflow Sequence Number (4 octets)                                 — M
//   Data-Level Length (2 octets) | Checksum (2 octets)                 — M; checksum when negotiated
//
// The flags give every width, so the length is known up to the checksum.
// Whether checksums were negotiated is connection state, which a codec does
// not have; like the kernel's mptcp_parse_option we accept both "expected"
// and "expected + 2" and let the length say whether a checksum is there. The
// engine then enforces RFC 8684 §3.3.0 (a checksum present when it was not
// negotiated, or missing when it was, resets the subflow), as the kernel
// does later in subflow_data_ready.

import {
  MPTCPOPT_DSS,
  MPTCP_DSS_ACK64,
  MPTCP_DSS_DATA_FIN,
  MPTCP_DSS_DSN64,
  MPTCP_DSS_FLAG_MASK,
  MPTCP_DSS_HAS_ACK,
  MPTCP_DSS_HAS_MAP,
  TCPOLEN_MPTCP_DSS_ACK32,
  TCPOLEN_MPTCP_DSS_ACK64,
  TCPOLEN_MPTCP_DSS_BASE,
  TCPOLEN_MPTCP_DSS_CHECKSUM,
  TCPOLEN_MPTCP_DSS_MAP32,
  TCPOLEN_MPTCP_DSS_MAP64,
} from '../protocol.js';
import type { Dss, DssMapping, ParseResult, SeqNum } from './repr.js';
import { getBe16, getBe32, getBe64, putBe16, putBe32, putBe64 } from '../bytes.js';
import { checkBig, checkUint, fail, hex8, ok, putHeader } from './wire.js';

/** The DSS length its flags call for, without a checksum. */
export function dssExpectedLen(flags: number): number {
  let len = TCPOLEN_MPTCP_DSS_BASE;
  if (flags & MPTCP_DSS_HAS_ACK) len += flags & MPTCP_DSS_ACK64 ? TCPOLEN_MPTCP_DSS_ACK64 : TCPOLEN_MPTCP_DSS_ACK32;
  if (flags & MPTCP_DSS_HAS_MAP) len += flags & MPTCP_DSS_DSN64 ? TCPOLEN_MPTCP_DSS_MAP64 : TCPOLEN_MPTCP_DSS_MAP32;
  return len;
}

function readSeq(b: Uint8Array, at: number, wide: boolean): SeqNum {
  return wide ? { value: getBe64(b, at), bits: 64 } : { value: BigInt(getBe32(b, at)), bits: 32 };
}

export function parseDss(b: Uint8Array): ParseResult<Dss> {
  if (b.length < TCPOLEN_MPTCP_DSS_BASE) return fail(`DSS: length ${b.length} is shorter than the 4-byte base`);
  const flags = b[3] & MPTCP_DSS_FLAG_MASK;
  const expected = dssExpectedLen(flags);
  const extra = b.length - expected;
  if (extra !== 0 && extra !== TCPOLEN_MPTCP_DSS_CHECKSUM) {
    return fail(`DSS: flags ${hex8(flags)} call for length ${expected} (or ${expected + 2} with a checksum), got ${b.length}`);
  }
  let at = TCPOLEN_MPTCP_DSS_BASE;
  let dataAck: SeqNum | undefined;
  if (flags & MPTCP_DSS_HAS_ACK) {
    dataAck = readSeq(b, at, (flags & MPTCP_DSS_ACK64) !== 0);
    at += dataAck.bits / 8;
  }
  let mapping: DssMapping | undefined;
  if (flags & MPTCP_DSS_HAS_MAP) {
    const dsn = readSeq(b, at, (flags & MPTCP_DSS_DSN64) !== 0);
    at += dsn.bits / 8;
    mapping = {
      dsn,
      subflowSeq: getBe32(b, at),
      dataLen: getBe16(b, at + 4),
      ...(extra ? { checksum: getBe16(b, at + 6) } : {}),
    };
  }
  return ok({
    kind: 'dss',
    ...(dataAck ? { dataAck } : {}),
    ...(mapping ? { mapping } : {}),
    dataFin: (flags & MPTCP_DSS_DATA_FIN) !== 0,
    ...(extra && !mapping ? { ignoredTrailer: getBe16(b, b.length - 2) } : {}),
  });
}

/** The flags byte that o's fields call for. */
export function dssFlags(o: Dss): number {
  let flags = o.dataFin ? MPTCP_DSS_DATA_FIN : 0;
  if (o.dataAck) flags |= MPTCP_DSS_HAS_ACK | (o.dataAck.bits === 64 ? MPTCP_DSS_ACK64 : 0);
  if (o.mapping) flags |= MPTCP_DSS_HAS_MAP | (o.mapping.dsn.bits === 64 ? MPTCP_DSS_DSN64 : 0);
  return flags;
}

export function dssLen(o: Dss): number {
  if (o.mapping && o.ignoredTrailer !== undefined) {
    throw new RangeError('DSS: ignoredTrailer only exists without a mapping (a mapping has a checksum instead)');
  }
  const hasTwoMore = o.mapping?.checksum !== undefined || o.ignoredTrailer !== undefined;
  return dssExpectedLen(dssFlags(o)) + (hasTwoMore ? TCPOLEN_MPTCP_DSS_CHECKSUM : 0);
}

function checkSeq(what: string, s: SeqNum): void {
  if (s.bits !== 32 && s.bits !== 64) throw new RangeError(`${what}: bits must be 32 or 64`);
  checkBig(what, s.value, s.bits);
}

function putSeq(out: Uint8Array, at: number, s: SeqNum): number {
  if (s.bits === 64) putBe64(out, at, s.value);
  else putBe32(out, at, Number(s.value));
  return at + s.bits / 8;
}

export function emitDss(o: Dss, out: Uint8Array, at: number, len: number): void {
  const m = o.mapping;
  if (o.dataAck) checkSeq('DSS dataAck', o.dataAck);
  if (m) {
    checkSeq('DSS mapping dsn', m.dsn);
    checkUint('DSS mapping subflowSeq', m.subflowSeq, 32);
    checkUint('DSS mapping dataLen', m.dataLen, 16);
    if (m.checksum !== undefined) checkUint('DSS mapping checksum', m.checksum, 16);
  }
  if (o.ignoredTrailer !== undefined) checkUint('DSS ignoredTrailer', o.ignoredTrailer, 16);

  putHeader(out, at, len, MPTCPOPT_DSS, 0);
  out[at + 3] = dssFlags(o);
  let p = at + TCPOLEN_MPTCP_DSS_BASE;
  if (o.dataAck) p = putSeq(out, p, o.dataAck);
  if (m) {
    p = putSeq(out, p, m.dsn);
    putBe32(out, p, m.subflowSeq);
    putBe16(out, p + 4, m.dataLen);
    if (m.checksum !== undefined) putBe16(out, p + 6, m.checksum);
  }
  if (o.ignoredTrailer !== undefined) putBe16(out, p, o.ignoredTrailer);
}

/**
 * encodeOption({ kind: 'dss', dataAck, mapping, dataFin }) straight from the fields, for the DSS the
 * engine puts on every segment: the same bytes, no representation built. No Data ACK when `ack` is
 * undefined; no mapping when `dsn` is undefined (then `ssn`, `dataLen` and `checksum` are not used).
 */
export function encodeDss(
  ack: bigint | undefined,
  ack64: boolean,
  dsn: bigint | undefined,
  dsn64: boolean,
  ssn: number,
  dataLen: number,
  checksum: number | undefined,
  dataFin: boolean,
): Uint8Array {
  return new DssOption(ack, ack64, dsn, dsn64, ssn, dataLen, checksum, dataFin).bytes;
}

/**
 * A DSS as a TCP option record ({ kind: 'mptcp', bytes }) that keeps its fields and writes its bytes
 * only when something reads them (a capture, a checksum): a receiver in the same process takes the
 * fields (receiveDssOption in received.ts), which is what parsing the bytes gives. The fields are
 * checked here, as encoding would, so a bad one fails where it is made. `length` is bytes.length.
 */
export class DssOption {
  readonly kind = 'mptcp' as const;
  /** The DSS flag byte. */
  readonly flags: number;
  readonly length: number;
  private encoded: Uint8Array | undefined;

  constructor(
    readonly ack: bigint | undefined,
    ack64: boolean,
    readonly dsn: bigint | undefined,
    dsn64: boolean,
    readonly ssn: number,
    readonly dataLen: number,
    readonly checksum: number | undefined,
    dataFin: boolean,
  ) {
    let flags = dataFin ? MPTCP_DSS_DATA_FIN : 0;
    if (ack !== undefined) {
      checkBig('DSS dataAck', ack, ack64 ? 64 : 32);
      flags |= MPTCP_DSS_HAS_ACK | (ack64 ? MPTCP_DSS_ACK64 : 0);
    }
    if (dsn !== undefined) {
      checkBig('DSS mapping dsn', dsn, dsn64 ? 64 : 32);
      checkUint('DSS mapping subflowSeq', ssn, 32);
      checkUint('DSS mapping dataLen', dataLen, 16);
      if (checksum !== undefined) checkUint('DSS mapping checksum', checksum, 16);
      flags |= MPTCP_DSS_HAS_MAP | (dsn64 ? MPTCP_DSS_DSN64 : 0);
    }
    this.flags = flags;
    this.length = dssExpectedLen(flags) + (dsn !== undefined && checksum !== undefined ? TCPOLEN_MPTCP_DSS_CHECKSUM : 0);
  }

  /** The option's bytes, written on first read (then kept: they never change). */
  get bytes(): Uint8Array {
    return (this.encoded ??= this.encode());
  }

  private encode(): Uint8Array {
    const flags = this.flags;
    const out = new Uint8Array(this.length);
    putHeader(out, 0, this.length, MPTCPOPT_DSS, 0);
    out[3] = flags;
    let p = TCPOLEN_MPTCP_DSS_BASE;
    if (this.ack !== undefined) p = putSeqValue(out, p, this.ack, (flags & MPTCP_DSS_ACK64) !== 0);
    if (this.dsn !== undefined) {
      p = putSeqValue(out, p, this.dsn, (flags & MPTCP_DSS_DSN64) !== 0);
      putBe32(out, p, this.ssn);
      putBe16(out, p + 4, this.dataLen);
      if (this.checksum !== undefined) putBe16(out, p + 6, this.checksum);
    }
    return out;
  }
}

function putSeqValue(out: Uint8Array, at: number, v: bigint, wide: boolean): number {
  if (wide) putBe64(out, at, v);
  else putBe32(out, at, Number(v));
  return at + (wide ? 8 : 4);
}
