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

/**
 * Feeds `bytes` in chunks of varying size, as segments arrive: views of one buffer (adjacent, taken
 * as runs), or each a copy of its own, or both mixed.
 */
function receive(bytes: Buffer, withComparer = true, pieces: 'views' | 'copies' | 'mixed' = 'views'): ReceivedDigest {
  const comparer = withComparer ? new StreamComparer({ connection: 0, direction: 'upload', seed: SEED, bytes: SIZE }) : undefined;
  const d = new ReceivedDigest(comparer, { seed: SEED, bytes: SIZE });
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const n = [1448, 1, 65_536, 7][k % 4]!;
    const view = bytes.subarray(at, at + n);
    d.update(pieces === 'copies' || (pieces === 'mixed' && k % 3 === 0) ? Buffer.from(view) : view);
    at += n;
    assert.equal(d.bytes, Math.min(at, bytes.length), 'counted at once');
  }
  return d;
}

test('a clean stream: the digest of the bytes, without the sender and from the sender', () => {
  const bytes = payloadBytes(SEED, SIZE);
  assert.equal(receive(bytes).digest(), sha(bytes));
  assert.equal(receive(bytes, true, 'copies').digest(), sha(bytes));
  assert.equal(receive(bytes, true, 'mixed').located(), undefined, 'nothing wrong located');
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
  for (const at of [0, 1447, 70_000, SIZE - 1])
    for (const pieces of ['views', 'copies', 'mixed'] as const) {
      const bytes = Buffer.from(payloadBytes(SEED, SIZE));
      bytes[at] = bytes[at]! ^ 0x40;
      const d = receive(bytes, true, pieces);
      const diff = d.located();
      assert.deepEqual(
        diff?.wrong.map((w) => [w.offset, w.length]),
        [[at, 1]],
        `the comparer located the byte at ${at} (${pieces})`,
      );
      assert.equal(d.digest(), sha(bytes), `a flipped byte at ${at} (${pieces})`);
    }
  const longer = Buffer.concat([payloadBytes(SEED, SIZE), Buffer.from('tail')]);
  assert.equal(receive(longer).digest(), sha(longer));
  const plain = payloadBytes(SEED, 5000);
  assert.equal(receive(plain, false).digest(), sha(plain), 'without a comparer every byte is hashed');
});
