// `run --shard i/N` on real labs, as root: the shards of a selection,
// each run into its own folder, hold between them exactly the lab × target
// results of the unsharded run, none twice; with --timings too.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { RunResult } from '../../harness/result.js';
import { cannotRun, runCli } from './host-state.js';

const skip = cannotRun();
const LABS = ['no-join', 'single-subflow', 'signal-address', 'fastclose-client'];
const scratch = mkdtempSync(join(tmpdir(), 'mptcp-lab-shard-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function run(name: string, ...flags: string[]): Promise<{ results: RunResult; tap: string }> {
  const dir = join(scratch, name);
  const r = await runCli(['run', ...LABS, '--engine', 'off', '--seed', '1', '--results', dir, ...flags]);
  assert.equal(r.code, 0, `${name}: ${r.stderr}`);
  return { results: JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult, tap: r.stdout };
}

/** A result's identity in a merge: lab, target and repeat. */
function keys(run: RunResult): string[] {
  return run.results.map((r) => `${r.lab} [${r.target.kind} ${r.target.spec}] #${r.repeat}`);
}

describe('run --shard', { skip }, () => {
  let unsharded: RunResult;

  test('the unsharded run', async () => {
    unsharded = (await run('all')).results;
    assert.equal(unsharded.run.shard, undefined);
    assert.deepEqual([...new Set(unsharded.results.map((r) => r.lab))].sort(), [...LABS].sort());
  });

  for (const timings of [false, true]) {
    test(`1/2 and 2/2${timings ? ' with --timings' : ''}: disjoint, and together the unsharded run's results`, async () => {
      const extra = timings ? ['--timings', join(scratch, 'all', 'results.json')] : [];
      const shards = [];
      for (const i of [1, 2]) {
        const { results, tap } = await run(`shard-${i}${timings ? '-timed' : ''}`, '--shard', `${i}/2`, ...extra);
        assert.deepEqual(results.run.shard, { index: i, count: 2 });
        assert.match(tap, new RegExp(`^# shard ${i}/2: \\d of 4 selected lab\\(s\\)$`, 'm'));
        assert.ok(results.results.length > 0, `shard ${i}/2 ran labs`);
        shards.push(keys(results));
      }
      const [one, two] = shards as [string[], string[]];
      assert.deepEqual(
        one.filter((k) => two.includes(k)),
        [],
      );
      assert.deepEqual([...one, ...two].sort(), keys(unsharded).sort());
    });
  }

  test('a shard beyond the selection is exit 2, before anything runs', async () => {
    const r = await runCli(['run', 'no-join', '--engine', 'off', '--shard', '2/2', '--results', join(scratch, 'empty')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--shard 2\/2: the shard is empty, the selection has only 1 lab\(s\)/);
  });
});
