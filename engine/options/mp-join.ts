// MP_JOIN (RFC 8684 §3.2). Three forms, told apart by length:
//
//   SYN      (12): subtype=0x1 (rsv) B | Address ID | Receiver's Token (32) | Sender's Random Number (32)
//   SYN/ACK  (16): subtype=0x1 (rsv) B | Address ID | Sender's Truncated HMAC (64) | Sender's Random Number (32)
//   ACK      (24): subtype=0x1 (reserved, 12 bits) | Sender's HMAC (160)

import {
  MPTCPOPT_BACKUP,
  MPTCPOPT_HMAC_LEN,
  MPTCPOPT_MP_JOIN,
  MPTCPOPT_THMAC_LEN,
  TCPOLEN_MPTCP_MPJ_ACK,
  TCPOLEN_MPTCP_MPJ_SYN,
  TCPOLEN_MPTCP_MPJ_SYNACK,
} from '../protocol.js';
import type { MpJoin, ParseResult } from './repr.js';
import { getBe32, putBe32 } from '../bytes.js';
import { checkBytes, checkUint, copy, fail, ok, putHeader } from './wire.js';

export function parseMpJoin(b: Uint8Array): ParseResult<MpJoin> {
  const backup = (b[2] & MPTCPOPT_BACKUP) !== 0;
  switch (b.length) {
    case TCPOLEN_MPTCP_MPJ_SYN:
      return ok({ kind: 'mp_join', form: 'syn', backup, addressId: b[3], token: getBe32(b, 4), nonce: getBe32(b, 8) });
    case TCPOLEN_MPTCP_MPJ_SYNACK:
      return ok({ kind: 'mp_join', form: 'synack', backup, addressId: b[3], hmac: copy(b, 4, 12), nonce: getBe32(b, 12) });
    case TCPOLEN_MPTCP_MPJ_ACK:
      return ok({ kind: 'mp_join', form: 'ack', hmac: copy(b, 4, 24) });
    default:
      return fail(`MP_JOIN: length ${b.length} is none of 12 (SYN), 16 (SYN/ACK) or 24 (ACK)`);
  }
}

export function mpJoinLen(o: MpJoin): number {
  switch (o.form) {
    case 'syn':
      return TCPOLEN_MPTCP_MPJ_SYN;
    case 'synack':
      return TCPOLEN_MPTCP_MPJ_SYNACK;
    case 'ack':
      return TCPOLEN_MPTCP_MPJ_ACK;
  }
}

export function emitMpJoin(o: MpJoin, out: Uint8Array, at: number, len: number): void {
  if (o.form === 'ack') {
    checkBytes('MP_JOIN ACK hmac', o.hmac, MPTCPOPT_HMAC_LEN);
    putHeader(out, at, len, MPTCPOPT_MP_JOIN, 0);
    out[at + 3] = 0;
    out.set(o.hmac, at + 4);
    return;
  }
  checkUint('MP_JOIN addressId', o.addressId, 8);
  checkUint('MP_JOIN nonce', o.nonce, 32);
  if (o.form === 'syn') checkUint('MP_JOIN token', o.token, 32);
  else checkBytes('MP_JOIN SYN/ACK hmac', o.hmac, MPTCPOPT_THMAC_LEN);

  putHeader(out, at, len, MPTCPOPT_MP_JOIN, o.backup ? MPTCPOPT_BACKUP : 0);
  out[at + 3] = o.addressId;
  if (o.form === 'syn') {
    putBe32(out, at + 4, o.token);
    putBe32(out, at + 8, o.nonce);
  } else {
    out.set(o.hmac, at + 4);
    putBe32(out, at + 12, o.nonce);
  }
}
