import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAgentSpec, SpecError } from '../../../harness/workload/parse-spec.js';
import { planFor } from '../../../harness/workload/plan.js';
import { parseAgentLine } from '../../../harness/workload/launch.js';
import type { ClientSpec, ServerSpec } from '../../../harness/workload/spec.js';

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
const server: ServerSpec = { role: 'server', family: 6, ...common };
const client: ClientSpec = { role: 'client', address: '198.18.1.2', bind: '198.18.2.1', abortAfterBytes: 10, ...common };

test('valid specs come back unchanged', () => {
  assert.deepEqual(parseAgentSpec(JSON.stringify(server)), server);
  assert.deepEqual(parseAgentSpec(JSON.stringify(client)), client);
});

test('holdStart (wait for SIGUSR2 before the first byte) is kept when given', () => {
  assert.deepEqual(parseAgentSpec(JSON.stringify({ ...client, holdStart: true })), { ...client, holdStart: true });
  assert.equal('holdStart' in parseAgentSpec(JSON.stringify(client)), false);
  assert.deepEqual(parseAgentLine('{"kind":"started","connection":0,"atMs":5}'), { kind: 'started', connection: 0, atMs: 5 });
});

test('bad specs name the field and what was expected', () => {
  const bad: [unknown, RegExp][] = [
    [undefined, /missing argument/],
    ['{', /not JSON/],
    [[], /JSON object/],
    [{ ...server, role: 'peer' }, /role/],
    [{ ...server, family: 5 }, /family: expected 4 or 6/],
    [{ ...server, direction: 'sideways' }, /direction/],
    [{ ...server, write: { chunkBytes: 0, pauseMs: 0 } }, /write\.chunkBytes/],
    [{ ...server, port: 70000 }, /port/],
    [{ ...client, port: 0 }, /client needs the server port/],
    [{ ...client, address: 'server' }, /address/],
    [{ ...client, bind: '::1' }, /bind/],
    [{ ...client, mptcp: 'yes' }, /mptcp/],
    [{ ...client, holdStart: 1 }, /holdStart: expected true or false/],
  ];
  for (const [input, re] of bad) {
    const text = input === undefined ? undefined : typeof input === 'string' ? input : JSON.stringify(input);
    assert.throws(
      () => parseAgentSpec(text),
      (e: unknown) => e instanceof SpecError && re.test(e.message),
      String(text),
    );
  }
});

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
  });
  const both = planFor(client, 1);
  assert.equal(both.sendBytes, 1000);
  assert.equal(both.expectBytes, 1000);
  assert.equal(both.abortAfterBytes, 10);
});

test('parseAgentLine accepts the four kinds and names a bad line', () => {
  assert.deepEqual(parseAgentLine('{"kind":"listening","port":5201}'), { kind: 'listening', port: 5201 });
  assert.throws(() => parseAgentLine('Warning: something'), /not JSON: Warning/);
  assert.throws(() => parseAgentLine('{"kind":"hello"}'), /unknown message/);
});
