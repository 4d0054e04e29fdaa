// Runs the observers against the real tools in a throwaway namespace. Skips
// unless root with `ip mptcp` and python3 available.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../../../lib/exec.js';
import { counterDelta, readCounters } from '../../../harness/observe/nstat.js';
import { readLinkStats } from '../../../harness/observe/links.js';
import { startMonitor } from '../../../harness/observe/monitor.js';

const CONNECT = `
import socket, threading
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)
srv.bind(('127.0.0.1', 5000)); srv.listen(1)
def serve():
    c, _ = srv.accept()
    while c.recv(65536): pass
    c.close()
t = threading.Thread(target=serve); t.start()
cl = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)
cl.connect(('127.0.0.1', 5000)); cl.sendall(b'x' * 10000); cl.close()
t.join(); srv.close()
`;

async function canRun(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root';
  const probes = [
    ['ip', 'mptcp', 'limits', 'show'],
    ['python3', '-c', 'pass'],
    ['nstat', '-V'],
  ];
  for (const argv of probes) {
    const r = await run(argv, { reject: false });
    if (r.exitCode !== 0) return `${argv.join(' ')} failed`;
  }
  return undefined;
}

test('monitor, nstat and link stats in a namespace', async (t) => {
  const why = await canRun();
  if (why) return t.skip(why);
  const ns = `mptcplab-test-obs${process.pid}`;
  await run(['ip', 'netns', 'add', ns]);
  try {
    await run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    const before = await readCounters(ns);
    const linksBefore = await readLinkStats(ns);
    const mon = startMonitor(ns);
    await mon.ready;
    await run(['python3', '-c', CONNECT], { netns: ns, timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 200));
    const events = await mon.stop();
    assert.equal(mon.stderr(), '');
    const kinds = events.map((e) => e.type);
    for (const k of ['LISTENER_CREATED', 'CREATED', 'ESTABLISHED', 'CLOSED', 'LISTENER_CLOSED'] as const) {
      assert.ok(kinds.includes(k), `${k} in ${kinds.join(',')}`);
    }
    assert.ok(events.every((e) => e.atMs >= 0));
    assert.ok(events.some((e) => e.serverSide === true && e.type === 'CREATED'));
    assert.deepEqual(await mon.stop(), events, 'stop() is idempotent');
    const delta = counterDelta(before, await readCounters(ns));
    assert.equal(delta.MPTcpExtMPCapableSYNRX, 1);
    const lo = (await readLinkStats(ns)).lo;
    assert.ok(lo && lo.txBytes > (linksBefore.lo?.txBytes ?? 0));
  } finally {
    await run(['ip', 'netns', 'del', ns], { reject: false });
  }
});
