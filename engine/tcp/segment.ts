// TCP segment codec (RFC 9293 section 3.1) in the style of smoltcp's
// src/wire/tcp.rs: a checked view over bytes (TcpHeaderView) and a plain
// readonly representation (TcpSegment); parseSegment(bytes) → repr | error,
// emitSegment(repr, out?), segmentLen(repr). No state, no clock.
//
// Checksums are not needed in the simulator: emitSegment leaves the field at
// zero and parseSegment does not look at it. On the wire, fill it with
// setTcpChecksum() from ./segment-checksum.ts after emitting. One caveat: the
// simulator's corruptPct flips bits, and only a checksum tells a receiver so;
// a lab that corrupts must have senders fill the checksum and receivers
// verifyTcpChecksum() and drop (the kernel counts InCsumErrors), or a
// flipped payload bit is taken as data.
//
// Options. The representation lists options in order, without EOL and NOP:
//   MSS (2), window scale (3), SACK-permitted (4), SACK (5), timestamps (8),
//   MPTCP (30) raw, as the whole option from the kind byte on (what
//   engine/options/codec.ts parseOption() takes and encodeOption() gives),
//   and any other kind raw the same way.
// A known kind with a wrong length is kept raw as { kind: 'unknown' }, so the
// engine ignores it (like tcp_parse_options() in the kernel) and emit gives
// the same bytes back. Malformed framing (a length byte below 2, an option
// running past the header) makes the whole segment an error.
//
// Layout on emit (NOPs are implicit in the representation), the layout Linux
// writes, so a segment the kernel sent comes back byte for byte:
//   - a standard option is preceded by the NOPs that make it end on a 4-byte
//     boundary (NOP NOP TS, NOP WS, NOP NOP SACK); SACK-permitted directly
//     followed by timestamps is packed with it (04 02 08 0a ...);
//   - an MPTCP option is followed by the NOPs that align its end, as
//     net/mptcp/options.c does (DSS ... NOP NOP, MP_PRIO NOP);
//   - if that layout does not fit in 40 bytes, options are packed back to back
//     and the end is padded with EOL (zero bytes).
// parse(emit(x)) deep-equals x for every canonical x: no `unknown` option
// that is a well-formed known kind or kind 30, no urgentPointer: 0.
// What parse does not keep: the checksum, the four reserved bits next to the
// data offset, and where NOP/EOL padding stood.

import { getBe16, getBe32, putBe16, putBe32 } from '../bytes.js';

/** Header length without options. */
export const TCP_HEADER_LEN = 20;
/** At most 40 bytes of options: the data offset field tops out at 15 words. */
export const TCP_MAX_OPTIONS_LEN = 40;

/** Option kinds (IANA "TCP Option Kind Numbers"). */
export const TCPOPT = {
  EOL: 0,
  NOP: 1,
  MSS: 2,
  WSCALE: 3,
  SACK_PERM: 4,
  SACK: 5,
  TIMESTAMP: 8,
  MPTCP: 30,
} as const;

/** Option lengths, including kind and length bytes (include/net/tcp.h TCPOLEN_*). */
export const TCPOLEN = {
  MSS: 4,
  WSCALE: 3,
  SACK_PERM: 2,
  SACK_BASE: 2,
  SACK_PERBLOCK: 8,
  TIMESTAMP: 10,
} as const;

/** Flag bits of header byte 13. */
export const TCP_FLAG = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

export interface TcpFlags {
  readonly syn: boolean;
  readonly ack: boolean;
  readonly fin: boolean;
  readonly rst: boolean;
  readonly psh: boolean;
  readonly urg: boolean;
  readonly ece: boolean;
  readonly cwr: boolean;
}

/** A SACK block [left, right) in sequence space (u32 each). */
export interface SackBlock {
  readonly left: number;
  readonly right: number;
}

export type TcpOption =
  | { readonly kind: 'mss'; readonly mss: number }
  /** The shift count as sent (RFC 7323 caps its use at 14; the raw value is kept). */
  | { readonly kind: 'wscale'; readonly shift: number }
  | { readonly kind: 'sackPermitted' }
  /** 1 to 4 blocks (4 fill 34 of the 40 option bytes). */
  | { readonly kind: 'sack'; readonly blocks: readonly SackBlock[] }
  | { readonly kind: 'timestamps'; readonly tsVal: number; readonly tsEcr: number }
  /**
   * MPTCP (kind 30), raw: the whole option, kind byte (30) and length byte
   * (= bytes.length) included; engine/options decodes it. `length`, when set,
   * is bytes.length known without the bytes: an option record of the engine's
   * (engine/options/dss.ts DssOption) that writes its bytes only when read,
   * its fields checked when it was made.
   */
  | { readonly kind: 'mptcp'; readonly bytes: Uint8Array; readonly length?: number }
  /**
   * Any other kind, or a known kind with a wrong length, raw: the whole
   * option, kind byte and length byte (= bytes.length) included.
   */
  | { readonly kind: 'unknown'; readonly bytes: Uint8Array };

/** The MPTCP variant of TcpOption. */
export type MptcpTcpOption = Extract<TcpOption, { readonly kind: 'mptcp' }>;

export interface TcpSegment {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: TcpFlags;
  /** The 16-bit window field as sent (not scaled). */
  readonly window: number;
  /** The urgent pointer; absent when the field is zero. */
  readonly urgentPointer?: number;
  readonly options: readonly TcpOption[];
  readonly payload: Uint8Array;
}

export type SegmentErrorCode = 'truncated' | 'bad-data-offset' | 'bad-option-length' | 'option-past-header';

export type ParseResult =
  { readonly ok: true; readonly segment: TcpSegment } | { readonly ok: false; readonly code: SegmentErrorCode; readonly error: string };

/** All flags clear. */
export const NO_FLAGS: TcpFlags = Object.freeze({
  syn: false,
  ack: false,
  fin: false,
  rst: false,
  psh: false,
  urg: false,
  ece: false,
  cwr: false,
});

/**
 * A full TcpFlags from the ones that are set: tcpFlags({ syn: true, ack: true }). The result
 * is one of 256 shared frozen records (one per header byte 13), so building a segment's flags
 * allocates nothing.
 */
export function tcpFlags(set: Partial<TcpFlags>): TcpFlags {
  return flagsFromByte(flagsToByte(set));
}

/** Flags from header byte 13 (a shared frozen record). */
export function flagsFromByte(b: number): TcpFlags {
  return FLAG_RECORDS[b & 0xff] as TcpFlags;
}

function flagsRecord(b: number): TcpFlags {
  return Object.freeze({
    syn: (b & TCP_FLAG.SYN) !== 0,
    ack: (b & TCP_FLAG.ACK) !== 0,
    fin: (b & TCP_FLAG.FIN) !== 0,
    rst: (b & TCP_FLAG.RST) !== 0,
    psh: (b & TCP_FLAG.PSH) !== 0,
    urg: (b & TCP_FLAG.URG) !== 0,
    ece: (b & TCP_FLAG.ECE) !== 0,
    cwr: (b & TCP_FLAG.CWR) !== 0,
  });
}

const FLAG_RECORDS: readonly TcpFlags[] = Array.from({ length: 256 }, (_, b) => flagsRecord(b));

/** Header byte 13 from flags (a flag not given is clear). */
export function flagsToByte(f: Partial<TcpFlags>): number {
  return (
    (f.fin ? TCP_FLAG.FIN : 0) |
    (f.syn ? TCP_FLAG.SYN : 0) |
    (f.rst ? TCP_FLAG.RST : 0) |
    (f.psh ? TCP_FLAG.PSH : 0) |
    (f.ack ? TCP_FLAG.ACK : 0) |
    (f.urg ? TCP_FLAG.URG : 0) |
    (f.ece ? TCP_FLAG.ECE : 0) |
    (f.cwr ? TCP_FLAG.CWR : 0)
  );
}

/**
 * The checked view: fixed header fields read straight from the bytes, after
 * check() made sure the header (with its options) is all there. Fields are
 * read on access; nothing is copied.
 */
export class TcpHeaderView {
  private constructor(readonly bytes: Uint8Array) {}

  /** The view, or why these bytes cannot hold a TCP header. Never throws. */
  static check(bytes: Uint8Array): { ok: true; view: TcpHeaderView } | { ok: false; code: SegmentErrorCode; error: string } {
    if (bytes.length < TCP_HEADER_LEN) {
      return { ok: false, code: 'truncated', error: `TCP header needs ${TCP_HEADER_LEN} bytes, got ${bytes.length}` };
    }
    const doff = bytes[12] >>> 4;
    if (doff < 5) return { ok: false, code: 'bad-data-offset', error: `data offset ${doff} words is below the minimum of 5` };
    if (doff * 4 > bytes.length) {
      return {
        ok: false,
        code: 'bad-data-offset',
        error: `data offset ${doff} words (${doff * 4} bytes) runs past the ${bytes.length} bytes of the segment`,
      };
    }
    return { ok: true, view: new TcpHeaderView(bytes) };
  }

  get srcPort(): number {
    return getBe16(this.bytes, 0);
  }
  get dstPort(): number {
    return getBe16(this.bytes, 2);
  }
  get seq(): number {
    return getBe32(this.bytes, 4);
  }
  get ack(): number {
    return getBe32(this.bytes, 8);
  }
  /** Header length in bytes (data offset × 4). */
  get headerLen(): number {
    return (this.bytes[12] >>> 4) * 4;
  }
  /** The four bits between data offset and flags (reserved; Accurate ECN uses the lowest as AE). */
  get reserved(): number {
    return this.bytes[12] & 0x0f;
  }
  get flagsByte(): number {
    return this.bytes[13];
  }
  get flags(): TcpFlags {
    return flagsFromByte(this.bytes[13]);
  }
  get window(): number {
    return getBe16(this.bytes, 14);
  }
  get checksum(): number {
    return getBe16(this.bytes, 16);
  }
  get urgentPointer(): number {
    return getBe16(this.bytes, 18);
  }
  /** The options area (between the fixed header and the payload), a view. */
  get optionsBytes(): Uint8Array {
    return this.bytes.subarray(TCP_HEADER_LEN, this.headerLen);
  }
  /** The payload, a view. */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.headerLen);
  }
}

type OptionsResult = { ok: true; options: TcpOption[] } | { ok: false; code: SegmentErrorCode; error: string };

/** Options from the options area of a header. Never throws. */
export function parseOptions(area: Uint8Array): OptionsResult {
  const options: TcpOption[] = [];
  let i = 0;
  while (i < area.length) {
    const kind = area[i];
    if (kind === TCPOPT.EOL) break; // the rest is padding
    if (kind === TCPOPT.NOP) {
      i += 1;
      continue;
    }
    const at = TCP_HEADER_LEN + i;
    if (i + 1 >= area.length) {
      return {
        ok: false,
        code: 'option-past-header',
        error: `option kind ${kind} at byte ${at} has no length byte before the end of the header`,
      };
    }
    const len = area[i + 1];
    if (len < 2) return { ok: false, code: 'bad-option-length', error: `option kind ${kind} at byte ${at} has length ${len} (at least 2)` };
    if (i + len > area.length) {
      return {
        ok: false,
        code: 'option-past-header',
        error: `option kind ${kind} at byte ${at} has length ${len}, past the end of the header at byte ${TCP_HEADER_LEN + area.length}`,
      };
    }
    options.push(decodeOption(kind, len, area.subarray(i, i + len)));
    i += len;
  }
  return { ok: true, options };
}

function decodeOption(kind: number, len: number, bytes: Uint8Array): TcpOption {
  const data = bytes.subarray(2);
  switch (kind) {
    case TCPOPT.MSS:
      if (len === TCPOLEN.MSS) return { kind: 'mss', mss: getBe16(data, 0) };
      break;
    case TCPOPT.WSCALE:
      if (len === TCPOLEN.WSCALE) return { kind: 'wscale', shift: data[0] };
      break;
    case TCPOPT.SACK_PERM:
      if (len === TCPOLEN.SACK_PERM) return { kind: 'sackPermitted' };
      break;
    case TCPOPT.SACK:
      if (len > TCPOLEN.SACK_BASE && (len - TCPOLEN.SACK_BASE) % TCPOLEN.SACK_PERBLOCK === 0) {
        const blocks: SackBlock[] = [];
        for (let j = 0; j < data.length; j += 8) blocks.push({ left: getBe32(data, j), right: getBe32(data, j + 4) });
        return { kind: 'sack', blocks };
      }
      break;
    case TCPOPT.TIMESTAMP:
      if (len === TCPOLEN.TIMESTAMP) return { kind: 'timestamps', tsVal: getBe32(data, 0), tsEcr: getBe32(data, 4) };
      break;
    case TCPOPT.MPTCP:
      return { kind: 'mptcp', bytes };
    default:
      break;
  }
  return { kind: 'unknown', bytes };
}

/**
 * The segment in these bytes, or why not. Never throws, whatever the bytes.
 * The payload and raw option data are views into `bytes` (no copy): copy
 * them if the buffer is reused.
 */
export function parseSegment(bytes: Uint8Array): ParseResult {
  const checked = TcpHeaderView.check(bytes);
  if (!checked.ok) return checked;
  const v = checked.view;
  const opts = parseOptions(v.optionsBytes);
  if (!opts.ok) return opts;
  const urgent = v.urgentPointer;
  const segment: TcpSegment = {
    srcPort: v.srcPort,
    dstPort: v.dstPort,
    seq: v.seq,
    ack: v.ack,
    flags: v.flags,
    window: v.window,
    ...(urgent !== 0 ? { urgentPointer: urgent } : {}),
    options: opts.options,
    payload: v.payload,
  };
  return { ok: true, segment };
}

/** Length of one option including kind and length bytes. */
export function optionLen(o: TcpOption): number {
  switch (o.kind) {
    case 'mss':
      return TCPOLEN.MSS;
    case 'wscale':
      return TCPOLEN.WSCALE;
    case 'sackPermitted':
      return TCPOLEN.SACK_PERM;
    case 'sack':
      return TCPOLEN.SACK_BASE + TCPOLEN.SACK_PERBLOCK * o.blocks.length;
    case 'timestamps':
      return TCPOLEN.TIMESTAMP;
    case 'mptcp':
      return o.length ?? o.bytes.length;
    case 'unknown':
      return o.bytes.length;
  }
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

/**
 * NOPs before option i when it starts at `off` in the aligned layout: a standard option ends on a 4-byte
 * boundary, SACK-permitted directly followed by timestamps is packed with them, an MPTCP option has none.
 */
function nopsBefore(options: readonly TcpOption[], i: number, off: number, len: number): number {
  const o = options[i] as TcpOption;
  if (o.kind === 'mptcp') return 0;
  if (o.kind === 'sackPermitted' && options[i + 1]?.kind === 'timestamps') return pad4(off + len + TCPOLEN.TIMESTAMP);
  if (o.kind === 'timestamps' && options[i - 1]?.kind === 'sackPermitted') return 0;
  return pad4(off + len);
}

/** NOPs after option i ending at `end` in the aligned layout: an MPTCP option is followed by those aligning its end. */
function nopsAfter(o: TcpOption, end: number): number {
  return o.kind === 'mptcp' ? pad4(end) : 0;
}

/** Bytes of the aligned layout (may exceed 40: then the options are packed instead). */
function alignedLen(options: readonly TcpOption[]): number {
  let off = 0;
  for (let i = 0; i < options.length; i += 1) {
    const o = options[i] as TcpOption;
    const len = optionLen(o);
    off += nopsBefore(options, i, off, len) + len;
    off += nopsAfter(o, off);
  }
  return off;
}

/** Bytes of options back to back, padded with EOL to 4. */
function packedLen(options: readonly TcpOption[]): number {
  let raw = 0;
  for (const o of options) raw += optionLen(o);
  return raw + pad4(raw);
}

/** The padded options length and whether the aligned layout fits (else options are packed). */
function layoutLen(options: readonly TcpOption[]): { readonly len: number; readonly aligned: boolean } {
  const aligned = alignedLen(options);
  return aligned <= TCP_MAX_OPTIONS_LEN ? { len: aligned, aligned: true } : { len: packedLen(options), aligned: false };
}

function checkUint(what: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`emitSegment: ${what} must be an integer in [0, ${max}], got ${v}`);
}

function checkOption(o: TcpOption): void {
  switch (o.kind) {
    case 'mss':
      checkUint('MSS', o.mss, 0xffff);
      break;
    case 'wscale':
      checkUint('window scale shift', o.shift, 0xff);
      break;
    case 'sack':
      if (o.blocks.length === 0) throw new RangeError('emitSegment: a SACK option needs at least one block');
      for (const b of o.blocks) {
        checkUint('SACK left edge', b.left, 0xffff_ffff);
        checkUint('SACK right edge', b.right, 0xffff_ffff);
      }
      break;
    case 'timestamps':
      checkUint('TSval', o.tsVal, 0xffff_ffff);
      checkUint('TSecr', o.tsEcr, 0xffff_ffff);
      break;
    case 'mptcp':
    case 'unknown': {
      // An option record that knows its length was checked when it was made: its bytes are right by construction.
      if (o.kind === 'mptcp' && o.length !== undefined) break;
      const b = o.bytes;
      if (b.length < 2 || b.length > 0xff)
        throw new RangeError(`emitSegment: a raw ${o.kind} option must be 2 to 255 bytes, got ${b.length}`);
      if (b[1] !== b.length) throw new RangeError(`emitSegment: raw ${o.kind} option has length byte ${b[1]} but ${b.length} bytes`);
      if (o.kind === 'mptcp' && b[0] !== TCPOPT.MPTCP)
        throw new RangeError(`emitSegment: an mptcp option must start with kind 30, got ${b[0]}`);
      if (o.kind === 'unknown' && (b[0] === TCPOPT.EOL || b[0] === TCPOPT.NOP)) {
        throw new RangeError(`emitSegment: option kind ${b[0]} (EOL/NOP) is padding and cannot be given as an option`);
      }
      break;
    }
    case 'sackPermitted':
      break;
  }
}

/** Bytes of options after padding (a multiple of 4). Throws if they do not fit in 40 bytes. */
export function optionsLen(options: readonly TcpOption[]): number {
  const len = layoutLen(options).len;
  if (len > TCP_MAX_OPTIONS_LEN) {
    throw new RangeError(`emitSegment: ${len} bytes of TCP options (padded to 4); at most ${TCP_MAX_OPTIONS_LEN} fit in the header`);
  }
  return len;
}

/** Header length (20 + padded options). Throws if the options do not fit. */
export function headerLen(seg: TcpSegment): number {
  return TCP_HEADER_LEN + optionsLen(seg.options);
}

/** Bytes emitSegment() writes: header, options and payload. */
export function segmentLen(seg: TcpSegment): number {
  return headerLen(seg) + seg.payload.length;
}

function writeOption(out: Uint8Array, at: number, o: TcpOption): number {
  switch (o.kind) {
    case 'mss':
      out[at] = TCPOPT.MSS;
      out[at + 1] = TCPOLEN.MSS;
      putBe16(out, at + 2, o.mss);
      return TCPOLEN.MSS;
    case 'wscale':
      out[at] = TCPOPT.WSCALE;
      out[at + 1] = TCPOLEN.WSCALE;
      out[at + 2] = o.shift;
      return TCPOLEN.WSCALE;
    case 'sackPermitted':
      out[at] = TCPOPT.SACK_PERM;
      out[at + 1] = TCPOLEN.SACK_PERM;
      return TCPOLEN.SACK_PERM;
    case 'sack': {
      const len = optionLen(o);
      out[at] = TCPOPT.SACK;
      out[at + 1] = len;
      let p = at + 2;
      for (const b of o.blocks) {
        putBe32(out, p, b.left);
        putBe32(out, p + 4, b.right);
        p += 8;
      }
      return len;
    }
    case 'timestamps':
      out[at] = TCPOPT.TIMESTAMP;
      out[at + 1] = TCPOLEN.TIMESTAMP;
      putBe32(out, at + 2, o.tsVal);
      putBe32(out, at + 6, o.tsEcr);
      return TCPOLEN.TIMESTAMP;
    case 'mptcp':
    case 'unknown':
      out.set(o.bytes, at);
      return o.bytes.length;
  }
}

/**
 * Checks the segment as emitSegment() does and returns the bytes it would write, without writing them.
 * Throws (RangeError) on a programming error: options over 40 bytes, a field out of range.
 */
export function checkedSegmentLen(seg: TcpSegment): number {
  checkUint('source port', seg.srcPort, 0xffff);
  checkUint('destination port', seg.dstPort, 0xffff);
  checkUint('sequence number', seg.seq, 0xffff_ffff);
  checkUint('acknowledgment number', seg.ack, 0xffff_ffff);
  checkUint('window', seg.window, 0xffff);
  if (seg.urgentPointer !== undefined) checkUint('urgent pointer', seg.urgentPointer, 0xffff);
  for (const o of seg.options) checkOption(o);
  return TCP_HEADER_LEN + optionsLen(seg.options) + seg.payload.length;
}

/**
 * Write the segment (checksum field zero) into `out` from offset 0, or into a
 * new array; returns the written bytes (a view of `out` when given).
 * Throws (RangeError) on a programming error: options over 40 bytes, a field
 * out of range, `out` too small. Hostile input never reaches here.
 */
export function emitSegment(seg: TcpSegment, out?: Uint8Array): Uint8Array {
  const total = checkedSegmentLen(seg);
  const { len: optsLen, aligned } = layoutLen(seg.options);
  const hlen = TCP_HEADER_LEN + optsLen;
  let buf: Uint8Array;
  if (out) {
    if (out.length < total) throw new RangeError(`emitSegment: output buffer has ${out.length} bytes, the segment needs ${total}`);
    buf = out.subarray(0, total);
    buf.fill(0, 0, hlen);
  } else {
    buf = new Uint8Array(total);
  }
  putBe16(buf, 0, seg.srcPort);
  putBe16(buf, 2, seg.dstPort);
  putBe32(buf, 4, seg.seq);
  putBe32(buf, 8, seg.ack);
  buf[12] = (hlen / 4) << 4;
  buf[13] = flagsToByte(seg.flags);
  putBe16(buf, 14, seg.window);
  // bytes 16-17: checksum, left zero
  putBe16(buf, 18, seg.urgentPointer ?? 0);
  let p = TCP_HEADER_LEN;
  const options = seg.options;
  for (let i = 0; i < options.length; i += 1) {
    const o = options[i] as TcpOption;
    if (aligned) for (let k = nopsBefore(options, i, p - TCP_HEADER_LEN, optionLen(o)); k > 0; k -= 1) buf[p++] = TCPOPT.NOP;
    p += writeOption(buf, p, o);
    if (aligned) for (let k = nopsAfter(o, p - TCP_HEADER_LEN); k > 0; k -= 1) buf[p++] = TCPOPT.NOP;
  }
  // Whatever is left up to hlen is EOL (zero), already filled.
  buf.set(seg.payload, hlen);
  return buf;
}
