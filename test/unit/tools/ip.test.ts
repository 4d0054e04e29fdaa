import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointWords, hostLines, pmLines, vethLines } from '../../../harness/tools/ip.js';
import { chainYaml, host, lab, minimal, TWO_HOST } from '../lab/fixtures.js';

const two = lab(TWO_HOST);
const ns = (h: string) => `mptcplab-42-${h}`;

describe('vethLines', () => {
  test('one veth pair per link, each end created in its namespace, the two ends with different indexes', () => {
    assert.deepEqual(vethLines(two, ns), [
      'link add eth0 index 100 netns mptcplab-42-client type veth peer name eth0 index 101 netns mptcplab-42-server',
      'link add eth1 index 102 netns mptcplab-42-client type veth peer name eth1 index 103 netns mptcplab-42-server',
    ]);
  });

  test('chain: interface numbers per host, side a first', () => {
    assert.deepEqual(
      vethLines(lab(chainYaml()), (h) => `ns-${h}`),
      [
        'link add eth0 index 100 netns ns-client type veth peer name eth0 index 101 netns ns-r1',
        'link add eth1 index 102 netns ns-r1 type veth peer name eth0 index 103 netns ns-r2',
        'link add eth1 index 104 netns ns-r2 type veth peer name eth0 index 105 netns ns-server',
      ],
    );
  });
});

describe('hostLines', () => {
  test('two-host client: addresses (IPv6 nodad), up, table routes, rules', () => {
    assert.deepEqual(hostLines(host(two, 'client')), [
      'link set lo up',
      'addr add 198.18.1.1/24 dev eth0',
      'link set eth0 up',
      'addr add 198.18.2.1/24 dev eth1',
      'addr add 2001:db8:2::1/64 dev eth1 nodad',
      'link set eth1 up',
      'route add 198.18.1.0/24 dev eth0 table 101',
      'route add 198.18.2.0/24 via 198.18.1.2 dev eth0 table 201',
      'route add 198.18.2.0/24 dev eth1 table 102',
      'route add 198.18.1.0/24 via 198.18.2.2 dev eth1 table 202',
      'rule add from 198.18.1.1 table 101',
      'rule add from 198.18.1.1 table 201 pref 40000',
      'rule add from 198.18.2.1 table 102',
      'rule add from 198.18.2.1 table 202 pref 40000',
    ]);
  });

  test('chain router: table routes before main routes, gateways with via', () => {
    assert.deepEqual(hostLines(host(lab(chainYaml()), 'r1')), [
      'link set lo up',
      'addr add 198.18.1.2/24 dev eth0',
      'link set eth0 up',
      'addr add 198.18.2.1/24 dev eth1',
      'link set eth1 up',
      'route add 198.18.1.0/24 dev eth0 table 101',
      'route add 198.18.2.0/24 dev eth1 table 102',
      'route add 198.18.3.0/24 via 198.18.2.2 dev eth1 table 102',
      'route add 198.18.3.0/24 via 198.18.2.2 dev eth1',
      'rule add from 198.18.1.2 table 101',
      'rule add from 198.18.2.1 table 102',
    ]);
  });

  test('chain end host: main routes only, no rules', () => {
    assert.deepEqual(hostLines(host(lab(chainYaml()), 'server')), [
      'link set lo up',
      'addr add 198.18.3.2/24 dev eth0',
      'link set eth0 up',
      'route add 198.18.1.0/24 via 198.18.3.1 dev eth0',
      'route add 198.18.2.0/24 via 198.18.3.1 dev eth0',
    ]);
  });

  test('no line ever adds a default route', () => {
    for (const l of [two, lab(chainYaml()), lab(chainYaml(true))]) {
      for (const h of l.hosts) for (const line of hostLines(h)) assert.doesNotMatch(line, /\bdefault\b|0\.0\.0\.0\/0|::\/0/, line);
    }
  });
});

describe('pmLines', () => {
  test('client: limits and a subflow endpoint bound to its device', () => {
    assert.deepEqual(pmLines(host(two, 'client')), [
      'mptcp limits set subflows 2 add_addr_accepted 1',
      'mptcp endpoint add 198.18.2.1 id 2 dev eth1 subflow',
    ]);
  });

  test('server: only the limits it set; signal endpoints with port and flags', () => {
    assert.deepEqual(pmLines(host(two, 'server')), [
      'mptcp limits set subflows 2',
      'mptcp endpoint add 2001:db8:2::2 port 10100 signal',
      'mptcp endpoint add 198.18.1.2 id 9 signal backup',
    ]);
  });

  test('nothing configured: no lines', () => {
    assert.deepEqual(pmLines(host(lab(minimal()), 'client')), []);
  });

  test('add_addr_accepted alone', () => {
    const l = lab(minimal().replace('  server:\n', '  server:\n    limits: { add_addr_accepted: 0 }\n'));
    assert.deepEqual(pmLines(host(l, 'server')), ['mptcp limits set add_addr_accepted 0']);
  });
});

describe('endpointWords', () => {
  test('address, port, id, dev, then flags', () => {
    assert.deepEqual(endpointWords({ address: '198.18.1.1', port: 10000, id: 3, dev: 'eth0', flags: ['signal', 'backup'] }), [
      '198.18.1.1',
      'port',
      '10000',
      'id',
      '3',
      'dev',
      'eth0',
      'signal',
      'backup',
    ]);
  });

  test('only the address when nothing else is set', () => {
    assert.deepEqual(endpointWords({ address: '2001:db8:1::1', flags: [] }), ['2001:db8:1::1']);
  });

  test('from a normalized event (endpoint-add)', () => {
    const add = two.events.find((e) => e.action === 'endpoint-add');
    assert.ok(add && add.action === 'endpoint-add');
    assert.deepEqual(endpointWords(add.endpoint), ['198.18.1.2', 'id', '7', 'signal']);
  });
});
