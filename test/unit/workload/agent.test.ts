// The in-process agent's life: results instead of exceptions, every socket
// closed on timeout and on closeAllAgentSockets, a held client released.
// Plain TCP over this process's loopback (makeSocket runs the constructor
// here); the namespaced MPTCP cases are in test/integration/workload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { closeAllAgentSockets, startAgent, type SocketMaker } from '../../../harness/workload/agent.js';
import type { AgentMessage, ClientSpec, ServerSpec } from '../../../harness/workload/spec.js';

const here: SocketMaker = (fn) => fn();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const common = {
  mptcp: false,
  port: 0,
  connections: 1,
  direction: 'both',
  sizeBytes: 200_000,
  seed: 7,
  write: { chunkBytes: 16_384, pauseMs: 0 },
  timeoutMs: 10_000,
} as const;
const server = (extra: Partial<ServerSpec> = {}): ServerSpec => ({ role: 'server', family: 4, ...common, ...extra });
const client = (port: number, extra: Partial<ClientSpec> = {}): ClientSpec => ({
  role: 'client',
  address: '127.0.0.1',
  ...common,
  port,
  ...extra,
});

/** Whether something accepts connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}

test('a socket that cannot be made is a failed result, not an exception', async () => {
  const agent = startAgent(server(), {
    makeSocket: () => {
      throw new Error('setns(mptcplab-gone): errno 2');
    },
  });
  await assert.rejects(agent.waitFor('listening', 5_000), /server agent ended before "listening": setns\(mptcplab-gone\)/);
  const r = await agent.result;
  assert.equal(r.ok, false);
  assert.deepEqual(r.connections, []);
  assert.match(r.error ?? '', /setns\(mptcplab-gone\): errno 2/);
});

test('timeout: a failed result, and the listener is closed by then', async () => {
  const agent = startAgent(server({ timeoutMs: 150 }), { makeSocket: here });
  await agent.waitFor('listening', 5_000);
  const port = agent.port!;
  assert.ok(port > 0);
  const r = await agent.result;
  assert.equal(r.ok, false);
  assert.equal(r.error, 'timeout after 150 ms');
  assert.equal(await accepts(port), false, 'nothing listens after the result');
});

test('connection refused is the client failed result', async () => {
  const probe = startAgent(server({ timeoutMs: 50 }), { makeSocket: here });
  await probe.waitFor('listening', 5_000);
  const port = probe.port!;
  await probe.result; // the port is free again
  const agent = startAgent(client(port), { makeSocket: here });
  await assert.rejects(agent.waitFor('connected', 5_000), /ended before "connected": connection 0: .*ECONNREFUSED/);
  const r = await agent.result;
  assert.equal(r.ok, false);
  assert.match(r.error ?? '', /^connection 0: .*ECONNREFUSED/);
});

test('holdStart: no byte before release(), then the transfer completes both ways', async () => {
  const seen: AgentMessage[] = [];
  const srv = startAgent(server(), { makeSocket: here, onMessage: (m) => seen.push(m) });
  await srv.waitFor('listening', 5_000);
  const cli = startAgent(client(srv.port!, { holdStart: true }), { makeSocket: here, onMessage: (m) => seen.push(m) });
  await cli.waitFor('connected', 5_000);
  await sleep(50);
  await srv.waitFor('accepted', 5_000);
  assert.deepEqual(seen.map((m) => m.kind).sort(), ['accepted', 'connected', 'listening'], 'held: accepted, nothing started or done');
  cli.release();
  const [c, s] = await Promise.all([cli.result, srv.result]);
  assert.equal(c.ok, true, JSON.stringify(c));
  assert.equal(s.ok, true, JSON.stringify(s));
  const at = (kind: string): number => seen.findIndex((m) => m.kind === kind);
  assert.ok(at('listening') === 0 && at('started') === 3 && at('accepted') > 0 && at('connected') > 0, JSON.stringify(seen));
  const [cr, sr] = [c.connections[0]!.report, s.connections[0]!.report];
  assert.equal(cr.bytesSent, 200_000);
  assert.equal(sr.bytesReceived, 200_000);
  assert.equal(cr.sha256Sent, sr.sha256Received);
  assert.equal(sr.sha256Sent, cr.sha256Received);
  assert.equal(cr.subflows.length, 1, 'TCP_INFO of the one connection');
});

test('closeAllAgentSockets ends running agents with that reason and closes their sockets', async () => {
  const srv = startAgent(server(), { makeSocket: here });
  await srv.waitFor('listening', 5_000);
  const cli = startAgent(client(srv.port!, { holdStart: true }), { makeSocket: here });
  await cli.waitFor('connected', 5_000);
  closeAllAgentSockets('interrupted');
  const [c, s] = await Promise.all([cli.result, srv.result]);
  assert.equal(c.ok, false);
  assert.equal(c.error, 'interrupted');
  assert.equal(s.error, 'interrupted');
  assert.equal(await accepts(srv.port!), false);
  cli.release(); // too late: nothing happens
  await sleep(20);
  assert.deepEqual(c.connections, []);
});
