// applySimEvent: link down/up as `ip link set` on both ends (the link loses
// what is in flight, routing changes the kernel's way), impairment changes
// per side, and the events the simulator leaves to the engine.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TimedEvent } from '../../../../harness/lab/model.js';
import { applySimEvent, buildSimNetwork, predictPath, scheduleSimEvents, simLinkBytes } from '../../../../harness/targets/sim/sim-lab.js';
import { addressesOf, catalogueLab, inlineLab, send, traced, unimpaired } from './helpers.js';

describe('link-down / link-up', () => {
  test('two direct links, IPv4: the fallback table carries the other address; the link comes back', () => {
    const t = traced(catalogueLab('signal/signal-address.lab.yaml'));
    assert.equal(applySimEvent(t.sim, { action: 'link-down', link: 'l1' }), 'applied');
    assert.equal(t.sim.links.l1!.up, false);
    assert.deepEqual(send(t, 'client', '198.18.1.1', '198.18.1.2'), { dropped: 'no-route at client', links: [] });
    assert.deepEqual(send(t, 'client', '198.18.2.1', '198.18.1.2'), { deliveredTo: 'server', links: ['l2:aToB'] });
    assert.deepEqual(send(t, 'server', '198.18.1.2', '198.18.2.1'), { deliveredTo: 'client', links: ['l2:bToA'] });
    assert.deepEqual(send(t, 'client', '198.18.1.1', '198.18.2.2'), { deliveredTo: 'server', links: ['l2:aToB'] });
    assert.deepEqual(send(t, 'server', '198.18.2.2', '198.18.1.1'), { deliveredTo: 'client', links: ['l2:bToA'] });
    assert.equal(applySimEvent(t.sim, { action: 'link-up', link: 'l1' }), 'applied');
    assert.deepEqual(send(t, 'client', '198.18.1.1', '198.18.1.2'), { deliveredTo: 'server', links: ['l1:aToB'] });
    assert.deepEqual(send(t, 'client', '198.18.2.1', '198.18.1.2'), { deliveredTo: 'server', links: ['l1:aToB'] });
  });

  test('what is queued or in flight when the link goes down is lost', () => {
    const lab = inlineLab(`hosts:
  client:
  server:
links:
  - { between: [client, server], delay: 10ms }
workload: { client: client, server: server, connect: l1 }
`);
    const sim = buildSimNetwork(lab, 3);
    let got = 0;
    sim.nodes.server!.setHandler(() => (got += 1));
    sim.network.send(0, 'client', { src: '198.18.1.1', dst: '198.18.1.2', bytes: new Uint8Array(100) });
    sim.network.drive(5);
    applySimEvent(sim, { action: 'link-down', link: 'l1' });
    sim.network.drive(50);
    assert.equal(got, 0);
    assert.equal(sim.links.l1!.aToB.counters.dropDown, 1);
  });

  test('through routers: after down and up the client has lost its static routes, the router its connected one is back', () => {
    const t = traced(unimpaired(catalogueLab('basic/routed-chain.lab.yaml')));
    applySimEvent(t.sim, { action: 'link-down', link: 'c1' });
    assert.deepEqual(send(t, 'server', '198.18.3.2', '198.18.1.1'), { dropped: 'no-route at r1', links: ['mid:bToA', 's2:bToA'] });
    applySimEvent(t.sim, { action: 'link-up', link: 'c1' });
    assert.deepEqual(send(t, 'client', '198.18.1.1', '198.18.3.2'), { dropped: 'no-route at client', links: [] });
    assert.deepEqual(send(t, 'client', '198.18.1.1', '198.18.1.2'), { deliveredTo: 'r1', links: ['c1:aToB'] });
    assert.deepEqual(send(t, 'server', '198.18.3.2', '198.18.1.1'), { deliveredTo: 'client', links: ['c1:bToA', 'mid:bToA', 's2:bToA'] });
  });

  test('IPv6: the addresses of the link are gone after down and up; the fallback route brings packets for them to a host that no longer has them', () => {
    const t = traced(catalogueLab('basic/ipv6-only.lab.yaml'));
    applySimEvent(t.sim, { action: 'link-down', link: 'l1' });
    applySimEvent(t.sim, { action: 'link-up', link: 'l1' });
    assert.deepEqual(send(t, 'server', '2001:db8:2::2', '2001:db8:1::1'), { dropped: 'not-local at client', links: ['l2:bToA'] });
    assert.deepEqual(send(t, 'client', '2001:db8:2::1', '2001:db8:2::2'), { deliveredTo: 'server', links: ['l2:aToB'] });
    // The server's address on l1 went the same way: the fallback route takes it to a server that no longer has it.
    assert.deepEqual(send(t, 'client', '2001:db8:2::1', '2001:db8:1::2'), { dropped: 'not-local at server', links: ['l2:aToB'] });
  });

  test('after link events every pair of addresses still goes where the kernel model says', () => {
    for (const [file, link] of [
      ['link/link-failure.lab.yaml', 'l2'],
      ['basic/routed-chain.lab.yaml', 'mid'],
      ['mixed/mixed-v4-v6.lab.yaml', 'l1'],
    ] as const) {
      const lab = unimpaired(catalogueLab(file));
      const t = traced(lab);
      for (const step of ['link-down', 'link-up'] as const) {
        applySimEvent(t.sim, { action: step, link });
        const all = addressesOf(lab);
        for (const from of all) {
          for (const to of all.filter((x) => x.family === from.family)) {
            const p = predictPath(t.sim, from.host, from.address, to.address);
            const got = send(t, from.host, from.address, to.address);
            const where = `${file} after ${step}: ${from.address} → ${to.address}`;
            assert.equal(got.deliveredTo, p.deliveredTo, where);
            assert.equal(got.dropped, p.dropped ? `${p.dropped.reason} at ${p.dropped.at}` : undefined, where);
            assert.deepEqual(got.links.sort(), p.hops.map((h) => `${h.link}:${h.dir}`).sort(), where);
          }
        }
      }
      assert.deepEqual(
        [...t.sim.fibRouted].sort(),
        [lab.links.find((l) => l.name === link)!.a.host, lab.links.find((l) => l.name === link)!.b.host].sort(),
      );
    }
  });
});

describe('impair', () => {
  test('from one side: only what that side sends; laid over the link as it was', () => {
    const t = traced(catalogueLab('link/bandwidth-aggregation.lab.yaml'));
    assert.equal(
      applySimEvent(t.sim, { action: 'impair', link: 'l1', from: 'client', impairment: { lossPct: 100, delayMs: 5 } }),
      'applied',
    );
    const l1 = t.sim.links.l1!;
    assert.equal(l1.aToB.params.lossPct, 100);
    assert.equal(l1.aToB.params.delayMs, 5);
    assert.equal(l1.aToB.params.rateBps, 10_000_000, 'the rate the link had stays');
    assert.equal(l1.bToA.params.lossPct, 0);
    assert.deepEqual(send(t, 'client', '198.18.1.1', '198.18.1.2'), { dropped: 'loss at client', links: [] });
    assert.deepEqual(send(t, 'server', '198.18.1.2', '198.18.1.1'), { deliveredTo: 'client', links: ['l1:bToA'] });
  });

  test('without from: both directions; a new rate applies to what is sent next', () => {
    const sim = buildSimNetwork(catalogueLab('link/bandwidth-aggregation.lab.yaml'), 5);
    applySimEvent(sim, { action: 'impair', link: 'l2', impairment: { rateBps: 1_000_000 } });
    assert.equal(sim.links.l2!.aToB.params.rateBps, 1_000_000);
    assert.equal(sim.links.l2!.bToA.params.rateBps, 1_000_000);
    const times: number[] = [];
    sim.nodes.server!.setHandler((now) => times.push(now));
    for (let k = 0; k < 3; k += 1) sim.network.send(0, 'client', { src: '198.18.2.1', dst: '198.18.2.2', bytes: new Uint8Array(1000) });
    sim.network.driveBounded(1000);
    assert.deepEqual(
      times.map((x) => Number(x.toFixed(6))),
      [8.272, 16.544, 24.816],
    );
  });

  test('a side that is not on the link, or a link that does not exist, is an error', () => {
    const sim = buildSimNetwork(catalogueLab('basic/routed-chain.lab.yaml'), 1);
    assert.throws(
      () => applySimEvent(sim, { action: 'impair', link: 'c1', from: 'server', impairment: { lossPct: 1 } }),
      /server is not on that link/,
    );
    assert.throws(() => applySimEvent(sim, { action: 'link-down', link: 'nope' }), /no link nope/);
  });
});

describe('events for the engine', () => {
  test('endpoint, backup and shell events are unsupported here', () => {
    const sim = buildSimNetwork(catalogueLab('signal/signal-address.lab.yaml'), 1);
    assert.equal(
      applySimEvent(sim, { action: 'endpoint-add', host: 'client', endpoint: { address: '198.18.2.1', flags: ['subflow'] } }),
      'unsupported',
    );
    assert.equal(applySimEvent(sim, { action: 'endpoint-delete', host: 'client', id: 2 }), 'unsupported');
    assert.equal(applySimEvent(sim, { action: 'endpoint-flush', host: 'client' }), 'unsupported');
    assert.equal(applySimEvent(sim, { action: 'backup', host: 'client', id: 2, backup: true }), 'unsupported');
    assert.equal(applySimEvent(sim, { action: 'shell', host: 'client', command: 'true' }), 'unsupported');
  });

  test('scheduleSimEvents: in virtual time, reported like Observations.applied; a handler may take the engine ones', () => {
    const sim = buildSimNetwork(catalogueLab('signal/signal-address.lab.yaml'), 1);
    sim.network.drive(10);
    const events: TimedEvent[] = [
      { atMs: 100, action: 'link-down', link: 'l2' },
      { atMs: 50, action: 'endpoint-flush', host: 'client' },
      { atMs: 70, action: 'backup', host: 'client', id: 1, backup: true },
    ];
    const { applied } = scheduleSimEvents(sim, events, { handle: (_now, e) => e.action === 'backup' });
    sim.network.drive(99);
    assert.equal(sim.links.l2!.up, true);
    sim.network.drive(200);
    assert.equal(sim.links.l2!.up, false);
    assert.deepEqual(applied, [
      { atMs: 50, what: 'endpoint-flush client', ok: false, error: 'not supported by the simulator' },
      { atMs: 70, what: 'backup client id 1', ok: true },
      { atMs: 100, what: 'link-down l2', ok: true },
    ]);
  });
});

describe('determinism', () => {
  test('the same seed gives the same run bit for bit; another seed another one', () => {
    const lab = inlineLab(`hosts:
  client:
  server:
links:
  - { between: [client, server], rate: 20mbit, delay: 5ms, jitter: 2ms, loss: 5%, duplicate: 2%, reorder: 10% }
workload: { client: client, server: server, connect: l1 }
`);
    const runOnce = (seed: number) => {
      const sim = buildSimNetwork(lab, seed);
      const arrivals: string[] = [];
      sim.nodes.server!.setHandler((now, p) => arrivals.push(`${now.toFixed(9)}:${p.bytes[0]}`));
      for (let k = 0; k < 300; k += 1)
        sim.network.send(k * 0.2, 'client', { src: '198.18.1.1', dst: '198.18.1.2', bytes: Uint8Array.of(k & 0xff, 0, 0, 0) });
      sim.network.driveBounded(100_000);
      return { arrivals, bytes: simLinkBytes(sim) };
    };
    const a = runOnce(11);
    assert.deepEqual(runOnce(11), a);
    assert.notDeepEqual(runOnce(12).arrivals, a.arrivals);
  });
});
