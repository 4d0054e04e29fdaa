// Known kernel bugs on the host's real kernel: a check that fails for real,
// declared as a known bug of this kernel, is a TODO and the run exits 0;
// declared for other kernels, the same failure fails the run. The engine is
// off: the fixture's expectation is impossible there too, and the engine is
// no kernel a known kernel bug could cover.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseVersion } from '../../kernels/features.js';
import type { RunResult } from '../../harness/result.js';
import { cannotRun, ROOT, runCli } from './host-state.js';

const skip = cannotRun();
const scratch = mkdtempSync(join(tmpdir(), 'mptcp-lab-known-bugs-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const FIXTURE = join(ROOT, 'test', 'fixtures', 'labs', 'known-bug.lab.yaml');

/** The fixture lab with its first known bug declared for `kernels` only (written to the scratch folder under the same name). */
function fixtureFor(kernels: string): string {
  const text = readFileSync(FIXTURE, 'utf8').replace("kernels: '>=1'", `kernels: '${kernels}'`);
  assert.ok(text.includes(`kernels: '${kernels}'`), 'the fixture declares its bug for >=1');
  const dir = mkdtempSync(join(scratch, 'lab-'));
  const file = join(dir, 'known-bug.lab.yaml');
  writeFileSync(file, text);
  return file;
}

function results(dir: string): RunResult {
  return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult;
}

describe('known kernel bugs on the host kernel', { skip }, () => {
  const [major, minor] = parseVersion(release());

  test('declared for this kernel (from uname -r): TODO naming the bug, exit 0, knownBug in results.json, repeats tallied', async () => {
    const dir = join(scratch, 'this-kernel');
    const lab = fixtureFor(`>=${major}.${minor} <${major}.${minor! + 1}`);
    const r = await runCli(['run', lab, '--engine', 'off', '--repeat', '2', '--results', dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /^ {4}not ok 1 - join\.syn # TODO known kernel bug: the fixture's impossible join \(test\/fixtures\/labs\/known-bug\.lab\.yaml\)$/m,
    );
    assert.match(r.stdout, /^ok 1 - known-bug \[kernel host [^\]]+\] # TODO known kernel bug: the fixture's impossible join/m);
    assert.match(
      r.stdout,
      /^# known-bug \[kernel host [^\]]+\]: known bug a bug the fixture never hits \(none\) not reproduced in this run$/m,
    );
    assert.match(
      r.stdout,
      /^# known-bug \[kernel host [^\]]+\]: known bug the fixture's impossible join .* on join: reproduced in 2 of 2 runs$/m,
    );
    assert.match(
      r.stdout,
      /^# known-bug \[kernel host [^\]]+\]: known bug a bug the fixture never hits \(none\) on integrity: not reproduced in 2 runs$/m,
    );
    const run = results(dir);
    assert.deepEqual(
      run.results.map((x) => x.status),
      ['pass', 'pass'],
    );
    const syn = run.results[0]!.checks.find((c) => c.name === 'join.syn')!;
    assert.equal(syn.actual, '0');
    assert.deepEqual(syn.knownBug, { description: "the fixture's impossible join", reference: 'test/fixtures/labs/known-bug.lab.yaml' });
    assert.match(readFileSync(join(dir, 'summary.md'), 'utf8'), /check `join`: reproduced in 2 of 2 runs/);
  });

  test('declared for other kernels: the same failure fails the run', async () => {
    const dir = join(scratch, 'other-kernel');
    const r = await runCli(['run', 'test/fixtures/labs/known-bug-other-kernel.lab.yaml', '--engine', 'off', '--results', dir]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^ {4}not ok 1 - join\.syn$/m);
    assert.match(r.stdout, /^not ok 1 - known-bug-other-kernel \[kernel host [^\]]+\]$/m);
    assert.doesNotMatch(r.stdout, /known kernel bug|not reproduced/);
    const only = results(dir).results[0]!;
    assert.equal(only.status, 'fail');
    assert.equal(only.knownBugs, undefined);
    assert.equal(only.checks.find((c) => c.name === 'join.syn')!.knownBug, undefined);
  });
});
