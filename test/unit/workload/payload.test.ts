import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { PayloadStream, StreamDigest, payloadBytes } from '../../../harness/workload/payload.js';

test('same seed, same bytes', () => {
  assert.deepEqual(payloadBytes(7, 200_000), payloadBytes(7, 200_000));
});

test('the stream does not depend on how it is cut into writes', () => {
  const whole = payloadBytes(3, 300_001);
  const s = new PayloadStream(3);
  const parts = [1, 2, 65_533, 65_536, 100_000, 68_929].map((n) => s.next(n));
  assert.deepEqual(Buffer.concat(parts), whole);
});

test('different seeds differ, including neighbours and 0', () => {
  const seen = new Set<string>();
  for (const seed of [0, 1, 2, 0xffffffff]) seen.add(payloadBytes(seed, 64).toString('hex'));
  assert.equal(seen.size, 4);
  assert.ok(
    payloadBytes(0, 4096).some((b) => b !== 0),
    'seed 0 is not stuck at zero',
  );
});

test('bytes look uniform enough to defeat compression on the wire', () => {
  const counts = new Array<number>(256).fill(0);
  for (const b of payloadBytes(11, 256 * 1024)) counts[b] = (counts[b] ?? 0) + 1;
  assert.ok(Math.min(...counts) > 700 && Math.max(...counts) < 1350, `byte histogram ${Math.min(...counts)}..${Math.max(...counts)}`);
});

test('StreamDigest counts and hashes like node:crypto on the concatenation', () => {
  const s = new PayloadStream(99);
  const d = new StreamDigest();
  const chunks = [10, 70_000, 5].map((n) => s.next(n));
  for (const c of chunks) d.update(c);
  assert.equal(d.bytes, 70_015);
  assert.equal(d.digest(), createHash('sha256').update(Buffer.concat(chunks)).digest('hex'));
  assert.equal(new StreamDigest().digest(), createHash('sha256').digest('hex'));
});

test('nextView gives the same stream as next, however it is cut (across blocks too)', () => {
  const sizes = [1, 65_535, 3, 65_536, 70_000, 10, 150_000];
  const total = sizes.reduce((a, b) => a + b, 0);
  const s = new PayloadStream(5);
  const got = Buffer.concat(sizes.map((n) => Buffer.from(s.nextView(n)))); // copied at once, as a view asks
  assert.deepEqual(got, payloadBytes(5, total));
  assert.equal(got.length, total);
});
