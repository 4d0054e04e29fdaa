// A check on a counter the kernel does not have is a SKIP, not a failure.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadCatalogue } from '../../../../harness/lab/catalogue.js';
import { emptyObservations } from '../../../../harness/observations.js';
import type { LabResult, TargetInfo } from '../../../../harness/result.js';
import { skipMissingCounters } from '../../../../harness/targets/netns/missing-counters.js';

describe('counters an older kernel does not have', () => {
  test("a check on a counter missing from the kernel's nstat list is a SKIP naming it; the lab passes if nothing else failed", async () => {
    const [lab] = (await loadCatalogue()).filter((l) => l.name === 'single-subflow');
    const observations = emptyObservations();
    observations.counters = { client: { MPTcpExtMPJoinSynAckRx: 1 }, server: { MPTcpExtMPJoinSynRx: 1 } };
    const t61: TargetInfo = { kind: 'kernel', spec: 'debian:6.1', version: '6.1.0-56-amd64', backend: 'vm' };
    const base: LabResult = {
      lab: 'single-subflow',
      file: lab!.file,
      group: 'subflow',
      tags: [],
      target: t61,
      status: 'fail',
      durationMs: 1,
      attempts: 1,
      repeat: 0,
      observations,
      checks: [
        { name: 'join.synack', ok: true, source: 'client MPTcpExtMPJoinSynAckRx', expected: '1', actual: '1' },
        { name: 'join.syn_tx', ok: false, source: 'client MPTcpExtMPJoinSynTx', expected: '1', actual: '0' },
      ],
    };
    const r = skipMissingCounters(base, lab!, '6.1.0-56-amd64');
    assert.equal(r.status, 'pass');
    assert.deepEqual(r.checks[1], {
      ...base.checks[1],
      ok: true,
      skip: 'counter MPTcpExtMPJoinSynTx does not exist on kernel 6.1.0-56-amd64',
    });
    // A counter the kernel has, at the wrong value, still fails.
    const wrong = { ...base, checks: [{ ...base.checks[0]!, ok: false, actual: '0' }, base.checks[1]!] };
    assert.equal(skipMissingCounters(wrong, lab!).status, 'fail');
    // The engine's counters are not nstat's: left alone.
    const engine = { ...base, target: { ...t61, kind: 'engine' as const } };
    assert.equal(skipMissingCounters(engine, lab!), engine);
  });
});
