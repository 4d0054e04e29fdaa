// A wrong range of a received stream tied to the wire: with the stream each
// direction had on the wire (wire-stream.ts, rebuilt by DSS mapping) and the
// stream that should have arrived (the deterministic payload), say whether
// the sender put the right bytes on the wire there (then the receiver is at
// fault), which subflow and mapping carried the bytes that ended up at the
// wrong place, and what the receiver's DATA_ACKs said around then (a
// DATA_ACK past the lowest byte not yet on the wire acknowledges data that
// was never sent).
import type { PacketRef, WireConnection, WireDataAck, WireMapping, WireStream, WireSubflow } from './wire-stream.js';
import { streamOf } from './wire-stream.js';
import type { StreamDiff, WrongOrigin, WrongRange } from './types.js';

export type Fault = 'receiver' | 'sender' | 'unknown';

/** A place in the captures: file#index and milliseconds since the connection's first SYN. */
export interface PacketView {
  packet: string;
  atMs: number;
}

export interface MappingView extends PacketView {
  subflow: number;
  /** client end → server end of the subflow. */
  path: string;
  firstOnSubflow: boolean;
  /** 64-bit data sequence number, decimal. */
  dsn: string;
  offset: number;
  ssn: number;
  length: number;
}

export interface DataAckView extends PacketView {
  subflow: number;
  offset: number;
  /** The lowest stream offset not yet on the wire then. */
  frontier: number;
  /** It acknowledged bytes not yet sent. */
  ahead: boolean;
}

export interface RangeExplanation {
  offset: number;
  length: number;
  origin: WrongOrigin;
  /** What the captures hold of the range: bytes seen, and of them the ones equal to the expected stream. */
  wire: { seen: number; right: number; firstWrong?: number };
  fault: Fault;
  /** The mappings that carried the range's own offsets. */
  carriedBy: MappingView[];
  /** For a misplaced origin: the mappings that carried the bytes found at the wrong place (covering `from`). */
  misplacedFrom?: MappingView[];
  /** For a misplaced origin: where the receiver put the first wrong byte, against where its mapping says it belongs. */
  placement?: Placement;
  /** The receiver's DATA_ACKs around the arrival of the bytes in question (the last before, the next ones after). */
  dataAcks: DataAckView[];
  /** The receiver's first DATA_ACK at the range's end (offset + length): it took the wrong bytes as in sequence. */
  ackAtEnd?: DataAckView;
  /** The first DATA_ACK of the stream that acknowledged bytes not yet on the wire. */
  firstAckAhead?: DataAckView;
}

export interface Placement {
  subflow: number;
  /** Subflow sequence number (relative) of the first wrong byte, and its stream offset by its mapping. */
  ssn: number;
  from: number;
  /** Where it ended up. */
  offset: number;
  /** offset − from: negative when the receiver put the bytes before their place. */
  shift: number;
}

export interface Explanation {
  connection: number;
  direction: StreamDiff['direction'];
  sender: 'client' | 'server';
  receiver: 'client' | 'server';
  expectedBytes: number;
  receivedBytes: number;
  subflows: { id: number; kind: WireSubflow['kind']; path: string; captures: string[] }[];
  wire: { seen: number; conflicts: number; unmapped: number };
  ranges: RangeExplanation[];
  notes: string[];
}

/** DATA_ACK changes listed after the arrival of the bytes in question. */
const ACKS_AFTER = 3;

export function explainStreamDiff(diff: StreamDiff, conn: WireConnection, expected: Buffer): Explanation {
  const stream = streamOf(conn, diff.direction);
  const upload = diff.direction === 'upload';
  const view = views(conn);
  const notes = [...conn.notes];
  if (stream.idsn === undefined)
    notes.push(`the sender's MP_CAPABLE key is in no capture: the ${diff.direction} stream could not be rebuilt`);
  if (stream.data.seenBytes < diff.expectedBytes)
    notes.push(
      `the captures hold ${stream.data.seenBytes} of the ${diff.expectedBytes} bytes sent (trimmed captures, or packets tcpdump dropped)`,
    );
  return {
    connection: diff.connection,
    direction: diff.direction,
    sender: upload ? 'client' : 'server',
    receiver: upload ? 'server' : 'client',
    expectedBytes: diff.expectedBytes,
    receivedBytes: diff.receivedBytes,
    subflows: conn.subflows.map((s) => ({ id: s.id, kind: s.kind, path: pathOf(s, upload), captures: s.files })),
    wire: { seen: stream.data.seenBytes, conflicts: stream.data.conflicts.length, unmapped: stream.unmappedBytes },
    ranges: diff.wrong.map((r) => explainRange(r, stream, expected, view)),
    notes,
  };
}

interface Views {
  mapping: (m: WireMapping) => MappingView;
  ack: (a: WireDataAck) => DataAckView;
  at: (p: PacketRef) => PacketView;
}

function views(conn: WireConnection): Views {
  const at = (p: PacketRef): PacketView => ({ packet: `${p.file}#${p.index}`, atMs: Number(p.timeNs - conn.start.timeNs) / 1e6 });
  return {
    at,
    mapping: (m) => {
      const s = conn.subflows.find((x) => x.id === m.subflow);
      return {
        subflow: m.subflow,
        path: s ? `${s.clientEnd} → ${s.serverEnd}` : '?',
        firstOnSubflow: m.firstOnSubflow,
        dsn: m.dsn.toString(),
        offset: m.offset,
        ssn: m.ssn,
        length: m.length,
        ...at(m.first),
      };
    },
    ack: (a) => ({ subflow: a.subflow, offset: a.offset, frontier: a.frontier, ahead: a.offset > a.frontier, ...at(a.at) }),
  };
}

function pathOf(s: WireSubflow, upload: boolean): string {
  return upload ? `${s.clientEnd} → ${s.serverEnd}` : `${s.serverEnd} → ${s.clientEnd}`;
}

function explainRange(r: WrongRange, stream: WireStream, expected: Buffer, v: Views): RangeExplanation {
  const wire = compareWire(stream, expected, r.offset, r.length);
  const fault: Fault = wire.firstWrong !== undefined ? 'sender' : wire.seen === r.length && r.length > 0 ? 'receiver' : 'unknown';
  const carried = mappingsCovering(stream, r.offset, r.length);
  const out: RangeExplanation = {
    offset: r.offset,
    length: r.length,
    origin: r.origin,
    wire,
    fault,
    carriedBy: carried.map(v.mapping),
    dataAcks: [],
  };
  let arrival = earliest(carried);
  const origin = r.origin;
  if (origin.kind === 'misplaced') {
    const from = mappingsCovering(stream, origin.from, r.length);
    out.misplacedFrom = from.map(v.mapping);
    arrival = earliest(from) ?? arrival;
    const first = from.find((m) => m.offset <= origin.from);
    if (first) out.placement = placementOf(first, origin.from, r.offset);
  }
  if (arrival) out.dataAcks = acksAround(stream.dataAcks, arrival.timeNs).map(v.ack);
  const atEnd = stream.dataAcks.find((a) => a.offset === r.offset + r.length);
  if (atEnd) out.ackAtEnd = v.ack(atEnd);
  const ahead = stream.dataAcks.find((a) => a.offset > a.frontier);
  if (ahead) out.firstAckAhead = v.ack(ahead);
  return out;
}

function placementOf(m: WireMapping, from: number, offset: number): Placement {
  return { subflow: m.subflow, ssn: m.ssn + (from - m.offset), from, offset, shift: offset - from };
}

function compareWire(stream: WireStream, expected: Buffer, offset: number, length: number): RangeExplanation['wire'] {
  let seen = 0;
  let right = 0;
  let firstWrong: number | undefined;
  for (let i = offset; i < offset + length; i++) {
    if (!stream.data.has(i)) continue;
    seen++;
    if (i < expected.length && stream.data.at(i) === expected[i]) right++;
    else firstWrong ??= i;
  }
  return { seen, right, ...(firstWrong !== undefined ? { firstWrong } : {}) };
}

/** Mappings whose bytes overlap [offset, offset + length), in the order they were first seen. */
function mappingsCovering(stream: WireStream, offset: number, length: number): WireMapping[] {
  return stream.mappings.filter((m) => m.offset < offset + Math.max(1, length) && m.offset + m.length > offset);
}

function earliest(ms: readonly WireMapping[]): PacketRef | undefined {
  return ms.map((m) => m.first).sort((a, b) => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0))[0];
}

/** The last DATA_ACK before `t` and the next few after it. */
function acksAround(acks: readonly WireDataAck[], t: bigint): WireDataAck[] {
  const after = acks.findIndex((a) => a.at.timeNs >= t);
  const first = after < 0 ? acks.length - 1 : Math.max(0, after - 1);
  return acks.slice(first, (after < 0 ? acks.length : after) + ACKS_AFTER);
}

const range = (offset: number, length: number): string => `${offset}–${offset + length - 1}`;
const ms = (x: number): string => `${x.toFixed(3)} ms`;

function mappingText(m: MappingView): string {
  return `subflow ${m.subflow} (${m.path})${m.firstOnSubflow ? ', its first mapping' : ''}: dsn ${m.dsn} (offset ${m.offset}), ssn ${m.ssn}, len ${m.length}, first in ${m.packet} at ${ms(m.atMs)}`;
}

function ackText(a: DataAckView): string {
  return `${a.offset} at ${ms(a.atMs)} (${a.packet}, subflow ${a.subflow})${a.ahead ? `: past ${a.frontier}, the lowest byte not yet on the wire` : ''}`;
}

function originText(o: WrongOrigin, length: number): string {
  switch (o.kind) {
    case 'misplaced':
      return `misplaced: the stream's bytes ${range(o.from, length)}`;
    case 'stream':
      return `connection ${o.connection} ${o.direction} bytes ${range(o.from, length)}`;
    case 'zeros':
      return 'zeros';
    case 'unknown':
      return 'origin unknown';
  }
}

function faultText(r: RangeExplanation, e: Explanation): string {
  const at = range(r.offset, r.length);
  if (r.fault === 'receiver')
    return `sender ok: the ${e.sender} put the right bytes on the wire at ${at} → the ${e.receiver} (receiver) is at fault`;
  if (r.fault === 'sender')
    return `sender at fault: the wire carried wrong bytes at ${at} (first at ${r.wire.firstWrong}; ${r.wire.right} of ${r.wire.seen} seen are right)`;
  return `unknown: the captures hold ${r.wire.seen} of the ${r.length} bytes at ${at}, all right`;
}

function placementText(p: Placement): string {
  const where = p.shift < 0 ? `${-p.shift} bytes before their place` : `${p.shift} bytes after their place`;
  return `the receiver put subflow ${p.subflow}'s bytes from ssn ${p.ssn} (stream offset ${p.from} by their mapping) at offset ${p.offset}: ${where}`;
}

/** The explanation as text lines (TAP diagnostics, the explain command). */
export function explanationLines(e: Explanation): string[] {
  const lines = [
    `connection ${e.connection} ${e.direction} (${e.sender} → ${e.receiver}): ${e.expectedBytes} bytes sent, ${e.receivedBytes} received, ${e.ranges.length} wrong range(s)`,
    `wire: ${e.wire.seen} bytes of the stream in the captures, ${e.wire.conflicts} retransmission(s) with other bytes, ${e.wire.unmapped} unmapped; subflows: ${e.subflows
      .map((s) => `${s.id} ${s.kind} ${s.path} [${s.captures.join(', ')}]`)
      .join('; ')}`,
  ];
  for (const r of e.ranges) {
    lines.push(`range ${range(r.offset, r.length)} (${r.length} byte${r.length === 1 ? '' : 's'}): ${originText(r.origin, r.length)}`);
    lines.push(`  ${faultText(r, e)}`);
    for (const m of r.carriedBy) lines.push(`  sent at ${r.offset} by ${mappingText(m)}`);
    for (const m of r.misplacedFrom ?? []) lines.push(`  the wrong bytes were carried by ${mappingText(m)}`);
    if (r.placement) lines.push(`  ${placementText(r.placement)}`);
    if (r.dataAcks.length) lines.push(`  DATA_ACKs of the ${e.receiver} around then: ${r.dataAcks.map(ackText).join('; ')}`);
    if (r.ackAtEnd)
      lines.push(
        `  the ${e.receiver} acknowledged up to the range's end, ${r.offset} + ${r.length}: ${ackText(r.ackAtEnd)} — it took the wrong bytes as in sequence`,
      );
    if (r.firstAckAhead) lines.push(`  first DATA_ACK past data not yet sent: ${ackText(r.firstAckAhead)}`);
  }
  for (const n of e.notes) lines.push(`note: ${n}`);
  return lines;
}
