import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { addAddrHmac, dssChecksum, dssChecksumValid, hmacSha256, joinHmac, keyGenSha, keyToTokenAndIdsn } from '../../../engine/crypto.js';
import type { RandomSource } from '../../../engine/random.js';
import { toHex } from '../../../engine/bytes.js';

// Every expected value below was computed outside this code base, with
// python3's hashlib / hmac / struct (the script is quoted next to each group),
// or copied from the kernel's own KUnit test.

const hex = toHex;

describe('mptcp_crypto_hmac_sha: the KUnit vectors of net/mptcp/crypto_test.c', () => {
  // crypto_test.c reads its .key and .msg strings as raw bytes:
  //   key1 = be64_to_cpu(*(__be64 *)&key[0]), key2 = ...&key[8],
  //   nonce1 = be32_to_cpu(*(__be32 *)&msg[0]), nonce2 = ...&msg[4]
  // so "0b0b0b0b0b0b0b0b" is the 16 ASCII bytes 0x30 0x62 ..., not 0x0b x 8.
  // Cross-check: hmac.new(b'0b0b0b0b0b0b0b0b', b'48692054', hashlib.sha256)
  // .hexdigest() == '8385e24f...' (and likewise for the other two); with the
  // strings decoded as hex the digests do not match.
  const vectors = [
    { key: '0b0b0b0b0b0b0b0b', msg: '48692054', result: '8385e24fb4235ac37556b6b886db106284a1da671699f46db1f235ec622dcafa' },
    { key: 'aaaaaaaaaaaaaaaa', msg: 'dddddddd', result: '2c5e219164ff1dca1c4a92318d847bb6b9d44492984e1eb71aff9022f71046e9' },
    { key: '0102030405060708', msg: 'cdcdcdcd', result: 'e73b9ba9969969cefb04aa0d6df18ec2fcc075b6f23b4d8c4da736a5dbbc6e7d' },
  ];
  for (const v of vectors) {
    test(`key "${v.key}" msg "${v.msg}"`, () => {
      const k = Buffer.from(v.key, 'latin1');
      const m = Buffer.from(v.msg, 'latin1');
      const key1 = k.readBigUInt64BE(0);
      const key2 = k.readBigUInt64BE(8);
      // the kernel test builds msg from two be32 nonces: same bytes
      assert.equal(hex(hmacSha256(key1, key2, m)), v.result);
      // and through the MP_JOIN helper, which is what subflow_generate_hmac does
      const j = joinHmac(key1, key2, m.readUInt32BE(0), m.readUInt32BE(4));
      assert.equal(hex(j.hmac), v.result);
    });
  }
});

describe('mptcp_crypto_key_sha: token and IDSN', () => {
  // python3:
  //   h = hashlib.sha256(key.to_bytes(8, 'big')).digest()
  //   token = int.from_bytes(h[:4], 'big'); idsn = int.from_bytes(h[24:], 'big')
  const vectors: Array<[bigint, number, bigint]> = [
    // SHA-256(01 02 03 04 05 06 07 08) = 66840dda154e8a11...8136979d8f5a101d3d29d6f72
    [0x0102030405060708n, 0x66840dda, 0xf5a101d3d29d6f72n],
    [1n, 0xcd266215, 0x19ec509083d00a50n],
    [0xffffffffffffffffn, 0x12a3ae44, 0x57fb595bbbacf0can],
  ];
  for (const [key, token, idsn] of vectors) {
    test(`key 0x${key.toString(16)}`, () => {
      assert.deepEqual(keyToTokenAndIdsn(key), { token, idsn });
    });
  }

  test('rejects keys outside 64 bits', () => {
    assert.throws(() => keyToTokenAndIdsn(-1n), RangeError);
    assert.throws(() => keyToTokenAndIdsn(1n << 64n), RangeError);
  });

  test('keyGenSha draws again on a zero key', () => {
    const draws = [0n, 0n, 0x0102030405060708n];
    const rnd: RandomSource = {
      nextU64: () => draws.shift() ?? 1n,
      nextU32: () => 0,
    };
    assert.deepEqual(keyGenSha(rnd), { key: 0x0102030405060708n, token: 0x66840dda, idsn: 0xf5a101d3d29d6f72n });
    assert.equal(draws.length, 0);
  });
});

describe('MP_JOIN HMACs', () => {
  // python3:
  //   h = hmac.new((0x0123456789abcdef).to_bytes(8,'big') + (0xfedcba9876543210).to_bytes(8,'big'),
  //                struct.pack('!II', 0x11223344, 0xaabbccdd), hashlib.sha256).digest()
  const full = 'f61753d6b8ac227764b9d1b17a6f5ceeec9d1a8a4351afe5408a31e58cbbe7ba';
  test('full value and the two truncations', () => {
    const j = joinHmac(0x0123456789abcdefn, 0xfedcba9876543210n, 0x11223344, 0xaabbccdd);
    assert.equal(hex(j.hmac), full);
    assert.equal(j.truncated64, 0xf61753d6b8ac2277n); // leftmost 64 bits: SYN/ACK thmac
    assert.equal(hex(j.truncated160), full.slice(0, 40)); // leftmost 160 bits: third ACK
    assert.equal(j.truncated160.length, 20);
  });

  test('key and nonce order matter (HMAC-A != HMAC-B)', () => {
    const a = joinHmac(1n, 2n, 3, 4);
    const b = joinHmac(2n, 1n, 4, 3);
    assert.notEqual(hex(a.hmac), hex(b.hmac));
  });

  test('rejects nonces outside 32 bits and over-long messages', () => {
    assert.throws(() => joinHmac(1n, 2n, 2 ** 32, 0), RangeError);
    assert.throws(() => joinHmac(1n, 2n, -1, 0), RangeError);
    assert.throws(() => hmacSha256(1n, 2n, new Uint8Array(33)), RangeError);
  });
});

describe('ADD_ADDR HMAC (add_addr_generate_hmac)', () => {
  // python3, key1 = 0x0123456789abcdef, key2 = 0xfedcba9876543210:
  //   msg = bytes([id]) + ipaddress.ip_address(addr).packed + struct.pack('!H', port or 0)
  //   hmac.new(k1 + k2, msg, hashlib.sha256).digest()[24:].hex()   # rightmost 64 bits
  const k1 = 0x0123456789abcdefn;
  const k2 = 0xfedcba9876543210n;
  test('IPv4 with port: msg 05 c6120002 1f90', () => {
    assert.equal(addAddrHmac(k1, k2, 5, '198.18.0.2', 8080), 0x38c598a58373f534n);
  });
  test('IPv4 without port hashes two zero port bytes (RFC 8684 §3.4.1)', () => {
    assert.equal(addAddrHmac(k1, k2, 5, '198.18.0.2'), 0x89024e022111402fn);
    assert.equal(addAddrHmac(k1, k2, 5, '198.18.0.2', 0), 0x89024e022111402fn);
    assert.equal(addAddrHmac(k1, k2, 5, new Uint8Array([198, 18, 0, 2])), 0x89024e022111402fn);
  });
  test('IPv6 without and with port', () => {
    assert.equal(addAddrHmac(k1, k2, 7, '2001:db8::1'), 0x47946eb55e645431n);
    assert.equal(addAddrHmac(k1, k2, 7, '2001:db8::1', 443), 0x6e968a01292d5ea7n);
  });
  test('rejects bad input', () => {
    assert.throws(() => addAddrHmac(k1, k2, 256, '198.18.0.2'), RangeError);
    assert.throws(() => addAddrHmac(k1, k2, 1, 'not-an-address'), RangeError);
    assert.throws(() => addAddrHmac(k1, k2, 1, new Uint8Array(5)), RangeError);
    assert.throws(() => addAddrHmac(k1, k2, 1, '198.18.0.2', 65536), RangeError);
  });
});

describe('DSS checksum (__mptcp_make_csum)', () => {
  // python3:
  //   def csum16(b):               # RFC 1071 sum, odd byte padded with a zero
  //       if len(b) % 2: b += b'\0'
  //       s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
  //       while s >> 16: s = (s & 0xffff) + (s >> 16)
  //       return s
  //   dss = lambda dsn, ssn, dlen, p: ~csum16(struct.pack('!QIHH', dsn, ssn, dlen, 0) + p) & 0xffff
  test('odd-length payload', () => {
    assert.equal(dssChecksum(0x0102030405060708n, 0x0a0b0c0d, 5, Buffer.from('abcde')), 0xb007);
  });
  test('all-ones fields: end-around carries', () => {
    // by hand: 8 x 0xffff + 0x0004 folds to 0x0004, complement 0xfffb
    assert.equal(dssChecksum(0xffffffffffffffffn, 0xffffffff, 4, Buffer.from([0xff, 0xff, 0xff, 0xff])), 0xfffb);
  });
  test('all-zero pseudo-header and no payload', () => {
    assert.equal(dssChecksum(0n, 0, 0, new Uint8Array(0)), 0xffff);
  });
  test('DATA_FIN-only mapping (len 1, no payload)', () => {
    assert.equal(dssChecksum(0x8000000000000001n, 1, 1, new Uint8Array(0)), 0x7ffc);
  });
  test('validation accepts the right checksum and rejects others', () => {
    const payload = Buffer.from('abcde');
    assert.equal(dssChecksumValid(0x0102030405060708n, 0x0a0b0c0d, 5, payload, 0xb007), true);
    assert.equal(dssChecksumValid(0x0102030405060708n, 0x0a0b0c0d, 5, payload, 0xb008), false);
    assert.equal(dssChecksumValid(0x0102030405060708n, 0x0a0b0c0e, 5, payload, 0xb007), false);
    assert.equal(dssChecksumValid(0x0102030405060708n, 0x0a0b0c0d, 5, Buffer.from('abcdf'), 0xb007), false);
  });
  test('a large payload matches the pairwise definition', () => {
    // independent of the implementation's chunking: checksum(p) is valid for p
    const payload = Buffer.alloc(65535, 0xff);
    const c = dssChecksum(123456789n, 42, 65535, payload);
    assert.equal(dssChecksumValid(123456789n, 42, 65535, payload, c), true);
  });
  test('rejects out-of-range fields', () => {
    assert.throws(() => dssChecksum(-1n, 0, 0, new Uint8Array(0)), RangeError);
    assert.throws(() => dssChecksum(0n, 2 ** 32, 0, new Uint8Array(0)), RangeError);
    assert.throws(() => dssChecksum(0n, 0, 65536, new Uint8Array(0)), RangeError);
  });
});
