// Routes and policy routing as labFromYaml computes them (routes.ts via
// normalize.ts): only lab subnets, no default route, every host reaches
// every address through forwarding hosts, one table per local address on
// multi-homed hosts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { inLabRange, networkOf } from '../../../harness/lab/addresses.js';
import type { Host, Lab, Route } from '../../../harness/lab/model.js';
import { chainYaml, host, lab, minimal } from './fixtures.js';

const key = (r: Route) => `${r.table ?? 'main'} ${r.to}${r.via ? ` via ${r.via}` : ''} dev ${r.dev}`;
const sorted = (rs: Route[]) => rs.map(key).sort();

function ownerOf(l: Lab, address: string): Host | undefined {
  return l.hosts.find((h) => h.interfaces.some((i) => i.addresses.some((a) => a.address === address)));
}

/**
 * Walks the main tables from `from` towards `address`: a connected subnet
 * delivers directly, otherwise the route to the subnet gives the next hop.
 * Every host in the middle must forward. Returns the hosts visited.
 */
function walk(l: Lab, from: Host, address: string): string[] {
  const family = isIP(address) as 4 | 6;
  const path = [from.name];
  let cur = from;
  for (let hops = 0; hops < 8; hops += 1) {
    if (cur.interfaces.some((i) => i.addresses.some((a) => a.address === address))) return path;
    if (cur !== from) assert.ok(cur.forward, `${path.join(' → ')}: ${cur.name} does not forward`);
    const connected = cur.interfaces.find((i) =>
      i.addresses.some((a) => a.family === family && networkOf(a) === networkOf({ ...a, address })),
    );
    let next: Host | undefined;
    if (connected) {
      next = ownerOf(l, address);
      assert.equal(next?.name, connected.peer.host, `${address} is on ${cur.name}'s ${connected.name} but owned by ${next?.name}`);
    } else {
      const route = cur.routes.find(
        (r) =>
          r.table === undefined && r.family === family && r.to === networkOf({ family, address, prefixLen: Number(r.to.split('/')[1]) }),
      );
      assert.ok(route, `${path.join(' → ')}: ${cur.name} has no route to ${address}`);
      assert.ok(route.via, `${key(route)} has no gateway`);
      const dev = cur.interfaces.find((i) => i.name === route.dev);
      assert.ok(dev, `${cur.name} has no ${route.dev}`);
      assert.ok(
        dev.peer.addresses.some((a) => a.address === route.via),
        `${route.via} is not the peer of ${cur.name} ${route.dev}`,
      );
      next = ownerOf(l, route.via);
    }
    assert.ok(next, `nobody owns the next hop towards ${address}`);
    path.push(next.name);
    cur = next;
  }
  assert.fail(`loop: ${path.join(' → ')}`);
}

/** Every host of `from` reaches every address of every host of `to` (default: all hosts). */
function assertFullReach(l: Lab, from?: string[], to?: string[]): void {
  const targets = l.hosts.filter((h) => !to || to.includes(h.name));
  const all = targets.flatMap((h) => h.interfaces.flatMap((i) => i.addresses.map((a) => a.address)));
  assert.ok(all.length > 0);
  for (const h of l.hosts.filter((x) => !from || from.includes(x.name))) for (const a of all) walk(l, h, a);
}

function assertNoWayOut(l: Lab): void {
  for (const h of l.hosts) {
    for (const r of h.routes) {
      assert.notEqual(r.to, 'default', `${h.name}: ${key(r)}`);
      const [net, len] = r.to.split('/');
      assert.ok(net && inLabRange(net), `${h.name}: ${key(r)} leaves the lab`);
      assert.ok(Number(len) >= 16, `${h.name}: ${key(r)} is too wide`);
      if (r.via) assert.ok(inLabRange(r.via), `${h.name}: ${key(r)}`);
    }
  }
}

describe('two hosts, two links: policy routing', () => {
  const l = lab(minimal());
  test('one rule and one table per local address, tables from 101, and a fallback after main', () => {
    for (const [name, side, peer] of [
      ['client', 1, 2],
      ['server', 2, 1],
    ] as const) {
      const h = host(l, name);
      assert.deepEqual(h.rules, [
        { family: 4, from: `198.18.1.${side}`, table: 101 },
        { family: 4, from: `198.18.1.${side}`, table: 201, priority: 40000 },
        { family: 4, from: `198.18.2.${side}`, table: 102 },
        { family: 4, from: `198.18.2.${side}`, table: 202, priority: 40000 },
      ]);
      // Fallback tables reach the peer's other address over this link (for subflows bound to a device).
      assert.deepEqual(h.routes, [
        { family: 4, to: '198.18.1.0/24', dev: 'eth0', table: 101 },
        { family: 4, to: '198.18.2.0/24', via: `198.18.1.${peer}`, dev: 'eth0', table: 201 },
        { family: 4, to: '198.18.2.0/24', dev: 'eth1', table: 102 },
        { family: 4, to: '198.18.1.0/24', via: `198.18.2.${peer}`, dev: 'eth1', table: 202 },
      ]);
    }
  });

  test('IPv6 on both links adds IPv6 rules and tables after the IPv4 ones', () => {
    const v6 = lab(minimal('', '  - between: [client, server]\n    ipv6: true\n  - between: [client, server]\n    ipv6: true\n'));
    const c = host(v6, 'client');
    assert.deepEqual(
      c.rules.filter((r) => r.priority === undefined),
      [
        { family: 4, from: '198.18.1.1', table: 101 },
        { family: 4, from: '198.18.2.1', table: 102 },
        { family: 6, from: '2001:db8:1::1', table: 103 },
        { family: 6, from: '2001:db8:2::1', table: 104 },
      ],
    );
    assert.deepEqual(
      sorted(c.routes).filter((r) => Number(r.split(' ')[0]) < 200),
      [
        '101 198.18.1.0/24 dev eth0',
        '102 198.18.2.0/24 dev eth1',
        '103 2001:db8:1:0:0:0:0:0/64 dev eth0',
        '104 2001:db8:2:0:0:0:0:0/64 dev eth1',
      ],
    );
    assert.ok(sorted(c.routes).includes('204 2001:db8:1:0:0:0:0:0/64 via 2001:db8:2::2 dev eth1'));
  });

  test('IPv6 on one link only: no IPv6 table (one interface of that family)', () => {
    const one = lab(minimal('', '  - between: [client, server]\n  - between: [client, server]\n    ipv6: true\n'));
    assert.equal(
      host(one, 'client').rules.some((r) => r.family === 6),
      false,
    );
    assert.equal(
      host(one, 'client').routes.some((r) => r.family === 6),
      false,
    );
  });

  test('a single link: no rules, no routes', () => {
    const single = lab(minimal('', '  - between: [client, server]\n'));
    for (const h of single.hosts) {
      assert.deepEqual(h.rules, []);
      assert.deepEqual(h.routes, []);
    }
  });
});

describe('chain client – r1 – r2 – server', () => {
  const l = lab(chainYaml());

  test('interfaces and addresses along the chain', () => {
    assert.deepEqual(
      l.hosts.map((h) => [h.name, h.interfaces.map((i) => `${i.name}=${i.addresses[0]!.address}`)]),
      [
        ['client', ['eth0=198.18.1.1']],
        ['r1', ['eth0=198.18.1.2', 'eth1=198.18.2.1']],
        ['r2', ['eth0=198.18.2.2', 'eth1=198.18.3.1']],
        ['server', ['eth0=198.18.3.2']],
      ],
    );
  });

  test('end hosts route the remote subnets through their router', () => {
    assert.deepEqual(sorted(host(l, 'client').routes), [
      'main 198.18.2.0/24 via 198.18.1.2 dev eth0',
      'main 198.18.3.0/24 via 198.18.1.2 dev eth0',
    ]);
    assert.deepEqual(sorted(host(l, 'server').routes), [
      'main 198.18.1.0/24 via 198.18.3.1 dev eth0',
      'main 198.18.2.0/24 via 198.18.3.1 dev eth0',
    ]);
    assert.deepEqual(host(l, 'client').rules, []);
    assert.deepEqual(host(l, 'server').rules, []);
  });

  test('routers route the far subnet through the other router', () => {
    const r1 = host(l, 'r1');
    const r2 = host(l, 'r2');
    assert.deepEqual(sorted(r1.routes.filter((r) => r.table === undefined)), ['main 198.18.3.0/24 via 198.18.2.2 dev eth1']);
    assert.deepEqual(sorted(r2.routes.filter((r) => r.table === undefined)), ['main 198.18.1.0/24 via 198.18.2.1 dev eth0']);
    assert.deepEqual(r1.rules, [
      { family: 4, from: '198.18.1.2', table: 101 },
      { family: 4, from: '198.18.2.1', table: 102 },
    ]);
    assert.deepEqual(sorted(r1.routes.filter((r) => r.table !== undefined)), [
      '101 198.18.1.0/24 dev eth0',
      '102 198.18.2.0/24 dev eth1',
      '102 198.18.3.0/24 via 198.18.2.2 dev eth1',
    ]);
  });

  test('every host reaches every address; no default route anywhere', () => {
    assertNoWayOut(l);
    assertFullReach(l);
    assert.deepEqual(walk(l, host(l, 'client'), '198.18.3.2'), ['client', 'r1', 'r2', 'server']);
    assert.deepEqual(walk(l, host(l, 'server'), '198.18.1.1'), ['server', 'r2', 'r1', 'client']);
  });

  test('the same with IPv6 on every link', () => {
    const v6 = lab(chainYaml(true));
    assertNoWayOut(v6);
    assertFullReach(v6);
    assert.deepEqual(walk(v6, host(v6, 'client'), '2001:db8:3::2'), ['client', 'r1', 'r2', 'server']);
    assert.ok(host(v6, 'client').routes.some((r) => r.family === 6 && r.to === '2001:db8:3:0:0:0:0:0/64' && r.via === '2001:db8:1::2'));
  });

  test('a multi-homed client behind two routers (every path reaches every address)', () => {
    const two = lab(`hosts:
  client:
  ra: { forward: true }
  rb: { forward: true }
  server:
links:
  - between: [client, ra]
  - between: [client, rb]
  - between: [ra, server]
  - between: [rb, server]
workload: { client: client, server: server, connect: l3 }
`);
    assertNoWayOut(two);
    // ra and rb only meet through end hosts, so they do not reach each other;
    // the end hosts reach everything and the routers reach the end hosts.
    assertFullReach(two, ['client', 'server']);
    assertFullReach(two, ['ra', 'rb'], ['client', 'server']);
    const c = host(two, 'client');
    assert.deepEqual(c.rules, [
      { family: 4, from: '198.18.1.1', table: 101 },
      { family: 4, from: '198.18.2.1', table: 102 },
    ]);
    // Each table sends the server subnets out of its own link.
    const t101 = c.routes.filter((r) => r.table === 101);
    const t102 = c.routes.filter((r) => r.table === 102);
    for (const net of ['198.18.3.0/24', '198.18.4.0/24']) {
      assert.deepEqual(
        t101.filter((r) => r.to === net).map((r) => [r.via, r.dev]),
        [['198.18.1.2', 'eth0']],
        `101 → ${net}`,
      );
      assert.deepEqual(
        t102.filter((r) => r.to === net).map((r) => [r.via, r.dev]),
        [['198.18.2.2', 'eth1']],
        `102 → ${net}`,
      );
    }
  });

  test('a subnet is reached through its router rather than through an end host on it', () => {
    // l3 joins r1 and server; client reaches server directly (l1) and r1 (l2).
    // Only r1 can deliver to every address of l3, so the route goes through it.
    const tri = lab(`hosts: { client: , r1: { forward: true }, server: }
links:
  - between: [client, server]
  - between: [client, r1]
  - between: [r1, server]
workload: { client: client, server: server, connect: l1 }
`);
    const client = host(tri, 'client');
    assert.deepEqual(
      client.routes.filter((r) => r.table === undefined),
      [{ family: 4, to: '198.18.3.0/24', via: '198.18.2.2', dev: 'eth1' }],
    );
    assertNoWayOut(tri);
    assertFullReach(tri, ['client']);
    assert.deepEqual(walk(tri, client, '198.18.3.2'), ['client', 'r1', 'server']);
  });

  test('an end host answers for its own addresses but is never a transit hop', () => {
    // client – server – far: server does not forward.
    const l2 = lab(`hosts: { client: , server: , far: }
links:
  - between: [client, server]
  - between: [server, far]
workload: { client: client, server: server, connect: l1 }
`);
    const client = host(l2, 'client');
    assert.deepEqual(client.routes, [{ family: 4, to: '198.18.2.0/24', via: '198.18.1.2', dev: 'eth0' }]);
    assert.deepEqual(walk(l2, client, '198.18.2.1'), ['client', 'server']);
    assert.throws(() => walk(l2, client, '198.18.2.2'), /server does not forward/);
    assertNoWayOut(l2);
  });
});
