// MP_PRIO (RFC 8684 §3.3.8):
//
//   kind=30 | length=3 | subtype=0x5 (rsv) B
//
// RFC 6824 allowed a fourth byte, the AddrID of the subflows to change;
// RFC 8684 dropped it (the option applies to the subflow it is sent on).
// The codec reads both forms so a capture shows what was sent; the kernel
// takes only length 3 and ignores the other (see received.ts).

import { MPTCPOPT_MP_PRIO, MPTCP_PRIO_BKUP, TCPOLEN_MPTCP_PRIO, TCPOLEN_MPTCP_PRIO_ADDR } from '../protocol.js';
import type { MpPrio, ParseResult } from './repr.js';
import { checkUint, fail, ok, putHeader } from './wire.js';

export function parseMpPrio(b: Uint8Array): ParseResult<MpPrio> {
  if (b.length !== TCPOLEN_MPTCP_PRIO && b.length !== TCPOLEN_MPTCP_PRIO_ADDR) {
    return fail(`MP_PRIO: length ${b.length} is none of 3 or 4 (with the RFC 6824 AddrID)`);
  }
  const backup = (b[2] & MPTCP_PRIO_BKUP) !== 0;
  return ok({ kind: 'mp_prio', backup, ...(b.length === TCPOLEN_MPTCP_PRIO_ADDR ? { addressId: b[3] } : {}) });
}

export function mpPrioLen(o: MpPrio): number {
  return o.addressId === undefined ? TCPOLEN_MPTCP_PRIO : TCPOLEN_MPTCP_PRIO_ADDR;
}

export function emitMpPrio(o: MpPrio, out: Uint8Array, at: number, len: number): void {
  if (o.addressId !== undefined) checkUint('MP_PRIO addressId', o.addressId, 8);
  putHeader(out, at, len, MPTCPOPT_MP_PRIO, o.backup ? MPTCP_PRIO_BKUP : 0);
  if (o.addressId !== undefined) out[at + 3] = o.addressId;
}
