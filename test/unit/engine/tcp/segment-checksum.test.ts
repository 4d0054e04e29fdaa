import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTcpChecksum, tcpChecksum, verifyTcpChecksum } from '../../../../engine/tcp/segment-checksum.js';
import { CAPTURED, LINUX_SYN_V6 } from './fixtures.js';

describe('tcpChecksum', () => {
  test('matches what Linux computed, IPv4 and IPv6, even and odd lengths', () => {
    for (const c of CAPTURED) {
      assert.equal(tcpChecksum(c.src, c.dst, c.bytes), c.checksum, c.what);
      assert.ok(verifyTcpChecksum(c.src, c.dst, c.bytes), c.what);
    }
    assert.ok(
      CAPTURED.some((c) => c.bytes.length % 2 === 1),
      'an odd-length segment is among the fixtures',
    );
  });

  test('ignores the current checksum field; setTcpChecksum fills it', () => {
    const b = LINUX_SYN_V6.slice();
    b[16] = 0x12;
    b[17] = 0x34;
    assert.equal(tcpChecksum('2001:db8:1::1', '2001:db8:1::2', b), 0x81b2);
    assert.ok(!verifyTcpChecksum('2001:db8:1::1', '2001:db8:1::2', b));
    setTcpChecksum('2001:db8:1::1', '2001:db8:1::2', b);
    assert.deepEqual(b, LINUX_SYN_V6);
  });

  test('any spelling of the same IPv6 address gives the same checksum', () => {
    assert.equal(tcpChecksum('2001:0db8:0001:0000:0000:0000:0000:0001', '2001:DB8:1:0::2', LINUX_SYN_V6), 0x81b2);
  });

  test('a flipped bit, swapped addresses or another address fail verification', () => {
    const c = CAPTURED[0];
    assert.ok(c);
    const bad = c.bytes.slice();
    bad[30] ^= 0x04;
    assert.ok(!verifyTcpChecksum(c.src, c.dst, bad));
    assert.ok(!verifyTcpChecksum(c.src, '198.18.1.3', c.bytes));
  });

  test('bad addresses and mixed families throw', () => {
    const b = CAPTURED[0]?.bytes ?? new Uint8Array(20);
    assert.throws(() => tcpChecksum('198.18.1', '198.18.1.2', b), /source "198.18.1" is not an IPv4 or IPv6 address/);
    assert.throws(() => tcpChecksum('198.18.1.1', '2001:db8::1', b), /not the same address family/);
  });

  test('the same address pairs again, interleaved (their sums are remembered), give the same checksums', () => {
    const first = CAPTURED.map((c) => tcpChecksum(c.src, c.dst, c.bytes));
    for (let round = 0; round < 3; round += 1) {
      for (const [i, c] of [...CAPTURED].entries()) assert.equal(tcpChecksum(c.src, c.dst, c.bytes), first[i], c.what);
    }
    // A pair that failed is not remembered as good.
    for (let i = 0; i < 2; i += 1)
      assert.throws(() => tcpChecksum('198.18.9.1', '2001:db8::9', CAPTURED[0]!.bytes), /not the same address family/);
  });
});
