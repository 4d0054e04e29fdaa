// labFromYaml on valid input: schema defaults, names, assigned addresses,
// impairments per direction, endpoints, the workload and events.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defineLab, labFromObject, labFromYaml } from '../../../harness/lab/load.js';
import { repeatsOf } from '../../../harness/lab/repeat.js';
import { host, lab, minimal, TWO_HOST } from './fixtures.js';

test('repeat: the runs a lab asks for; --repeat overrides it (repeatsOf)', () => {
  const l = labFromYaml(`repeat: 20\n${minimal()}`, 'labs/x/hunt.lab.yaml');
  assert.equal(l.repeat, 20);
  assert.equal(repeatsOf(l), 20);
  assert.equal(repeatsOf(l, 3), 3);
  assert.equal(repeatsOf({}), 1);
});

describe('labFromYaml: a valid two-host lab', () => {
  const l = lab(TWO_HOST, 'labs/join/two-paths.lab.yaml');
  const client = host(l, 'client');
  const server = host(l, 'server');

  test('top level: name from the file, defaults filled', () => {
    assert.equal(l.name, 'two-paths');
    assert.equal(l.file, 'labs/join/two-paths.lab.yaml');
    assert.equal(l.description, 'two hosts, two paths');
    assert.equal(l.group, 'join');
    assert.deepEqual(l.tags, ['join', 'add_addr']);
    assert.deepEqual(l.requires, []);
    assert.equal(l.timeoutMs, 60_000);
    assert.deepEqual(l.expect, { integrity: true });
    assert.deepEqual(l.knownDivergences, []);
    assert.equal(l.repeat, undefined, 'no repeat: unless the lab asks');
    assert.deepEqual(l.knownBugs, []);
    assert.deepEqual(
      l.hosts.map((h) => h.name),
      ['client', 'server'],
    );
  });

  test('links are named l1, l2 and remember their subnets and interface names', () => {
    assert.deepEqual(
      l.links.map((x) => x.name),
      ['l1', 'l2'],
    );
    assert.deepEqual(l.links[0]!.a, { host: 'client', ifname: 'eth0' });
    assert.deepEqual(l.links[0]!.b, { host: 'server', ifname: 'eth0' });
    assert.deepEqual(l.links[1]!.a, { host: 'client', ifname: 'eth1' });
    assert.deepEqual(l.links[1]!.b, { host: 'server', ifname: 'eth1' });
    assert.equal(l.links[0]!.v4, '198.18.1.0/24');
    assert.equal(l.links[0]!.v6, undefined);
    assert.equal(l.links[1]!.v4, '198.18.2.0/24');
    assert.equal(l.links[1]!.v6, '2001:db8:2:0:0:0:0:0/64');
  });

  test('interfaces eth0, eth1 in link order, with their link and peer', () => {
    for (const h of [client, server]) {
      assert.deepEqual(
        h.interfaces.map((i) => [i.host, i.name, i.link]),
        [
          [h.name, 'eth0', 'l1'],
          [h.name, 'eth1', 'l2'],
        ],
      );
    }
    assert.equal(client.interfaces[0]!.peer.host, 'server');
    assert.equal(client.interfaces[0]!.peer.name, 'eth0');
    assert.equal(server.interfaces[1]!.peer.host, 'client');
    assert.equal(server.interfaces[1]!.peer.name, 'eth1');
  });

  test('addresses: link i → 198.18.(i+1).0/24 (.1 side a, .2 side b), 2001:db8:(i+1)::/64', () => {
    assert.deepEqual(client.interfaces[0]!.addresses, [{ family: 4, address: '198.18.1.1', prefixLen: 24 }]);
    assert.deepEqual(server.interfaces[0]!.addresses, [{ family: 4, address: '198.18.1.2', prefixLen: 24 }]);
    assert.deepEqual(client.interfaces[1]!.addresses, [
      { family: 4, address: '198.18.2.1', prefixLen: 24 },
      { family: 6, address: '2001:db8:2::1', prefixLen: 64 },
    ]);
    assert.deepEqual(server.interfaces[1]!.addresses, [
      { family: 4, address: '198.18.2.2', prefixLen: 24 },
      { family: 6, address: '2001:db8:2::2', prefixLen: 64 },
    ]);
    assert.deepEqual(client.interfaces[1]!.peer.addresses, server.interfaces[1]!.addresses);
    assert.deepEqual(server.interfaces[0]!.peer.addresses, client.interfaces[0]!.addresses);
  });

  test('impairments per direction: the link applies both ways, from: overrides one', () => {
    assert.deepEqual(client.interfaces[0]!.egress, { rateBps: 20e6, lossPct: 1 });
    assert.deepEqual(server.interfaces[0]!.egress, { rateBps: 5e6, lossPct: 1 });
    assert.deepEqual(client.interfaces[1]!.egress, { delayMs: 10, queuePackets: 50 });
    assert.deepEqual(server.interfaces[1]!.egress, { delayMs: 10, queuePackets: 50 });
  });

  test('hosts: sysctls as strings, limits renamed, not forwarding', () => {
    assert.deepEqual(client.sysctls, { 'net.mptcp.enabled': '1', 'net.ipv4.tcp_congestion_control': 'reno' });
    assert.deepEqual(server.sysctls, {});
    assert.deepEqual(client.limits, { subflows: 2, addAddrAccepted: 1 });
    assert.equal(server.limits?.subflows, 2);
    assert.equal(server.limits?.addAddrAccepted, undefined);
    assert.equal(client.forward, false);
  });

  test('endpoints: link → the host address on it, dev: true → its interface, family: 6 → the IPv6 one', () => {
    assert.equal(client.endpoints.length, 1);
    const [ce] = client.endpoints;
    assert.equal(ce!.address, '198.18.2.1');
    assert.equal(ce!.dev, 'eth1');
    assert.equal(ce!.id, 2);
    assert.deepEqual(ce!.flags, ['subflow']);
    assert.equal(server.endpoints.length, 2);
    const [s6, s4] = server.endpoints;
    assert.equal(s6!.address, '2001:db8:2::2');
    assert.equal(s6!.port, 10100);
    assert.equal(s6!.dev, undefined);
    assert.deepEqual(s6!.flags, ['signal']);
    assert.equal(s4!.address, '198.18.1.2');
    assert.equal(s4!.id, 9);
    assert.deepEqual(s4!.flags, ['signal', 'backup']);
  });

  test('workload: connect l2 → the server address on l2, bind l1 → the client address on l1', () => {
    const w = l.workload;
    assert.equal(w.client, 'client');
    assert.equal(w.server, 'server');
    assert.equal(w.connect, '198.18.2.2');
    assert.equal(w.family, 4);
    assert.equal(w.bind, '198.18.1.1');
    assert.equal(w.direction, 'upload');
    assert.equal(w.sizeBytes, 4_000_000);
    assert.equal(w.connections, 1);
    assert.deepEqual(w.write, { chunkBytes: 65_536, pauseMs: 0 });
    assert.equal(w.clientMptcp, true);
    assert.equal(w.serverMptcp, true);
    assert.equal(w.port, undefined);
    assert.equal(w.abortAfterBytes, undefined);
  });

  test('events: one action each, in file order, with atMs', () => {
    assert.deepEqual(
      l.events.map((e) => [e.action, e.atMs]),
      [
        ['link-down', 1500],
        ['link-up', 2000],
        ['endpoint-add', 500],
        ['endpoint-delete', 3000],
        ['backup', 3000],
        ['impair', 4000],
        ['shell', 5],
      ],
    );
    const [down, up, add, del, backup, impair, shell] = l.events;
    assert.deepEqual(down, { action: 'link-down', link: 'l1', atMs: 1500 });
    assert.deepEqual(up, { action: 'link-up', link: 'l1', atMs: 2000 });
    assert.equal(add!.action, 'endpoint-add');
    if (add!.action === 'endpoint-add') {
      assert.equal(add!.host, 'server');
      assert.equal(add!.endpoint.address, '198.18.1.2');
      assert.equal(add!.endpoint.id, 7);
      assert.deepEqual(add!.endpoint.flags, ['signal']);
    }
    assert.equal(del!.action, 'endpoint-delete');
    if (del!.action === 'endpoint-delete') {
      assert.equal(del!.host, 'server');
      assert.equal(del!.id, 7);
      assert.equal(del!.address, undefined);
    }
    assert.equal(backup!.action, 'backup');
    if (backup!.action === 'backup') {
      assert.equal(backup!.host, 'client');
      assert.equal(backup!.address, '198.18.2.1');
      assert.equal(backup!.backup, true);
    }
    assert.equal(impair!.action, 'impair');
    if (impair!.action === 'impair') {
      assert.equal(impair!.link, 'l1');
      assert.equal(impair!.from, 'client');
      assert.deepEqual(impair!.impairment, { lossPct: 5 });
    }
    assert.deepEqual(shell, { action: 'shell', host: 'server', command: 'ip -s link', atMs: 5 });
  });
});

describe('labFromYaml: workload.connect', () => {
  const v6links = '  - between: [client, server]\n  - between: [client, server]\n    ipv6: true\n';
  const withConnect = (connect: string) => minimal('', v6links).replace('connect: l1', `connect: ${connect}`);

  test('"l2" → the server IPv4 address on l2', () => {
    const w = lab(withConnect('l2')).workload;
    assert.equal(w.connect, '198.18.2.2');
    assert.equal(w.family, 4);
  });

  test('"l2/6" → the server IPv6 address on l2, family 6', () => {
    const w = lab(withConnect('l2/6')).workload;
    assert.equal(w.connect, '2001:db8:2::2');
    assert.equal(w.family, 6);
  });

  test('"l2/4" → IPv4 explicitly', () => {
    assert.equal(lab(withConnect('l2/4')).workload.connect, '198.18.2.2');
  });

  test('a literal address of the server is kept', () => {
    assert.equal(lab(withConnect('198.18.1.2')).workload.connect, '198.18.1.2');
    const w = lab(withConnect('"2001:db8:2::2"')).workload;
    assert.equal(w.connect, '2001:db8:2::2');
    assert.equal(w.family, 6);
  });

  test('an IPv6-only link: the link name alone gives its IPv6 address', () => {
    const w = lab(minimal('', '  - between: [client, server]\n    ipv4: false\n    ipv6: true\n')).workload;
    assert.equal(w.connect, '2001:db8:1::2');
    assert.equal(w.family, 6);
  });
});

describe('labFromYaml: other shapes', () => {
  test('link names, side b as client, explicit addresses in the lab range', () => {
    const l = lab(`hosts:
  client:
  server:
links:
  - name: wifi
    between: [server, client]
    addresses:
      server: [198.18.7.1/24, 2001:db8:77::1/64]
      client: [198.18.7.20/24, 2001:db8:77::20/64]
  - name: lte
    between: [client, server]
workload: { client: client, server: server, connect: wifi }
`);
    assert.deepEqual(
      l.links.map((x) => x.name),
      ['wifi', 'lte'],
    );
    assert.deepEqual(l.links[0]!.a, { host: 'server', ifname: 'eth0' });
    assert.equal(l.links[0]!.v4, '198.18.7.0/24');
    assert.equal(l.links[0]!.v6, '2001:db8:77:0:0:0:0:0/64');
    const client = host(l, 'client');
    assert.deepEqual(
      client.interfaces.map((i) => [i.name, i.link, i.addresses.map((a) => a.address)]),
      [
        ['eth0', 'wifi', ['198.18.7.20', '2001:db8:77::20']],
        ['eth1', 'lte', ['198.18.2.1']],
      ],
    );
    assert.equal(l.workload.connect, '198.18.7.1');
  });

  test('routers get forwarding sysctls unless the lab sets them', () => {
    const l = lab(`hosts:
  client:
  r1: { forward: true, sysctls: { net.ipv6.conf.all.forwarding: 0 } }
  server:
links:
  - between: [client, r1]
  - between: [r1, server]
workload: { client: client, server: server, connect: l2 }
`);
    const r1 = host(l, 'r1');
    assert.equal(r1.forward, true);
    assert.deepEqual(r1.sysctls, { 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '0' });
    assert.deepEqual(host(l, 'client').sysctls, {});
  });

  test('workload details: direction, sizes, write, mptcp, port, abort-after; name and timeout', () => {
    const l = lab(`name: custom-name
timeout: 90s
hosts: { client: , server: }
links:
  - between: [client, server]
workload:
  client: client
  server: server
  connect: l1
  direction: both
  size: 64KiB
  connections: 3
  write: { chunk: 1k, pause: 20ms }
  mptcp: { server: false }
  port: 10000
  abort-after: 16k
`);
    assert.equal(l.name, 'custom-name');
    assert.equal(l.timeoutMs, 90_000);
    const w = l.workload;
    assert.equal(w.direction, 'both');
    assert.equal(w.sizeBytes, 65_536);
    assert.equal(w.connections, 3);
    assert.deepEqual(w.write, { chunkBytes: 1024, pauseMs: 20 });
    assert.equal(w.clientMptcp, true);
    assert.equal(w.serverMptcp, false);
    assert.equal(w.port, 10000);
    assert.equal(w.abortAfterBytes, 16_384);
  });

  test('expect: duration with a fixed max becomes durationMaxMs', () => {
    const l = lab(minimal('expect:\n  duration: { max: 2.5s }\n  join: { syn: 1, synack: 1, ack: ">=1" }\n'));
    assert.equal(l.expect.durationMaxMs, 2500);
    assert.equal('duration' in l.expect, false);
    assert.deepEqual(l.expect.join, { syn: 1, synack: 1, ack: '>=1' });
    assert.equal(l.expect.integrity, true);
  });

  test('compare: tolerances for differential runs, durations in ms, null turns one off', () => {
    assert.deepEqual(lab(minimal()).compare, {});
    const l = lab(
      minimal(
        'compare:\n  link_share: 0.3\n  duration_factor: null\n  duration_slack: 50ms\n  counters: { server.MPTCPRetrans: { relative: 0.5 } }\n',
      ),
    );
    assert.deepEqual(l.compare, {
      linkShare: 0.3,
      durationFactor: null,
      durationSlackMs: 50,
      counters: { 'server.MPTCPRetrans': { relative: 0.5 } },
    });
  });

  test('labFromObject and defineLab take the same model', () => {
    const input = {
      name: 'from-ts',
      hosts: { client: {}, server: {} },
      links: [{ between: ['client', 'server'] as [string, string], rate: '10mbit' }],
      workload: { client: 'client', server: 'server', connect: 'l1' },
    };
    const a = defineLab(input);
    assert.equal(a.name, 'from-ts');
    assert.equal(a.file, 'from-ts (defineLab)');
    assert.equal(a.workload.connect, '198.18.1.2');
    assert.equal(a.hosts[0]!.interfaces[0]!.egress.rateBps, 10e6);
    const b = labFromObject({ ...input, name: undefined }, 'labs/x/other.yaml');
    assert.equal(b.name, 'other');
  });

  test('the same text gives the same lab', () => {
    assert.deepEqual(labFromYaml(TWO_HOST, 'a.lab.yaml'), labFromYaml(TWO_HOST, 'a.lab.yaml'));
  });
});

test('known-bugs: one range or a list, kept as written', () => {
  const l = lab(
    `${minimal()}known-bugs:\n  - { check: integrity, kernels: '>=6.18 <6.19', description: d, reference: r }\n  - { check: join, kernels: ['6.1', '*'], description: e, reference: s }\n`,
  );
  assert.deepEqual(l.knownBugs, [
    { check: 'integrity', kernels: ['>=6.18 <6.19'], description: 'd', reference: 'r' },
    { check: 'join', kernels: ['6.1', '*'], description: 'e', reference: 's' },
  ]);
});
