// A small reader of classic pcap files (what `tcpdump -w` writes) that
// decodes each packet down to the TCP header. Pure: a Buffer in, records
// out; never throws on bad or truncated input — it returns the packets it
// could read plus an error that says where and why it stopped.
//
// What tcpdump 4.99 / libpcap 1.10 write on the lab machines (measured):
//   - magic a1b2c3d4 (microsecond timestamps), or a1b23c4d with
//     --time-stamp-precision=nano, in the writer's byte order (little-endian
//     on x86: the file starts d4 c3 b2 a1); version 2.4; snaplen 262144
//     unless -s is given;
//   - `-i lo` (also inside a namespace): LINKTYPE_ETHERNET (1), all-zero MACs;
//   - `-i any`: LINKTYPE_LINUX_SLL2 (276); with `-y LINUX_SLL`: LINUX_SLL (113).
// pcapng (`tshark`, `dumpcap`) is recognised and rejected with a hint.
//
// Layers: Ethernet (with 802.1Q/802.1ad tags), Linux cooked v1/v2, raw IP and
// BSD loopback → IPv4 / IPv6 (extension headers skipped) → TCP header with
// ports, seq, ack, flags, window and the raw option bytes, plus the payload
// length as sent (not just as captured).

import { formatIpv4, formatIpv6, toHex } from '../../engine/index.js';

export const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
export const PCAP_MAGIC_NANO = 0xa1b23c4d;
export const PCAPNG_MAGIC = 0x0a0d0d0a;

/** The link types this reader decodes (tcpdump.org/linktypes.html). */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = [0x8100, 0x88a8, 0x9100];
const IPPROTO_TCP = 6;
const FILE_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;
/** Anything larger is a corrupt record, not a packet (libpcap caps at 256 KiB). */
const MAX_RECORD_LEN = 64 * 1024 * 1024;

export interface PcapFileHeader {
  byteOrder: 'little' | 'big';
  /** Fraction field unit of the timestamps. */
  precision: 'micro' | 'nano';
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  /** LINKTYPE_* value (the low 26 bits of the field). */
  linkType: number;
  /** Bytes of frame check sequence at the end of each frame, when the file says so. */
  fcsBytes: number;
}

export interface LinkInfo {
  kind: 'ethernet' | 'sll' | 'sll2' | 'raw' | 'null';
  /** Bytes before the network-layer header. */
  headerLength: number;
  etherType?: number;
  srcMac?: string;
  dstMac?: string;
  /** VLAN IDs, outermost first. */
  vlans?: number[];
  /** Linux cooked: PACKET_HOST 0, BROADCAST 1, MULTICAST 2, OTHERHOST 3, OUTGOING 4. */
  packetType?: number;
  /** Linux cooked v2 only. */
  ifindex?: number;
}

export interface IpInfo {
  version: 4 | 6;
  src: string;
  dst: string;
  /** Upper-layer protocol (after IPv6 extension headers). */
  protocol: number;
  /** IPv4 header or IPv6 fixed + extension headers, in bytes. */
  headerLength: number;
  /** Bytes of IP packet as sent (header + payload), not as captured. */
  totalLength: number;
  /** TTL (IPv4) or hop limit (IPv6). */
  ttl: number;
  /** A fragment other than a whole datagram (no TCP decode then). */
  fragment: boolean;
}

export interface TcpFlags {
  fin: boolean;
  syn: boolean;
  rst: boolean;
  psh: boolean;
  ack: boolean;
  urg: boolean;
  ece: boolean;
  cwr: boolean;
}

export interface TcpInfo {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** Data offset × 4: header bytes including options. */
  headerLength: number;
  /** The flag byte (CWR ECE URG ACK PSH RST SYN FIN, high to low). */
  flags: number;
  flagSet: TcpFlags;
  window: number;
  checksum: number;
  urgentPointer: number;
  /** Raw option bytes as captured (may be cut short by the snaplen). */
  options: Buffer;
  /** The options were cut by the snaplen. */
  optionsTruncated: boolean;
  /** Payload bytes as sent. */
  payloadLength: number;
  /** The part of the payload that was captured. */
  payload: Buffer;
}

export interface PcapPacket {
  /** 0-based position in the file. */
  index: number;
  tsSec: number;
  /** Fraction of the second in nanoseconds, whatever the file's precision. */
  tsNsec: number;
  timestampNs: bigint;
  capturedLength: number;
  originalLength: number;
  /** Link-layer frame as captured. */
  data: Buffer;
  link?: LinkInfo;
  ip?: IpInfo;
  tcp?: TcpInfo;
  /** Why decoding stopped before TCP (not an error for non-TCP traffic). */
  note?: string;
}

export interface PcapReadResult {
  header?: PcapFileHeader;
  packets: PcapPacket[];
  /** Set when the file could not be read to the end. */
  error?: string;
}

export interface TcpOption {
  kind: number;
  /** Whole option, kind and length bytes included (1 byte for NOP). */
  bytes: Buffer;
}

/** Parse the 24-byte file header. */
export function parsePcapHeader(buf: Uint8Array): { header: PcapFileHeader } | { error: string } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < FILE_HEADER_LEN) {
    return { error: `not a pcap file: ${b.length} bytes, the file header alone is ${FILE_HEADER_LEN}` };
  }
  const le = b.readUInt32LE(0);
  const be = b.readUInt32BE(0);
  let byteOrder: 'little' | 'big';
  let magic: number;
  if (le === PCAP_MAGIC_MICRO || le === PCAP_MAGIC_NANO) {
    byteOrder = 'little';
    magic = le;
  } else if (be === PCAP_MAGIC_MICRO || be === PCAP_MAGIC_NANO) {
    byteOrder = 'big';
    magic = be;
  } else if (be === PCAPNG_MAGIC) {
    return { error: 'pcapng is not supported: capture with `tcpdump -w` or convert with `editcap -F pcap`' };
  } else {
    return { error: `not a pcap file: magic ${toHex(b.subarray(0, 4))}, expected a1b2c3d4 or a1b23c4d in either byte order` };
  }
  const u16 = (o: number): number => (byteOrder === 'little' ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number): number => (byteOrder === 'little' ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const linkField = u32(20);
  return {
    header: {
      byteOrder,
      precision: magic === PCAP_MAGIC_NANO ? 'nano' : 'micro',
      versionMajor: u16(4),
      versionMinor: u16(6),
      snaplen: u32(16),
      linkType: linkField & 0x03ffffff,
      fcsBytes: linkField & 0x04000000 ? ((linkField >>> 28) & 0xf) * 2 : 0,
    },
  };
}

/** Read a whole classic pcap file. Never throws. */
export function readPcap(buf: Uint8Array): PcapReadResult {
  const parsed = parsePcapHeader(buf);
  if ('error' in parsed) return { packets: [], error: parsed.error };
  const { header } = parsed;
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const little = header.byteOrder === 'little';
  const u32 = (o: number): number => (little ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const packets: PcapPacket[] = [];
  let off = FILE_HEADER_LEN;
  while (off < b.length) {
    const index = packets.length;
    if (b.length - off < RECORD_HEADER_LEN) {
      return {
        header,
        packets,
        error: `truncated file: packet ${index} at offset ${off} has ${b.length - off} of ${RECORD_HEADER_LEN} record header bytes`,
      };
    }
    const tsSec = u32(off);
    const frac = u32(off + 4);
    const capturedLength = u32(off + 8);
    const originalLength = u32(off + 12);
    if (capturedLength > MAX_RECORD_LEN) {
      return { header, packets, error: `corrupt file: packet ${index} at offset ${off} claims ${capturedLength} captured bytes` };
    }
    const start = off + RECORD_HEADER_LEN;
    if (b.length - start < capturedLength) {
      return {
        header,
        packets,
        error: `truncated file: packet ${index} at offset ${off} has ${b.length - start} of ${capturedLength} captured bytes`,
      };
    }
    const tsNsec = header.precision === 'nano' ? frac : frac * 1000;
    const data = b.subarray(start, start + capturedLength);
    packets.push({
      index,
      tsSec,
      tsNsec,
      timestampNs: BigInt(tsSec) * 1_000_000_000n + BigInt(tsNsec),
      capturedLength,
      originalLength,
      data,
      ...safeDecode(header.linkType, data, originalLength, header.fcsBytes),
    });
    off = start + capturedLength;
  }
  return { header, packets };
}

type Decoded = Pick<PcapPacket, 'link' | 'ip' | 'tcp' | 'note'>;

function safeDecode(linkType: number, frame: Buffer, originalLength: number, fcsBytes: number): Decoded {
  try {
    return decodeFrame(linkType, frame, originalLength, fcsBytes);
  } catch (e) {
    // every read below is bounds-checked; this is a last line of defence
    return { note: `decode failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function mac(b: Buffer, off: number, len = 6): string {
  return toHex(b.subarray(off, off + len), ':');
}

function decodeLink(linkType: number, f: Buffer): LinkInfo | string {
  switch (linkType) {
    case LINKTYPE.ETHERNET: {
      if (f.length < 14) return `ethernet header cut short (${f.length} of 14 bytes)`;
      let off = 12;
      let etherType = f.readUInt16BE(off);
      const vlans: number[] = [];
      while (ETHERTYPE_VLAN.includes(etherType)) {
        if (f.length < off + 6) return 'VLAN tag cut short';
        vlans.push(f.readUInt16BE(off + 2) & 0x0fff);
        off += 4;
        etherType = f.readUInt16BE(off);
      }
      const link: LinkInfo = { kind: 'ethernet', headerLength: off + 2, etherType, dstMac: mac(f, 0), srcMac: mac(f, 6) };
      if (vlans.length > 0) link.vlans = vlans;
      return link;
    }
    case LINKTYPE.LINUX_SLL: {
      // packet type(2) ARPHRD(2) address length(2) address(8) protocol(2)
      if (f.length < 16) return `Linux cooked header cut short (${f.length} of 16 bytes)`;
      const alen = Math.min(f.readUInt16BE(4), 8);
      return { kind: 'sll', headerLength: 16, packetType: f.readUInt16BE(0), srcMac: mac(f, 6, alen), etherType: f.readUInt16BE(14) };
    }
    case LINKTYPE.LINUX_SLL2: {
      // protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) address length(1) address(8)
      if (f.length < 20) return `Linux cooked v2 header cut short (${f.length} of 20 bytes)`;
      const alen = Math.min(f.readUInt8(11), 8);
      return {
        kind: 'sll2',
        headerLength: 20,
        etherType: f.readUInt16BE(0),
        ifindex: f.readUInt32BE(4),
        packetType: f.readUInt8(10),
        srcMac: mac(f, 12, alen),
      };
    }
    case LINKTYPE.RAW:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6:
      return { kind: 'raw', headerLength: 0 };
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP:
      // a 4-byte address family in an unknown byte order; the IP version nibble tells more
      if (f.length < 4) return 'loopback header cut short';
      return { kind: 'null', headerLength: 4 };
    default:
      return `link type ${linkType} is not decoded`;
  }
}

const IPV6_SKIPPABLE = new Set([0, 43, 60]); // hop-by-hop, routing, destination options
const IPV6_FRAGMENT = 44;
const IPV6_AH = 51;

function decodeIp(f: Buffer, off: number, wireLen: number): IpInfo | string {
  if (f.length < off + 1) return 'no network-layer bytes captured';
  const version = (f[off] ?? 0) >> 4;
  if (version === 4) {
    if (f.length < off + 20) return `IPv4 header cut short (${f.length - off} of 20 bytes)`;
    const ihl = ((f[off] ?? 0) & 0x0f) * 4;
    if (ihl < 20) return `bad IPv4 header length ${ihl}`;
    let totalLength = f.readUInt16BE(off + 2);
    // TSO / BIG TCP super-packets seen before segmentation may carry 0 here
    if (totalLength === 0) totalLength = wireLen;
    const fragField = f.readUInt16BE(off + 6);
    return {
      version: 4,
      src: formatIpv4(f.subarray(off + 12, off + 16)),
      dst: formatIpv4(f.subarray(off + 16, off + 20)),
      protocol: f[off + 9] ?? 0,
      headerLength: ihl,
      totalLength,
      ttl: f[off + 8] ?? 0,
      fragment: (fragField & 0x2000) !== 0 || (fragField & 0x1fff) !== 0,
    };
  }
  if (version === 6) {
    if (f.length < off + 40) return `IPv6 header cut short (${f.length - off} of 40 bytes)`;
    const payloadLength = f.readUInt16BE(off + 4);
    // 0 means a jumbogram (BIG TCP); take the length from the frame
    const totalLength = payloadLength === 0 ? wireLen : 40 + payloadLength;
    let next = f[off + 6] ?? 0;
    let hlen = 40;
    let fragment = false;
    for (;;) {
      if (IPV6_SKIPPABLE.has(next) || next === IPV6_AH || next === IPV6_FRAGMENT) {
        if (f.length < off + hlen + 8) return 'IPv6 extension header cut short';
        const nh = f[off + hlen] ?? 0;
        let len: number;
        if (next === IPV6_FRAGMENT) {
          len = 8;
          const fo = f.readUInt16BE(off + hlen + 2);
          if ((fo & 0xfff8) !== 0 || (fo & 1) !== 0) fragment = true;
        } else if (next === IPV6_AH) {
          len = ((f[off + hlen + 1] ?? 0) + 2) * 4;
        } else {
          len = ((f[off + hlen + 1] ?? 0) + 1) * 8;
        }
        next = nh;
        hlen += len;
        if (fragment) break;
        continue;
      }
      break;
    }
    return {
      version: 6,
      src: formatIpv6(f.subarray(off + 8, off + 24)),
      dst: formatIpv6(f.subarray(off + 24, off + 40)),
      protocol: next,
      headerLength: hlen,
      totalLength,
      ttl: f[off + 7] ?? 0,
      fragment,
    };
  }
  return `not IP (version nibble ${version})`;
}

function decodeTcp(f: Buffer, off: number, end: number, wireSegmentLength: number): TcpInfo | string {
  if (end - off < 20) return `TCP header cut short (${Math.max(0, end - off)} of 20 bytes captured)`;
  const headerLength = ((f[off + 12] ?? 0) >> 4) * 4;
  if (headerLength < 20) return `bad TCP data offset ${headerLength / 4}`;
  const flags = f[off + 13] ?? 0;
  const optEnd = Math.min(off + headerLength, end);
  const payloadStart = Math.min(off + headerLength, end);
  return {
    srcPort: f.readUInt16BE(off),
    dstPort: f.readUInt16BE(off + 2),
    seq: f.readUInt32BE(off + 4),
    ack: f.readUInt32BE(off + 8),
    headerLength,
    flags,
    flagSet: {
      fin: (flags & 0x01) !== 0,
      syn: (flags & 0x02) !== 0,
      rst: (flags & 0x04) !== 0,
      psh: (flags & 0x08) !== 0,
      ack: (flags & 0x10) !== 0,
      urg: (flags & 0x20) !== 0,
      ece: (flags & 0x40) !== 0,
      cwr: (flags & 0x80) !== 0,
    },
    window: f.readUInt16BE(off + 14),
    checksum: f.readUInt16BE(off + 16),
    urgentPointer: f.readUInt16BE(off + 18),
    options: f.subarray(off + 20, optEnd),
    optionsTruncated: optEnd < off + headerLength,
    payloadLength: Math.max(0, wireSegmentLength - headerLength),
    payload: f.subarray(payloadStart, end),
  };
}

/**
 * Decode one captured frame of the given link type down to TCP. Never throws.
 * `originalLength` is the frame length on the wire (the record's orig_len);
 * `fcsBytes` trailing bytes are ignored.
 */
export function decodeFrame(linkType: number, frame: Buffer, originalLength = frame.length, fcsBytes = 0): Decoded {
  const link = decodeLink(linkType, frame);
  if (typeof link === 'string') return { note: link };
  const out: Decoded = { link };
  if (link.etherType !== undefined && link.etherType !== ETHERTYPE_IPV4 && link.etherType !== ETHERTYPE_IPV6) {
    out.note = `ethertype 0x${link.etherType.toString(16).padStart(4, '0')} is not IP`;
    return out;
  }
  const ipOff = link.headerLength;
  const wireIpLen = Math.max(0, originalLength - ipOff - fcsBytes);
  const ip = decodeIp(frame, ipOff, wireIpLen);
  if (typeof ip === 'string') {
    out.note = ip;
    return out;
  }
  out.ip = ip;
  if (ip.protocol !== IPPROTO_TCP) {
    out.note = `IP protocol ${ip.protocol} is not TCP`;
    return out;
  }
  if (ip.fragment) {
    out.note = 'IP fragment: TCP not decoded';
    return out;
  }
  // the IP length bounds the segment: Ethernet pads short frames to 60 bytes
  const end = Math.min(frame.length, ipOff + ip.totalLength);
  const tcp = decodeTcp(frame, ipOff + ip.headerLength, end, ip.totalLength - ip.headerLength);
  if (typeof tcp === 'string') out.note = tcp;
  else out.tcp = tcp;
  return out;
}

/**
 * Split raw TCP option bytes into options (RFC 9293 §3.1): EOL ends the list,
 * NOP is one byte, others are kind, length, data. A malformed length stops
 * the walk, as the kernel's tcp_parse_options does.
 */
export function splitTcpOptions(options: Uint8Array): TcpOption[] {
  const b = Buffer.from(options.buffer, options.byteOffset, options.byteLength);
  const out: TcpOption[] = [];
  let i = 0;
  while (i < b.length) {
    const kind = b[i] ?? 0;
    if (kind === 0) break;
    if (kind === 1) {
      out.push({ kind, bytes: b.subarray(i, i + 1) });
      i += 1;
      continue;
    }
    if (i + 1 >= b.length) break;
    const len = b[i + 1] ?? 0;
    if (len < 2 || i + len > b.length) break;
    out.push({ kind, bytes: b.subarray(i, i + len) });
    i += len;
  }
  return out;
}
