// `mptcp-lab selftests --tree` on a small fixture tree (no download): a
// helper that does not compile is exit 3 with the compiler's lines; a suite
// that fails one subtest is exit 1 with that subtest failed and its log kept.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { RunResult } from '../../../harness/result.js';
import { cannotRun, runCli } from '../host-state.js';

const made: string[] = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A tree with the selftests folder, the MPTCP uapi header, a helper `helper.c` and one suite `fixture.sh`. */
function fixtureTree(helper: string, suite: string): string {
  const tree = mkdtempSync(join(tmpdir(), 'mptcp-lab-tree-'));
  made.push(tree);
  const dir = join(tree, 'tools/testing/selftests/net/mptcp');
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(tree, 'include/uapi/linux'), { recursive: true });
  writeFileSync(join(tree, 'include/uapi/linux/mptcp.h'), '#define MPTCP_FIXTURE 1\n');
  writeFileSync(join(dir, 'Makefile'), 'CFLAGS += -I../../../../../usr/include\nall: helper\n');
  writeFileSync(join(dir, 'helper.c'), helper);
  writeFileSync(join(dir, 'fixture.sh'), suite);
  chmodSync(join(dir, 'fixture.sh'), 0o755);
  return tree;
}

const GOOD_HELPER = '#include <linux/mptcp.h>\nint main(void) { return MPTCP_FIXTURE - 1; }\n';

function cannot(): string | undefined {
  const why = cannotRun();
  if (why) return why;
  for (const p of ['make', 'gcc']) if (spawnSync(p, ['--version']).status !== 0) return `${p} missing (apt-get install gcc make libc6-dev)`;
  return undefined;
}

describe('selftests on a fixture tree (integration)', { skip: cannot() }, () => {
  test('a helper that does not compile: exit 3 with the compiler lines', async () => {
    const tree = fixtureTree('int main(void) { return no_such_symbol; }\n', '#!/bin/sh\n');
    const r = await runCli(['selftests', 'fixture.sh', '--tree', tree, '--results', join(tree, 'results')], { timeoutMs: 60_000 });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /helper\.c:1:\d+: error: .no_such_symbol. undeclared/);
  });

  test('a suite that fails one subtest: exit 1, that subtest failed, the others as its TAP says', async () => {
    const suite = [
      '#!/bin/sh',
      'echo "human log line"',
      'printf "\\nTAP version 13\\n1..3\\n"',
      'echo "ok 1 - fixture: passes # time=1ms"',
      'echo "not ok 2 - fixture: broken expectation # time=2ms"',
      'echo "ok 3 - fixture: not here # SKIP time=3ms"',
      'exit 1',
      '',
    ].join('\n');
    const tree = fixtureTree(GOOD_HELPER, suite);
    const results = join(tree, 'results');
    const r = await runCli(['selftests', 'fixture.sh', '--tree', tree, '--results', results], { timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /warning:/, 'a --tree is the kernel the user chose: no series warning');
    const run = JSON.parse(readFileSync(join(results, 'results.json'), 'utf8')) as RunResult;
    const s = run.results[0]!;
    assert.equal(s.status, 'fail');
    assert.deepEqual(
      s.checks.map((c) => [c.name, c.ok, c.skip ?? null]),
      [
        ['fixture: passes', true, null],
        ['fixture: broken expectation', false, null],
        ['fixture: not here', true, 'skipped by the script'],
      ],
    );
    assert.match(readFileSync(join(results, 'selftests/fixture.sh/log.txt'), 'utf8'), /^human log line$/m);
    assert.match(r.stdout, /^ {4}not ok 2 - fixture: broken expectation$/m);
    assert.match(r.stdout, /replay: mptcp-lab selftests fixture\.sh --kernel host/);
    const summary = readFileSync(join(results, 'summary.md'), 'utf8');
    assert.match(summary, /mptcp-lab selftests fixture\.sh --kernel host/);
    assert.doesNotMatch(summary, /--seed/, 'a suite has no seed to replay with');
  });
});
