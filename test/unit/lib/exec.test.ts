// The one module that runs processes: what a failure carries, bytes in and
// out, a missing program, a time limit, and the long-lived kinds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { CommandError, commandFailure, run, runBinary, spawnForeground, spawnLongWithStdin } from '../../../lib/exec.js';

test('a failed command throws a CommandError with the command, exit code, stderr and duration', async () => {
  const error = await run(['sh', '-c', 'sleep 0.05; echo oops >&2; exit 3']).then(
    () => assert.fail('should have thrown'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof CommandError);
  assert.equal(error.command, 'sh -c sleep 0.05; echo oops >&2; exit 3');
  assert.equal(error.exitCode, 3);
  assert.equal(error.stderr, 'oops\n');
  assert.ok(error.durationMs >= 40, `duration ${error.durationMs}`);
  assert.equal(error.message, 'sh -c sleep 0.05; echo oops >&2; exit 3: exit 3: oops');
});

test('reject: false returns the result; a missing program says why it did not start', async () => {
  const r = await run(['mptcp-lab-no-such-program'], { reject: false });
  assert.equal(r.exitCode, undefined);
  assert.match(r.spawnError ?? '', /ENOENT/);
  await assert.rejects(run(['mptcp-lab-no-such-program']), /^CommandError: mptcp-lab-no-such-program: .*ENOENT/);
});

test('a label names the command in the result and the error', async () => {
  await assert.rejects(
    run(['sh', '-c', 'exit 2'], { label: 'the step' }),
    (e: unknown) => e instanceof CommandError && e.message === 'the step: exit 2',
  );
});

test('a time limit ends the command and says so; 0 means none', async () => {
  await assert.rejects(
    run(['sleep', '5'], { timeoutMs: 100 }),
    (e: unknown) => e instanceof CommandError && e.result.timedOut && /timed out/.test(e.message),
  );
  const r = await run(['sh', '-c', 'sleep 0.1; echo done'], { timeoutMs: 0 });
  assert.equal(r.stdout, 'done\n');
});

test('runBinary passes bytes through unchanged', async () => {
  const bytes = Buffer.from([0x00, 0xff, 0x0a, 0x80, 0x0a]);
  const r = await runBinary(['cat'], { input: bytes });
  assert.ok(Buffer.isBuffer(r.stdout));
  assert.deepEqual(r.stdout, bytes);
});

test('commandFailure names what failed when it is not the exit', () => {
  const e = commandFailure({ command: 'ip -n x -batch', stderr: 'gone\n', durationMs: 5, exitCode: 0 }, 'ended');
  assert.equal(e.message, 'ip -n x -batch: ended (exit 0): gone');
  assert.equal(
    commandFailure({ command: 'ip -n x link set dev y up', stderr: 'Cannot find device "y"', durationMs: 1 }).message,
    'ip -n x link set dev y up: Cannot find device "y"',
  );
});

test('a foreground process reports its exit, a signal, or why it did not start', async () => {
  assert.equal((await spawnForeground(['sh', '-c', 'exit 7'], {}).done).exitCode, 7);
  assert.equal((await spawnForeground(['sh', '-c', 'test "$MARK" = yes'], { MARK: 'yes' }).done).exitCode, 0);
  const sleeper = spawnForeground(['sleep', '10'], {});
  sleeper.kill('SIGTERM');
  const ended = await sleeper.done;
  assert.equal(ended.signal, 'SIGTERM');
  assert.equal(ended.exitCode, undefined);
  assert.match((await spawnForeground(['mptcp-lab-no-such-program'], {}).done).spawnError ?? '', /ENOENT/);
});

test('a long-lived process fed through stdin answers line by line', async () => {
  const child = spawnLongWithStdin(['cat']);
  child.stdin.write('hello\n');
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  assert.equal(chunk.toString(), 'hello\n');
  child.stdin.end();
  assert.equal((await child).exitCode, 0);
});
