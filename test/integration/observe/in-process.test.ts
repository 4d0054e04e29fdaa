// The in-process observers against the tools they replace, in a real
// namespace after MPTCP traffic: counters equal `nstat -asz`, link counters
// equal `ip -s link`, PM events equal `ip mptcp monitor`'s. And the cleanup
// queue: a queued namespace is gone once drained, with its processes.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { run, runJson } from '../../../lib/exec.js';
import { drainNamespaceDeletions, pidsInNamespaces, queueNamespaceDeletion } from '../../../harness/cleanup.js';
import { forgetNamespaceHandle } from '../../../harness/targets/netns/enter.js';
import { parseLinkStats, readLinkStats } from '../../../harness/observe/links.js';
import { startMonitor, startMonitorProcess } from '../../../harness/observe/monitor.js';
import { parseNstatJson, readCounters } from '../../../harness/observe/nstat.js';
import type { PmEvent } from '../../../harness/observations.js';

const NS = `mptcplab-${process.pid}-observe`;
const root = process.getuid?.() === 0;
const skip = !root && 'needs root (ip netns add)';

// A listener, an MPTCP connection with 100 kB, both closed: CREATED..CLOSED and LISTENER_* on one host.
const TRAFFIC = `
import socket, threading
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)
srv.bind(('127.0.0.1', 5000)); srv.listen(1)
def serve():
    c, _ = srv.accept()
    while c.recv(65536): pass
    c.close()
t = threading.Thread(target=serve); t.start()
cl = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)
cl.connect(('127.0.0.1', 5000)); cl.sendall(b'x' * 100000); cl.close()
t.join(); srv.close()
`;

before(async () => {
  if (!root) return;
  await run(['ip', 'netns', 'add', NS]);
  await run(['ip', '-n', NS, 'link', 'set', 'lo', 'up']);
});
after(async () => {
  if (!root) return;
  forgetNamespaceHandle(NS);
  await run(['ip', 'netns', 'del', NS], { reject: false });
});

const withoutTime = (evs: PmEvent[]) => evs.map(({ atMs: _at, ...rest }) => rest);

test('counters, link counters and PM events equal the tools', { skip }, async () => {
  const tool = startMonitorProcess(NS);
  await tool.ready;
  const own = startMonitor(NS);
  const countersBefore = readCounters(NS);
  await run(['python3', '-c', TRAFFIC], { netns: NS, timeoutMs: 10_000 });
  // ip mptcp monitor writes through a pipe: give its last lines time to arrive.
  await new Promise((r) => setTimeout(r, 300));
  const [mine, theirs] = [await own.stop(), await tool.stop()];
  assert.ok(
    mine.some((e) => e.type === 'CREATED' && e.serverSide === true),
    'a server-side CREATED',
  );
  assert.ok(mine.some((e) => e.type === 'LISTENER_CLOSED'));
  assert.deepEqual(withoutTime(mine), withoutTime(theirs), 'the same events, attributes and order as ip mptcp monitor');

  const counters = readCounters(NS);
  const nstat = parseNstatJson((await run(['nstat', '-asz', '--json'], { netns: NS })).stdout);
  assert.deepEqual(counters, nstat, 'the same names, values and order as nstat -asz');
  assert.deepEqual(Object.keys(counters), Object.keys(nstat));
  assert.equal(counters.MPTcpExtMPCapableSYNRX! - countersBefore.MPTcpExtMPCapableSYNRX!, 1);

  const links = readLinkStats(NS);
  const ip = parseLinkStats(await runJson<unknown>(['ip', '-j', '-s', 'link', 'show'], { netns: NS }));
  assert.deepEqual(links, ip);
  assert.ok(links.lo!.txBytes > 100_000);
});

test('the in-process monitor hears events at once: no settle time', { skip }, async () => {
  const own = startMonitor(NS);
  await own.ready;
  await run(['python3', '-c', TRAFFIC], { netns: NS, timeoutMs: 10_000 });
  const kinds = (await own.stop()).map((e) => e.type);
  assert.deepEqual(kinds.slice(0, 1), ['LISTENER_CREATED']);
  assert.ok(kinds.includes('CLOSED'));
});

test('a queued deletion removes the namespace and what runs inside it once drained', { skip }, async () => {
  const ns = `${NS}-queued`;
  await run(['ip', 'netns', 'add', ns]);
  const sleeper = run(['sleep', '30'], { netns: ns, reject: false });
  let pids: number[] = [];
  for (let i = 0; i < 50 && !pids.length; i += 1) {
    await new Promise((r) => setTimeout(r, 20));
    pids = await pidsInNamespaces([ns]);
  }
  assert.equal(pids.length, 1, 'the sleep inside is found');
  queueNamespaceDeletion([ns]);
  await drainNamespaceDeletions();
  assert.equal(existsSync(`/run/netns/${ns}`), false);
  assert.equal((await sleeper).signal, 'SIGKILL');
});
