// Comparing two targets: which kernel the others are compared with, one
// point per lab both ran, and what an older kernel cannot report left out.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadCatalogue } from '../../../harness/lab/catalogue.js';
import { emptyObservations, type PmEvent } from '../../../harness/observations.js';
import type { LabResult, TargetInfo } from '../../../harness/result.js';
import { crossKernelResults, referenceKernel } from '../../../harness/run/pairing.js';
import { eventsNotOnBoth } from '../../../kernels/features.js';

describe('cross-kernel comparison', () => {
  test('the reference is the host when it runs, else the first kernel given', () => {
    assert.equal(referenceKernel(['host', 'debian:6.12']), 0);
    assert.equal(referenceKernel(['debian:6.1', 'host', 'debian:6.12']), 1);
    assert.equal(referenceKernel(['debian:6.1', 'debian:6.12']), 0);
  });

  test('one comparison per lab both kernels ran, named by their specs', async () => {
    const labs = (await loadCatalogue()).filter((l) => l.name === 'no-join' || l.name === 'mixed-v4-v6');
    const t61: TargetInfo = { kind: 'kernel', spec: 'debian:6.1', version: '6.1.0-56-amd64', backend: 'vm' };
    const t612: TargetInfo = { kind: 'kernel', spec: 'debian:6.12', version: '6.12.117+deb12-amd64', backend: 'vm' };
    const result = (lab: string, target: TargetInfo, status: LabResult['status']): LabResult => ({
      lab,
      file: `labs/${lab}.lab.yaml`,
      group: 'basic',
      tags: [],
      target,
      status,
      durationMs: 1,
      attempts: 1,
      repeat: 0,
      checks: [],
      ...(status === 'skip' ? { skipReason: 'needs mixed-v4v6' } : {}),
    });
    const ref = [result('mixed-v4-v6', t61, 'skip'), result('no-join', t61, 'fail')];
    const other = [result('mixed-v4-v6', t612, 'pass'), result('no-join', t612, 'pass')];
    const cmp = crossKernelResults(labs, ref, other);
    assert.deepEqual(
      cmp.map((c) => [c.lab, c.target.spec, c.status]),
      [
        ['mixed-v4-v6', 'kernel debian:6.1 vs kernel debian:6.12', 'skip'],
        ['no-join', 'kernel debian:6.1 vs kernel debian:6.12', 'fail'],
      ],
    );
    assert.match(cmp[0]!.skipReason ?? '', /debian:6\.1 .*skipped/);
    assert.match(cmp[1]!.error ?? '', /no observations from kernel debian:6\.1/);
    assert.deepEqual(crossKernelResults(labs, [], other), [], 'nothing to compare against');
  });

  test('event types newer than the older kernel of the pair are left out of both sides', async () => {
    const [lab] = (await loadCatalogue()).filter((l) => l.name === 'no-join');
    const event = (type: PmEvent['type'], atMs: number): PmEvent => ({ type, atMs });
    const withEvents = (target: TargetInfo, types: PmEvent['type'][]): LabResult => {
      const observations = emptyObservations();
      observations.events = { server: types.map((t, i) => event(t, i)) };
      return {
        lab: 'no-join',
        file: lab!.file,
        group: 'basic',
        tags: [],
        target,
        status: 'pass',
        durationMs: 1,
        attempts: 1,
        repeat: 0,
        checks: [],
        observations,
      };
    };
    const t61: TargetInfo = { kind: 'kernel', spec: 'debian:6.1', version: '6.1.0-56-amd64', backend: 'vm' };
    const t612: TargetInfo = { kind: 'kernel', spec: 'debian:6.12', version: '6.12.117+deb12-amd64', backend: 'vm' };
    const host: TargetInfo = { kind: 'kernel', spec: 'host', version: '6.18.44', backend: 'netns' };
    assert.deepEqual(eventsNotOnBoth('6.1.0', '6.12.117'), ['LISTENER_CREATED', 'LISTENER_CLOSED']);
    assert.deepEqual(eventsNotOnBoth('6.18.44', '6.12.117'), []);
    const older = withEvents(t61, ['CREATED', 'CLOSED']);
    const newer = withEvents(t612, ['LISTENER_CREATED', 'CREATED', 'CLOSED', 'LISTENER_CLOSED']);
    const [across] = crossKernelResults([lab!], [older], [newer]);
    assert.equal(across?.checks.find((c) => c.name === 'events.server')?.ok, true, JSON.stringify(across?.checks.filter((c) => !c.ok)));
    // Both kernels report LISTENER_*: a missing one is a real difference.
    const [both] = crossKernelResults([lab!], [withEvents(host, ['CREATED', 'CLOSED'])], [newer]);
    assert.equal(both?.checks.find((c) => c.name === 'events.server')?.ok, false);
  });
});
