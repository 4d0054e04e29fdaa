// The engine workers: results the same as on the calling thread, labs run one
// after another and side by side, and a worker is reused for the next lab.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadLabFile } from '../../../../harness/lab/load.js';
import { runLabOnEngine } from '../../../../harness/targets/sim/run-lab.js';
import { runLabOnEngineAsync } from '../../../../harness/targets/sim/worker.js';
import type { LabResult } from '../../../../harness/result.js';

const quick = () => loadLabFile('test/fixtures/labs/quick.lab.yaml');

/** What a run gives apart from its wall time. */
function outcome(r: LabResult): Omit<LabResult, 'durationMs'> {
  const { durationMs: _wall, ...rest } = r;
  return rest;
}

test('a lab in a worker gives what it gives on this thread', async () => {
  const lab = await quick();
  assert.deepEqual(outcome(await runLabOnEngineAsync(lab, { seed: 3 })), outcome(runLabOnEngine(lab, { seed: 3 })));
});

test('labs one after another and side by side, on reused workers, each with its own result', async () => {
  const lab = await quick();
  const want = [4, 5, 6].map((seed) => outcome(runLabOnEngine(lab, { seed })));
  const sequential: LabResult[] = [];
  for (const seed of [4, 5, 6]) sequential.push(await runLabOnEngineAsync(lab, { seed }));
  assert.deepEqual(sequential.map(outcome), want);
  const parallel = await Promise.all([4, 5, 6].map((seed) => runLabOnEngineAsync(lab, { seed })));
  assert.deepEqual(parallel.map(outcome), want);
  assert.notDeepEqual(want[0], want[1], 'different seeds give different observations');
});

test('a lab that cannot cross to a worker (a function step) runs on this thread', async () => {
  const lab = await quick();
  const withFunction = { ...lab, events: [{ atMs: 1, action: 'shell' as const, host: lab.hosts[0]!.name, command: async () => {} }] };
  const r = await runLabOnEngineAsync(withFunction, { seed: 1 });
  assert.equal(r.status, 'skip');
  assert.match(r.skipReason ?? '', /shell steps run on kernels only/);
});
