// Pooled agent threads: warmed ahead, never used, they keep nothing alive (a
// run whose labs were all skipped once hung at its exit on them).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const MODULE = new URL('../../../harness/targets/netns/agent-thread.js', import.meta.url).href;

test('a process that only warmed agent threads exits', () => {
  const script = `import(${JSON.stringify(MODULE)}).then((m) => m.warmAgentThreads(2))`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 15_000, encoding: 'utf8' });
  assert.equal(r.signal, null, 'killed at the time limit: the idle threads held the process');
  assert.equal(r.status, 0, r.stderr);
});
