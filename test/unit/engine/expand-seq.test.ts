// expandSeq (__mptcp_expand_seq) takes the signed 32-bit distance in numbers: it must give what the
// kernel's wraparound arithmetic gives, written out here with BigInts, at every edge of the 32-bit space.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { expandSeq } from '../../../engine/msk-recv.js';

/** The kernel's way: the high half of `old`, the low half given, then one 2^32 up or down across a wrap. */
function reference(old: bigint, cur32: bigint): bigint {
  const old32 = old & 0xffffffffn;
  const c32 = cur32 & 0xffffffffn;
  let cur = (old & ~0xffffffffn) + c32;
  const diff = Number(BigInt.asIntN(32, c32 - old32));
  if (c32 < old32 && diff > 0) cur += 1n << 32n;
  else if (c32 > old32 && diff < 0) cur -= 1n << 32n;
  return BigInt.asUintN(64, cur);
}

test('expandSeq: the 64-bit number nearest the old one, across 32-bit and 64-bit wraparound', () => {
  const edges = [0n, 1n, 0x7fffffffn, 0x80000000n, 0x80000001n, 0xfffffffen, 0xffffffffn];
  const highs = [0n, 1n << 32n, 0xffffffff00000000n];
  for (const h of highs)
    for (const o of edges) for (const c of edges) assert.equal(expandSeq(h + o, c), reference(h + o, c), `${h + o} ${c}`);
  assert.equal(expandSeq(0xffffffffffffff00n, 0x10n), 0x10n, 'past 2^64 it wraps to the start');
  assert.equal(expandSeq(0x100000010n, 0xffffff00n), 0xffffff00n, 'back across a 2^32 boundary');
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }), (old, cur) => {
      assert.equal(expandSeq(old, cur), reference(old, cur));
    }),
    { numRuns: 2000 },
  );
});
