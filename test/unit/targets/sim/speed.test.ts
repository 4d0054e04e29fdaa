// How the engine's speed is measured (engineSpeed, simulateLab's stats), and
// which labs need TCP checksums on the engine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadLabFile } from '../../../../harness/lab/load.js';
import { labCorrupts, simulateLab } from '../../../../harness/targets/sim/run-lab.js';
import { engineSpeed } from '../../../../harness/targets/sim/speed.js';
import { catalogueLab } from './helpers.js';

const quick = () => loadLabFile('test/fixtures/labs/quick.lab.yaml');

test('simulateLab counts the packets put on links and the simulated time, and gives runLabOnEngine its result', async () => {
  const lab = await quick();
  const { result, stats } = simulateLab(lab, { seed: 2 });
  assert.equal(result.status, 'pass');
  assert.ok(stats, 'a lab that ran has stats');
  // 64 KiB in segments of at most 1460 bytes: at least 45 data segments, plus the handshake and ACKs.
  assert.ok(stats.segments >= 45 + 3, `${stats.segments} segments`);
  assert.ok(stats.events >= stats.segments, 'each packet on a link is at least one event');
  assert.ok(stats.simMs >= result.observations!.workloadMs, `${stats.simMs} ms simulated`);
  const bytes = Object.values(result.observations!.links).reduce((s, l) => s + l.aToB + l.bToA, 0);
  assert.ok(bytes > stats.segments * 54, 'every packet counted carried at least its headers');
});

test('engineSpeed: one cold and N warm runs of the same simulation, and the ratios between them', async () => {
  const lab = await quick();
  const s = engineSpeed(lab, 3, 7);
  assert.equal(s.warmRuns.length, 3);
  assert.equal(s.segments, simulateLab(lab, { seed: 7 }).stats!.segments);
  assert.ok(s.coldMs > 0 && s.warmMs > 0);
  assert.equal(s.realTimeFactor, (s.simSeconds * 1000) / s.warmMs);
  assert.equal(s.segmentsPerSecond, (s.segments * 1000) / s.warmMs);
  assert.equal(s.coldOverWarm, s.coldMs / s.warmMs);
});

test('engineSpeed refuses a lab that does not pass on the engine', async () => {
  const failing = await loadLabFile('test/fixtures/labs/fails.lab.yaml');
  assert.throws(() => engineSpeed(failing, 1), /fails did not pass on the engine \(fail\)/);
});

test('checksums only where a link corrupts: from the start or from an impair event', () => {
  const lab = catalogueLab('basic/no-join.lab.yaml');
  assert.equal(labCorrupts(lab), false);
  const atStart = structuredClone(lab);
  atStart.hosts[0]!.interfaces[0]!.egress = { corruptPct: 1 };
  assert.equal(labCorrupts(atStart), true);
  const byEvent = structuredClone(lab);
  byEvent.events = [{ atMs: 10, action: 'impair', link: lab.links[0]!.name, impairment: { corruptPct: 5 } }];
  assert.equal(labCorrupts(byEvent), true);
});

test('a lab whose link corrupts still moves its data intact: the endpoints check checksums and drop what was flipped', async () => {
  const lab = structuredClone(await quick());
  for (const i of lab.hosts.flatMap((h) => h.interfaces)) i.egress = { ...i.egress, corruptPct: 3 };
  const { result } = simulateLab(lab, { seed: 11 });
  const t = result.observations!.transfers[0]!;
  assert.equal(t.intact, true, JSON.stringify(t));
  assert.equal(t.server.bytesReceived, lab.workload.sizeBytes);
});
