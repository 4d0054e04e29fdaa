// The explainer against a real failing capture (test/fixtures/pcap/join-misplaced-mapping/,
// see its README): the 6.18 server put 15792 bytes of a join's first mapping 808 bytes early.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { explainStreamDiff, explanationLines } from '../../../harness/integrity/explain.js';
import { explainLabResult, readCaptures } from '../../../harness/integrity/explain-lab.js';
import type { LabResult } from '../../../harness/result.js';
import type { StreamDiff } from '../../../harness/integrity/types.js';
import { rebuildConnections } from '../../../harness/integrity/wire-stream.js';
import { connectionPayloadSeed } from '../../../harness/seed.js';
import { payloadBytes } from '../../../harness/workload/payload.js';

const dir = fileURLToPath(new URL('../../../../test/fixtures/pcap/join-misplaced-mapping/', import.meta.url));
const failure = JSON.parse(readFileSync(`${dir}failure.json`, 'utf8')) as {
  lab: string;
  runSeed: number;
  payloadSeed: number;
  clientEnds: string[];
  diff: StreamDiff;
};
const pcaps = ['l1', 'l2', 'l3'].map((l) => `${dir}labs/join-misplaced-mapping.r127/${l}.pcap`);
const [conn] = rebuildConnections(readCaptures(pcaps));
const expected = payloadBytes(failure.payloadSeed, failure.diff.expectedBytes);

describe('explain: the saved failing capture', () => {
  test("the fixture's payload seed is the run's seed for connection 1", () => {
    assert.equal(connectionPayloadSeed(failure.runSeed, failure.lab, 1), failure.payloadSeed);
  });

  test('the trimmed captures hold connection 1 with its two joins', () => {
    assert.ok(conn);
    assert.deepEqual(
      conn.subflows.map((s) => [s.id, s.kind, s.clientEnd]),
      failure.clientEnds.map((e, i) => [i + 1, i === 0 ? 'mp_capable' : 'mp_join', e]),
    );
  });

  const e = explainStreamDiff(failure.diff, conn!, expected);
  const [r] = e.ranges;

  test('sender ok, receiver at fault: the wire carried the right bytes at the wrong range', () => {
    assert.equal(e.sender, 'client');
    assert.equal(e.receiver, 'server');
    assert.equal(r?.fault, 'receiver');
    assert.deepEqual(r?.wire, { seen: 15792, right: 15792 });
  });

  test("the wrong bytes: subflow 2's first mapping (dsn offset 88752, ssn 1, len 16600), placed from ssn 809", () => {
    const m = r?.misplacedFrom?.[0];
    assert.deepEqual(
      m && { subflow: m.subflow, first: m.firstOnSubflow, offset: m.offset, ssn: m.ssn, length: m.length, packet: m.packet },
      { subflow: 2, first: true, offset: 88752, ssn: 1, length: 16600, packet: 'l1.pcap#25' },
    );
    assert.deepEqual(r?.placement, { subflow: 2, ssn: 809, from: 89560, offset: 88752, shift: -808 });
  });

  test("the server's DATA_ACKs: 87944 before, then 104544 = 88752 + 15792 (the wrong bytes taken as in sequence)", () => {
    assert.deepEqual(
      r?.dataAcks.map((a) => a.offset),
      [87944, 104544],
    );
    assert.equal(r?.ackAtEnd?.offset, 104544);
    assert.equal(r?.ackAtEnd?.packet, 'l1.pcap#39');
    assert.equal(r?.firstAckAhead, undefined);
  });

  test('the text names the fault, the subflow and mapping, and the DATA_ACK', () => {
    const text = explanationLines(e).join('\n');
    assert.match(text, /sender ok: the client put the right bytes on the wire at 88752–104543 → the server \(receiver\) is at fault/);
    assert.match(
      text,
      /the wrong bytes were carried by subflow 2 \(198\.18\.2\.1:45467 → 198\.18\.1\.2:18807\), its first mapping: dsn \d+ \(offset 88752\), ssn 1, len 16600/,
    );
    assert.match(text, /from ssn 809 .* at offset 88752: 808 bytes before their place/);
    assert.match(text, /acknowledged up to the range's end, 88752 \+ 15792: 104544 at 2\.982 ms/);
  });

  test('a wire byte that differs from the expected stream puts the fault on the sender', () => {
    const other = Buffer.from(expected);
    other[90000] = (other[90000] ?? 0) ^ 0xff;
    const s = explainStreamDiff(failure.diff, conn!, other).ranges[0];
    assert.equal(s?.fault, 'sender');
    assert.equal(s?.wire.firstWrong, 90000);
  });

  test('a range the trimmed captures do not hold is unknown', () => {
    const diff: StreamDiff = { ...failure.diff, wrong: [{ offset: 900000, length: 100, origin: { kind: 'unknown' } }] };
    const u = explainStreamDiff(diff, conn!, expected).ranges[0];
    assert.equal(u?.fault, 'unknown');
    assert.equal(u?.wire.seen, 0);
  });
});

test("explainLabResult: a failing LabResult's pcaps, transfers and the run seed find connection 1", () => {
  const doc = JSON.parse(readFileSync(`${dir}results.json`, 'utf8')) as { run: { seed: number }; results: LabResult[] };
  const r = doc.results[0]!;
  const [e] = explainLabResult({ ...r, pcaps: (r.pcaps ?? []).map((p) => `${dir}${p}`) }, doc.run.seed, [failure.diff]);
  assert.equal(e?.ranges[0]?.fault, 'receiver');
  assert.equal(e?.ranges[0]?.placement?.shift, -808);
  assert.deepEqual(explainLabResult({ ...r, pcaps: [] }, doc.run.seed, [failure.diff]), []);
});
