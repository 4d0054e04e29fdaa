import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyKnownBugs, knownBugOf, knownBugsFor } from '../../../harness/expect/known-bugs.js';
import type { KnownBug, Lab } from '../../../harness/lab/model.js';
import { reproducedBugsAsDivergences } from '../../../harness/run/pairing.js';
import { applyKnownDivergences } from '../../../harness/compare/compare.js';
import type { CheckResult, LabResult, TargetInfo } from '../../../harness/result.js';

const HOST: TargetInfo = { kind: 'kernel', spec: 'host', version: '6.18.44', backend: 'netns' };
const GUEST: TargetInfo = { kind: 'kernel', spec: 'debian:6.12', version: '6.12.118+deb12-amd64', backend: 'vm' };
const CORRUPTION: KnownBug = { check: 'integrity', kernels: ['>=6.18 <6.19'], description: 'misplaced mapping', reference: 'issue 10' };
const JOIN: KnownBug = { check: 'join', kernels: ['6.18'], description: 'no SYN-ACK', reference: 'docs/findings/x.md' };
const lab = { knownBugs: [CORRUPTION, JOIN] };

function result(checks: CheckResult[], over: Partial<LabResult> = {}): LabResult {
  const failed = checks.some((c) => !c.ok);
  return {
    lab: 'l',
    file: 'l.lab.yaml',
    group: 'g',
    tags: [],
    target: HOST,
    status: failed ? 'fail' : 'pass',
    durationMs: 1,
    attempts: 1,
    repeat: 0,
    checks,
    ...over,
  };
}

const integrityFailed: CheckResult = { name: 'integrity', ok: false, expected: 'intact', actual: 'connection 1: sha256 mismatch' };
const joinOk: CheckResult = { name: 'join.syn', ok: true, expected: '1', actual: '1' };

describe('known kernel bugs', () => {
  test('which bugs cover a kernel, and which bug names a check (prefix, glob, exact)', () => {
    assert.deepEqual(knownBugsFor(lab, '6.18.44'), [CORRUPTION, JOIN]);
    assert.deepEqual(knownBugsFor(lab, '6.12.118+deb12-amd64'), []);
    assert.equal(knownBugOf([JOIN], 'join.synack'), JOIN);
    assert.equal(knownBugOf([JOIN], 'joined'), undefined);
    assert.equal(
      knownBugOf([{ ...JOIN, check: 'events.*.SF_ESTABLISHED' }], 'events.server.SF_ESTABLISHED {"saddr":"x"}')?.description,
      'no SYN-ACK',
    );
    const counter: KnownBug = { ...JOIN, check: 'counters.server.MPJoinSynRx' };
    assert.equal(knownBugOf([counter], 'counters.server.MPTcpExtMPJoinSynRx'), counter);
  });

  test('on a kernel with the bug, a failure of its check is that bug and the lab passes', () => {
    const r = applyKnownBugs(lab, result([integrityFailed, joinOk]));
    assert.equal(r.status, 'pass');
    assert.deepEqual(r.checks[0], { ...integrityFailed, ok: true, knownBug: { description: 'misplaced mapping', reference: 'issue 10' } });
    assert.deepEqual(r.checks[1], joinOk);
    assert.deepEqual(
      r.knownBugs?.map((b) => [b.check, b.reproduced]),
      [
        ['integrity', true],
        ['join', false],
      ],
    );
  });

  test('on another kernel the same failure is a failure, and nothing is noted', () => {
    const r = applyKnownBugs(lab, result([integrityFailed], { target: GUEST }));
    assert.equal(r.status, 'fail');
    assert.equal(r.checks[0]!.ok, false);
    assert.equal(r.checks[0]!.knownBug, undefined);
    assert.equal(r.knownBugs, undefined);
  });

  test('another failed check, or an error, still fails the lab', () => {
    const other: CheckResult = { name: 'fallback', ok: false, expected: 'false', actual: 'true' };
    assert.equal(applyKnownBugs(lab, result([integrityFailed, other])).status, 'fail');
    const withError = applyKnownBugs(lab, result([integrityFailed], { error: 'workload timed out after 60000 ms' }));
    assert.equal(withError.status, 'fail');
    assert.equal(withError.checks[0]!.knownBug?.description, 'misplaced mapping');
  });

  test('a pass on a kernel with the bug notes it as not reproduced; engine results and skips are left alone', () => {
    const passed = applyKnownBugs(lab, result([{ ...integrityFailed, ok: true, actual: 'intact' }]));
    assert.equal(passed.status, 'pass');
    assert.deepEqual(
      passed.knownBugs?.map((b) => b.reproduced),
      [false, false],
    );
    const engine = result([integrityFailed], { target: { kind: 'engine', spec: 'sim', version: '6.18.44', backend: 'sim' } });
    assert.equal(applyKnownBugs(lab, engine), engine);
    const skipped = result([], { status: 'skip', skipReason: 'no netem' });
    assert.equal(applyKnownBugs(lab, skipped), skipped);
  });

  test('applied twice (a guest, then the host) it says the same', () => {
    const once = applyKnownBugs(lab, result([integrityFailed]));
    assert.deepEqual(applyKnownBugs(lab, once), once);
  });
});

describe('known bugs in a comparison', () => {
  test('a bug a side reproduced is a known divergence of the comparison, one it did not is not', () => {
    const labFull = { ...lab, knownDivergences: [] } as unknown as Lab;
    const kernel = applyKnownBugs(lab, result([integrityFailed]));
    const engine = result([{ ...integrityFailed, ok: true }], { target: { kind: 'engine', spec: 'sim', version: '0.1', backend: 'sim' } });
    assert.deepEqual(reproducedBugsAsDivergences(labFull, kernel, engine).knownDivergences, [
      { check: 'integrity', reason: 'known kernel bug of host 6.18.44: misplaced mapping (issue 10)' },
      { check: '*', reason: 'in a run that reproduced the known kernel bug of host 6.18.44: misplaced mapping (issue 10)' },
    ]);
    assert.equal(reproducedBugsAsDivergences(labFull, applyKnownBugs(lab, result([joinOk])), engine), labFull);
  });
});

describe('a run that reproduced a known bug, compared', () => {
  test('its other divergences are put down to the bug; an agreeing item gets no note', () => {
    const withBug = reproducedBugsAsDivergences(
      { ...lab, knownDivergences: [] } as unknown as Lab,
      applyKnownBugs(lab, result([integrityFailed])),
      result([{ ...integrityFailed, ok: true }]),
    );
    const [reset, same] = applyKnownDivergences(withBug, [
      { name: 'counters.server.MPTcpExtMPRstTx', kind: 'counter', nature: 'protocol', a: '1', b: '0', ok: false },
      { name: 'counters.server.MPTcpExtMPJoinSynRx', kind: 'counter', nature: 'protocol', a: '2', b: '2', ok: true },
    ]);
    assert.match(reset?.knownDivergence ?? '', /^in a run that reproduced the known kernel bug of host 6\.18\.44/);
    assert.equal(same?.detail, undefined);
  });
});
