// When the simulator says a packet has left its sending host (the `left`
// callback of Network.send, what TCP Small Queues waits for): when the
// bottleneck has serialized it, at once without a rate, at enqueue behind a
// delay or jitter (netem orphans the skb), at once when it is dropped; a
// forwarding node's packets are not reported again.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Network } from '../../../../engine/sim/network.js';
import type { LinkParamsInput } from '../../../../engine/sim/link.js';

const SIZE = 1500 - 34; // a 1500-byte wire frame with Ethernet + IPv4 headers

/** Sends `count` packets at 0 ms from a to b over one link; returns when each left a. */
function leftTimes(params: LinkParamsInput, count: number, opts: { down?: boolean } = {}): number[] {
  const net = new Network({ seed: 1 });
  net.addNode('a');
  net.addNode('b', { handler: () => {} });
  const link = net.addLink({ node: 'a', addresses: ['198.18.0.1/24'] }, { node: 'b', addresses: ['198.18.0.2/24'] }, { params });
  if (opts.down) link.setUp(false);
  const left: number[] = [];
  for (let i = 0; i < count; i += 1)
    net.send(0, 'a', { src: '198.18.0.1', dst: '198.18.0.2', bytes: new Uint8Array(SIZE) }, (now) => left.push(now));
  net.drive(10_000);
  return left;
}

describe('simulator: when a packet leaves its host', () => {
  test('behind a rate: when the bottleneck has serialized it', () => {
    // 1500 bytes at 12 Mbit/s: 1 ms each.
    assert.deepEqual(leftTimes({ rateBps: 12e6, queuePackets: 10 }, 3), [1, 2, 3]);
  });

  test('without a rate: at once', () => {
    assert.deepEqual(leftTimes({}, 2), [0, 0]);
  });

  test('with a delay or jitter (netem orphans the skb at enqueue): at once, even behind a rate', () => {
    assert.deepEqual(leftTimes({ rateBps: 12e6, delayMs: 5, queuePackets: 10 }, 3), [0, 0, 0]);
    assert.deepEqual(leftTimes({ rateBps: 12e6, jitterMs: 2, queuePackets: 10 }, 2), [0, 0]);
  });

  test('dropped by the queue, by loss or by a link that is down: at once', () => {
    // One packet being serialized, one waiting; the third is tail-dropped and reported at 0.
    assert.deepEqual(
      leftTimes({ rateBps: 12e6, queuePackets: 1 }, 3).sort((x, y) => x - y),
      [0, 1, 2],
    );
    assert.deepEqual(leftTimes({ lossPct: 100 }, 2), [0, 0]);
    assert.deepEqual(leftTimes({ rateBps: 12e6 }, 2, { down: true }), [0, 0]);
  });

  test('to itself or without a route: at once; a duplicate is reported once', () => {
    const net = new Network({ seed: 1 });
    net.addNode('a', { handler: () => {} });
    net.addNode('b', { handler: () => {} });
    net.addLink(
      { node: 'a', addresses: ['198.18.0.1/24'] },
      { node: 'b', addresses: ['198.18.0.2/24'] },
      { params: { rateBps: 12e6, duplicatePct: 100 } },
    );
    const left: string[] = [];
    const send = (dst: string, name: string): void =>
      net.send(0, 'a', { src: '198.18.0.1', dst, bytes: new Uint8Array(SIZE) }, (now) => left.push(`${name}@${now}`));
    send('198.18.0.1', 'self');
    send('203.0.113.1', 'no-route');
    send('198.18.0.2', 'dup');
    net.drive(10_000);
    assert.deepEqual(left.sort(), ['dup@1', 'no-route@0', 'self@0']);
  });

  test('a forwarding node does not report the packets it forwards', () => {
    const net = new Network({ seed: 1 });
    net.addNode('a');
    net.addNode('r', { forward: true });
    net.addNode('b', { handler: () => {} });
    net.addLink({ node: 'a', addresses: ['198.18.0.1/24'] }, { node: 'r', addresses: ['198.18.0.2/24'] }, { params: { rateBps: 12e6 } });
    net.addLink({ node: 'r', addresses: ['198.18.1.1/24'] }, { node: 'b', addresses: ['198.18.1.2/24'] }, { params: { rateBps: 12e6 } });
    net.node('a').addRoute('default', 0);
    net.node('b').addRoute('default', 0);
    const left: number[] = [];
    net.send(0, 'a', { src: '198.18.0.1', dst: '198.18.1.2', bytes: new Uint8Array(SIZE) }, (now) => left.push(now));
    net.drive(10_000);
    assert.deepEqual(left, [1], 'reported once, when it left a');
    assert.equal(net.link('link1').aToB.counters.rxPackets, 1, 'and it was forwarded');
  });
});
