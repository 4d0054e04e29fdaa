// Packets handed between endpoints as segment records (what the engine target
// does, sparing the emit and the parse) behave exactly as their bytes: the
// same packets go out, byte for byte, and the same data and counters result.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { concat, firstConn, sameBytes, topology, transfer } from './core-sim.js';
import type { LinkParamsInput } from '../../../engine/sim/link.js';

function run(records: boolean, links: readonly LinkParamsInput[], join: boolean) {
  const t = topology(links, { seed: 7, records });
  const r = transfer(t, { size: 300_000, ...(join ? { join: {} } : {}) });
  return {
    trace: t.trace,
    up: concat(t.server.received.get(firstConn(t.server))),
    down: concat(t.client.received.get(r.conn)),
    mib: [t.client.ep.mib.snapshot(), t.server.ep.mib.snapshot()],
    upSent: r.up,
  };
}

describe('segment records between endpoints', () => {
  for (const [name, links, join] of [
    ['one lossy link', [{ delayMs: 5, rateBps: 20e6, lossPct: 2 }], false],
    [
      'two links, a join, reordering and duplicates',
      [
        { delayMs: 5, rateBps: 20e6 },
        { delayMs: 9, jitterMs: 3, duplicatePct: 2, lossPct: 1 },
      ],
      true,
    ],
  ] as const) {
    test(`${name}: the same packets, data and counters as bytes`, () => {
      const asBytes = run(false, links, join);
      const asRecords = run(true, links, join);
      assert.ok(asBytes.trace.length > 200, 'packets went');
      assert.deepEqual(asRecords.trace, asBytes.trace);
      assert.ok(sameBytes(asRecords.up, asBytes.up) && sameBytes(asRecords.up, asRecords.upSent), 'upload intact');
      assert.ok(sameBytes(asRecords.down, asBytes.down), 'download the same');
      assert.deepEqual(asRecords.mib, asBytes.mib);
    });
  }
});
