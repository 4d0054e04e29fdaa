import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planFor } from '../../../harness/workload/plan.js';
import type { ClientSpec } from '../../../harness/workload/spec.js';

const common = {
  mptcp: true,
  port: 5201,
  connections: 2,
  direction: 'both',
  sizeBytes: 1000,
  seed: 5,
  write: { chunkBytes: 100, pauseMs: 0 },
  timeoutMs: 5000,
} as const;
const client: ClientSpec = { role: 'client', address: '198.18.1.2', bind: '198.18.2.1', abortAfterBytes: 10, ...common };

test('planFor: who sends what, seed + i per connection', () => {
  const up = { ...common, direction: 'upload' } as const;
  assert.deepEqual(planFor({ role: 'client', address: '127.0.0.1', ...up }, 3), {
    mptcp: true,
    sendBytes: 1000,
    expectBytes: 0,
    seed: 8,
    write: common.write,
  });
  assert.deepEqual(planFor({ role: 'server', family: 4, ...up }, 0), {
    mptcp: true,
    sendBytes: 0,
    expectBytes: 1000,
    seed: 5,
    write: common.write,
    locate: { connection: 0, direction: 'upload', streams: { seed: 5, connections: 2, direction: 'upload', sizeBytes: 1000 } },
  });
  const both = planFor(client, 1);
  assert.equal(both.sendBytes, 1000);
  assert.equal(both.expectBytes, 1000);
  assert.equal(both.abortAfterBytes, 10);
  // The client receives the server's stream, and looks for wrong bytes among every stream of the workload.
  assert.deepEqual(both.locate, {
    connection: 1,
    direction: 'download',
    streams: { seed: 5, connections: 2, direction: 'both', sizeBytes: 1000 },
  });
});
