// MP_FAIL (RFC 8684 §3.7):
//
//   kind=30 | length=12 | subtype=0x6 (reserved, 12 bits) | Data Sequence Number (64)
//
// Always the full 64-bit DSN, whatever width the mappings use.

import { MPTCPOPT_MP_FAIL, TCPOLEN_MPTCP_FAIL } from '../protocol.js';
import type { MpFail, ParseResult } from './repr.js';
import { getBe64, putBe64 } from '../bytes.js';
import { checkBig, fail, ok, putHeader } from './wire.js';

export function parseMpFail(b: Uint8Array): ParseResult<MpFail> {
  if (b.length !== TCPOLEN_MPTCP_FAIL) return fail(`MP_FAIL: length ${b.length}, expected 12`);
  return ok({ kind: 'mp_fail', dsn: getBe64(b, 4) });
}

export function emitMpFail(o: MpFail, out: Uint8Array, at: number): void {
  checkBig('MP_FAIL dsn', o.dsn, 64);
  putHeader(out, at, TCPOLEN_MPTCP_FAIL, MPTCPOPT_MP_FAIL, 0);
  out[at + 3] = 0;
  putBe64(out, at + 4, o.dsn);
}
