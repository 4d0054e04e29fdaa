// TCP segments as bytes, for codec and checksum tests.
//
// The "linux" ones are what Linux 6.18 sent over a veth pair (TX checksum
// offload off, so the checksum field is real; tcpdump -vv says "cksum
// correct"), between 198.18.1.1 and 198.18.1.2 (IPv4) or 2001:db8:1::1 and
// 2001:db8:1::2 (IPv6), on an MPTCP connection. Only the TCP part is kept.

import { fromHex } from '../../../../engine/bytes.js';

/**
 * Bytes from hex, one group of fields per line: hex digits in groups
 * separated by single spaces, then (after two or more spaces) a comment.
 */
export function hex(s: string): Uint8Array {
  const t = s
    .split('\n')
    .map((line) => (line.trim().split(/\s{2,}/)[0] ?? '').replace(/ /g, ''))
    .join('');
  if (t.length % 2 !== 0 || /[^0-9a-f]/i.test(t)) throw new Error(`bad hex fixture: ${s}`);
  return fromHex(t);
}

export interface CapturedSegment {
  readonly what: string;
  readonly src: string;
  readonly dst: string;
  readonly bytes: Uint8Array;
  /** The checksum field as captured. */
  readonly checksum: number;
}

/** SYN: MSS, SACK-permitted + timestamps packed, NOP + window scale, MP_CAPABLE (v1, SYN form, 4 bytes). */
export const LINUX_SYN_V4 = hex(`
  c386 15b4                 src port 50054, dst port 5556
  4eb9 98d9                 seq 1320786137
  0000 0000                 ack 0
  b0 02                     data offset 11 words (44 bytes), SYN
  faf0                      window 64240
  ff77                      checksum
  0000                      urgent pointer
  0204 05b4                 MSS 1460
  0402                      SACK permitted
  080a 55eb79aa 00000000    timestamps val 1441495466 ecr 0
  01 03 03 0a               NOP, window scale 10
  1e 04 01 01               MPTCP len 4: MP_CAPABLE version 1, flags H (HMAC-SHA256)
`);

/** Third ACK carrying data: NOP NOP timestamps, MP_CAPABLE with both keys and a data length (22 bytes), then NOP NOP. */
export const LINUX_MPC_ACK_DATA_V4 = hex(`
  c386 15b4 4eb998da 53b79c75
  e0 18                     data offset 14 words (56 bytes), ACK PSH
  003f 7ed0 0000            window 63, checksum, urgent
  0101 080a 55eb79aa 5f48f58a
  1e 16 01 01 35806d1e37c021d3 da4584a648352cb9 0005    MP_CAPABLE, keys, data level length 5
  0101                      NOP NOP after the MPTCP option
  68656c6c6f                "hello"
`);

/** DATA_FIN: DSS with 32-bit data ACK and a 64-bit mapping (22 bytes), then NOP NOP. */
export const LINUX_DSS_FIN_V4 = hex(`
  c386 15b4 4eb998df 53b79c75 e010 003f 448c 0000
  0101 080a 55eb79aa 5f48f58a
  1e 16 20 1d e946301a 3e0275694b4916fd 00000000 0001
  0101
`);

/** IPv6 SYN, same layout as the IPv4 one. */
export const LINUX_SYN_V6 = hex(`
  b56e 15b5 c0015f96 00000000 b002 fd20 81b2 0000
  0204 05a0 0402 080a 8dc8c639 00000000 0103 030a 1e04 0101
`);

export const CAPTURED: readonly CapturedSegment[] = [
  { what: 'SYN', src: '198.18.1.1', dst: '198.18.1.2', bytes: LINUX_SYN_V4, checksum: 0xff77 },
  {
    what: 'SYN-ACK',
    src: '198.18.1.2',
    dst: '198.18.1.1',
    bytes: hex('15b4c38653b79c744eb998dad012fe88c2e40000020405b40402080a5f48f58a55eb79aa0103030a1e0c0101da4584a648352cb9'),
    checksum: 0xc2e4,
  },
  {
    what: 'MP_CAPABLE ACK',
    src: '198.18.1.1',
    dst: '198.18.1.2',
    bytes: hex('c38615b44eb998da53b79c75d010003fd3bb00000101080a55eb79aa5f48f58a1e14010135806d1e37c021d3da4584a648352cb9'),
    checksum: 0xd3bb,
  },
  { what: 'MP_CAPABLE ACK with data (odd length)', src: '198.18.1.1', dst: '198.18.1.2', bytes: LINUX_MPC_ACK_DATA_V4, checksum: 0x7ed0 },
  {
    what: 'DSS ACK',
    src: '198.18.1.2',
    dst: '198.18.1.1',
    bytes: hex('15b4c38653b79c754eb998dfb010003f8f1f00000101080a5f48f58a55eb79aa1e0c20033e0275694b4916fd'),
    checksum: 0x8f1f,
  },
  { what: 'DATA_FIN', src: '198.18.1.1', dst: '198.18.1.2', bytes: LINUX_DSS_FIN_V4, checksum: 0x448c },
  {
    what: 'DSS ACK of the DATA_FIN',
    src: '198.18.1.2',
    dst: '198.18.1.1',
    bytes: hex('15b4c38653b79c754eb998dfb010003f8f1e00000101080a5f48f58a55eb79aa1e0c20033e0275694b4916fe'),
    checksum: 0x8f1e,
  },
  { what: 'IPv6 SYN', src: '2001:db8:1::1', dst: '2001:db8:1::2', bytes: LINUX_SYN_V6, checksum: 0x81b2 },
];

/** Hand-written, in the layout Linux uses: an ACK with three SACK blocks (40 bytes of options, the most). */
export const SACK_ACK = hex(`
  15b4 c386                 src port 5556, dst port 50054
  53b7 9c75                 seq
  4eb9 98df                 ack
  f0 10                     data offset 15 words (60 bytes), ACK
  003f                      window 63
  0000                      checksum (not computed in the simulator)
  0000                      urgent pointer
  0101 080a 5f48f58a 55eb79aa     NOP NOP timestamps
  0101 05 1a                NOP NOP SACK, 26 bytes: 3 blocks
  4eb99a00 4eb99c00         [left, right)
  ffffff00 00000100         a block across the 2^32 wrap
  4eb9a000 4eb9a100
`);

/**
 * Hand-written, not the Linux layout: an MSS option with a wrong length
 * (3), an experimental option (253), EOL padding, URG with an urgent
 * pointer, and a payload.
 */
export const ODD_OPTIONS = hex(`
  0050 1f90 00000001 00000002
  80 39                     data offset 8 words (32 bytes), URG ACK PSH FIN
  ffff 0000 0007            window 65535, checksum 0, urgent pointer 7
  02 03 05                  kind 2 with length 3: kept raw, ignored
  01                        NOP
  fd 04 abcd                kind 253, length 4
  00 000000                 EOL and padding
  6869                      "hi"
`);
