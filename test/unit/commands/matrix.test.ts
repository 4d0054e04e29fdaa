// `mptcp-lab matrix` as a CI step runs it: the built CLI, its JSON on stdout,
// $GITHUB_OUTPUT, and exit 2 with a reason for bad input.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Matrix } from '../../../harness/run/matrix.js';

const CLI = fileURLToPath(new URL('../../../harness/cli.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-matrix-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function matrix(args: string[], env: Record<string, string | undefined> = {}) {
  const childEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  return spawnSync(process.execPath, [CLI, 'matrix', ...args], { encoding: 'utf8', env: childEnv });
}

test('--shards: every kernel × shard, in --kernel order, as one line of JSON', () => {
  const r = matrix(['signal', 'subflow', '--kernel', 'host,debian:6.12', '--shards', '2']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.split('\n').filter(Boolean).length, 1);
  const m = JSON.parse(r.stdout) as Matrix;
  assert.deepEqual(
    m.include.map((e) => [e.kernel, e.shard, e.name]),
    [
      ['host', '1/2', 'host 1/2'],
      ['host', '2/2', 'host 2/2'],
      ['debian:6.12', '1/2', 'debian:6.12 1/2'],
      ['debian:6.12', '2/2', 'debian:6.12 2/2'],
    ],
  );
  assert.match(r.stderr, /kernel host: 2 shard\(s\) of 11 lab\(s\), expected [\d.]+, [\d.]+ min/);
});

test('--max-minutes: more shards for a booted kernel than for the host', () => {
  const r = matrix(['--kernel', 'host,debian:6.1', '--max-minutes', '0.5']);
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(r.stdout) as Matrix;
  const count = (k: string) => m.include.filter((e) => e.kernel === k).length;
  assert.ok(count('debian:6.1') > count('host'), r.stdout);
});

test('a kernel build tree path is taken as it is: the job downloads it, the matrix step need not have it', () => {
  const r = matrix(['no-join', '--kernel', 'host,./kernel-tree', '--shards', '1']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(
    (JSON.parse(r.stdout) as Matrix).include.map((e) => e.kernel),
    ['host', './kernel-tree'],
  );
});

test('--github-output appends matrix=<json>; without $GITHUB_OUTPUT it is exit 2', () => {
  const out = join(dir, 'github-output');
  writeFileSync(out, 'earlier=1\n');
  const r = matrix(['no-join', '--shards', '1', '--github-output'], { GITHUB_OUTPUT: out });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(out, 'utf8'), `earlier=1\nmatrix=${r.stdout}`);
  const unset = matrix(['no-join', '--shards', '1', '--github-output'], { GITHUB_OUTPUT: undefined });
  assert.equal(unset.status, 2);
  assert.match(unset.stderr, /\$GITHUB_OUTPUT is not set/);
});

test('bad input: exit 2 and why', () => {
  for (const [args, why] of [
    [['--shards', '2', '--max-minutes', '5'], /either --shards N or --max-minutes M/],
    [[], /either --shards N or --max-minutes M/],
    [['--shards', '0'], /--shards must be an integer >= 1/],
    [['--max-minutes', '-1'], /minutes above 0/],
    [['--kernel', 'debian:5.10', '--shards', '1'], /unknown Debian kernel/],
    [['--kernel', 'host,host', '--shards', '1'], /host is given twice/],
    [['--kernel', ' , ', '--shards', '1'], /--kernel: expected host, debian:6\.1/],
    [['--shards', '1', '--timings', join(dir, 'none.json')], /--timings .*none\.json: cannot read it/],
  ] as const) {
    const r = matrix([...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, why, args.join(' '));
  }
});
