// Commands at once under one sh: each its own stdin, exit code and stderr; a
// first step alone, with this process's part between it and the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandError } from '../../../lib/exec.js';
import { concurrentScript, runConcurrently, shellQuote } from '../../../lib/concurrent.js';

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
    const started = performance.now();
    await runConcurrently(
      [0, 1, 2].map((i) => ({ argv: ['sh', '-c', `sleep 0.3; cat > ${join(dir, `out${i}`)}`], input: `input ${i}\n` })),
    );
    const took = performance.now() - started;
    for (const i of [0, 1, 2]) assert.equal(readFileSync(join(dir, `out${i}`), 'utf8'), `input ${i}\n`);
    assert.ok(took < 850, `three 0.3 s commands took ${Math.round(took)} ms: not at once`);
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
