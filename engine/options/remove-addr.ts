// REMOVE_ADDR (RFC 8684 §3.4.2):
//
//   kind=30 | length = 3 + n | subtype=0x4 (resvd) | Address ID | ... (n IDs)
//
// The RFC sets no upper bound beyond the length byte; the kernel reads at
// most MPTCP_RM_IDS_MAX (8) and ignores a longer list whole, a limit that
// received.ts applies, not this codec.

import { MPTCPOPT_RM_ADDR, TCPOLEN_MPTCP_RM_ADDR_BASE } from '../protocol.js';
import type { ParseResult, RemoveAddr } from './repr.js';
import { checkUint, fail, ok, putHeader } from './wire.js';

export function parseRemoveAddr(b: Uint8Array): ParseResult<RemoveAddr> {
  if (b.length < TCPOLEN_MPTCP_RM_ADDR_BASE + 1) return fail(`REMOVE_ADDR: length ${b.length} leaves no address ID`);
  return ok({ kind: 'remove_addr', ids: Array.from(b.subarray(TCPOLEN_MPTCP_RM_ADDR_BASE)) });
}

export function removeAddrLen(o: RemoveAddr): number {
  if (o.ids.length < 1 || o.ids.length > 255 - TCPOLEN_MPTCP_RM_ADDR_BASE) {
    throw new RangeError(`REMOVE_ADDR: ${o.ids.length} IDs; 1 to 252 fit in an option`);
  }
  return TCPOLEN_MPTCP_RM_ADDR_BASE + o.ids.length;
}

export function emitRemoveAddr(o: RemoveAddr, out: Uint8Array, at: number, len: number): void {
  o.ids.forEach((id, i) => checkUint(`REMOVE_ADDR ids[${i}]`, id, 8));
  putHeader(out, at, len, MPTCPOPT_RM_ADDR, 0);
  out.set(o.ids, at + TCPOLEN_MPTCP_RM_ADDR_BASE);
}
