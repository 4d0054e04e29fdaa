// One MPTCP option: bytes <-> MptcpOption. The subtype nibble picks the
// codec in the sibling file; this file only checks the common header and
// dispatches.

import {
  MPTCPOPT_ADD_ADDR,
  MPTCPOPT_DSS,
  MPTCPOPT_MP_CAPABLE,
  MPTCPOPT_MP_FAIL,
  MPTCPOPT_MP_FASTCLOSE,
  MPTCPOPT_MP_JOIN,
  MPTCPOPT_MP_PRIO,
  MPTCPOPT_RM_ADDR,
  MPTCPOPT_RST,
  TCPOLEN_MPTCP_FAIL,
  TCPOLEN_MPTCP_FASTCLOSE,
  TCPOLEN_MPTCP_RST,
  TCPOPT_MPTCP,
  subtypeName,
} from '../protocol.js';
import { addAddrLen, emitAddAddr, parseAddAddr } from './add-addr.js';
import { dssLen, emitDss, parseDss } from './dss.js';
import { emitMpCapable, mpCapableLen, parseMpCapable } from './mp-capable.js';
import { emitMpFail, parseMpFail } from './mp-fail.js';
import { emitMpFastclose, parseMpFastclose } from './mp-fastclose.js';
import { emitMpJoin, mpJoinLen, parseMpJoin } from './mp-join.js';
import { emitMpPrio, mpPrioLen, parseMpPrio } from './mp-prio.js';
import { emitMpTcpRst, parseMpTcpRst } from './mp-tcprst.js';
import { emitRemoveAddr, parseRemoveAddr, removeAddrLen } from './remove-addr.js';
import type { MptcpOption, ParseResult, UnknownOption } from './repr.js';
import { copy, fail, ok } from './wire.js';

/** Kind, length and the subtype byte: the least an MPTCP option can be. */
const MIN_OPTION_LEN = 3;
/** The highest subtype this codec parses; anything above is kept as UnknownOption. */
const LAST_KNOWN_SUBTYPE = MPTCPOPT_RST;

/**
 * Parses one whole MPTCP option: `bytes` starts at the kind byte (30) and
 * is exactly as long as the length byte says. Never throws: a wrong length,
 * truncated data or a form the RFC does not define comes back as
 * `{ ok: false, error }`, and the receiver ignores that option (the
 * kernel's rule). Unknown subtypes parse as `{ kind: 'unknown' }`.
 */
export function parseOption(bytes: Uint8Array): ParseResult {
  if (bytes.length < MIN_OPTION_LEN) return fail(`MPTCP option: ${bytes.length} bytes, needs at least 3`);
  if (bytes[0] !== TCPOPT_MPTCP) return fail(`MPTCP option: kind ${bytes[0]} is not 30`);
  const len = bytes[1];
  if (len > bytes.length) return fail(`MPTCP option: truncated, length byte says ${len} but ${bytes.length} bytes are there`);
  if (len < bytes.length) return fail(`MPTCP option: length byte says ${len} but ${bytes.length} bytes were given`);
  const subtype = bytes[2] >> 4;
  switch (subtype) {
    case MPTCPOPT_MP_CAPABLE:
      return parseMpCapable(bytes);
    case MPTCPOPT_MP_JOIN:
      return parseMpJoin(bytes);
    case MPTCPOPT_DSS:
      return parseDss(bytes);
    case MPTCPOPT_ADD_ADDR:
      return parseAddAddr(bytes);
    case MPTCPOPT_RM_ADDR:
      return parseRemoveAddr(bytes);
    case MPTCPOPT_MP_PRIO:
      return parseMpPrio(bytes);
    case MPTCPOPT_MP_FAIL:
      return parseMpFail(bytes);
    case MPTCPOPT_MP_FASTCLOSE:
      return parseMpFastclose(bytes);
    case MPTCPOPT_RST:
      return parseMpTcpRst(bytes);
    default:
      return ok({ kind: 'unknown', subtype, bytes: copy(bytes, 0, len) });
  }
}

function checkUnknown(o: UnknownOption): void {
  const b = o.bytes;
  if (o.subtype <= LAST_KNOWN_SUBTYPE || o.subtype > 0xf) {
    throw new RangeError(`unknown option: subtype ${o.subtype} is ${subtypeName(o.subtype)}, not an unknown one`);
  }
  if (b.length < MIN_OPTION_LEN || b.length > 255 || b[0] !== TCPOPT_MPTCP || b[1] !== b.length || b[2] >> 4 !== o.subtype) {
    throw new RangeError('unknown option: bytes must be a whole option (kind 30, its own length, the same subtype)');
  }
}

/** How many bytes emitOption writes for o. Throws RangeError when o has no wire form. */
export function bufferLen(o: MptcpOption): number {
  switch (o.kind) {
    case 'mp_capable':
      return mpCapableLen(o);
    case 'mp_join':
      return mpJoinLen(o);
    case 'dss':
      return dssLen(o);
    case 'add_addr':
      return addAddrLen(o);
    case 'remove_addr':
      return removeAddrLen(o);
    case 'mp_prio':
      return mpPrioLen(o);
    case 'mp_fail':
      return TCPOLEN_MPTCP_FAIL;
    case 'mp_fastclose':
      return TCPOLEN_MPTCP_FASTCLOSE;
    case 'mp_tcprst':
      return TCPOLEN_MPTCP_RST;
    case 'unknown':
      return o.bytes.length;
  }
}

/**
 * Writes o at out[offset..] and returns the number of bytes written
 * (bufferLen(o)). Throws RangeError, leaving out untouched, when o is not a
 * valid option (a field out of range, fields that make no form) or out is
 * too short: those are the caller's bugs, not the peer's.
 */
export function emitOption(o: MptcpOption, out: Uint8Array, offset = 0): number {
  const len = bufferLen(o);
  if (!Number.isInteger(offset) || offset < 0 || offset + len > out.length) {
    throw new RangeError(`emitOption: ${len} bytes do not fit at offset ${offset} of a ${out.length}-byte buffer`);
  }
  switch (o.kind) {
    case 'mp_capable':
      emitMpCapable(o, out, offset, len);
      break;
    case 'mp_join':
      emitMpJoin(o, out, offset, len);
      break;
    case 'dss':
      emitDss(o, out, offset, len);
      break;
    case 'add_addr':
      emitAddAddr(o, out, offset, len);
      break;
    case 'remove_addr':
      emitRemoveAddr(o, out, offset, len);
      break;
    case 'mp_prio':
      emitMpPrio(o, out, offset, len);
      break;
    case 'mp_fail':
      emitMpFail(o, out, offset);
      break;
    case 'mp_fastclose':
      emitMpFastclose(o, out, offset);
      break;
    case 'mp_tcprst':
      emitMpTcpRst(o, out, offset);
      break;
    case 'unknown':
      checkUnknown(o);
      out.set(o.bytes, offset);
      break;
  }
  return len;
}

/** emitOption into a fresh buffer of exactly bufferLen(o) bytes. */
export function encodeOption(o: MptcpOption): Uint8Array {
  const out = new Uint8Array(bufferLen(o));
  emitOption(o, out, 0);
  return out;
}
