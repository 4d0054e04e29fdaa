// MPTCP_LAB_RESULTS_OWNER gives the results folder to the caller of run --docker.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { giveResultsToOwner, OWNER_ENV, parseOwner } from '../../../harness/run/results-owner.js';

test('parseOwner: UID:GID, nothing else', () => {
  assert.deepEqual(parseOwner('1000:100'), { uid: 1000, gid: 100 });
  assert.equal(parseOwner(undefined), undefined);
  assert.equal(parseOwner('1000'), undefined);
  assert.equal(parseOwner('me:me'), undefined);
});

test(
  'giveResultsToOwner: the folder and everything below it (as root); nothing without the variable',
  { skip: process.getuid?.() !== 0 ? 'needs root (chown)' : false },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-owner-'));
    try {
      mkdirSync(join(dir, 'labs', 'a'), { recursive: true });
      writeFileSync(join(dir, 'labs', 'a', 'log.txt'), 'x');
      await giveResultsToOwner(dir, {});
      assert.equal(statSync(join(dir, 'labs', 'a', 'log.txt')).uid, 0);
      await giveResultsToOwner(dir, { [OWNER_ENV]: '65534:65533' });
      for (const p of [dir, join(dir, 'labs'), join(dir, 'labs', 'a'), join(dir, 'labs', 'a', 'log.txt')]) {
        assert.deepEqual([statSync(p).uid, statSync(p).gid], [65534, 65533], p);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
