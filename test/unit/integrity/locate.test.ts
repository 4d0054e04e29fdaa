import { test } from 'node:test';
import assert from 'node:assert/strict';
import { payloadBytes } from '../../../harness/workload/payload.js';
import { MAX_RANGES, StreamComparer, type StreamSource } from '../../../harness/integrity/locate.js';
import { comparerFor, workloadStreams } from '../../../harness/integrity/sources.js';
import type { StreamDiff } from '../../../harness/integrity/types.js';

const SIZE = 1_000_000;
/** Connection 2 of a 3-connection workload, both ways, as the lab of issue 10. */
const streams = workloadStreams({ seed: 40, connections: 3, direction: 'both', sizeBytes: SIZE });
const OWN_SEED = 42;

function expected(): Buffer {
  return payloadBytes(OWN_SEED, SIZE);
}

/** Feeds `received` cut into pieces of the given sizes, cycled; returns the receiver's diff. */
function diffOf(received: Buffer, cuts: readonly number[] = [1448]): StreamDiff {
  const c = comparerFor(streams, 2, 'upload');
  for (let at = 0, i = 0; at < received.length; i++) {
    const n = Math.min(cuts[i % cuts.length]!, received.length - at);
    c.update(received.subarray(at, at + n));
    at += n;
  }
  return c.finish();
}

test('a stream that arrived right, however cut: no wrong range, nothing located', () => {
  const c = comparerFor(streams, 2, 'upload');
  const data = expected();
  let at = 0;
  for (const cut of [1, 65_535, 3, 200_000, 734_461]) c.update(data.subarray(at, (at += cut)));
  assert.equal(at, SIZE);
  assert.equal(c.clean, true);
  assert.equal(c.located(), undefined);
  assert.deepEqual(c.finish(), { connection: 2, direction: 'upload', expectedBytes: SIZE, receivedBytes: SIZE, wrong: [] });
});

test("issue 10's corruption: the stream's bytes 65160–65535 at 14200, one misplaced range of 376 bytes", () => {
  const got = expected();
  expected().copy(got, 14_200, 65_160, 65_536);
  const want = [{ offset: 14_200, length: 376, origin: { kind: 'misplaced', from: 65_160 } }];
  assert.deepEqual(diffOf(got).wrong, want);
  // However the bytes were cut: in 7-byte pieces across the whole range, at a block's edge, byte by byte.
  for (const cuts of [[7], [14_200 + 188, 65_536], [1], [65_536], [3, 1_000, 11]])
    assert.deepEqual(diffOf(got, cuts).wrong, want, `cuts ${cuts}`);
  const d = diffOf(got);
  assert.equal(d.receivedBytes, SIZE);
  assert.equal(d.truncated, undefined);
});

test('equal bytes by chance inside a wrong range: a run of up to 4 stays one range, 5 cut it in two', () => {
  const got = expected();
  const foreign = payloadBytes(999, 1000);
  foreign.copy(got, 50_000, 0, 300);
  expected().copy(got, 50_100, 50_100, 50_104); // 4 right bytes in the middle
  assert.deepEqual(
    diffOf(got).wrong.map((r) => [r.offset, r.length]),
    [[50_000, 300]],
  );
  expected().copy(got, 50_100, 50_100, 50_105); // 5 right bytes
  assert.deepEqual(
    diffOf(got).wrong.map((r) => [r.offset, r.length]),
    [
      [50_000, 100],
      [50_105, 195],
    ],
  );
});

test("another connection's bytes, the other direction's, zeros, and bytes from nowhere", () => {
  const got = expected();
  payloadBytes(41, SIZE).copy(got, 5_000, 300_000, 301_000); // connection 1's stream
  got.fill(0, 200_000, 200_500);
  payloadBytes(999, 4_000).copy(got, 700_000, 0, 4_000);
  const wrong = diffOf(got).wrong;
  assert.deepEqual(
    wrong.map((r) => [r.offset, r.length, r.origin]),
    [
      [5_000, 1_000, { kind: 'stream', connection: 1, direction: 'upload', from: 300_000 }],
      [200_000, 500, { kind: 'zeros' }],
      [700_000, 4_000, { kind: 'unknown' }],
    ],
  );
  // A stream seen only in the other direction (a download-only workload of other seeds) is named so.
  const own: StreamSource = { connection: 0, direction: 'upload', seed: 7, bytes: SIZE };
  const c = new StreamComparer(own, [{ connection: 0, direction: 'download', seed: 8, bytes: SIZE }]);
  const mine = payloadBytes(7, SIZE);
  payloadBytes(8, 70_000).copy(mine, 10, 69_000, 70_000);
  c.update(mine);
  assert.deepEqual(c.finish().wrong, [
    { offset: 10, length: 1_000, origin: { kind: 'stream', connection: 0, direction: 'download', from: 69_000 } },
  ]);
});

test('a range made of two origins is unknown: its first bytes come from one place, its last from another', () => {
  const got = expected();
  expected().copy(got, 20_000, 90_000, 90_200);
  payloadBytes(41, SIZE).copy(got, 20_200, 5_000, 5_200);
  assert.deepEqual(diffOf(got).wrong, [{ offset: 20_000, length: 400, origin: { kind: 'unknown' } }]);
});

test('short and long streams: the byte counts say where they end; only a long one or wrong bytes are located', () => {
  const short = comparerFor(streams, 2, 'upload');
  short.update(expected().subarray(0, 900_000));
  assert.deepEqual(short.finish(), { connection: 2, direction: 'upload', expectedBytes: SIZE, receivedBytes: 900_000, wrong: [] });
  assert.equal(short.located(), undefined, 'a short stream keeps the error it always had (an abort ends it short)');

  const long = comparerFor(streams, 2, 'upload');
  long.update(Buffer.concat([expected(), Buffer.alloc(376, 1)]));
  assert.deepEqual(long.located(), { connection: 2, direction: 'upload', expectedBytes: SIZE, receivedBytes: SIZE + 376, wrong: [] });

  const shortAndWrong = expected().subarray(0, 30_000);
  shortAndWrong.fill(0, 29_000);
  const d = diffOf(shortAndWrong);
  // The expected byte 29999 is 0 by chance, so zeros there are right: the range ends before it.
  assert.equal(expected()[29_999], 0);
  assert.deepEqual([d.receivedBytes, d.wrong], [30_000, [{ offset: 29_000, length: 999, origin: { kind: 'zeros' } }]]);
});

test(`the list is capped at ${MAX_RANGES} ranges and says so; a lone flipped bit is too short to trace`, () => {
  const got = expected();
  for (let k = 0; k < 20; k++) got[1_000 + k * 100] ^= 0x10;
  const d = diffOf(got, [333]);
  assert.equal(d.wrong.length, MAX_RANGES);
  assert.equal(d.truncated, true);
  assert.deepEqual(d.wrong[0], { offset: 1_000, length: 1, origin: { kind: 'unknown' } });
  assert.equal(d.wrong[MAX_RANGES - 1]!.offset, 1_000 + (MAX_RANGES - 1) * 100);
});

test('every byte wrong: one range of the whole stream', () => {
  const c = comparerFor(streams, 2, 'upload');
  const got = expected();
  got.fill(0);
  c.update(got);
  assert.deepEqual(c.finish().wrong, [{ offset: 0, length: SIZE, origin: { kind: 'zeros' } }]);
});
