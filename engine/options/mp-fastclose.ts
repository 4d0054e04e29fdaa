// MP_FASTCLOSE (RFC 8684 §3.5):
//
//   kind=30 | length=12 | subtype=0x7 (reserved, 12 bits) | Option Receiver's Key (64)

import { MPTCPOPT_MP_FASTCLOSE, TCPOLEN_MPTCP_FASTCLOSE } from '../protocol.js';
import type { MpFastclose, ParseResult } from './repr.js';
import { getBe64, putBe64 } from '../bytes.js';
import { checkBig, fail, ok, putHeader } from './wire.js';

export function parseMpFastclose(b: Uint8Array): ParseResult<MpFastclose> {
  if (b.length !== TCPOLEN_MPTCP_FASTCLOSE) return fail(`MP_FASTCLOSE: length ${b.length}, expected 12`);
  return ok({ kind: 'mp_fastclose', receiverKey: getBe64(b, 4) });
}

export function emitMpFastclose(o: MpFastclose, out: Uint8Array, at: number): void {
  checkBig('MP_FASTCLOSE receiverKey', o.receiverKey, 64);
  putHeader(out, at, TCPOLEN_MPTCP_FASTCLOSE, MPTCPOPT_MP_FASTCLOSE, 0);
  out[at + 3] = 0;
  putBe64(out, at + 4, o.receiverKey);
}
