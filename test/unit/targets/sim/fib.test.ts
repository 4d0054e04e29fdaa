// HostFib: one lab host's routing as the kernel has it after the netns
// backend's `ip addr` / `ip route` / `ip rule` lines, and after
// `ip link set down|up`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HostFib, type RouteDecision } from '../../../../harness/targets/sim/sim-lab.js';
import type { Lab } from '../../../../harness/lab/model.js';
import { catalogueLab, inlineLab } from './helpers.js';

function fibOf(lab: Lab, host: string): HostFib {
  return HostFib.fromHost(lab.hosts.find((h) => h.name === host)!);
}

const TABLES: Record<number, string> = { 255: 'local', 254: 'main', 253: 'default' };

function ipRuleShow(fib: HostFib, family: 4 | 6): string[] {
  return fib.rules(family).map((r) => `${r.pref}:\tfrom ${r.from} lookup ${TABLES[r.table] ?? r.table}`);
}

function out(dev: string, table: number, pref: number, via?: string): RouteDecision {
  return { kind: 'out', dev, ...(via ? { via } : {}), table, pref };
}

describe('HostFib: as built', () => {
  const lab = catalogueLab('signal/signal-address.lab.yaml');

  test('rules in the order `ip rule show` lists them: later rules without pref first, the fallback after default', () => {
    assert.deepEqual(ipRuleShow(fibOf(lab, 'client'), 4), [
      '0:\tfrom all lookup local',
      '32764:\tfrom 198.18.2.1 lookup 102',
      '32765:\tfrom 198.18.1.1 lookup 101',
      '32766:\tfrom all lookup main',
      '32767:\tfrom all lookup default',
      '40000:\tfrom 198.18.1.1 lookup 201',
      '40000:\tfrom 198.18.2.1 lookup 202',
    ]);
  });

  test('a rule with an explicit pref goes after the rules with a pref not above it', () => {
    const fib = fibOf(lab, 'client');
    fib.addRule(4, '198.18.9.0/24', 300, 32765);
    fib.addRule(4, '198.18.8.0/24', 301, 100);
    assert.deepEqual(ipRuleShow(fib, 4).slice(0, 5), [
      '0:\tfrom all lookup local',
      '100:\tfrom 198.18.8.0/24 lookup 301',
      '32764:\tfrom 198.18.2.1 lookup 102',
      '32765:\tfrom 198.18.1.1 lookup 101',
      '32765:\tfrom 198.18.9.0/24 lookup 300',
    ]);
  });

  test('decisions: local whatever the link, the per-address table, main, no source', () => {
    const fib = fibOf(lab, 'client');
    assert.deepEqual(fib.lookup('198.18.1.1', '198.18.2.1'), { kind: 'local' });
    assert.deepEqual(fib.lookup('198.18.1.1', '198.18.1.2'), out('eth0', 101, 32765));
    assert.deepEqual(fib.lookup('198.18.1.1', '198.18.2.2'), out('eth1', 254, 32766), 'table 101 has no route for it: main');
    assert.deepEqual(fib.lookup('198.18.2.1', '198.18.1.2'), out('eth0', 254, 32766));
    assert.deepEqual(fib.lookup('', '198.18.2.2'), out('eth1', 254, 32766));
    assert.deepEqual(fib.lookup('198.18.1.1', '198.18.77.1'), { kind: 'unreachable' });
    assert.deepEqual(fib.lookup('198.18.1.1', 'nonsense'), { kind: 'unreachable' });
  });

  test('a socket bound to a device (endpoint dev): only routes through it; the fallback table after main', () => {
    const fib = fibOf(lab, 'client');
    assert.deepEqual(fib.lookup('198.18.2.1', '198.18.1.2', 'eth1'), out('eth1', 202, 40000, '198.18.2.2'));
    assert.deepEqual(fib.lookup('198.18.1.1', '198.18.2.2', 'eth0'), out('eth0', 201, 40000, '198.18.1.2'));
    const v6 = fibOf(catalogueLab('basic/ipv6-only.lab.yaml'), 'client');
    assert.deepEqual(
      v6.lookup('2001:db8:2::1', '2001:db8:1::2', 'eth1'),
      out('eth1', 202, 40000, '2001:db8:2::2'),
      'IPv6 joins over its own link the same way',
    );
  });

  test('bound and no route at all: IPv4 assumes on-link, IPv6 does not', () => {
    const chain = inlineLab(`hosts:
  client:
  r1: { forward: true }
  server:
links:
  - { between: [client, r1], ipv6: true }
  - { between: [r1, server], ipv6: true }
workload: { client: client, server: server, connect: l2 }
`);
    const fib = fibOf(chain, 'client');
    assert.deepEqual(fib.lookup('198.18.1.1', '203.0.113.1', 'eth0'), { kind: 'out', dev: 'eth0', table: 254, pref: 32766, onLink: true });
    assert.deepEqual(fib.lookup('2001:db8:1::1', '2001:db8:77::1', 'eth0'), { kind: 'unreachable' });
    assert.deepEqual(fib.lookup('198.18.1.1', '198.18.2.2'), out('eth0', 254, 32766, '198.18.1.2'));
  });
});

describe('HostFib: ip link set down / up', () => {
  test('IPv4: every route through the interface goes, in every table; the address stays local; up brings back only the connected route', () => {
    const fib = fibOf(catalogueLab('signal/signal-address.lab.yaml'), 'client');
    const gen = fib.generation;
    fib.setLinkState('eth0', false);
    assert.ok(fib.generation > gen);
    assert.deepEqual(
      fib.routes.filter((r) => r.dev === 'eth0'),
      [],
    );
    assert.equal(fib.isLocal('198.18.1.1'), true);
    assert.deepEqual(fib.lookup('198.18.1.1', '198.18.1.2'), { kind: 'unreachable' });
    assert.deepEqual(
      fib.lookup('198.18.2.1', '198.18.1.2'),
      out('eth1', 202, 40000, '198.18.2.2'),
      "main lost it: the fallback table takes the peer's other address over the other link",
    );
    assert.deepEqual(fib.lookup('198.18.1.1', '198.18.2.2'), out('eth1', 254, 32766));
    fib.setLinkState('eth0', true);
    assert.deepEqual(
      fib.routes.filter((r) => r.dev === 'eth0').map((r) => `${r.to} table ${r.table} ${r.origin}`),
      ['198.18.1.0/24 table 254 connected'],
    );
    assert.deepEqual(fib.lookup('198.18.1.1', '198.18.1.2'), out('eth0', 254, 32766), 'table 101 is empty now: main');
    assert.deepEqual(
      fib.lookup('198.18.1.1', '198.18.2.2', 'eth0'),
      { kind: 'out', dev: 'eth0', table: 254, pref: 32766, onLink: true },
      'the fallback route is gone for good: on-link',
    );
  });

  test('IPv4 through a router: the static routes do not come back', () => {
    const fib = fibOf(catalogueLab('basic/routed-chain.lab.yaml'), 'client');
    assert.deepEqual(fib.lookup('198.18.1.1', '198.18.3.2'), out('eth0', 254, 32766, '198.18.1.2'));
    fib.setLinkState('eth0', false);
    fib.setLinkState('eth0', true);
    assert.deepEqual(fib.lookup('198.18.1.1', '198.18.3.2'), { kind: 'unreachable' });
    assert.deepEqual(fib.lookup('198.18.1.1', '198.18.1.2'), out('eth0', 254, 32766));
  });

  test('IPv6: the addresses go with the link (keep_addr_on_down 0) and do not come back', () => {
    const fib = fibOf(catalogueLab('basic/ipv6-only.lab.yaml'), 'client');
    fib.setLinkState('eth0', false);
    assert.equal(fib.isLocal('2001:db8:1::1'), false);
    fib.setLinkState('eth0', true);
    assert.equal(fib.isLocal('2001:db8:1::1'), false);
    assert.deepEqual(
      fib.routes.filter((r) => r.dev === 'eth0'),
      [],
    );
    assert.equal(fib.isLocal('2001:db8:2::1'), true);
  });

  test('IPv6 with keep_addr_on_down: the address stays and its connected route comes back', () => {
    const lab = inlineLab(`hosts:
  client:
    sysctls: { net.ipv6.conf.all.keep_addr_on_down: 1 }
  server:
links:
  - { between: [client, server], ipv4: false, ipv6: true }
  - { between: [client, server], ipv4: false, ipv6: true }
workload: { client: client, server: server, connect: l1 }
`);
    const fib = fibOf(lab, 'client');
    fib.setLinkState('eth0', false);
    assert.equal(fib.isLocal('2001:db8:1::1'), true);
    assert.deepEqual(fib.lookup('2001:db8:1::1', '2001:db8:1::2'), { kind: 'unreachable' });
    fib.setLinkState('eth0', true);
    assert.deepEqual(fib.lookup('2001:db8:1::1', '2001:db8:1::2'), out('eth0', 254, 32766));
  });

  test('an unknown interface is an error; the same state twice changes nothing', () => {
    const fib = fibOf(catalogueLab('signal/signal-address.lab.yaml'), 'client');
    assert.throws(() => fib.setLinkState('eth9', false), /no interface eth9/);
    const gen = fib.generation;
    fib.setLinkState('eth0', true);
    assert.equal(fib.generation, gen);
  });
});
