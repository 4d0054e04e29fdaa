import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp, parseIpv4, parseIpv6, parsePrefix, prefixContains, sameIp } from '../../../../engine/sim/address.js';

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
    for (const bad of ['198.18.1', '198.18.1.256', '198.18.01.1', '1.2.3.4.5', '', 'a.b.c.d', '1..2.3']) assert.equal(parseIpv4(bad), undefined, bad);
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
    for (const bad of ['198.18.1.0/33', '2001:db8::/129', '198.18.1.0/', '198.18.1.0/x', 'nope/8']) assert.equal(parsePrefix(bad), undefined, bad);
  });
});
