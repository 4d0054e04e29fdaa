// inNamespace runs code inside a lab namespace and comes back: a socket made
// inside listens there and not on the host, /proc/thread-self/net reads the
// lab's files, and the thread is back in its own namespace afterwards.
import assert from 'node:assert/strict';
import { closeSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { run } from '../../../lib/exec.js';
import { forgetNamespaceHandle, inNamespace, inNamespaceFd, privateNamespace } from '../../../harness/targets/netns/enter.js';
import { warmUp } from '../../../harness/targets/netns/warm-up.js';
import { openListeningSocket } from '../../../harness/workload/mptcp-socket.js';

const NS = `mptcplab-${process.pid}-enter`;
const root = process.getuid?.() === 0;

before(async () => {
  if (root) await run(['ip', 'netns', 'add', NS]);
});
after(async () => {
  if (!root) return;
  forgetNamespaceHandle(NS);
  await run(['ip', 'netns', 'del', NS], { reject: false });
});

test('a listener made inside a namespace is there, not on the host', { skip: !root && 'needs root (ip netns add)' }, async () => {
  const ownNs = readlinkSync('/proc/thread-self/ns/net');
  const inside = inNamespace(NS, () => readlinkSync('/proc/thread-self/ns/net'));
  assert.notEqual(inside, ownNs);
  assert.equal(readlinkSync('/proc/thread-self/ns/net'), ownNs, 'back in its own namespace');
  // Only lo exists in a fresh namespace, and it is down: its dev file lists just lo.
  const devs = inNamespace(NS, () => readFileSync('/proc/thread-self/net/dev', 'utf8'));
  assert.deepEqual(
    devs
      .trim()
      .split('\n')
      .slice(2)
      .map((l) => l.trim().split(':')[0]),
    ['lo'],
  );
  await run(['ip', '-n', NS, 'link', 'set', 'lo', 'up']);
  // The socket is made inside (an MPTCP one, like the workload's); Node takes it over outside.
  const fd = inNamespace(NS, () => openListeningSocket({ mptcp: true, family: 4, port: 0 }));
  const server = net.createServer((s) => s.end('x'));
  await new Promise<void>((resolve) => server.listen({ fd }, () => resolve()));
  try {
    const port = (server.address() as net.AddressInfo).port;
    const inLab = await run(['ip', 'netns', 'exec', NS, 'ss', '-MlnH', `sport = :${port}`]);
    assert.match(inLab.stdout, new RegExp(`:${port}\\b`), 'an MPTCP listener in the lab');
    const onHost = await run(['ss', '-MlnH', `sport = :${port}`]);
    assert.equal(onHost.stdout.trim(), '');
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test(
  'a private namespace is a new one, the thread stays in its own, and the warm-up leaves it there',
  { skip: !root && 'needs root (unshare)' },
  async () => {
    const ownNs = readlinkSync('/proc/thread-self/ns/net');
    const fd = privateNamespace();
    try {
      assert.equal(readlinkSync('/proc/thread-self/ns/net'), ownNs, 'back in its own namespace');
      const inside = inNamespaceFd(fd, 'private', () => readlinkSync('/proc/thread-self/ns/net'));
      assert.notEqual(inside, ownNs);
      assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(inside), 'no name, no mount');
    } finally {
      closeSync(fd);
    }
    await warmUp();
    assert.equal(readlinkSync('/proc/thread-self/ns/net'), ownNs);
  },
);
