import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import fc from 'fast-check';
import {
  canonicalIp,
  formatIp,
  formatIpv4,
  formatIpv6,
  ipBytes,
  isV4Mapped,
  maskBytes,
  parseIp,
  parseIpv4,
  parseIpv6,
  parsePrefix,
  parseScopedIp,
  prefixContains,
  sameIp,
  unmapV4,
} from '../../../engine/addr.js';
import { toHex } from '../../../engine/bytes.js';

function ip(s: string) {
  const a = parseIp(s);
  assert.ok(a, s);
  return a;
}

function prefix(s: string) {
  const p = parsePrefix(s);
  assert.ok(p, s);
  return p;
}

describe('addresses', () => {
  test('IPv4', () => {
    assert.deepEqual(parseIpv4('198.18.1.254'), Uint8Array.of(198, 18, 1, 254));
    for (const bad of ['198.18.1', '198.18.1.256', '198.18.01.1', '1.2.3.4.5', '', 'a.b.c.d', '1..2.3'])
      assert.equal(parseIpv4(bad), undefined, bad);
  });

  test('IPv6, compressed or not, with an embedded IPv4', () => {
    const full = Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
    assert.deepEqual(parseIpv6('2001:db8:1::1'), full);
    assert.deepEqual(parseIpv6('2001:0DB8:0001:0000:0000:0000:0000:0001'), full);
    assert.deepEqual(parseIpv6('::'), new Uint8Array(16));
    assert.deepEqual(parseIpv6('::ffff:198.18.0.1'), Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 0, 1));
    assert.deepEqual(parseIpv6('1:2:3:4:5:6:7::'), Uint8Array.of(0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0));
    for (const bad of ['2001:db8::1::2', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', '12345::', 'fe80::1%eth0', ':::', '1:2:3:4:5:6:7']) {
      assert.equal(parseIpv6(bad), undefined, bad);
    }
    assert.ok(sameIp(ip('2001:db8:1::1'), ip('2001:db8:1:0:0:0:0:1')));
    assert.ok(!sameIp(ip('::1'), ip('0.0.0.1')));
  });

  test('prefixes: /24, /64, odd lengths, single addresses and default', () => {
    assert.ok(prefixContains(prefix('198.18.1.0/24'), ip('198.18.1.77')));
    assert.ok(!prefixContains(prefix('198.18.1.0/24'), ip('198.18.2.1')));
    assert.ok(prefixContains(prefix('198.18.1.1/24'), ip('198.18.1.200')), 'host bits in the prefix are ignored');
    assert.ok(prefixContains(prefix('198.16.0.0/12'), ip('198.31.255.255')));
    assert.ok(!prefixContains(prefix('198.16.0.0/12'), ip('198.32.0.0')));
    assert.ok(prefixContains(prefix('2001:db8:1::/64'), ip('2001:db8:1::ffff')));
    assert.ok(!prefixContains(prefix('2001:db8:1::/64'), ip('2001:db8:2::1')));
    assert.ok(prefixContains(prefix('2001:db8:1:8::/61'), ip('2001:db8:1:f::1')));
    assert.ok(!prefixContains(prefix('2001:db8:1:8::/61'), ip('2001:db8:1:10::1')));
    assert.ok(prefixContains(prefix('198.18.1.1'), ip('198.18.1.1')));
    assert.ok(!prefixContains(prefix('198.18.1.1'), ip('198.18.1.2')));
    assert.ok(prefixContains(prefix('default'), ip('203.0.113.9')) && prefixContains(prefix('default'), ip('2001:db8::9')));
    assert.ok(!prefixContains(prefix('0.0.0.0/0'), ip('2001:db8::9')), 'a /0 keeps its family');
    for (const bad of ['198.18.1.0/33', '2001:db8::/129', '198.18.1.0/', '198.18.1.0/x', 'nope/8'])
      assert.equal(parsePrefix(bad), undefined, bad);
  });
});

describe('ipBytes (what the HMACs and cookies hash)', () => {
  test('IPv4 and IPv6 forms', () => {
    assert.equal(toHex(ipBytes('198.18.0.2')), 'c6120002');
    assert.equal(toHex(ipBytes('::1')), '00000000000000000000000000000001');
    assert.equal(toHex(ipBytes('2001:db8::1')), '20010db8000000000000000000000001');
    assert.equal(toHex(ipBytes('::ffff:198.18.0.2')), '00000000000000000000ffffc6120002');
    assert.equal(toHex(ipBytes('fe80::1%lo')), 'fe800000000000000000000000000001');
    assert.equal(toHex(ipBytes('1:2:3:4:5:6:7:8')), '00010002000300040005000600070008');
  });
  test('rejects malformed addresses', () => {
    for (const bad of ['1.2.3', '1.2.3.256', '01.2.3.4', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', 'g::1', '']) {
      assert.throws(() => ipBytes(bad), RangeError, bad);
    }
  });
});

const v4Bytes = fc.uint8Array({ minLength: 4, maxLength: 4 });
// Groups drawn so that zero runs (and so "::") are common.
const v6Bytes = fc
  .array(fc.oneof(fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })
  .map((g) => {
    const b = new Uint8Array(16);
    g.forEach((x, i) => {
      b[2 * i] = x >>> 8;
      b[2 * i + 1] = x & 0xff;
    });
    return b;
  });
const zone = fc.stringMatching(/^[0-9a-zA-Z.-]{1,12}$/);

describe('text ↔ bytes round trips', () => {
  test('IPv4: bytes → text → bytes', () => {
    fc.assert(fc.property(v4Bytes, (b) => assert.deepEqual(parseIpv4(formatIpv4(b)), b)));
  });

  test('IPv6: bytes → text → bytes, both styles, and the text is canonical (text → bytes → text)', () => {
    fc.assert(
      fc.property(v6Bytes, (b) => {
        const text = formatIpv6(b);
        assert.deepEqual(parseIpv6(text), b, text);
        assert.deepEqual(parseIpv6(formatIpv6(b, 'full')), b);
        assert.equal(canonicalIp(text), text);
        assert.equal(isIP(text), 6, text);
      }),
    );
  });

  test('any spelling of an address has the same canonical text', () => {
    fc.assert(
      fc.property(v6Bytes, fc.boolean(), (b, upper) => {
        const full = Array.from({ length: 8 }, (_, i) => toHex(b.subarray(2 * i, 2 * i + 2))).join(':');
        assert.equal(canonicalIp(upper ? full.toUpperCase() : full), formatIpv6(b));
      }),
    );
  });

  test('IPv4-mapped IPv6: dotted like inet_ntop, and unmapped to the IPv4 address', () => {
    fc.assert(
      fc.property(v4Bytes, (v4) => {
        const text = `::ffff:${formatIpv4(v4)}`;
        const ip = parseIp(text);
        assert.ok(ip && ip.family === 6 && isV4Mapped(ip.bytes));
        assert.equal(formatIp(ip), text);
        assert.deepEqual(unmapV4(ip), { family: 4, bytes: v4 });
      }),
    );
    assert.equal(canonicalIp('::FFFF:c612:101'), '::ffff:198.18.1.1');
    assert.equal(canonicalIp('::c612:101'), '::198.18.1.1', 'IPv4-compatible, as glibc prints it');
    assert.equal(canonicalIp('1::ffff:102:304'), '1::ffff:102:304', 'not mapped: hex');
    assert.equal(canonicalIp('::ffff:0:0'), '::ffff:0.0.0.0');
    assert.equal(canonicalIp('::2'), '::2');
    assert.ok(!isV4Mapped(ipBytes('2001:db8::ffff:1:1')));
  });

  test('zone ids: kept in the text, not in the bytes; IPv6 only', () => {
    fc.assert(
      fc.property(v6Bytes, zone, (b, z) => {
        const text = `${formatIpv6(b)}%${z}`;
        const ip = parseScopedIp(text);
        assert.ok(ip);
        assert.equal(ip.zone, z);
        assert.deepEqual(ip.bytes, b);
        assert.equal(formatIp(ip), text);
        assert.equal(isIP(text), 6);
      }),
    );
    assert.equal(canonicalIp('FE80::1%eth0'), 'fe80::1%eth0');
    for (const bad of ['198.18.1.1%eth0', 'fe80::1%', 'fe80::1%a%b', 'fe80::1%eth 0']) assert.equal(parseScopedIp(bad), undefined, bad);
    assert.equal(parseIp('fe80::1%eth0'), undefined, 'parseIp takes no zone id');
  });

  test('RFC 5952 compression: the longest run, the first of equals, never a single group', () => {
    const b = (h: string): Uint8Array => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
    assert.equal(formatIpv6(b('00000000000000000000000000000001')), '::1');
    assert.equal(formatIpv6(b('00000000000000000000000000000000')), '::');
    assert.equal(formatIpv6(b('20010db8000000000001000000000001')), '2001:db8::1:0:0:1');
    assert.equal(formatIpv6(b('20010db8000100000001000100010001')), '2001:db8:1:0:1:1:1:1');
    assert.equal(formatIpv6(b('20010db8000000010000000000000000')), '2001:db8:0:1::');
    assert.equal(formatIpv6(b('20010db8000000010000000000000000'), 'full'), '2001:db8:0:1:0:0:0:0');
  });

  test('text → bytes agrees with node: accepted exactly when isIP accepts', () => {
    const candidates = fc.oneof(
      fc.stringMatching(/^[0-9a-fA-F:.%a-z]{0,20}$/),
      v6Bytes.map((b) => formatIpv6(b)),
      v4Bytes.map((b) => formatIpv4(b)),
    );
    fc.assert(fc.property(candidates, (s) => assert.equal(parseScopedIp(s)?.family ?? 0, isIP(s), s)));
  });
});

describe('prefixes and containment', () => {
  test('an address is in its own network at every length; maskBytes clears the host bits', () => {
    fc.assert(
      fc.property(fc.oneof(v4Bytes, v6Bytes), fc.nat(128), (bytes, n) => {
        const family = bytes.length === 4 ? 4 : 6;
        const len = n % (bytes.length * 8 + 1);
        const net = maskBytes(bytes, len);
        const p = parsePrefix(`${formatIp({ family, bytes: net })}/${len}`);
        assert.ok(p);
        assert.ok(prefixContains(p, { family, bytes }));
        assert.deepEqual(maskBytes(net, len), net);
        if (len < bytes.length * 8) {
          const other = new Uint8Array(bytes);
          const bit = len; // the first host bit
          other[bit >>> 3] ^= 0x80 >>> (bit & 7);
          assert.ok(prefixContains(p, { family, bytes: other }));
        }
        if (len > 0) {
          const other = new Uint8Array(bytes);
          const bit = len - 1; // the last network bit
          other[bit >>> 3] ^= 0x80 >>> (bit & 7);
          assert.ok(!prefixContains(p, { family, bytes: other }));
        }
      }),
    );
  });
});
