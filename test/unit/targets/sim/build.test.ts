// buildSimNetwork: the lab's hosts, links and addresses in the simulator,
// packets going where the kernel would send them (paths written out by hand
// from the lab's routes and rules, and every pair of lab addresses checked
// against the kernel model, hop by hop), and links that serialize at their
// rate.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CATALOGUE_DIR } from '../../../../harness/lab/catalogue.js';
import type { Lab } from '../../../../harness/lab/model.js';
import { buildSimNetwork, predictPath, simLinkBytes } from '../../../../harness/targets/sim/sim-lab.js';
import { addressesOf, catalogueLab, inlineLab, send, traced, unimpaired, type TracedSim } from './helpers.js';

/** Every lab address from every address of every host (same family): the sim does what the kernel model predicts. */
function assertAllPairsAsKernel(lab: Lab, requireDelivery: boolean | ((from: string, to: string) => boolean)): number {
  const t = traced(unimpaired(lab));
  const all = addressesOf(lab);
  let n = 0;
  for (const from of all) {
    for (const to of all.filter((x) => x.family === from.family)) {
      const predicted = predictPath(t.sim, from.host, from.address, to.address);
      const got = send(t, from.host, from.address, to.address);
      const where = `${lab.name}: ${from.host} ${from.address} → ${to.address}`;
      assert.equal(got.deliveredTo, predicted.deliveredTo, `${where}: delivered to`);
      assert.deepEqual(got.links.sort(), predicted.hops.map((h) => `${h.link}:${h.dir}`).sort(), `${where}: links`);
      const must = typeof requireDelivery === 'function' ? requireDelivery(from.host, to.host) : requireDelivery;
      if (must) assert.equal(got.deliveredTo, to.host, `${where}: the owner receives it`);
      n += 1;
    }
  }
  return n;
}

describe('buildSimNetwork: structure', () => {
  test('one node per host (forward as the lab), one link per lab link with its addresses and ethN names', () => {
    const lab = catalogueLab('basic/routed-chain.lab.yaml');
    const { network, nodes, links } = buildSimNetwork(lab, 7);
    assert.deepEqual(Object.keys(nodes), ['client', 'r1', 'r2', 'server']);
    assert.deepEqual(Object.keys(links), ['c1', 'mid', 's2']);
    assert.equal(nodes.r1!.forward, true);
    assert.equal(nodes.client!.forward, false);
    assert.equal(network.allLinks().length, 3);
    for (const h of lab.hosts) {
      const node = nodes[h.name]!;
      assert.deepEqual(
        node.interfaces.map((i) => i.name),
        h.interfaces.map((i) => i.name),
      );
      for (const [k, i] of h.interfaces.entries()) {
        assert.deepEqual(
          node.interfaces[k]!.addresses.map((a) => `${a.address}/${a.prefixLen}`),
          i.addresses.map((a) => `${a.address}/${a.prefixLen}`),
        );
        assert.equal(node.interfaces[k]!.link.name, i.link);
      }
    }
    assert.equal(links.c1!.a.node, 'client');
    assert.equal(links.c1!.b.node, 'r1');
  });

  test('each direction is impaired as its sending interface egress (per-side `from` impairments)', () => {
    const lab = inlineLab(`hosts:
  client:
  server:
links:
  - { between: [client, server], rate: 10mbit, delay: 5ms, queue: 50, from: { server: { rate: 2mbit, loss: 1% } } }
workload: { client: client, server: server, connect: l1 }
`);
    const { links } = buildSimNetwork(lab, 1);
    const l1 = links.l1!;
    assert.equal(l1.aToB.params.rateBps, 10_000_000);
    assert.equal(l1.aToB.params.delayMs, 5);
    assert.equal(l1.aToB.params.lossPct, 0);
    assert.equal(l1.aToB.params.queuePackets, 50);
    assert.equal(l1.bToA.params.rateBps, 2_000_000);
    assert.equal(l1.bToA.params.lossPct, 1);
    assert.equal(l1.bToA.params.delayMs, 5);
  });

  test('simLinkBytes: Observations.links by lab link name, bytes the sending side put on the wire', () => {
    const lab = catalogueLab('link/bandwidth-aggregation.lab.yaml');
    const t = traced(lab);
    send(t, 'client', '198.18.1.1', '198.18.1.2');
    // 40 bytes of segment + Ethernet (14) + IPv4 (20).
    assert.deepEqual(simLinkBytes(t.sim), { l1: { aToB: 74, bToA: 0 }, l2: { aToB: 0, bToA: 0 } });
  });
});

describe('buildSimNetwork: packets go where the kernel sends them', () => {
  test('routed-chain: through both routers and back, each hop on its link', () => {
    const t = traced(unimpaired(catalogueLab('basic/routed-chain.lab.yaml')));
    // c1 = 198.18.1.0/24 (client .1, r1 .2), mid = 198.18.2.0/24 (r1 .1, r2 .2), s2 = 198.18.3.0/24 (r2 .1, server .2).
    assert.deepEqual(send(t, 'client', '198.18.1.1', '198.18.3.2'), { deliveredTo: 'server', links: ['c1:aToB', 'mid:aToB', 's2:aToB'] });
    assert.deepEqual(send(t, 'server', '198.18.3.2', '198.18.1.1'), { deliveredTo: 'client', links: ['c1:bToA', 'mid:bToA', 's2:bToA'] });
    assert.deepEqual(send(t, 'client', '198.18.1.1', '198.18.2.2'), { deliveredTo: 'r2', links: ['c1:aToB', 'mid:aToB'] });
    assert.deepEqual(send(t, 'r1', '198.18.2.1', '198.18.3.2'), { deliveredTo: 'server', links: ['mid:aToB', 's2:aToB'] });
    // r1's own address on the far side of it: the router answers for it without forwarding (weak host).
    assert.deepEqual(send(t, 'client', '198.18.1.1', '198.18.2.1'), { deliveredTo: 'r1', links: ['c1:aToB'] });
  });

  test('routed-chain: every pair of addresses, as the kernel model predicts and always delivered', () => {
    assert.equal(assertAllPairsAsKernel(catalogueLab('basic/routed-chain.lab.yaml'), true), 6 * 6);
  });

  test('signal-address: two direct links; main decides, so a source on one link may leave by the other', () => {
    const t = traced(catalogueLab('signal/signal-address.lab.yaml'));
    // Table 101 (from 198.18.1.1) only holds 198.18.1.0/24; main's connected route takes 198.18.2.2 out of eth1.
    assert.deepEqual(send(t, 'client', '198.18.1.1', '198.18.2.2'), { deliveredTo: 'server', links: ['l2:aToB'] });
    assert.deepEqual(send(t, 'server', '198.18.2.2', '198.18.1.1'), { deliveredTo: 'client', links: ['l1:bToA'] });
    assert.deepEqual(send(t, 'client', '198.18.2.1', '198.18.1.2'), { deliveredTo: 'server', links: ['l1:aToB'] });
    assert.deepEqual(send(t, 'client', '198.18.2.1', '198.18.2.2'), { deliveredTo: 'server', links: ['l2:aToB'] });
    assert.equal(assertAllPairsAsKernel(catalogueLab('signal/signal-address.lab.yaml'), true), 4 * 4);
  });

  test('bandwidth-aggregation: every pair delivered', () => {
    assert.equal(assertAllPairsAsKernel(catalogueLab('link/bandwidth-aggregation.lab.yaml'), true), 16);
  });

  test('two routed paths: each source address leaves by its own router (per-address tables), main would not', () => {
    const lab = inlineLab(`hosts:
  client:
  r1: { forward: true }
  r2: { forward: true }
  server:
links:
  - { between: [client, r1] }
  - { between: [client, r2] }
  - { between: [r1, server] }
  - { between: [r2, server] }
workload: { client: client, server: server, connect: l3 }
`);
    const t = traced(lab);
    // l1 198.18.1.0/24 client-r1, l2 198.18.2.0/24 client-r2, l3 198.18.3.0/24 r1-server, l4 198.18.4.0/24 r2-server.
    const mainRoute = lab.hosts.find((h) => h.name === 'client')!.routes.find((r) => r.table === undefined && r.to === '198.18.3.0/24')!;
    assert.equal(mainRoute.dev, 'eth0', 'main reaches the server through r1');
    assert.deepEqual(send(t, 'client', '198.18.2.1', '198.18.3.2'), { deliveredTo: 'server', links: ['l2:aToB', 'l4:aToB'] });
    assert.deepEqual(send(t, 'client', '198.18.1.1', '198.18.4.2'), { deliveredTo: 'server', links: ['l1:aToB', 'l3:aToB'] });
    assert.deepEqual(send(t, 'server', '198.18.4.2', '198.18.1.1'), { deliveredTo: 'client', links: ['l2:bToA', 'l4:bToA'] });
    assert.deepEqual(send(t, 'server', '198.18.3.2', '198.18.2.1'), { deliveredTo: 'client', links: ['l1:bToA', 'l3:bToA'] });
    // A router forwards by main: r2 sends the server's other subnet straight to the server.
    assert.deepEqual(send(t, 'r2', '198.18.2.2', '198.18.3.2'), { deliveredTo: 'server', links: ['l4:aToB'] });
    // Between the end hosts everything arrives. (Not between every pair: the client's table for
    // 198.18.1.1 reaches r2's 198.18.4.1 through r1, which can only hand it to the server, which
    // does not forward; the kernel drops it there too, and the sim does what the kernel does.)
    const ends = (h: string) => h === 'client' || h === 'server';
    assert.equal(
      assertAllPairsAsKernel(lab, (a, b) => ends(a) && ends(b)),
      8 * 8,
    );
  });

  test('IPv6 and mixed labs: every pair of the same family', () => {
    assert.equal(assertAllPairsAsKernel(catalogueLab('basic/ipv6-only.lab.yaml'), true), 16);
    assert.equal(assertAllPairsAsKernel(catalogueLab('mixed/mixed-v4-v6.lab.yaml'), true), 32);
    const chain6 = inlineLab(`hosts:
  client:
  r1: { forward: true }
  server:
links:
  - { between: [client, r1], ipv6: true }
  - { between: [r1, server], ipv6: true }
  - { between: [r1, server], ipv6: true }
workload: { client: client, server: server, connect: l2 }
`);
    assert.equal(assertAllPairsAsKernel(chain6, true), 6 * 6 + 6 * 6);
  });

  test('the whole catalogue builds and routes as the kernel model predicts', () => {
    const files = readdirSync(CATALOGUE_DIR, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.lab.yaml'))
      .sort();
    assert.ok(files.length >= 3);
    let labs = 0;
    for (const f of files) {
      let lab: Lab;
      try {
        lab = catalogueLab(f);
      } catch {
        continue; // a catalogue file being edited: not this module's business
      }
      assert.ok(assertAllPairsAsKernel(lab, false) > 0, relative(CATALOGUE_DIR, join(CATALOGUE_DIR, f)));
      labs += 1;
    }
    assert.ok(labs >= 3, `${labs} labs checked`);
  });
});

describe('buildSimNetwork: rate, loss and seeds', () => {
  /** Arrival times at `host` of packets sent back to back. */
  function arrivals(t: TracedSim, host: string, src: string, dst: string, count: number, segment: number): number[] {
    const times: number[] = [];
    t.sim.nodes[host]!.setHandler((now) => times.push(now));
    const start = t.sim.network.now;
    for (let k = 0; k < count; k += 1)
      t.sim.network.send(start, t.sim.network.node(t.sim.lab.workload.client), { src, dst, bytes: new Uint8Array(segment) });
    t.sim.network.driveBounded(100_000);
    return times.map((x) => x - start);
  }

  test('a 10 mbit link serializes at 10 Mbit/s: full-size segments 1.1856 ms apart', () => {
    const t = traced(catalogueLab('link/bandwidth-aggregation.lab.yaml'));
    const times = arrivals(t, 'server', '198.18.1.1', '198.18.1.2', 50, 1448);
    const wireBits = (1448 + 14 + 20) * 8;
    assert.equal(times.length, 50);
    times.forEach((at, k) => assert.ok(Math.abs(at - ((k + 1) * wireBits) / 10_000) < 1e-9, `packet ${k} at ${at} ms`));
    const rate = (50 * wireBits) / (times[49]! / 1000);
    assert.ok(Math.abs(rate - 10_000_000) < 1, `${rate} bit/s`);
    assert.deepEqual(simLinkBytes(t.sim).l1, { aToB: 50 * (1448 + 34), bToA: 0 });
  });

  test('the two 10 mbit links are independent: both at once take the time of one', () => {
    const t = traced(catalogueLab('link/bandwidth-aggregation.lab.yaml'));
    const times: number[] = [];
    t.sim.nodes.server!.setHandler((now) => times.push(now));
    for (let k = 0; k < 40; k += 1) {
      t.sim.network.send(0, 'client', { src: '198.18.1.1', dst: '198.18.1.2', bytes: new Uint8Array(1448) });
      t.sim.network.send(0, 'client', { src: '198.18.2.1', dst: '198.18.2.2', bytes: new Uint8Array(1448) });
    }
    t.sim.network.driveBounded(100_000);
    assert.equal(times.length, 80);
    assert.ok(Math.abs(Math.max(...times) - (40 * 1482 * 8) / 10_000) < 1e-9);
  });

  test('loss on the middle hop of routed-chain: about 2 %, the same for the same seed', () => {
    const count = (seed: number) => {
      const t = traced(catalogueLab('basic/routed-chain.lab.yaml'), seed);
      let got = 0;
      t.sim.nodes.server!.setHandler(() => (got += 1));
      for (let k = 0; k < 2000; k += 1)
        t.sim.network.send(k * 0.01, 'client', { src: '198.18.1.1', dst: '198.18.3.2', bytes: new Uint8Array(100) });
      t.sim.network.driveBounded(1_000_000);
      return { got, lost: t.sim.links.mid!.aToB.counters.dropLoss };
    };
    const a = count(42);
    assert.equal(a.got + a.lost, 2000);
    assert.ok(a.lost >= 15 && a.lost <= 70, `${a.lost} lost of 2000`);
    assert.deepEqual(count(42), a);
  });
});
