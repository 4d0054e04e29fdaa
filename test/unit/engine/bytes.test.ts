import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  be32Bytes,
  be64Bytes,
  bytesEqual,
  concat,
  fromHex,
  getBe16,
  getBe32,
  getBe64,
  putBe16,
  putBe32,
  putBe64,
  toHex,
} from '../../../engine/bytes.js';

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

describe('big-endian loads and stores', () => {
  test('known values are in network order', () => {
    assert.deepEqual([...be32Bytes(0x01020304)], [1, 2, 3, 4]);
    assert.deepEqual([...be64Bytes(0x0102030405060708n)], [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(getBe16(Uint8Array.of(0xab, 0xcd), 0), 0xabcd);
    assert.equal(getBe32(Uint8Array.of(0xff, 0xff, 0xff, 0xfe), 0), 0xfffffffe);
  });

  test('put then get gives the value back, at any offset', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff }), u64, fc.nat(8), (v16, v32, v64, at) => {
        const b = new Uint8Array(at + 14);
        putBe16(b, at, v16);
        putBe32(b, at + 2, v32);
        putBe64(b, at + 6, v64);
        assert.equal(getBe16(b, at), v16);
        assert.equal(getBe32(b, at + 2), v32);
        assert.equal(getBe64(b, at + 6), v64);
      }),
    );
  });

  test('be64Bytes agrees with DataView big-endian', () => {
    fc.assert(
      fc.property(u64, (v) => {
        const ref = new Uint8Array(8);
        new DataView(ref.buffer).setBigUint64(0, v);
        assert.deepEqual(be64Bytes(v), ref);
      }),
    );
  });

  test('stores keep only the low bits, like a cast to the field width', () => {
    const b = new Uint8Array(2);
    putBe16(b, 0, 0x12345);
    assert.equal(getBe16(b, 0), 0x2345);
  });
});

describe('concat, equality and hex', () => {
  test('concat keeps every byte in order', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 6 }), (parts) => {
        const joined = concat(parts);
        assert.deepEqual(
          [...joined],
          parts.flatMap((p) => [...p]),
        );
      }),
    );
  });

  test('hex text round trip, lower case, either case accepted', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        const text = toHex(b);
        assert.match(text, /^(?:[0-9a-f]{2})*$/);
        assert.ok(bytesEqual(fromHex(text), b));
        assert.ok(bytesEqual(fromHex(text.toUpperCase()), b));
      }),
    );
  });

  test('a separator goes between bytes (MAC form)', () => {
    assert.equal(toHex(Uint8Array.of(0, 0x1b, 0xff), ':'), '00:1b:ff');
  });

  test('fromHex refuses odd lengths and non-hex', () => {
    assert.throws(() => fromHex('abc'), /not hex bytes/);
    assert.throws(() => fromHex('zz'), /not hex bytes/);
  });

  test('bytesEqual sees length and content', () => {
    assert.ok(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2)));
    assert.ok(!bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0)));
    assert.ok(!bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3)));
  });
});
