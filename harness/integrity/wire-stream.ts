// Each MPTCP connection of a set of captures, with both directions' data
// streams rebuilt by DSS mapping (RFC 8684 §3.3): subflow sequence number
// (relative to the subflow's ISN) → data sequence number (64-bit, 32-bit
// ones expanded as the kernel's __mptcp_expand_seq does) → stream offset
// (DSN − IDSN − 1, the IDSN from the sender's MP_CAPABLE key). A subflow's
// two directions may cross different links (the join's SYN leaves by the
// route to the server, the answers by the link of its source address), so
// the packets of every capture are merged in time order first. The same
// packet seen twice is counted once; a retransmission is compared with what
// was seen before.
import { crypto, expandSeq, type options } from '../../engine/index.js';
import { dssOf, mpCapableOf, mpJoinOf, mptcpOptionsOf } from '../observe/mptcp-options.js';
import type { PcapPacket, TcpInfo } from '../observe/pcap.js';
import { StreamBuffer } from './stream-buffer.js';
import type { Direction } from './types.js';

export interface CaptureFile {
  /** How the packets' places are named in explanations (the pcap's file name). */
  file: string;
  packets: readonly PcapPacket[];
}

/** Where a packet is: capture file, 0-based index in it, capture time. */
export interface PacketRef {
  file: string;
  index: number;
  timeNs: bigint;
}

export interface WireSubflow {
  /** 1 is the MP_CAPABLE subflow; joins follow in the order of their SYNs. */
  id: number;
  kind: 'mp_capable' | 'mp_join';
  /** address:port of the MPTCP client's end and of the server's end. */
  clientEnd: string;
  serverEnd: string;
  /** The captures its packets were seen in. */
  files: string[];
  syn: PacketRef;
}

export interface WireMapping {
  subflow: number;
  /** 64-bit data sequence number of the mapping's first byte. */
  dsn: bigint;
  /** Its stream offset. */
  offset: number;
  /** Subflow sequence number, relative to the subflow's ISN (1 = the first data byte). */
  ssn: number;
  length: number;
  /** No mapping came before it on its subflow in this direction. */
  firstOnSubflow: boolean;
  /** The first packet that carried it. */
  first: PacketRef;
}

/** Payload bytes of one packet that fall in one mapping. */
export interface WireSegment {
  subflow: number;
  ssn: number;
  length: number;
  offset: number;
  /** Index in WireStream.mappings. */
  mapping: number;
  /** Subflow bytes seen before on this subflow (a retransmission, or a part of one). */
  retransmission: boolean;
  at: PacketRef;
}

/** A DATA_ACK of this stream's receiver, kept when its value changed. */
export interface WireDataAck {
  subflow: number;
  value: bigint;
  /** The stream offset it acknowledges up to (exclusive). */
  offset: number;
  /** The lowest stream offset not yet seen on the wire when it went by: a DATA_ACK above it covers bytes not sent yet. */
  frontier: number;
  at: PacketRef;
}

export interface WireStream {
  direction: Direction;
  /** The sender's IDSN; undefined when its key was not captured. */
  idsn?: bigint;
  mappings: WireMapping[];
  segments: WireSegment[];
  dataAcks: WireDataAck[];
  data: StreamBuffer;
  /** Payload bytes no mapping covered. */
  unmappedBytes: number;
  /** Stream offset of the DATA_FIN, once one was seen. */
  finOffset?: number;
}

export interface WireConnection {
  /** Order of its MP_CAPABLE SYN among the captures' connections: the workload's connection number. */
  index: number;
  clientKey?: bigint;
  serverKey?: bigint;
  subflows: WireSubflow[];
  upload: WireStream;
  download: WireStream;
  start: PacketRef;
  notes: string[];
}

/** One direction of one subflow: what its sender's sequence numbers mean. */
interface Half {
  isn?: number;
  /** Indices in the stream's mappings, of this subflow and direction. */
  mappings: number[];
  /** One past the highest relative sequence number seen. */
  highest: number;
}

interface Flow {
  conn: WireConnection;
  subflow: WireSubflow;
  fromClient: Half;
  fromServer: Half;
}

interface Orphan {
  responderEnd: string;
  initiatorEnd: string;
  responderIsn: number;
  initiatorIsn: number;
  synack: PacketRef;
}

/** address:port, IPv6 in brackets: how subflow ends are named. */
export const endOf = (addr: string, port: number): string => (addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`);

function newStream(direction: Direction): WireStream {
  return { direction, mappings: [], segments: [], dataAcks: [], data: new StreamBuffer(), unmappedBytes: 0 };
}

interface Timed {
  file: string;
  p: PcapPacket;
  tcp: TcpInfo;
  src: string;
  dst: string;
}

/** Every TCP packet of every capture, in capture-time order (stable), the same packet seen twice kept once. */
function mergeCaptures(captures: readonly CaptureFile[]): Timed[] {
  const all: Timed[] = [];
  for (const c of captures)
    for (const p of c.packets)
      if (p.tcp && p.ip)
        all.push({ file: c.file, p, tcp: p.tcp, src: endOf(p.ip.src, p.tcp.srcPort), dst: endOf(p.ip.dst, p.tcp.dstPort) });
  all.sort((a, b) => (a.p.timestampNs < b.p.timestampNs ? -1 : a.p.timestampNs > b.p.timestampNs ? 1 : 0));
  // The timestamp option changes every millisecond, so identical headers are one packet seen twice.
  const seen = new Set<string>();
  return all.filter((t) => {
    const key = `${t.src}>${t.dst}|${t.tcp.seq}|${t.tcp.ack}|${t.tcp.flags}|${t.tcp.payloadLength}|${t.tcp.options.toString('hex')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

class Rebuild {
  readonly connections: WireConnection[] = [];
  /** Keyed by "src>dst", both directions. */
  private readonly flows = new Map<string, Flow>();
  /** Joins seen only from their SYN/ACK on, until a DSS tells their connection. */
  private readonly orphans = new Map<string, Orphan>();

  add(t: Timed): void {
    const { tcp } = t;
    const mp = mptcpOptionsOf(tcp);
    const at: PacketRef = { file: t.file, index: t.p.index, timeNs: t.p.timestampNs };
    if (tcp.flagSet.syn && !tcp.flagSet.ack) return this.syn(t, mp, at);
    const flow = this.flows.get(`${t.src}>${t.dst}`) ?? this.adoptOrphan(t, mp, at);
    if (!flow) return;
    if (!flow.subflow.files.includes(t.file)) flow.subflow.files.push(t.file);
    const fromClient = t.src === flow.subflow.clientEnd;
    const half = fromClient ? flow.fromClient : flow.fromServer;
    const other = fromClient ? flow.fromServer : flow.fromClient;
    const conn = flow.conn;
    if (tcp.flagSet.syn) {
      half.isn ??= tcp.seq;
      other.isn ??= (tcp.ack - 1) >>> 0;
      const mpc = mpCapableOf(mp);
      if (mpc?.senderKey !== undefined && flow.subflow.kind === 'mp_capable') this.setKeys(conn, undefined, mpc.senderKey);
      return;
    }
    const mpc = mpCapableOf(mp);
    // The third ACK acknowledges the SYN/ACK: the peer's ISN when its SYN/ACK was not captured.
    if (mpc?.receiverKey !== undefined || mpJoinOf(mp)?.form === 'ack') other.isn ??= (tcp.ack - 1) >>> 0;
    if (mpc?.senderKey !== undefined && mpc.receiverKey !== undefined && flow.subflow.kind === 'mp_capable') {
      if (fromClient) this.setKeys(conn, mpc.senderKey, mpc.receiverKey);
      else this.setKeys(conn, mpc.receiverKey, mpc.senderKey);
    }
    const sending = fromClient ? conn.upload : conn.download;
    const receiving = fromClient ? conn.download : conn.upload;
    // MP_CAPABLE with data: an implicit mapping at IDSN + 1, subflow sequence 1 (RFC 8684 §3.1).
    if (mpc?.dataLen !== undefined && mpc.senderKey !== undefined && sending.idsn !== undefined)
      this.addMapping(sending, flow.subflow.id, half, sending.idsn + 1n, 1, mpc.dataLen, at);
    const dss = dssOf(mp);
    if (dss?.dataAck) this.dataAck(receiving, flow.subflow.id, dss.dataAck, at);
    // Length 0 is the infinite mapping (fallback); subflow sequence 0 is a DATA_FIN without data.
    if (dss?.mapping && dss.mapping.dataLen > 0 && dss.mapping.subflowSeq !== 0) this.dssMapping(sending, flow, half, dss.mapping, at);
    if (dss?.dataFin && dss.mapping && sending.idsn !== undefined)
      sending.finOffset = this.offsetOf(sending, dss.mapping.dsn) + dss.mapping.dataLen - 1;
    if (tcp.payloadLength > 0) this.payload(sending, flow.subflow.id, half, tcp, at);
  }

  /**
   * A join whose SYN no capture holds (tcpdump drops packets under load): its SYN/ACK gives both
   * ISNs, and its first 64-bit DSN or DATA_ACK tells the connection (the one whose IDSN puts it
   * within the first 4 GiB of a stream).
   */
  private adoptOrphan(t: Timed, mp: ReturnType<typeof mptcpOptionsOf>, at: PacketRef): Flow | undefined {
    const { tcp } = t;
    const key = `${t.src}>${t.dst}`;
    if (tcp.flagSet.syn && mpJoinOf(mp)?.form === 'synack' && !this.orphans.has(key)) {
      const o: Orphan = { responderEnd: t.src, initiatorEnd: t.dst, responderIsn: tcp.seq, initiatorIsn: (tcp.ack - 1) >>> 0, synack: at };
      this.orphans.set(key, o);
      this.orphans.set(`${t.dst}>${t.src}`, o);
      return undefined;
    }
    const o = this.orphans.get(key);
    const dss = dssOf(mp);
    if (!o || !dss) return undefined;
    for (const conn of this.connections) {
      const serverPort = conn.subflows[0]?.serverEnd.split(':').at(-1);
      const responderIsServer = o.responderEnd.split(':').at(-1) === serverPort;
      const fromClient = (t.src === o.initiatorEnd) === responderIsServer;
      const sent = fromClient ? conn.upload : conn.download;
      const acked = fromClient ? conn.download : conn.upload;
      const fits = (v: options.SeqNum | undefined, s: WireStream): boolean =>
        v?.bits === 64 && s.idsn !== undefined && BigInt.asUintN(64, v.value - s.idsn) < 1n << 32n;
      if (!fits(dss.mapping?.dsn, sent) && !fits(dss.dataAck, acked)) continue;
      const subflow: WireSubflow = {
        id: conn.subflows.length + 1,
        kind: 'mp_join',
        clientEnd: responderIsServer ? o.initiatorEnd : o.responderEnd,
        serverEnd: responderIsServer ? o.responderEnd : o.initiatorEnd,
        files: [o.synack.file],
        syn: o.synack,
      };
      conn.subflows.push(subflow);
      this.note(conn, `subflow ${subflow.id}: its SYN is in no capture; found from its SYN/ACK (${o.synack.file}#${o.synack.index})`);
      const half = (isn: number): Half => ({ isn, mappings: [], highest: 0 });
      const flow: Flow = responderIsServer
        ? { conn, subflow, fromClient: half(o.initiatorIsn), fromServer: half(o.responderIsn) }
        : { conn, subflow, fromClient: half(o.responderIsn), fromServer: half(o.initiatorIsn) };
      this.flows.set(key, flow);
      this.flows.set(`${t.dst}>${t.src}`, flow);
      this.orphans.delete(key);
      this.orphans.delete(`${t.dst}>${t.src}`);
      return flow;
    }
    return undefined;
  }

  private syn(t: Timed, mp: ReturnType<typeof mptcpOptionsOf>, at: PacketRef): void {
    if (this.flows.has(`${t.src}>${t.dst}`)) return; // a retransmitted SYN
    const half = (isn?: number): Half => ({ ...(isn !== undefined ? { isn } : {}), mappings: [], highest: 0 });
    if (mpCapableOf(mp)) {
      const conn: WireConnection = {
        index: this.connections.length,
        subflows: [],
        upload: newStream('upload'),
        download: newStream('download'),
        start: at,
        notes: [],
      };
      this.connections.push(conn);
      const subflow: WireSubflow = { id: 1, kind: 'mp_capable', clientEnd: t.src, serverEnd: t.dst, files: [t.file], syn: at };
      conn.subflows.push(subflow);
      this.register(t, { conn, subflow, fromClient: half(t.tcp.seq), fromServer: half() });
      return;
    }
    const join = mpJoinOf(mp);
    if (join?.form !== 'syn') return;
    const found = this.byToken(join.token);
    if (!found) return;
    const { conn, initiatorIsClient } = found;
    const subflow: WireSubflow = {
      id: conn.subflows.length + 1,
      kind: 'mp_join',
      clientEnd: initiatorIsClient ? t.src : t.dst,
      serverEnd: initiatorIsClient ? t.dst : t.src,
      files: [t.file],
      syn: at,
    };
    conn.subflows.push(subflow);
    const flow: Flow = initiatorIsClient
      ? { conn, subflow, fromClient: half(t.tcp.seq), fromServer: half() }
      : { conn, subflow, fromClient: half(), fromServer: half(t.tcp.seq) };
    this.register(t, flow);
  }

  private register(t: Timed, flow: Flow): void {
    this.flows.set(`${t.src}>${t.dst}`, flow);
    this.flows.set(`${t.dst}>${t.src}`, flow);
  }

  /** The connection a join's token names: the server's token when the client joins, the client's otherwise. */
  private byToken(token: number): { conn: WireConnection; initiatorIsClient: boolean } | undefined {
    for (const conn of [...this.connections].reverse()) {
      if (conn.serverKey !== undefined && crypto.keyToTokenAndIdsn(conn.serverKey).token === token)
        return { conn, initiatorIsClient: true };
      if (conn.clientKey !== undefined && crypto.keyToTokenAndIdsn(conn.clientKey).token === token)
        return { conn, initiatorIsClient: false };
    }
    return undefined;
  }

  private setKeys(conn: WireConnection, clientKey: bigint | undefined, serverKey: bigint): void {
    if (clientKey !== undefined && conn.clientKey === undefined) {
      conn.clientKey = clientKey;
      conn.upload.idsn = crypto.keyToTokenAndIdsn(clientKey).idsn;
    }
    if (conn.serverKey === undefined) {
      conn.serverKey = serverKey;
      conn.download.idsn = crypto.keyToTokenAndIdsn(serverKey).idsn;
    }
  }

  private dssMapping(stream: WireStream, flow: Flow, half: Half, m: options.DssMapping, at: PacketRef): void {
    if (stream.idsn === undefined)
      return this.note(flow.conn, `${stream.direction}: a DSS mapping before the sender's key (no IDSN): not placed`);
    this.addMapping(stream, flow.subflow.id, half, this.expand(stream, m.dsn), m.subflowSeq, m.dataLen, at);
  }

  /** A 32-bit DSN made 64-bit next to the stream's latest mapping. */
  private expand(stream: WireStream, dsn: options.SeqNum): bigint {
    const last = stream.mappings.at(-1)?.dsn ?? (stream.idsn ?? 0n) + 1n;
    return dsn.bits === 64 ? dsn.value : expandSeq(last, dsn.value);
  }

  private offsetOf(stream: WireStream, dsn: options.SeqNum): number {
    return Number(BigInt.asIntN(64, this.expand(stream, dsn) - (stream.idsn ?? 0n) - 1n));
  }

  private addMapping(stream: WireStream, subflow: number, half: Half, dsn: bigint, ssn: number, length: number, at: PacketRef): void {
    const known = half.mappings.some((i) => {
      const x = stream.mappings[i]!;
      return x.dsn === dsn && x.ssn === ssn && x.length === length;
    });
    if (known) return;
    const offset = Number(BigInt.asIntN(64, dsn - (stream.idsn ?? 0n) - 1n));
    half.mappings.push(stream.mappings.length);
    stream.mappings.push({ subflow, dsn, offset, ssn, length, firstOnSubflow: half.mappings.length === 1, first: at });
  }

  private dataAck(stream: WireStream, subflow: number, ack: options.SeqNum, at: PacketRef): void {
    if (stream.idsn === undefined) return;
    const last = stream.dataAcks.at(-1);
    const value = ack.bits === 64 ? ack.value : expandSeq(last?.value ?? stream.idsn + 1n, ack.value);
    if (last?.value === value) return;
    const offset = Number(BigInt.asIntN(64, value - stream.idsn - 1n));
    // The DATA_FIN takes one data sequence number after the last byte.
    const frontier = stream.data.frontier + (stream.finOffset === stream.data.frontier ? 1 : 0);
    stream.dataAcks.push({ subflow, value, offset, frontier, at });
  }

  /** Places the payload by the mappings of its subflow (the latest mapping that covers each byte). */
  private payload(stream: WireStream, subflow: number, half: Half, tcp: TcpInfo, at: PacketRef): void {
    if (half.isn === undefined) return;
    const start = (tcp.seq - half.isn) >>> 0;
    const end = start + tcp.payload.length;
    let pos = start;
    while (pos < end) {
      const mi = this.mappingAt(stream, half, pos);
      if (mi === undefined) {
        stream.unmappedBytes += end - pos;
        break;
      }
      const m = stream.mappings[mi]!;
      const upto = Math.min(end, m.ssn + m.length);
      const offset = m.offset + (pos - m.ssn);
      stream.data.place(offset, tcp.payload.subarray(pos - start, upto - start));
      stream.segments.push({ subflow, ssn: pos, length: upto - pos, offset, mapping: mi, retransmission: pos < half.highest, at });
      pos = upto;
    }
    half.highest = Math.max(half.highest, end);
  }

  private mappingAt(stream: WireStream, half: Half, ssn: number): number | undefined {
    for (let i = half.mappings.length - 1; i >= 0; i--) {
      const m = stream.mappings[half.mappings[i]!]!;
      if (ssn >= m.ssn && ssn < m.ssn + m.length) return half.mappings[i];
    }
    return undefined;
  }

  private note(conn: WireConnection, text: string): void {
    if (!conn.notes.includes(text)) conn.notes.push(text);
  }
}

/**
 * The MPTCP connections of the captures, in the order of their MP_CAPABLE SYNs, each direction's
 * stream rebuilt by DSS mapping. Subflows whose SYN is in no capture are left out (their sequence
 * numbers cannot be made relative).
 */
export function rebuildConnections(captures: readonly CaptureFile[]): WireConnection[] {
  const r = new Rebuild();
  for (const t of mergeCaptures(captures)) r.add(t);
  return r.connections;
}

/** The stream of one direction. */
export function streamOf(conn: WireConnection, direction: Direction): WireStream {
  return direction === 'upload' ? conn.upload : conn.download;
}
