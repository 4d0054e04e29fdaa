// Commands at once under one sh: each its own stdin, exit code and stderr; a
// first step alone, with this process's part between it and the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandError } from '../../../lib/exec.js';
import { concurrentScript, keepShellsWarm, runConcurrently, shellQuote, stopWarmShells } from '../../../lib/concurrent.js';

function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'concurrent-test-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('shellQuote leaves plain words alone and single-quotes the rest', () => {
  assert.equal(shellQuote('ip'), 'ip');
  assert.equal(shellQuote('a b'), "'a b'");
  assert.equal(shellQuote("it's"), "'it'\\''s'");
});

test('every command runs, each with its own stdin, and they run at once', () =>
  withDir(async (dir) => {
    // Each one marks that it started, then waits (up to 5 s) for the others' marks: one after another, the first would fail.
    const all = [0, 1, 2].map((k) => `[ -e ${join(dir, `started${k}`)} ]`).join(' && ');
    const script = (i: number) =>
      `touch ${join(dir, `started${i}`)}; for t in $(seq 100); do ${all} && exec cat > ${join(dir, `out${i}`)}; sleep 0.05; done; exit 1`;
    await runConcurrently([0, 1, 2].map((i) => ({ argv: ['sh', '-c', script(i)], input: `input ${i}\n` })));
    for (const i of [0, 1, 2]) assert.equal(readFileSync(join(dir, `out${i}`), 'utf8'), `input ${i}\n`);
  }));

test('a failure throws the CommandError of the first failed command, with its exit code and stderr', async () => {
  const error = await runConcurrently([
    { argv: ['true'] },
    { argv: ['sh', '-c', 'echo second >&2; exit 4'] },
    { argv: ['sh', '-c', 'echo third >&2; exit 5'] },
  ]).then(
    () => assert.fail('should have thrown'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof CommandError);
  assert.equal(error.exitCode, 4);
  assert.equal(error.stderr, 'second\n');
  assert.equal(error.command, 'sh -c echo second >&2; exit 4');
});

test('the first step runs alone, then this process, then the others', () =>
  withDir(async (dir) => {
    const order: string[] = [];
    const marker = join(dir, 'first');
    await runConcurrently([{ argv: ['sh', '-c', `cat ${marker}`] }], {
      command: { argv: ['sh', '-c', `echo made > ${marker}`] },
      then: () => order.push(readFileSync(marker, 'utf8').trim()),
    });
    assert.deepEqual(order, ['made']);
  }));

test('a failed first step, or a throwing then, starts none of the others', () =>
  withDir(async (dir) => {
    const others = [{ argv: ['touch', join(dir, 'ran')] }];
    await assert.rejects(
      runConcurrently(others, { command: { argv: ['sh', '-c', 'echo no >&2; exit 2'] }, then: () => undefined }),
      /exit 2: no/,
    );
    await assert.rejects(
      runConcurrently(others, {
        command: { argv: ['true'] },
        then: () => {
          throw new Error('sysctl failed');
        },
      }),
      /sysctl failed/,
    );
    assert.throws(() => readFileSync(join(dir, 'ran')), /ENOENT/);
  }));

test('the script quotes every word and reports each exit code by index', () => {
  const script = concurrentScript([{ argv: ['ip', '-n', 'a b', '-batch', '-'], input: 'x' }], '/d');
  assert.match(script, /^ip -n 'a b' -batch - <\/d\/in-0 >\/dev\/null 2>\/d\/err-0 & p0=\$!$/m);
  assert.match(script, /^wait \$p0; echo "0 \$\?"$/m);
});

test('stopWarmShells ends the idle shells', async () => {
  keepShellsWarm(2, 2);
  stopWarmShells();
  await runConcurrently([{ argv: ['true'] }]); // a fresh shell when none is warm
});

test('shells started ahead run the commands, and an idle one keeps nothing alive', () =>
  withDir(async (dir) => {
    keepShellsWarm(1, 3);
    for (const i of [1, 2, 3]) {
      await runConcurrently([{ argv: ['sh', '-c', `echo ${i} > ${join(dir, `out${i}`)}`] }], {
        command: { argv: ['true'] },
        then: () => keepShellsWarm(),
      });
      assert.equal(readFileSync(join(dir, `out${i}`), 'utf8'), `${i}\n`);
    }
    // Idle shells are left on purpose: this file must end all the same (unref'd, they hold nothing).
  }));
