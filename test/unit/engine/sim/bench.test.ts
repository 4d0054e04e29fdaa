// simBench is a measuring tool: these tests check what it simulates, never how
// fast (no timed assertions). `node dist/engine/sim/bench.js [packets]` prints a run.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simBench } from '../../../../engine/sim/bench.js';

describe('simBench', () => {
  test('pushes the packets through both paths and reports rates', () => {
    const r = simBench({ packets: 5000 });
    assert.equal(r.packets, 5000);
    assert.ok(r.delivered <= 5000 && r.delivered > 5000 * 0.98, `${r.delivered} delivered (0.1 % loss on each path)`);
    assert.ok(r.acks > 0 && r.acks <= r.delivered / 2);
    // 5000 × 1434 wire bytes at 95 % of 70 Mbit/s: about 0.86 s, plus path delay.
    assert.ok(r.simSeconds > 0.8 && r.simSeconds < 1.0, `${r.simSeconds} s simulated`);
    assert.ok(r.events >= 5000 * 3);
    for (const v of [r.wallSeconds, r.simSecondsPerWallSecond, r.packetsPerWallSecond, r.eventsPerWallSecond])
      assert.ok(Number.isFinite(v) && v > 0);
  });

  test('what it simulates is reproducible', () => {
    const pick = (r: ReturnType<typeof simBench>) => [r.delivered, r.acks, r.events, r.simSeconds];
    assert.deepEqual(pick(simBench({ packets: 3000, seed: 9 })), pick(simBench({ packets: 3000, seed: 9 })));
  });
});
