// MP_CAPABLE (RFC 8684 §3.1):
//
//   kind=30 | length | subtype=0x0 version | A B C D E F G H
//   Option Sender's Key (64)        — SYN/ACK, ACK, ACK with data
//   Option Receiver's Key (64)      — ACK, ACK with data
//   Data-Level Length (16)          — ACK with data
//   Checksum (16)                   — ACK with data, when checksums are used
//
// v1 puts no key on the SYN, so every form has its own length and the length
// alone tells them apart. Which form a segment *should* carry depends on its
// TCP flags; that check is the received-options layer's (received.ts).

import {
  MPTCPOPT_MP_CAPABLE,
  TCPOLEN_MPTCP_MPC_ACK,
  TCPOLEN_MPTCP_MPC_ACK_DATA,
  TCPOLEN_MPTCP_MPC_ACK_DATA_CSUM,
  TCPOLEN_MPTCP_MPC_SYN,
  TCPOLEN_MPTCP_MPC_SYNACK,
} from '../protocol.js';
import type { MpCapable, ParseResult } from './repr.js';
import { getBe16, getBe64, putBe16, putBe64 } from '../bytes.js';
import { checkBig, checkUint, fail, ok, putHeader } from './wire.js';

export function parseMpCapable(b: Uint8Array): ParseResult<MpCapable> {
  const len = b.length;
  if (
    len !== TCPOLEN_MPTCP_MPC_SYN &&
    len !== TCPOLEN_MPTCP_MPC_SYNACK &&
    len !== TCPOLEN_MPTCP_MPC_ACK &&
    len !== TCPOLEN_MPTCP_MPC_ACK_DATA &&
    len !== TCPOLEN_MPTCP_MPC_ACK_DATA_CSUM
  ) {
    return fail(
      `MP_CAPABLE: length ${len} is none of 4 (SYN), 12 (SYN/ACK), 20 (ACK), ` + '22 (ACK with data) or 24 (ACK with data and checksum)',
    );
  }
  return ok({
    kind: 'mp_capable',
    version: b[2] & 0x0f,
    flags: b[3],
    ...(len >= TCPOLEN_MPTCP_MPC_SYNACK ? { senderKey: getBe64(b, 4) } : {}),
    ...(len >= TCPOLEN_MPTCP_MPC_ACK ? { receiverKey: getBe64(b, 12) } : {}),
    ...(len >= TCPOLEN_MPTCP_MPC_ACK_DATA ? { dataLen: getBe16(b, 20) } : {}),
    ...(len === TCPOLEN_MPTCP_MPC_ACK_DATA_CSUM ? { checksum: getBe16(b, 22) } : {}),
  });
}

/** The length of o's form; throws when the fields make no form (e.g. receiverKey without senderKey). */
export function mpCapableLen(o: MpCapable): number {
  const has = [o.senderKey, o.receiverKey, o.dataLen, o.checksum].map((f) => f !== undefined);
  // Each field needs the one before it: the present ones must be a prefix.
  const count = has.indexOf(false) === -1 ? 4 : has.indexOf(false);
  if (has.slice(count).some(Boolean)) {
    throw new RangeError('MP_CAPABLE: senderKey, receiverKey, dataLen, checksum must be present in that order');
  }
  return [
    TCPOLEN_MPTCP_MPC_SYN,
    TCPOLEN_MPTCP_MPC_SYNACK,
    TCPOLEN_MPTCP_MPC_ACK,
    TCPOLEN_MPTCP_MPC_ACK_DATA,
    TCPOLEN_MPTCP_MPC_ACK_DATA_CSUM,
  ][count];
}

export function emitMpCapable(o: MpCapable, out: Uint8Array, at: number, len: number): void {
  // Check everything before writing anything, so a bad option leaves `out` alone.
  checkUint('MP_CAPABLE version', o.version, 4);
  checkUint('MP_CAPABLE flags', o.flags, 8);
  if (o.senderKey !== undefined) checkBig('MP_CAPABLE senderKey', o.senderKey, 64);
  if (o.receiverKey !== undefined) checkBig('MP_CAPABLE receiverKey', o.receiverKey, 64);
  if (o.dataLen !== undefined) checkUint('MP_CAPABLE dataLen', o.dataLen, 16);
  if (o.checksum !== undefined) checkUint('MP_CAPABLE checksum', o.checksum, 16);

  putHeader(out, at, len, MPTCPOPT_MP_CAPABLE, o.version);
  out[at + 3] = o.flags;
  if (o.senderKey !== undefined) putBe64(out, at + 4, o.senderKey);
  if (o.receiverKey !== undefined) putBe64(out, at + 12, o.receiverKey);
  if (o.dataLen !== undefined) putBe16(out, at + 20, o.dataLen);
  if (o.checksum !== undefined) putBe16(out, at + 22, o.checksum);
}
