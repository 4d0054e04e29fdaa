// The engine run's digests hash once per transfer: the received digest must
// still be the sha256 of exactly the bytes received, whatever arrived.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { StreamComparer } from '../../../../harness/integrity/locate.js';
import { ReceivedDigest, SentDigest } from '../../../../harness/targets/sim/digests.js';
import { payloadBytes } from '../../../../harness/workload/payload.js';

const SEED = 77;
const SIZE = 200_000;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Feeds `bytes` in chunks of varying size, as segments arrive. */
function receive(bytes: Buffer, withComparer = true): ReceivedDigest {
  const comparer = withComparer ? new StreamComparer({ connection: 0, direction: 'upload', seed: SEED, bytes: SIZE }) : undefined;
  const d = new ReceivedDigest(comparer, { seed: SEED, bytes: SIZE });
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const n = [1448, 1, 65_536, 7][k % 4]!;
    d.update(bytes.subarray(at, at + n));
    at += n;
  }
  return d;
}

test('a clean stream: the digest of the bytes, without the sender and from the sender', () => {
  const bytes = payloadBytes(SEED, SIZE);
  assert.equal(receive(bytes).digest(), sha(bytes));
  const sender = new SentDigest(SEED);
  sender.update(bytes);
  assert.equal(receive(bytes).digest(sender), sha(bytes));
  assert.equal(sender.digest(), sha(bytes), 'the sender digest answers again');
});

test('a short stream, and a sender that wrote more or another stream: the digest of what arrived', () => {
  const bytes = payloadBytes(SEED, SIZE).subarray(0, 123_457);
  const more = new SentDigest(SEED);
  more.update(payloadBytes(SEED, SIZE));
  assert.equal(receive(bytes).digest(more), sha(bytes));
  const other = new SentDigest(SEED + 1);
  other.update(payloadBytes(SEED + 1, bytes.length));
  assert.equal(receive(bytes).digest(other), sha(bytes));
});

test('wrong bytes anywhere, or more bytes than expected: the digest of exactly what arrived', () => {
  for (const at of [0, 1447, 70_000, SIZE - 1]) {
    const bytes = Buffer.from(payloadBytes(SEED, SIZE));
    bytes[at] = bytes[at]! ^ 0x40;
    const d = receive(bytes);
    assert.equal(d.digest(), sha(bytes), `a flipped byte at ${at}`);
    assert.ok(d.comparer?.located(), 'the comparer located it');
  }
  const longer = Buffer.concat([payloadBytes(SEED, SIZE), Buffer.from('tail')]);
  assert.equal(receive(longer).digest(), sha(longer));
  const plain = payloadBytes(SEED, 5000);
  assert.equal(receive(plain, false).digest(), sha(plain), 'without a comparer every byte is hashed');
});
