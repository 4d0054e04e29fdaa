// Decoders for the SOL_MPTCP getsockopt answers, laid out as in the current
// kernel uapi (include/uapi/linux/mptcp.h, include/uapi/linux/tcp.h; x86-64
// and arm64 alignment, little endian). Pure functions over Buffers so tests can
// feed fabricated bytes. The kernel copies min(user size, kernel size), so
// every decoder accepts a shorter buffer (older kernel) and reads missing
// fields as 0 / undefined.
import type { MptcpInfoObservation, SubflowObservation } from '../observations.js';

export const MPTCP_INFO = 1;
export const MPTCP_TCPINFO = 2;
export const MPTCP_SUBFLOW_ADDRS = 3;
export const MPTCP_FULL_INFO = 4;

export const MPTCP_INFO_FLAG_FALLBACK = 1 << 0;
export const MPTCP_INFO_FLAG_REMOTE_KEY_RECEIVED = 1 << 1;

/** sizeof(struct mptcp_info) since 6.10 (last_ack_recv ends at 96). */
export const MPTCP_INFO_SIZE = 96;
/** Offsets in struct mptcp_info. Holes: 6..7 and 43 are padding, 81..83 `reserved`. */
export const MPTCP_INFO_OFF = {
  subflows: 0,
  addAddrSignal: 1,
  addAddrAccepted: 2,
  subflowsMax: 3,
  addAddrSignalMax: 4,
  addAddrAcceptedMax: 5,
  flags: 8,
  token: 12,
  writeSeq: 16,
  sndUna: 24,
  rcvNxt: 32,
  localAddrUsed: 40,
  localAddrMax: 41,
  csumEnabled: 42,
  retransmits: 44,
  bytesRetrans: 48,
  bytesSent: 56,
  bytesReceived: 64,
  bytesAcked: 72,
  subflowsTotal: 80,
  lastDataSent: 84,
  lastDataRecv: 88,
  lastAckRecv: 92,
} as const;

/** Offsets in struct tcp_info that a lab reads (stable since Linux 4.1). */
export const TCP_INFO_OFF = { unacked: 24, rtt: 68, bytesAcked: 120, bytesReceived: 128, notsentBytes: 144 } as const;
/** Ask for more than today's struct tcp_info (248, 280 with AccECN); the kernel says how much it wrote. */
export const TCP_INFO_REQUEST_SIZE = 512;

/** struct mptcp_subflow_data: the header of MPTCP_TCPINFO / MPTCP_SUBFLOW_ADDRS. */
export const SUBFLOW_DATA_SIZE = 16;
/** struct mptcp_subflow_addrs: two __kernel_sockaddr_storage of 128 bytes. */
export const SUBFLOW_ADDRS_SIZE = 256;
/** struct mptcp_subflow_info: __u32 id, 4 bytes padding (8-aligned storage), addrs. */
export const SUBFLOW_INFO_SIZE = 264;
/** offsetof(struct mptcp_full_info, mptcp_info): six __u32 and two __aligned_u64 pointers. */
export const FULL_INFO_HEADER_SIZE = 40;
export const FULL_INFO_SIZE = FULL_INFO_HEADER_SIZE + MPTCP_INFO_SIZE;

const AF_INET = 2;
const AF_INET6 = 10;

function u8(b: Buffer, off: number): number {
  return off + 1 <= b.length ? b.readUInt8(off) : 0;
}
function u32(b: Buffer, off: number): number {
  return off + 4 <= b.length ? b.readUInt32LE(off) : 0;
}
function u64(b: Buffer, off: number): bigint {
  return off + 8 <= b.length ? b.readBigUInt64LE(off) : 0n;
}

export function decodeMptcpInfo(b: Buffer): MptcpInfoObservation {
  const o = MPTCP_INFO_OFF;
  return {
    subflows: u8(b, o.subflows),
    addAddrSignal: u8(b, o.addAddrSignal),
    addAddrAccepted: u8(b, o.addAddrAccepted),
    subflowsMax: u8(b, o.subflowsMax),
    addAddrSignalMax: u8(b, o.addAddrSignalMax),
    addAddrAcceptedMax: u8(b, o.addAddrAcceptedMax),
    flags: u32(b, o.flags),
    token: u32(b, o.token),
    writeSeq: u64(b, o.writeSeq).toString(),
    sndUna: u64(b, o.sndUna).toString(),
    rcvNxt: u64(b, o.rcvNxt).toString(),
    localAddrUsed: u8(b, o.localAddrUsed),
    localAddrMax: u8(b, o.localAddrMax),
    csumEnabled: u8(b, o.csumEnabled) !== 0,
    retransmits: u32(b, o.retransmits),
    bytesRetrans: u64(b, o.bytesRetrans).toString(),
    bytesSent: u64(b, o.bytesSent).toString(),
    bytesReceived: u64(b, o.bytesReceived).toString(),
    bytesAcked: u64(b, o.bytesAcked).toString(),
    subflowsTotal: u8(b, o.subflowsTotal),
  };
}

export interface TcpInfoFields {
  rttUs?: number;
  bytesAcked?: number;
  bytesReceived?: number;
}

export function decodeTcpInfo(b: Buffer): TcpInfoFields {
  const o = TCP_INFO_OFF;
  const out: TcpInfoFields = {};
  if (b.length >= o.rtt + 4) out.rttUs = b.readUInt32LE(o.rtt);
  if (b.length >= o.bytesAcked + 8) out.bytesAcked = Number(b.readBigUInt64LE(o.bytesAcked));
  if (b.length >= o.bytesReceived + 8) out.bytesReceived = Number(b.readBigUInt64LE(o.bytesReceived));
  return out;
}

/** What a subflow still holds to send: tcpi_unacked (segments) and tcpi_notsent_bytes. */
export function decodeTcpSendQueue(b: Buffer): { unackedSegs: number; notsentBytes: number } {
  return { unackedSegs: u32(b, TCP_INFO_OFF.unacked), notsentBytes: u32(b, TCP_INFO_OFF.notsentBytes) };
}

export interface SockaddrRepr {
  family: number;
  address: string;
  port: number;
}

/** struct sockaddr_in / sockaddr_in6 at `off` (family in host order, port big endian). */
export function decodeSockaddr(b: Buffer, off = 0): SockaddrRepr {
  const family = off + 2 <= b.length ? b.readUInt16LE(off) : 0;
  const port = off + 4 <= b.length ? b.readUInt16BE(off + 2) : 0;
  if (family === AF_INET && off + 8 <= b.length) {
    return { family, port, address: [...b.subarray(off + 4, off + 8)].join('.') };
  }
  if (family === AF_INET6 && off + 24 <= b.length) {
    return { family, port, address: formatIpv6(b.subarray(off + 8, off + 24)) };
  }
  return { family, port, address: '' };
}

/** RFC 5952 text of 16 bytes; IPv4-mapped addresses as ::ffff:a.b.c.d like Node prints them. */
export function formatIpv6(a: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => a.readUInt16BE(i * 2));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${[...a.subarray(12, 16)].join('.')}`;
  }
  let bestAt = -1;
  let bestLen = 1; // a single zero group is not compressed
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

/** struct mptcp_subflow_addrs: local at 0, remote at 128. */
export function decodeSubflowAddrs(b: Buffer): { local: SockaddrRepr; remote: SockaddrRepr } {
  return { local: decodeSockaddr(b, 0), remote: decodeSockaddr(b, 128) };
}

/** A request for MPTCP_TCPINFO / MPTCP_SUBFLOW_ADDRS: header then room for `max` elements. */
export function buildSubflowDataRequest(elementSize: number, max: number): Buffer {
  const b = Buffer.alloc(SUBFLOW_DATA_SIZE + elementSize * max);
  b.writeUInt32LE(SUBFLOW_DATA_SIZE, 0); // size_subflow_data
  b.writeUInt32LE(elementSize, 12); // size_user
  return b;
}

export interface SubflowData {
  numSubflows: number;
  sizeKernel: number;
  sizeUser: number;
  /** The elements the kernel copied (it may know more subflows than fit). */
  elements: Buffer[];
}

/** The answer to MPTCP_TCPINFO / MPTCP_SUBFLOW_ADDRS; `optlen` is what getsockopt returned. */
export function decodeSubflowData(b: Buffer, optlen: number): SubflowData {
  const headerSize = u32(b, 0) || SUBFLOW_DATA_SIZE;
  const numSubflows = u32(b, 4);
  const sizeKernel = u32(b, 8);
  const sizeUser = u32(b, 12);
  const end = Math.min(optlen, b.length);
  const elements: Buffer[] = [];
  if (sizeUser > 0) {
    for (let off = headerSize; off + sizeUser <= end && elements.length < numSubflows; off += sizeUser) {
      elements.push(b.subarray(off, off + sizeUser));
    }
  }
  return { numSubflows, sizeKernel, sizeUser, elements };
}

/** The struct mptcp_full_info request: sizes and the user pointers of the two arrays. */
export function buildFullInfoRequest(o: { max: number; subflowInfoAddr: bigint; tcpInfoAddr: bigint; tcpInfoSize: number }): Buffer {
  const b = Buffer.alloc(FULL_INFO_SIZE);
  b.writeUInt32LE(o.tcpInfoSize, 4); // size_tcpinfo_user
  b.writeUInt32LE(SUBFLOW_INFO_SIZE, 12); // size_sfinfo_user
  b.writeUInt32LE(o.max, 20); // size_arrays_user
  b.writeBigUInt64LE(o.subflowInfoAddr, 24);
  b.writeBigUInt64LE(o.tcpInfoAddr, 32);
  return b;
}

export interface FullInfoHeader {
  sizeTcpinfoKernel: number;
  sizeTcpinfoUser: number;
  sizeSfinfoKernel: number;
  sizeSfinfoUser: number;
  /** Every subflow the msk has, even those that did not fit in the arrays. */
  numSubflows: number;
  sizeArraysUser: number;
  info?: MptcpInfoObservation;
}

export function decodeFullInfoHeader(b: Buffer, optlen: number): FullInfoHeader {
  const h: FullInfoHeader = {
    sizeTcpinfoKernel: u32(b, 0),
    sizeTcpinfoUser: u32(b, 4),
    sizeSfinfoKernel: u32(b, 8),
    sizeSfinfoUser: u32(b, 12),
    numSubflows: u32(b, 16),
    sizeArraysUser: u32(b, 20),
  };
  if (optlen > FULL_INFO_HEADER_SIZE) h.info = decodeMptcpInfo(b.subarray(FULL_INFO_HEADER_SIZE, Math.min(optlen, b.length)));
  return h;
}

/** One subflow from an address record and its tcp_info (either may be missing). */
export function subflowObservation(addrs: Buffer | undefined, tcpInfo: Buffer | undefined, id?: number): SubflowObservation {
  const a = addrs ? decodeSubflowAddrs(addrs) : undefined;
  const t = tcpInfo ? decodeTcpInfo(tcpInfo) : {};
  const s: SubflowObservation = {
    saddr: a?.local.address ?? '',
    daddr: a?.remote.address ?? '',
    sport: a?.local.port ?? 0,
    dport: a?.remote.port ?? 0,
    ...t,
  };
  if (id !== undefined) s.id = id;
  return s;
}

/** The subflows of a MPTCP_FULL_INFO answer, from the two arrays it filled. */
export function decodeFullInfoSubflows(h: FullInfoHeader, subflowInfo: Buffer, tcpInfo: Buffer): SubflowObservation[] {
  const n = Math.min(h.numSubflows, h.sizeArraysUser);
  const out: SubflowObservation[] = [];
  for (let i = 0; i < n; i++) {
    const sf = h.sizeSfinfoUser > 0 ? subflowInfo.subarray(i * h.sizeSfinfoUser, (i + 1) * h.sizeSfinfoUser) : undefined;
    const ti = h.sizeTcpinfoUser > 0 ? tcpInfo.subarray(i * h.sizeTcpinfoUser, (i + 1) * h.sizeTcpinfoUser) : undefined;
    const id = sf && sf.length >= 4 ? sf.readUInt32LE(0) : undefined;
    // mptcp_subflow_info.addrs starts after the 4-byte id and 4 bytes of padding.
    out.push(subflowObservation(sf && sf.length > 8 ? sf.subarray(8) : undefined, ti, id));
  }
  return out;
}
