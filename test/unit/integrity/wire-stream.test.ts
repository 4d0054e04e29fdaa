// The stream rebuild on small synthetic captures: MP_CAPABLE's implicit first
// mapping, DSS mappings on a join whose two directions are in different
// captures, relative subflow sequence numbers across the 32-bit wrap, 32-bit
// DSNs expanded across it, the same packet in two captures, retransmissions
// with the same and with other bytes, DATA_ACKs past what was on the wire, and
// a join whose SYN no capture holds.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { explainStreamDiff } from '../../../harness/integrity/explain.js';
import { rebuildConnections, type CaptureFile } from '../../../harness/integrity/wire-stream.js';
import type { PcapPacket } from '../../../harness/observe/pcap.js';
import { payloadBytes } from '../../../harness/workload/payload.js';
import {
  clientIdsn,
  dss,
  joinAck,
  joinSyn,
  joinSynAck,
  mpcAck,
  mpcSyn,
  mpcSynAck,
  packet,
  serverIdsn,
  serverToken,
  type Seg,
} from './packets.js';

const C = '198.18.1.1:40000';
const S = '198.18.1.2:5000';
const J = '198.18.2.1:40001';
const JOIN_ISN = 0xfffffff0; // its data starts 15 bytes before the sequence space wraps
const up = payloadBytes(1, 1000);
const down = payloadBytes(2, 31000);

/** Packets of captures "l1" and "l2", each numbered in its file. */
function captures(segs: readonly (Seg & { file?: 'l1' | 'l2' })[]): CaptureFile[] {
  const files: Record<string, PcapPacket[]> = { l1: [], l2: [] };
  for (const s of segs) {
    const list = files[s.file ?? 'l1']!;
    list.push(packet(list.length, s));
  }
  return Object.entries(files).map(([file, packets]) => ({ file: `${file}.pcap`, packets }));
}

const handshake: Seg[] = [
  { t: 0, src: C, dst: S, seq: 1000, flags: 'S', opts: [mpcSyn] },
  { t: 10, src: S, dst: C, seq: 5000, ack: 1001, flags: 'SA', opts: [mpcSynAck] },
  { t: 20, src: C, dst: S, seq: 1001, ack: 5001, opts: [mpcAck] },
];

const scenario = captures([
  ...handshake,
  // MP_CAPABLE with data: 100 bytes at IDSN + 1, no DSS
  { t: 30, src: C, dst: S, seq: 1001, ack: 5001, opts: [{ ...mpcAck, dataLen: 100 }], payload: up.subarray(0, 100) },
  {
    t: 40,
    src: C,
    dst: S,
    seq: 1101,
    ack: 5001,
    opts: [dss({ dsn: clientIdsn + 101n, ssn: 101, len: 200 })],
    payload: up.subarray(100, 300),
  },
  { t: 50, src: S, dst: C, seq: 5001, ack: 1301, opts: [dss({ ack: clientIdsn + 301n })] },
  // the join: SYN and third ACK on l1, SYN/ACK on l2 (asymmetric routes)
  { t: 60, src: J, dst: S, seq: JOIN_ISN, flags: 'S', opts: [joinSyn(serverToken)] },
  { t: 70, src: S, dst: J, seq: 77, ack: JOIN_ISN + 1, flags: 'SA', opts: [joinSynAck], file: 'l2' },
  { t: 80, src: J, dst: S, seq: JOIN_ISN + 1, ack: 78, opts: [joinAck] },
  // its first data, a 32-bit DSN; seen on both captures
  {
    t: 90,
    src: J,
    dst: S,
    seq: JOIN_ISN + 1,
    ack: 78,
    opts: [dss({ dsn: clientIdsn + 301n, bits: 32, ssn: 1, len: 300 })],
    payload: up.subarray(300, 600),
  },
  {
    t: 90,
    src: J,
    dst: S,
    seq: JOIN_ISN + 1,
    ack: 78,
    opts: [dss({ dsn: clientIdsn + 301n, bits: 32, ssn: 1, len: 300 })],
    payload: up.subarray(300, 600),
    file: 'l2',
  },
  // a retransmission with the same bytes, then one whose first 10 bytes differ
  {
    t: 100,
    src: J,
    dst: S,
    seq: JOIN_ISN + 1,
    ack: 78,
    opts: [dss({ dsn: clientIdsn + 301n, ssn: 1, len: 300, ack: serverIdsn + 1n })],
    payload: up.subarray(300, 600),
  },
  {
    t: 110,
    src: J,
    dst: S,
    seq: JOIN_ISN + 1,
    ack: 78,
    opts: [dss({ dsn: clientIdsn + 301n, ssn: 1, len: 300, ack: serverIdsn + 1n, ackBits: 32 })],
    payload: Buffer.from(up.subarray(300, 310).map((b) => b ^ 0xff)),
  },
  // the server acknowledges 900 while only 600 were on the wire
  { t: 120, src: S, dst: J, seq: 78, ack: JOIN_ISN + 301, opts: [dss({ ack: clientIdsn + 901n })], file: 'l2' },
  // download: 100 bytes, then 50 at offset 30000 with a 32-bit DSN past the wrap of the low half
  { t: 130, src: S, dst: C, seq: 5001, ack: 1301, opts: [dss({ dsn: serverIdsn + 1n, ssn: 1, len: 100 })], payload: down.subarray(0, 100) },
  {
    t: 140,
    src: S,
    dst: C,
    seq: 5101,
    ack: 1301,
    opts: [dss({ dsn: serverIdsn + 30001n, bits: 32, ssn: 101, len: 50 })],
    payload: down.subarray(30000, 30050),
  },
]);

describe('rebuildConnections: synthetic', () => {
  const conns = rebuildConnections(scenario);
  const [conn] = conns;

  test('one connection, its MP_CAPABLE subflow and a join seen in both captures', () => {
    assert.equal(conns.length, 1);
    assert.deepEqual(
      conn?.subflows.map((s) => [s.id, s.kind, s.clientEnd, s.serverEnd, s.files]),
      [
        [1, 'mp_capable', C, S, ['l1.pcap']],
        [2, 'mp_join', J, S, ['l1.pcap', 'l2.pcap']],
      ],
    );
  });

  test('upload: the implicit MP_CAPABLE mapping, a DSS mapping, the join first mapping across the sequence wrap', () => {
    const u = conn!.upload;
    assert.deepEqual(
      u.mappings.map((m) => [m.subflow, m.offset, m.ssn, m.length, m.firstOnSubflow]),
      [
        [1, 0, 1, 100, true],
        [1, 100, 101, 200, false],
        [2, 300, 1, 300, true],
      ],
    );
    assert.equal(u.data.seenBytes, 600);
    assert.equal(u.data.frontier, 600);
    for (let i = 0; i < 600; i++) assert.equal(u.data.at(i), up[i], `byte ${i}`);
  });

  test('the same packet in two captures once; a retransmission flagged; other bytes a conflict', () => {
    const u = conn!.upload;
    assert.deepEqual(
      u.segments.filter((s) => s.subflow === 2).map((s) => [s.offset, s.length, s.retransmission, s.at.file]),
      [
        [300, 300, false, 'l1.pcap'],
        [300, 300, true, 'l1.pcap'],
        [300, 10, true, 'l1.pcap'],
      ],
    );
    assert.deepEqual(u.data.conflicts, [{ offset: 300, length: 10 }]);
  });

  test('DATA_ACKs as stream offsets, with what was on the wire then', () => {
    assert.deepEqual(
      conn!.upload.dataAcks.map((a) => [a.offset, a.frontier, a.subflow]),
      [
        [300, 300, 1],
        [900, 600, 2],
      ],
    );
    assert.deepEqual(
      conn!.download.dataAcks.map((a) => a.offset),
      [0],
    );
  });

  test('download: a 32-bit DSN expanded past the wrap of its low 32 bits', () => {
    const d = conn!.download;
    assert.deepEqual(
      d.mappings.map((m) => [m.offset, m.dsn]),
      [
        [0, serverIdsn + 1n],
        [30000, serverIdsn + 30001n],
      ],
    );
    assert.ok((serverIdsn + 1n) >> 32n !== (serverIdsn + 30001n) >> 32n, 'the fixture key makes the DSN cross a 2^32 boundary');
    assert.ok(d.data.has(30049) && !d.data.has(30050) && !d.data.has(100));
    assert.equal(d.data.at(30000), down[30000]);
  });

  test('explain: a DATA_ACK past the bytes on the wire is reported', () => {
    const e = explainStreamDiff(
      {
        connection: 0,
        direction: 'upload',
        expectedBytes: 1000,
        receivedBytes: 1000,
        wrong: [{ offset: 100, length: 50, origin: { kind: 'misplaced', from: 300 } }],
      },
      conn!,
      up,
    );
    const r = e.ranges[0]!;
    assert.equal(r.fault, 'receiver');
    assert.deepEqual([r.misplacedFrom?.[0]?.subflow, r.placement?.ssn, r.placement?.shift], [2, 1, -200]);
    assert.deepEqual([r.firstAckAhead?.offset, r.firstAckAhead?.frontier, r.firstAckAhead?.ahead], [900, 600, true]);
  });
});

describe('rebuildConnections: a join whose SYN is in no capture', () => {
  const conns = rebuildConnections(
    captures([
      ...handshake,
      { t: 70, src: S, dst: J, seq: 77, ack: JOIN_ISN + 1, flags: 'SA', opts: [joinSynAck], file: 'l2' },
      {
        t: 90,
        src: J,
        dst: S,
        seq: JOIN_ISN + 1,
        ack: 78,
        opts: [dss({ dsn: clientIdsn + 1n, ssn: 1, len: 40 })],
        payload: up.subarray(0, 40),
      },
    ]),
  );

  test('found from its SYN/ACK and its first 64-bit DSN; its bytes placed', () => {
    const conn = conns[0]!;
    assert.deepEqual(
      conn.subflows.map((s) => [s.id, s.kind, s.clientEnd, s.serverEnd]),
      [
        [1, 'mp_capable', C, S],
        [2, 'mp_join', J, S],
      ],
    );
    assert.equal(conn.upload.data.seenBytes, 40);
    assert.equal(conn.upload.data.at(39), up[39]);
    assert.match(conn.notes.join('\n'), /subflow 2: its SYN is in no capture; found from its SYN\/ACK \(l2\.pcap#0\)/);
  });
});
