import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { hostAddress, inLabRange, linkSubnetV4, linkSubnetV6, networkOf, parseCidr, sameNetwork } from '../../../harness/lab/addresses.js';

describe('linkSubnetV4', () => {
  test('link i gets 198.18.(i+1).0/24', () => {
    assert.equal(linkSubnetV4(0), '198.18.1.0/24');
    assert.equal(linkSubnetV4(1), '198.18.2.0/24');
    assert.equal(linkSubnetV4(9), '198.18.10.0/24');
    assert.equal(linkSubnetV4(254), '198.18.255.0/24');
  });

  test('continues into 198.19.x.0/24 after 198.18.255.0', () => {
    assert.equal(linkSubnetV4(255), '198.19.0.0/24');
    assert.equal(linkSubnetV4(256), '198.19.1.0/24');
    assert.equal(linkSubnetV4(510), '198.19.255.0/24');
  });

  test('more than 511 links is refused', () => {
    assert.throws(() => linkSubnetV4(511), /more than 511 links/);
  });

  test('every subnet is distinct and inside 198.18.0.0/15', () => {
    const seen = new Set<string>();
    for (let i = 0; i <= 510; i += 1) {
      const s = linkSubnetV4(i);
      assert.ok(!seen.has(s), s);
      seen.add(s);
      const c = parseCidr(s);
      assert.ok(c, s);
      assert.ok(inLabRange(c.address), s);
      assert.equal(networkOf(c), s);
    }
  });
});

describe('linkSubnetV6', () => {
  test('link i gets 2001:db8:(i+1 in hex)::/64', () => {
    assert.equal(linkSubnetV6(0), '2001:db8:1::/64');
    assert.equal(linkSubnetV6(1), '2001:db8:2::/64');
    assert.equal(linkSubnetV6(9), '2001:db8:a::/64');
    assert.equal(linkSubnetV6(255), '2001:db8:100::/64');
  });
});

describe('hostAddress', () => {
  test('IPv4: side a is .1, side b is .2', () => {
    assert.deepEqual(hostAddress('198.18.3.0/24', 1), { family: 4, address: '198.18.3.1', prefixLen: 24 });
    assert.deepEqual(hostAddress('198.18.3.0/24', 2), { family: 4, address: '198.18.3.2', prefixLen: 24 });
    assert.deepEqual(hostAddress(linkSubnetV4(255), 2), { family: 4, address: '198.19.0.2', prefixLen: 24 });
  });

  test('IPv6: ::1 and ::2 on the /64', () => {
    assert.deepEqual(hostAddress('2001:db8:1::/64', 1), { family: 6, address: '2001:db8:1::1', prefixLen: 64 });
    assert.deepEqual(hostAddress('2001:db8:a::/64', 2), { family: 6, address: '2001:db8:a::2', prefixLen: 64 });
  });

  test('the address is valid and on its subnet', () => {
    for (const i of [0, 7, 300]) {
      for (const sub of [linkSubnetV4(i), linkSubnetV6(i)]) {
        for (const k of [1, 2]) {
          const a = hostAddress(sub, k);
          assert.notEqual(isIP(a.address), 0, a.address);
          assert.ok(inLabRange(a.address), a.address);
          assert.equal(networkOf(a), networkOf(parseCidr(sub)!));
        }
      }
    }
  });
});

describe('parseCidr', () => {
  test('IPv4 and IPv6 with a prefix', () => {
    assert.deepEqual(parseCidr('198.18.1.1/24'), { family: 4, address: '198.18.1.1', prefixLen: 24 });
    assert.deepEqual(parseCidr(' 198.18.1.1/32 '), { family: 4, address: '198.18.1.1', prefixLen: 32 });
    assert.deepEqual(parseCidr('0.0.0.0/0'), { family: 4, address: '0.0.0.0', prefixLen: 0 });
    assert.deepEqual(parseCidr('2001:db8::1/64'), { family: 6, address: '2001:db8::1', prefixLen: 64 });
    assert.deepEqual(parseCidr('2001:db8::1/128'), { family: 6, address: '2001:db8::1', prefixLen: 128 });
  });

  test('missing, too long or non-numeric prefixes and bad addresses → undefined', () => {
    for (const bad of [
      '198.18.1.1',
      '198.18.1.1/',
      '198.18.1.1/33',
      '198.18.1.1/1000',
      '198.18.1.1/x',
      '198.18.1.1/24/1',
      '2001:db8::1',
      '2001:db8::1/129',
      '198.18.1.256/24',
      '198.18.1/24',
      'host/24',
      '/24',
      '',
    ]) {
      assert.equal(parseCidr(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe('inLabRange', () => {
  test('198.18.0.0/15 boundaries', () => {
    assert.equal(inLabRange('198.17.255.255'), false);
    assert.equal(inLabRange('198.18.0.0'), true);
    assert.equal(inLabRange('198.18.1.1'), true);
    assert.equal(inLabRange('198.19.255.255'), true);
    assert.equal(inLabRange('198.20.0.0'), false);
  });

  test('2001:db8::/32 boundaries', () => {
    assert.equal(inLabRange('2001:db7:ffff:ffff:ffff:ffff:ffff:ffff'), false);
    assert.equal(inLabRange('2001:db8::'), true);
    assert.equal(inLabRange('2001:db8:1::1'), true);
    assert.equal(inLabRange('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'), true);
    assert.equal(inLabRange('2001:db9::'), false);
  });

  test('real networks and non-addresses are outside', () => {
    for (const a of [
      '10.0.0.1',
      '192.168.1.1',
      '127.0.0.1',
      '0.0.0.0',
      '8.8.8.8',
      '::1',
      'fe80::1',
      '::ffff:10.0.0.1',
      'localhost',
      '',
      '198.18.1.1/24',
    ]) {
      assert.equal(inLabRange(a), false, a);
    }
  });
});

describe('networkOf', () => {
  test('IPv4 masks the host bits', () => {
    assert.equal(networkOf({ family: 4, address: '198.18.7.129', prefixLen: 24 }), '198.18.7.0/24');
    assert.equal(networkOf({ family: 4, address: '198.18.7.129', prefixLen: 25 }), '198.18.7.128/25');
    assert.equal(networkOf({ family: 4, address: '198.19.200.1', prefixLen: 15 }), '198.18.0.0/15');
    assert.equal(networkOf({ family: 4, address: '198.18.7.129', prefixLen: 32 }), '198.18.7.129/32');
    assert.equal(networkOf({ family: 4, address: '198.18.7.129', prefixLen: 0 }), '0.0.0.0/0');
  });

  test('IPv6 masks the host bits (groups written out, not compressed)', () => {
    const net = networkOf({ family: 6, address: '2001:db8:4::2', prefixLen: 64 });
    assert.equal(net, '2001:db8:4:0:0:0:0:0/64');
    assert.equal(isIP(net.split('/')[0]!), 6);
    assert.equal(networkOf({ family: 6, address: '2001:db8:ab:cd:1:2:3:4', prefixLen: 48 }), '2001:db8:ab:0:0:0:0:0/48');
    assert.equal(networkOf({ family: 6, address: '2001:db8:ffff::1', prefixLen: 32 }), '2001:db8:0:0:0:0:0:0/32');
    assert.equal(networkOf({ family: 6, address: '2001:db8::1', prefixLen: 128 }), '2001:db8:0:0:0:0:0:1/128');
    assert.equal(networkOf({ family: 6, address: '2001:db8:1:2:3:4:5:6', prefixLen: 112 }), '2001:db8:1:2:3:4:5:0/112');
  });
});

describe('sameNetwork', () => {
  const c = (t: string) => parseCidr(t)!;
  test('same /24 and same /64', () => {
    assert.equal(sameNetwork(c('198.18.7.1/24'), c('198.18.7.2/24')), true);
    assert.equal(sameNetwork(c('2001:db8:2::1/64'), c('2001:db8:2::2/64')), true);
  });
  test('different prefix, different length, different family', () => {
    assert.equal(sameNetwork(c('198.18.7.1/24'), c('198.18.8.2/24')), false);
    assert.equal(sameNetwork(c('198.18.7.1/24'), c('198.18.7.2/25')), false);
    assert.equal(sameNetwork(c('2001:db8:2::1/64'), c('2001:db8:3::1/64')), false);
    assert.equal(sameNetwork(c('198.18.7.1/24'), c('2001:db8:2::1/64')), false);
  });
  test('the boundary of a /25', () => {
    assert.equal(sameNetwork(c('198.18.7.1/25'), c('198.18.7.127/25')), true);
    assert.equal(sameNetwork(c('198.18.7.127/25'), c('198.18.7.128/25')), false);
  });
});
