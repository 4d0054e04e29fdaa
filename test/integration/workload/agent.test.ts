// The traffic agent over real MPTCP sockets made inside namespaces this test
// creates (mptcplab-test-*) and always deletes. Loopback and 198.18.0.0/15 only.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { run } from '../../../lib/exec.js';
import type { EndpointReport } from '../../../harness/observations.js';
import { payloadBytes } from '../../../harness/workload/payload.js';
import type { ClientSpec, ServerSpec } from '../../../harness/workload/spec.js';
import { forgetNamespaceHandle } from '../../../harness/targets/netns/enter.js';
import { closeAllAgentSockets } from '../../../harness/workload/agent.js';
import { agentIn, runPair, type AgentEnd } from './agent-pair.js';
import { takeAgentThread } from '../../../harness/targets/netns/agent-thread.js';
import type { AgentMessage } from '../../../harness/workload/spec.js';

const tag = randomBytes(3).toString('hex');
const LO_NS = `mptcplab-test-${tag}-lo`;
const CLIENT_NS = `mptcplab-test-${tag}-c`;
const SERVER_NS = `mptcplab-test-${tag}-s`;
const created: string[] = [];
let unavailable: string | undefined = process.getuid?.() === 0 ? undefined : 'needs root (ip netns add)';

async function addNetns(name: string): Promise<void> {
  await run(['ip', 'netns', 'add', name]);
  created.push(name);
  await run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
}

function skipIfUnavailable(t: TestContext): boolean {
  if (unavailable) t.skip(unavailable);
  return unavailable !== undefined;
}

const common = {
  connections: 1,
  direction: 'both',
  sizeBytes: 1_000_000,
  seed: 42,
  write: { chunkBytes: 16_384, pauseMs: 0 },
  timeoutMs: 20_000,
} as const;
const server = (mptcp: boolean, extra: Partial<ServerSpec> = {}): Omit<ServerSpec, 'port'> => ({
  role: 'server',
  family: 4,
  mptcp,
  ...common,
  ...extra,
});
const client = (mptcp: boolean, extra: Partial<ClientSpec> = {}): Omit<ClientSpec, 'port'> => ({
  role: 'client',
  address: '127.0.0.1',
  mptcp,
  ...common,
  ...extra,
});

function reports(end: AgentEnd): EndpointReport[] {
  return end.result.connections.map((c) => c.report);
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Every byte arrived intact both ways, and it is the payload the seed defines. */
function assertIntact(
  pair: { server: AgentEnd; client: AgentEnd },
  spec: { connections: number; sizeBytes: number; seed: number; direction: string },
): void {
  assert.equal(pair.client.result.ok, true, JSON.stringify(pair.client.result));
  assert.equal(pair.server.result.ok, true, JSON.stringify(pair.server.result));
  const [c, s] = [reports(pair.client), reports(pair.server)];
  assert.equal(c.length, spec.connections);
  assert.equal(s.length, spec.connections);
  for (let i = 0; i < spec.connections; i++) {
    const [cr, sr] = [c[i], s[i]];
    assert.ok(cr && sr);
    const expected = sha256(payloadBytes(spec.seed + i, spec.sizeBytes));
    const up = spec.direction !== 'download' ? spec.sizeBytes : 0;
    const down = spec.direction !== 'upload' ? spec.sizeBytes : 0;
    assert.equal(cr.bytesSent, up);
    assert.equal(sr.bytesReceived, up);
    assert.equal(sr.bytesSent, down);
    assert.equal(cr.bytesReceived, down);
    assert.equal(cr.sha256Sent, sr.sha256Received);
    assert.equal(sr.sha256Sent, cr.sha256Received);
    if (up > 0) assert.equal(cr.sha256Sent, expected);
    if (down > 0) assert.equal(sr.sha256Sent, expected);
    assert.equal(cr.error, undefined);
    assert.equal(sr.error, undefined);
    // A receiver that got the right stream reports no diff, so a passing run looks as it always did.
    assert.equal(cr.diff, undefined);
    assert.equal(sr.diff, undefined);
  }
}

describe('traffic agent over real sockets', { timeout: 120_000 }, () => {
  before(async () => {
    if (unavailable) return;
    try {
      await addNetns(LO_NS);
    } catch (e) {
      unavailable = `cannot create a network namespace: ${e instanceof Error ? e.message : String(e)}`;
    }
  });

  after(async () => {
    closeAllAgentSockets('test ended');
    for (const ns of created.reverse()) {
      forgetNamespaceHandle(ns);
      await run(['ip', 'netns', 'del', ns], { reject: false });
    }
  });

  test('MPTCP both ends: both directions intact, MPTCP_INFO and one subflow', async (t) => {
    if (skipIfUnavailable(t)) return;
    const spec = { ...common, connections: 2 };
    const pair = await runPair(LO_NS, server(true, spec), LO_NS, client(true, spec));
    assertIntact(pair, spec);
    for (const r of [...reports(pair.client), ...reports(pair.server)]) {
      assert.equal(r.mptcp, true);
      assert.equal(r.fallback, false);
      assert.ok(r.info, 'MPTCP_INFO was read');
      assert.equal(r.info.bytesSent, String(spec.sizeBytes));
      assert.equal(r.info.bytesReceived, String(spec.sizeBytes));
      assert.equal(r.info.sndUna, r.info.writeSeq, 'everything acked at the MPTCP level');
      assert.equal(r.subflows.length, 1);
      const sf = r.subflows[0];
      assert.ok(sf);
      assert.equal(sf.saddr, '127.0.0.1');
      assert.ok((sf.bytesAcked ?? 0) >= spec.sizeBytes, `subflow bytes_acked ${sf.bytesAcked}`);
    }
    const connected = pair.client.messages.filter((m) => m.kind === 'connected');
    assert.equal(connected.length, 2);
  });

  test('MPTCP client to a plain TCP server falls back', async (t) => {
    if (skipIfUnavailable(t)) return;
    const pair = await runPair(LO_NS, server(false), LO_NS, client(true));
    assertIntact(pair, common);
    const [c, s] = [reports(pair.client)[0], reports(pair.server)[0]];
    assert.ok(c && s);
    assert.equal(c.fallback, true);
    assert.equal(c.info, undefined);
    assert.equal(c.subflows.length, 1, 'the TCP connection, from TCP_INFO');
    assert.equal(s.mptcp, false);
    assert.equal(s.fallback, false);
  });

  test('plain TCP client to an MPTCP server: the server side falls back', async (t) => {
    if (skipIfUnavailable(t)) return;
    const spec = { ...common, direction: 'upload' } as const;
    const pair = await runPair(LO_NS, server(true, spec), LO_NS, client(false, spec));
    assertIntact(pair, spec);
    const s = reports(pair.server)[0];
    assert.ok(s);
    assert.equal(s.mptcp, true);
    assert.equal(s.fallback, true);
    assert.equal(reports(pair.client)[0]?.fallback, false);
  });

  test('abortAfterBytes: SO_LINGER 0 resets the connection', async (t) => {
    if (skipIfUnavailable(t)) return;
    const spec = { ...common, direction: 'upload', sizeBytes: 4_000_000, write: { chunkBytes: 10_000, pauseMs: 1 } } as const;
    const pair = await runPair(LO_NS, server(true, spec), LO_NS, client(true, { ...spec, abortAfterBytes: 50_000 }));
    assert.equal(pair.client.result.ok, true);
    const c = reports(pair.client)[0];
    assert.ok(c);
    assert.equal(c.bytesSent, 50_000);
    assert.match(c.error ?? '', /^aborted after 50000 bytes sent/);
    assert.equal(pair.server.result.ok, false, 'the server sees the abort as a failure');
    // MP_FASTCLOSE is always sent (MPTcpExtMPFastcloseTx/Rx), but on 6.18 the reader
    // sometimes gets a clean EOF instead of ECONNRESET: either way the transfer is short.
    assert.match(reports(pair.server)[0]?.error ?? '', /ECONNRESET|received 50000 bytes, expected 4000000/);
  });

  test('two subflows over two veth pairs', async (t) => {
    if (skipIfUnavailable(t)) return;
    await addNetns(CLIENT_NS);
    await addNetns(SERVER_NS);
    for (const [i, net] of ['1', '2'].entries()) {
      const [ca, sa] = [`mlt${tag}c${i}`, `mlt${tag}s${i}`];
      await run(['ip', 'link', 'add', ca, 'netns', CLIENT_NS, 'type', 'veth', 'peer', 'name', sa, 'netns', SERVER_NS]);
      await run(['ip', '-n', CLIENT_NS, 'addr', 'add', `198.18.${net}.1/24`, 'dev', ca]);
      await run(['ip', '-n', SERVER_NS, 'addr', 'add', `198.18.${net}.2/24`, 'dev', sa]);
      await run(['ip', '-n', CLIENT_NS, 'link', 'set', ca, 'up']);
      await run(['ip', '-n', SERVER_NS, 'link', 'set', sa, 'up']);
    }
    for (const ns of [CLIENT_NS, SERVER_NS])
      await run(['ip', '-n', ns, 'mptcp', 'limits', 'set', 'subflows', '2', 'add_addr_accepted', '2']);
    await run(['ip', '-n', CLIENT_NS, 'mptcp', 'endpoint', 'add', '198.18.2.1', 'dev', `mlt${tag}c1`, 'subflow']);
    // Paced writes keep the connection open long enough for the join to complete.
    const spec = { ...common, sizeBytes: 2_000_000, write: { chunkBytes: 16_384, pauseMs: 1 } };
    const pair = await runPair(SERVER_NS, server(true, spec), CLIENT_NS, client(true, { ...spec, address: '198.18.1.2' }));
    assertIntact(pair, spec);
    const c = reports(pair.client)[0];
    assert.ok(c?.info);
    assert.ok(c.info.subflows >= 1, `mptcpi_subflows ${c.info.subflows}`);
    assert.deepEqual(c.subflows.map((s) => s.saddr).sort(), ['198.18.1.1', '198.18.2.1']);
    assert.ok(c.subflows.every((s) => s.daddr === '198.18.1.2'));
    assert.equal(reports(pair.server)[0]?.subflows.length, 2);
  });

  test("bind: the client connects from the address it was given, not the route's", async (t) => {
    if (skipIfUnavailable(t) || !created.includes(CLIENT_NS)) return t.skip('needs the two veth pairs of the test before');
    const spec = { ...common, sizeBytes: 100_000 };
    const pair = await runPair(
      SERVER_NS,
      server(false, spec),
      CLIENT_NS,
      client(false, { ...spec, address: '198.18.2.2', bind: '198.18.1.1' }),
    );
    assertIntact(pair, spec);
    const sf = reports(pair.client)[0]?.subflows;
    assert.deepEqual(
      sf?.map((s) => [s.saddr, s.daddr]),
      [['198.18.1.1', '198.18.2.2']],
    );
    assert.deepEqual(
      reports(pair.server)[0]?.subflows.map((s) => s.daddr),
      ['198.18.1.1'],
    );
  });

  test('timeout: a failed result, and the listener inside the namespace is gone', async (t) => {
    if (skipIfUnavailable(t)) return;
    const s = agentIn(LO_NS, { ...server(true), port: 0, timeoutMs: 300 });
    await s.agent.waitFor('listening', 5_000);
    const listeners = async () => (await run(['ip', 'netns', 'exec', LO_NS, 'ss', '-Hltn', `sport = :${s.agent.port}`])).stdout.trim();
    assert.match(await listeners(), /LISTEN/, 'the listener is in the namespace');
    const end = await s.end;
    assert.equal(end.result.ok, false);
    assert.equal(end.result.error, 'timeout after 300 ms');
    assert.equal(await listeners(), '', 'closed with the result');
  });

  test('on an agent thread: the same transfer, messages and result as on this thread, twice on one thread', async (t) => {
    if (skipIfUnavailable(t)) return;
    const spec = { ...common, connections: 2 };
    for (let round = 0; round < 2; round++) {
      const thread = takeAgentThread();
      const messages: AgentMessage[] = [];
      const srv = thread.start(LO_NS, { ...server(true, spec), port: 0 }, (m) => messages.push(m));
      await srv.waitFor('listening', 10_000);
      const cli = thread.start(LO_NS, { ...client(true, spec), port: srv.port!, holdStart: true }, (m) => messages.push(m));
      await cli.waitFor('connected', 5_000);
      cli.release();
      const [c, s] = await Promise.all([cli.result, srv.result]);
      thread.done();
      assertIntact({ client: { messages, result: c }, server: { messages, result: s } }, spec);
      // The server's "accepted" and the client's "connected" race (two ends of one handshake).
      const kinds = messages.map((m) => m.kind).filter((k) => k !== 'accepted');
      assert.deepEqual(kinds.slice(0, 3), ['listening', 'connected', 'started']);
      assert.equal(messages.filter((m) => m.kind === 'accepted').length, 2, 'the server accepted both connections');
      assert.equal(messages.filter((m) => m.kind === 'done').length, 4, 'two connections, both ends');
    }
  });

  test('on an agent thread: a socket that cannot be made (no such namespace) is a failed result', async (t) => {
    if (skipIfUnavailable(t)) return;
    const thread = takeAgentThread();
    const srv = thread.start('mptcplab-test-none', { ...server(true), port: 0 }, () => undefined);
    await assert.rejects(srv.waitFor('listening', 10_000), /ended before "listening": .*ENOENT.*mptcplab-test-none/);
    const r = await srv.result;
    thread.done();
    assert.equal(r.ok, false);
  });
});
