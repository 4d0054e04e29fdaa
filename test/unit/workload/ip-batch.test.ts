// The long-lived ip batch that applies link events: real ip in a real namespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../../../lib/exec.js';
import { startIpBatch } from '../../../harness/workload/ip-batch.js';

async function linkUp(ns: string, dev: string): Promise<boolean> {
  const r = await run(['ip', '-n', ns, '-j', 'link', 'show', 'dev', dev]);
  const [link] = JSON.parse(r.stdout) as { flags: string[] }[];
  return link!.flags.includes('UP');
}

test('ip batch: commands take effect in order, an error names the command, close ends the process', async () => {
  const ns = `mptcplab-ipbatch-${process.pid}`;
  await run(['ip', 'netns', 'add', ns]);
  try {
    await run(['ip', '-n', ns, 'link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1']);
    const batch = startIpBatch(ns);
    await batch.run('link set dev d0 up');
    assert.equal(await linkUp(ns, 'd0'), true);
    await batch.run('link set dev d0 down');
    assert.equal(await linkUp(ns, 'd0'), false);
    await assert.rejects(batch.run('link set dev nosuchdev down'), /link set dev nosuchdev down: .*(Cannot find device|does not exist)/);
    // -force: the batch goes on after a failed line.
    await batch.run('link set dev d0 up');
    assert.equal(await linkUp(ns, 'd0'), true);
    await assert.rejects(batch.run('link set dev d0 down\nlink del d0'), /one line/);
    await batch.close();
    await assert.rejects(batch.run('link set dev d0 down'), /ended/);
    assert.equal(await linkUp(ns, 'd0'), true);
  } finally {
    await run(['ip', 'netns', 'del', ns]);
  }
});
