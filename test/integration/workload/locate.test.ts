// A receiver that got wrong bytes says where they are and what they are. The
// agent's server, on an agent thread as in a lab (its result crosses the
// thread by structured clone), receives over real MPTCP sockets, in a
// namespace this test creates (mptcplab-test-*) and always deletes, from a
// client written here that sends the expected stream with a block put where
// it does not belong: the corruption issue 10 found on a 6.18 kernel.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { run } from '../../../lib/exec.js';
import { payloadBytes } from '../../../harness/workload/payload.js';
import { openClientSocket } from '../../../harness/workload/mptcp-socket.js';
import { forgetNamespaceHandle, inNamespace } from '../../../harness/targets/netns/enter.js';
import { takeAgentThread } from '../../../harness/targets/netns/agent-thread.js';
import { closeAllAgentSockets } from '../../../harness/workload/agent.js';
import { describeDiff } from '../../../harness/integrity/describe.js';
import type { ServerSpec } from '../../../harness/workload/spec.js';

const NS = `mptcplab-test-${randomBytes(3).toString('hex')}-loc`;
let created = false;
const unavailable = process.getuid?.() === 0 ? undefined : 'needs root (ip netns add)';

const SIZE = 1_000_000;
const SEED = 42;
const spec: Omit<ServerSpec, 'port'> = {
  role: 'server',
  family: 4,
  mptcp: true,
  connections: 2,
  direction: 'upload',
  sizeBytes: SIZE,
  seed: SEED,
  write: { chunkBytes: 16_384, pauseMs: 0 },
  timeoutMs: 20_000,
};

/** Sends `data` over a new MPTCP connection from inside the namespace, half-closes, reads to EOF. */
async function sendOver(port: number, data: Buffer): Promise<void> {
  const fd = inNamespace(NS, () => openClientSocket({ mptcp: true, address: '127.0.0.1' }));
  const socket = new net.Socket({ fd, allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect({ host: '127.0.0.1', port }, () => resolve());
  });
  // Written in 1448-byte pieces (one segment each on a 1500 MTU), so the wrong block spans several reads.
  for (let at = 0; at < data.length; at += 1448) socket.write(data.subarray(at, at + 1448));
  socket.end();
  socket.resume();
  await new Promise<void>((resolve, reject) => {
    socket.once('close', () => resolve());
    socket.once('error', reject);
  });
}

describe('a receiver locates wrong bytes over real MPTCP sockets', { timeout: 60_000 }, () => {
  before(async () => {
    if (unavailable) return;
    await run(['ip', 'netns', 'add', NS]);
    created = true;
    await run(['ip', '-n', NS, 'link', 'set', 'lo', 'up']);
  });

  after(async () => {
    closeAllAgentSockets('test ended');
    if (!created) return;
    forgetNamespaceHandle(NS);
    await run(['ip', 'netns', 'del', NS], { reject: false });
  });

  test("a misplaced block and another connection's bytes: each range, its origin, in the server's report", async (t) => {
    if (unavailable) return void t.skip(unavailable);
    const thread = takeAgentThread();
    const srv = thread.start(NS, { ...spec, port: 0 }, () => undefined);
    try {
      await srv.waitFor('listening', 10_000);
      // Connection 0: at 14200, the 376 bytes that end the first 64 KiB write (65160–65535), as in issue 10.
      const first = payloadBytes(SEED, SIZE);
      payloadBytes(SEED, SIZE).copy(first, 14_200, 65_160, 65_536);
      await sendOver(srv.port!, first);
      // Connection 1: 1000 bytes of connection 0's stream from 200000, at 100000.
      const second = payloadBytes(SEED + 1, SIZE);
      payloadBytes(SEED, SIZE).copy(second, 100_000, 200_000, 201_000);
      await sendOver(srv.port!, second);
      const result = await srv.result;
      const reports = [...result.connections].sort((a, b) => a.connection - b.connection).map((c) => c.report);
      assert.equal(reports.length, 2, JSON.stringify(result));
      const [r0, r1] = reports;
      assert.equal(r0!.bytesReceived, SIZE);
      assert.equal(r0!.error, undefined, 'the bytes were counted right: only their content is wrong');
      assert.deepEqual(r0!.diff, {
        connection: 0,
        direction: 'upload',
        expectedBytes: SIZE,
        receivedBytes: SIZE,
        wrong: [{ offset: 14_200, length: 376, origin: { kind: 'misplaced', from: 65_160 } }],
      });
      assert.equal(
        describeDiff(r0!.diff!),
        "connection 0 upload: 1000000 of 1000000 bytes; wrong at 14200–14575 (376 bytes): misplaced, the stream's bytes 65160–65535",
      );
      assert.deepEqual(r1!.diff?.wrong, [
        { offset: 100_000, length: 1_000, origin: { kind: 'stream', connection: 0, direction: 'upload', from: 200_000 } },
      ]);
    } finally {
      srv.stop('test ended');
      await srv.result;
      thread.done();
    }
  });
});
