// Byte fixtures for the option codec, written by hand from the layouts in
// RFC 8684 §3 (one per subtype and form), each with the representation it
// must parse to. emit(parse(bytes)) must give the bytes back, so every
// fixture is canonical: reserved bits zero. Field values are written as
// separate hex groups in layout order ("kind len | subtype... | field | ...").

import {
  OPTION_MPTCP_ADD_ADDR,
  OPTION_MPTCP_CSUMREQD,
  OPTION_MPTCP_DSS,
  OPTION_MPTCP_FASTCLOSE,
  OPTION_MPTCP_MPC_ACK,
  OPTION_MPTCP_MPC_SYN,
  OPTION_MPTCP_PRIO,
  OPTION_MPTCP_RM_ADDR,
  OPTION_MPTCP_RST,
} from '../../../engine/protocol.js';
import type { SegmentFlags } from '../../../engine/options/received.js';
import type { MptcpOption } from '../../../engine/options/repr.js';
import { fromHex as bytesFromHex } from '../../../engine/bytes.js';

/** Hex digits to bytes; spaces and '|' separate fields and are ignored. */
export function fromHex(text: string): Uint8Array {
  const digits = text.replace(/[\s|]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`fixture: not hex bytes: ${text}`);
  return bytesFromHex(digits);
}

export interface OptionFixture {
  readonly name: string;
  /** Where the layout is defined: an RFC section or the kernel file. */
  readonly rfc: string;
  readonly hex: string;
  readonly option: MptcpOption;
}

const KEY_A = '8b 3e 1f 0c 2d 4a 59 67';
const KEY_B = 'f0 0d ca fe 12 34 56 78';
const THMAC = 'a1 a2 a3 a4 a5 a6 a7 a8';
const HMAC20 = '00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13';
const AHMAC = 'c1 c2 c3 c4 c5 c6 c7 c8';
const V4_A = 'c6 12 01 02'; // 198.18.1.2
const V4_B = 'c6 12 02 02'; // 198.18.2.2
const V6_A = '20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01'; // 2001:db8::1
const V6_B = '20 01 0d b8 00 00 00 02 00 00 00 00 00 00 00 02'; // 2001:db8:0:2::2
const ACK64 = '00 00 00 01 00 00 10 00';
const DSN64 = '00 00 00 01 00 00 00 00';

const keyA = 0x8b3e1f0c2d4a5967n;
const keyB = 0xf00dcafe12345678n;
const bytes = fromHex;

export const OPTION_FIXTURES: readonly OptionFixture[] = [
  // --- MP_CAPABLE: the length is the form.
  { name: 'MP_CAPABLE SYN, H', rfc: 'RFC 8684 §3.1', hex: '1e 04 | 01 | 01', option: { kind: 'mp_capable', version: 1, flags: 0x01 } },
  {
    name: 'MP_CAPABLE SYN, A+H (checksums wanted)',
    rfc: 'RFC 8684 §3.1',
    hex: '1e 04 | 01 | 81',
    option: { kind: 'mp_capable', version: 1, flags: 0x81 },
  },
  {
    name: 'MP_CAPABLE SYN, C+H (no joins to this address)',
    rfc: 'RFC 8684 §3.1',
    hex: '1e 04 | 01 | 21',
    option: { kind: 'mp_capable', version: 1, flags: 0x21 },
  },
  {
    name: 'MP_CAPABLE SYN/ACK with the sender key',
    rfc: 'RFC 8684 §3.1',
    hex: `1e 0c | 01 | 01 | ${KEY_A}`,
    option: { kind: 'mp_capable', version: 1, flags: 0x01, senderKey: keyA },
  },
  {
    name: 'MP_CAPABLE third ACK with both keys',
    rfc: 'RFC 8684 §3.1',
    hex: `1e 14 | 01 | 01 | ${KEY_A} | ${KEY_B}`,
    option: { kind: 'mp_capable', version: 1, flags: 0x01, senderKey: keyA, receiverKey: keyB },
  },
  {
    name: 'MP_CAPABLE ACK with data',
    rfc: 'RFC 8684 §3.1',
    hex: `1e 16 | 01 | 01 | ${KEY_A} | ${KEY_B} | 05 dc`,
    option: { kind: 'mp_capable', version: 1, flags: 0x01, senderKey: keyA, receiverKey: keyB, dataLen: 1500 },
  },
  {
    name: 'MP_CAPABLE ACK with data and checksum',
    rfc: 'RFC 8684 §3.1',
    hex: `1e 18 | 01 | 81 | ${KEY_A} | ${KEY_B} | 05 dc | ab cd`,
    option: { kind: 'mp_capable', version: 1, flags: 0x81, senderKey: keyA, receiverKey: keyB, dataLen: 1500, checksum: 0xabcd },
  },

  // --- MP_JOIN: SYN, SYN/ACK, ACK.
  {
    name: 'MP_JOIN SYN',
    rfc: 'RFC 8684 §3.2',
    hex: '1e 0c | 10 | 02 | de ad be ef | 01 23 45 67',
    option: { kind: 'mp_join', form: 'syn', backup: false, addressId: 2, token: 0xdeadbeef, nonce: 0x01234567 },
  },
  {
    name: 'MP_JOIN SYN, backup',
    rfc: 'RFC 8684 §3.2',
    hex: '1e 0c | 11 | 05 | 00 00 00 01 | ff ff ff ff',
    option: { kind: 'mp_join', form: 'syn', backup: true, addressId: 5, token: 1, nonce: 0xffffffff },
  },
  {
    name: 'MP_JOIN SYN/ACK with truncated HMAC',
    rfc: 'RFC 8684 §3.2',
    hex: `1e 10 | 11 | 00 | ${THMAC} | 76 54 32 10`,
    option: { kind: 'mp_join', form: 'synack', backup: true, addressId: 0, hmac: bytes(THMAC), nonce: 0x76543210 },
  },
  {
    name: 'MP_JOIN ACK with 160-bit HMAC',
    rfc: 'RFC 8684 §3.2',
    hex: `1e 18 | 10 00 | ${HMAC20}`,
    option: { kind: 'mp_join', form: 'ack', hmac: bytes(HMAC20) },
  },

  // --- DSS: flags F m M a A decide fields and widths; +2 bytes is the checksum.
  {
    name: 'DSS 32-bit Data ACK',
    rfc: 'RFC 8684 §3.3',
    hex: '1e 08 | 20 | 01 | 00 01 00 00',
    option: { kind: 'dss', dataAck: { value: 0x10000n, bits: 32 }, dataFin: false },
  },
  {
    name: 'DSS 64-bit Data ACK',
    rfc: 'RFC 8684 §3.3',
    hex: '1e 0c | 20 | 03 | 12 34 56 78 9a bc de f0',
    option: { kind: 'dss', dataAck: { value: 0x123456789abcdef0n, bits: 64 }, dataFin: false },
  },
  {
    name: 'DSS 32-bit mapping',
    rfc: 'RFC 8684 §3.3',
    hex: '1e 0e | 20 | 04 | 00 00 10 00 | 00 00 00 01 | 05 a0',
    option: { kind: 'dss', mapping: { dsn: { value: 0x1000n, bits: 32 }, subflowSeq: 1, dataLen: 1440 }, dataFin: false },
  },
  {
    name: 'DSS 64-bit mapping',
    rfc: 'RFC 8684 §3.3',
    hex: `1e 12 | 20 | 0c | ${DSN64} | 00 00 05 a1 | 05 a0`,
    option: { kind: 'dss', mapping: { dsn: { value: 1n << 32n, bits: 64 }, subflowSeq: 1441, dataLen: 1440 }, dataFin: false },
  },
  {
    name: 'DSS 64-bit ack and mapping with checksum',
    rfc: 'RFC 8684 §3.3, §3.3.1',
    hex: `1e 1c | 20 | 0f | ${ACK64} | ${DSN64} | 00 00 00 01 | 05 a0 | 5e 3a`,
    option: {
      kind: 'dss',
      dataAck: { value: 0x100001000n, bits: 64 },
      mapping: { dsn: { value: 1n << 32n, bits: 64 }, subflowSeq: 1, dataLen: 1440, checksum: 0x5e3a },
      dataFin: false,
    },
  },
  {
    name: 'DSS 32-bit ack and mapping with checksum',
    rfc: 'RFC 8684 §3.3, §3.3.1',
    hex: '1e 14 | 20 | 05 | 00 00 00 64 | 00 00 00 c8 | 00 00 00 02 | 00 10 | ff ff',
    option: {
      kind: 'dss',
      dataAck: { value: 100n, bits: 32 },
      mapping: { dsn: { value: 200n, bits: 32 }, subflowSeq: 2, dataLen: 16, checksum: 0xffff },
      dataFin: false,
    },
  },
  {
    name: 'DSS DATA_FIN as Linux sends it (own mapping, length 1)',
    rfc: 'RFC 8684 §3.3.3',
    hex: `1e 1a | 20 | 1f | ${ACK64} | ${DSN64} | 00 00 00 00 | 00 01`,
    option: {
      kind: 'dss',
      dataAck: { value: 0x100001000n, bits: 64 },
      mapping: { dsn: { value: 1n << 32n, bits: 64 }, subflowSeq: 0, dataLen: 1 },
      dataFin: true,
    },
  },
  {
    name: 'DSS infinite mapping (length 0, checksum 0)',
    rfc: 'RFC 8684 §3.7',
    hex: `1e 1c | 20 | 0f | ${ACK64} | ${DSN64} | 00 00 00 00 | 00 00 | 00 00`,
    option: {
      kind: 'dss',
      dataAck: { value: 0x100001000n, bits: 64 },
      mapping: { dsn: { value: 1n << 32n, bits: 64 }, subflowSeq: 0, dataLen: 0, checksum: 0 },
      dataFin: false,
    },
  },
  { name: 'DSS with no flags', rfc: 'RFC 8684 §3.3', hex: '1e 04 | 20 | 00', option: { kind: 'dss', dataFin: false } },
  {
    name: 'DSS ack with 2 trailing bytes (Linux accepts, ignores them)',
    rfc: 'net/mptcp/options.c',
    hex: '1e 0a | 20 | 01 | 00 00 00 2a | be ef',
    option: { kind: 'dss', dataAck: { value: 42n, bits: 32 }, dataFin: false, ignoredTrailer: 0xbeef },
  },

  // --- ADD_ADDR: family and port from the length, HMAC unless echo.
  {
    name: 'ADD_ADDR IPv4',
    rfc: 'RFC 8684 §3.4.1',
    hex: `1e 10 | 30 | 01 | ${V4_A} | ${AHMAC}`,
    option: { kind: 'add_addr', echo: false, addressId: 1, address: { family: 4, bytes: bytes(V4_A) }, hmac: bytes(AHMAC) },
  },
  {
    name: 'ADD_ADDR IPv4 with port',
    rfc: 'RFC 8684 §3.4.1',
    hex: `1e 12 | 30 | 02 | ${V4_B} | 1f 90 | ${AHMAC}`,
    option: { kind: 'add_addr', echo: false, addressId: 2, address: { family: 4, bytes: bytes(V4_B) }, port: 8080, hmac: bytes(AHMAC) },
  },
  {
    name: 'ADD_ADDR IPv4 echo',
    rfc: 'RFC 8684 §3.4.1',
    hex: `1e 08 | 31 | 01 | ${V4_A}`,
    option: { kind: 'add_addr', echo: true, addressId: 1, address: { family: 4, bytes: bytes(V4_A) } },
  },
  {
    name: 'ADD_ADDR IPv4 echo with port',
    rfc: 'RFC 8684 §3.4.1',
    hex: `1e 0a | 31 | 02 | ${V4_B} | 1f 90`,
    option: { kind: 'add_addr', echo: true, addressId: 2, address: { family: 4, bytes: bytes(V4_B) }, port: 8080 },
  },
  {
    name: 'ADD_ADDR IPv6',
    rfc: 'RFC 8684 §3.4.1',
    hex: `1e 1c | 30 | 03 | ${V6_A} | ${AHMAC}`,
    option: { kind: 'add_addr', echo: false, addressId: 3, address: { family: 6, bytes: bytes(V6_A) }, hmac: bytes(AHMAC) },
  },
  {
    name: 'ADD_ADDR IPv6 with port',
    rfc: 'RFC 8684 §3.4.1',
    hex: `1e 1e | 30 | 04 | ${V6_B} | 00 50 | ${AHMAC}`,
    option: { kind: 'add_addr', echo: false, addressId: 4, address: { family: 6, bytes: bytes(V6_B) }, port: 80, hmac: bytes(AHMAC) },
  },
  {
    name: 'ADD_ADDR IPv6 echo',
    rfc: 'RFC 8684 §3.4.1',
    hex: `1e 14 | 31 | 03 | ${V6_A}`,
    option: { kind: 'add_addr', echo: true, addressId: 3, address: { family: 6, bytes: bytes(V6_A) } },
  },
  {
    name: 'ADD_ADDR IPv6 echo with port',
    rfc: 'RFC 8684 §3.4.1',
    hex: `1e 16 | 31 | 04 | ${V6_B} | 00 50`,
    option: { kind: 'add_addr', echo: true, addressId: 4, address: { family: 6, bytes: bytes(V6_B) }, port: 80 },
  },

  // --- REMOVE_ADDR: length 3 + number of IDs.
  { name: 'REMOVE_ADDR one ID', rfc: 'RFC 8684 §3.4.2', hex: '1e 04 | 40 | 01', option: { kind: 'remove_addr', ids: [1] } },
  { name: 'REMOVE_ADDR three IDs', rfc: 'RFC 8684 §3.4.2', hex: '1e 06 | 40 | 01 02 03', option: { kind: 'remove_addr', ids: [1, 2, 3] } },
  {
    name: 'REMOVE_ADDR eight IDs (the kernel maximum)',
    rfc: 'RFC 8684 §3.4.2',
    hex: '1e 0b | 40 | 00 01 02 03 04 05 06 07',
    option: { kind: 'remove_addr', ids: [0, 1, 2, 3, 4, 5, 6, 7] },
  },

  // --- MP_PRIO, MP_FAIL, MP_FASTCLOSE, MP_TCPRST.
  { name: 'MP_PRIO backup', rfc: 'RFC 8684 §3.3.8', hex: '1e 03 | 51', option: { kind: 'mp_prio', backup: true } },
  { name: 'MP_PRIO regular', rfc: 'RFC 8684 §3.3.8', hex: '1e 03 | 50', option: { kind: 'mp_prio', backup: false } },
  {
    name: 'MP_PRIO with AddrID (RFC 6824 form)',
    rfc: 'RFC 6824 §3.3.8',
    hex: '1e 04 | 51 | 07',
    option: { kind: 'mp_prio', backup: true, addressId: 7 },
  },
  { name: 'MP_FAIL', rfc: 'RFC 8684 §3.7', hex: '1e 0c | 60 00 | 00 00 00 00 00 01 00 00', option: { kind: 'mp_fail', dsn: 0x10000n } },
  { name: 'MP_FASTCLOSE', rfc: 'RFC 8684 §3.5', hex: `1e 0c | 70 00 | ${KEY_B}`, option: { kind: 'mp_fastclose', receiverKey: keyB } },
  {
    name: 'MP_TCPRST transient, lack of resources',
    rfc: 'RFC 8684 §3.6',
    hex: '1e 04 | 81 | 02',
    option: { kind: 'mp_tcprst', transient: true, reason: 2 },
  },
  {
    name: 'MP_TCPRST middlebox interference',
    rfc: 'RFC 8684 §3.6',
    hex: '1e 04 | 80 | 06',
    option: { kind: 'mp_tcprst', transient: false, reason: 6 },
  },

  // --- Unknown subtypes are kept whole.
  {
    name: 'MP_EXPERIMENTAL (0xf) kept as unknown',
    rfc: 'RFC 8684 §8',
    hex: '1e 05 | f0 | ab cd',
    option: { kind: 'unknown', subtype: 0xf, bytes: bytes('1e 05 f0 ab cd') },
  },
  {
    name: 'unassigned subtype 0x9 kept as unknown',
    rfc: 'RFC 8684 §8',
    hex: '1e 03 | 9a',
    option: { kind: 'unknown', subtype: 0x9, bytes: bytes('1e 03 9a') },
  },
];

export interface AreaFixture {
  readonly name: string;
  /** The whole TCP options area, as Linux lays it out (NOP padding included). */
  readonly hex: string;
  readonly segment: SegmentFlags;
  /** The OPTION_MPTCP_* bits the kernel would set. */
  readonly suboptions: number;
}

const SYN: SegmentFlags = { syn: true, ack: false, rst: false, hasPayload: false };
const ACK: SegmentFlags = { syn: false, ack: true, rst: false, hasPayload: false };
const DATA: SegmentFlags = { syn: false, ack: true, rst: false, hasPayload: true };
const RST: SegmentFlags = { syn: false, ack: true, rst: true, hasPayload: false };
const TS = '01 01 | 08 0a 00 00 30 39 00 00 d4 31'; // NOP NOP timestamps

export const AREA_FIXTURES: readonly AreaFixture[] = [
  {
    name: 'SYN: MSS, SACK_PERM, TS, NOP, WS, MP_CAPABLE',
    segment: SYN,
    suboptions: OPTION_MPTCP_MPC_SYN,
    hex: '02 04 05 b4 | 04 02 | 08 0a 00 00 30 39 00 00 00 00 | 01 | 03 03 07 | 1e 04 01 01',
  },
  {
    name: 'third ACK: TS, MP_CAPABLE with both keys',
    segment: ACK,
    suboptions: OPTION_MPTCP_MPC_ACK,
    hex: `${TS} | 1e 14 01 01 ${KEY_A} ${KEY_B}`,
  },
  {
    name: 'first data: MP_CAPABLE with data and checksum',
    segment: DATA,
    suboptions: OPTION_MPTCP_MPC_ACK | OPTION_MPTCP_DSS | OPTION_MPTCP_CSUMREQD,
    hex: `${TS} | 1e 18 01 81 ${KEY_A} ${KEY_B} 05 dc ab cd`,
  },
  {
    name: 'data: TS, DSS 64-bit ack and mapping, NOP NOP (40 bytes)',
    segment: DATA,
    suboptions: OPTION_MPTCP_DSS,
    hex: `${TS} | 1e 1a 20 0f ${ACK64} ${DSN64} 00 00 00 01 05 a0 | 01 01`,
  },
  {
    name: 'pure ACK: DSS ack, ADD_ADDR with port and HMAC, NOP NOP',
    segment: ACK,
    suboptions: OPTION_MPTCP_DSS | OPTION_MPTCP_ADD_ADDR,
    hex: `1e 08 20 01 00 00 00 2a | 1e 12 30 02 ${V4_B} 1f 90 ${AHMAC} | 01 01`,
  },
  {
    name: 'pure ACK: DSS ack, REMOVE_ADDR padded with NOPs',
    segment: ACK,
    suboptions: OPTION_MPTCP_DSS | OPTION_MPTCP_RM_ADDR,
    hex: '1e 08 20 01 00 00 00 2a | 1e 06 40 01 02 03 | 01 01',
  },
  {
    name: 'pure ACK: DSS ack, MP_PRIO, NOP',
    segment: ACK,
    suboptions: OPTION_MPTCP_DSS | OPTION_MPTCP_PRIO,
    hex: '1e 08 20 01 00 00 00 2a | 1e 03 51 | 01',
  },
  {
    name: 'RST: MP_FASTCLOSE and MP_TCPRST',
    segment: RST,
    suboptions: OPTION_MPTCP_FASTCLOSE | OPTION_MPTCP_RST,
    hex: `1e 0c 70 00 ${KEY_B} | 1e 04 80 01`,
  },
];
