// The lab's rewrite reaches the simulator: at build time on the direction of the host that sends it,
// and from an impair event (set, or replaced from then on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labFromYaml } from '../../../../harness/lab/load.js';
import { applySimEvent, buildSimNetwork } from '../../../../harness/targets/sim/sim-lab.js';
import { emitSegment, tcpFlags } from '../../../../engine/tcp/segment.js';

const LAB = `hosts:
  client:
  server:
links:
  - between: [client, server]
    from:
      client: { rewrite: { packet: 2, offset: 0 } }
workload:
  client: client
  server: server
  connect: l1
`;

function segment(): Uint8Array {
  return emitSegment({
    srcPort: 1,
    dstPort: 2,
    seq: 1,
    ack: 1,
    flags: tcpFlags({ ack: true }),
    window: 100,
    options: [],
    payload: new Uint8Array(100),
  });
}

/** Send `n` long segments each way; how many each direction rewrote. */
function sendBoth(sim: ReturnType<typeof buildSimNetwork>, n: number): { aToB: number; bToA: number } {
  const link = sim.links['l1']!;
  const [ca, sa] = [sim.lab.hosts.find((h) => h.name === 'client')!, sim.lab.hosts.find((h) => h.name === 'server')!].map(
    (h) => h.interfaces[0]!.addresses[0]!.address,
  );
  for (let i = 0; i < n; i += 1) {
    sim.network.send(sim.network.now, 'client', { src: ca!, dst: sa!, bytes: segment() });
    sim.network.send(sim.network.now, 'server', { src: sa!, dst: ca!, bytes: segment() });
  }
  sim.network.drive(sim.network.now + 100);
  return { aToB: link.aToB.counters.rewritten, bToA: link.bToA.counters.rewritten };
}

test("the client's rewrite: its 2nd long segment only, none of the server's", () => {
  const sim = buildSimNetwork(labFromYaml(LAB, 'labs/test/rewrite.lab.yaml'), 1);
  assert.deepEqual(sendBoth(sim, 5), { aToB: 1, bToA: 0 });
});

test('an impair event from the server sets a rewrite on its direction from then on', () => {
  const sim = buildSimNetwork(
    labFromYaml(
      LAB.replace('      client: { rewrite: { packet: 2, offset: 0 } }\n', '      client: { rate: 10mbit }\n'),
      'labs/test/rewrite.lab.yaml',
    ),
    1,
  );
  assert.deepEqual(sendBoth(sim, 3), { aToB: 0, bToA: 0 });
  assert.equal(
    applySimEvent(sim, { action: 'impair', link: 'l1', from: 'server', impairment: { rewrite: { packet: 1, offset: 10 } } }),
    'applied',
  );
  assert.deepEqual(sendBoth(sim, 3), { aToB: 0, bToA: 1 });
});
