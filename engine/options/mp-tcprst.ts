// MP_TCPRST (RFC 8684 §3.6):
//
//   kind=30 | length=4 | subtype=0x8 U V W T | Reason
//
// U, V and W are unassigned and dropped; T says the error is transient.

import { MPTCPOPT_RST, MPTCP_RST_TRANSIENT, TCPOLEN_MPTCP_RST } from '../protocol.js';
import type { MpTcpRst, ParseResult } from './repr.js';
import { checkUint, fail, ok, putHeader } from './wire.js';

export function parseMpTcpRst(b: Uint8Array): ParseResult<MpTcpRst> {
  if (b.length !== TCPOLEN_MPTCP_RST) return fail(`MP_TCPRST: length ${b.length}, expected 4`);
  return ok({ kind: 'mp_tcprst', transient: (b[2] & MPTCP_RST_TRANSIENT) !== 0, reason: b[3] });
}

export function emitMpTcpRst(o: MpTcpRst, out: Uint8Array, at: number): void {
  checkUint('MP_TCPRST reason', o.reason, 8);
  putHeader(out, at, TCPOLEN_MPTCP_RST, MPTCPOPT_RST, o.transient ? MPTCP_RST_TRANSIENT : 0);
  out[at + 3] = o.reason;
}
