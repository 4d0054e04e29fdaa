// schema/results.schema.json (written by harness/report/write-results-schema.ts
// from the RunResult type) must accept what the JSON reporter writes, and
// reject a document that is not a results.json.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { formatResultsJson } from '../../../harness/report/json.js';
import type { LabResult, RunResult } from '../../../harness/result.js';
import { HOST, RUN } from './fixture.js';

const schema: unknown = JSON.parse(readFileSync(new URL('../../../../schema/results.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: true }).compile(schema as object);

// The shared fixture's observations are mostly empty; one lab and one
// comparison point with every part filled reach the rest of the schema.
const observed: LabResult = {
  lab: 'signal-single',
  file: 'labs/signal/signal-single.lab.yaml',
  group: 'signal',
  tags: ['add_addr'],
  target: HOST,
  status: 'pass',
  durationMs: 812,
  attempts: 1,
  repeat: 0,
  checks: [{ name: 'add_addr.rx', ok: true, source: 'client MPTcpExtAddAddr', expected: '1', actual: '1' }],
  observations: {
    counters: { client: { MPTcpExtAddAddr: 1 }, server: { MPTcpExtEchoAdd: 1 } },
    events: { server: [{ type: 'ANNOUNCED', atMs: 12, token: 1234, family: 4, saddr: '198.18.2.2', remId: 10, serverSide: true }] },
    transfers: [
      {
        connection: 0,
        direction: 'upload',
        sizeBytes: 1_000_000,
        durationMs: 640,
        intact: true,
        client: {
          bytesSent: 1_000_000,
          bytesReceived: 0,
          sha256Sent: 'ab',
          sha256Received: 'cd',
          fallback: false,
          mptcp: true,
          subflows: [{ saddr: '198.18.1.1', daddr: '198.18.1.2', sport: 40000, dport: 5201, bytesAcked: 500_000, rttUs: 900 }],
        },
        server: {
          bytesSent: 0,
          bytesReceived: 1_000_000,
          sha256Sent: 'cd',
          sha256Received: 'ab',
          fallback: false,
          mptcp: true,
          subflows: [],
          diff: {
            connection: 0,
            direction: 'upload',
            expectedBytes: 1_000_000,
            receivedBytes: 1_000_000,
            wrong: [{ offset: 14_200, length: 376, origin: { kind: 'misplaced', from: 65_160 } }],
          },
        },
      },
    ],
    links: { l1: { aToB: 600_000, bToA: 20_000 } },
    workloadMs: 650,
    applied: [{ atMs: 0, what: 'link-down l2', ok: true }],
  },
  log: 'labs/signal-single/log.txt',
};
const compared: LabResult = {
  ...observed,
  observations: undefined,
  log: undefined,
  target: { kind: 'compare', spec: 'kernel host vs engine sim', version: '', backend: '' },
  checks: [],
  comparison: {
    labels: { a: 'kernel host', b: 'engine sim' },
    items: [{ name: 'counters.client.MPTcpExtAddAddr', kind: 'counter', nature: 'protocol', a: '1', b: '1', ok: true, detail: 'exact' }],
    divergent: false,
  },
};
const run: RunResult = {
  run: { ...RUN.run, untilFail: { stopped: true, runs: 7, planned: 100 } },
  results: [...RUN.results, observed, compared],
  rates: [{ lab: 'signal-single', target: HOST, runs: 7, failed: 1, planned: 100, rate: 1 / 7, ci95: { low: 0.0036, high: 0.5787 } }],
};

function errorsOf(document: unknown): string[] {
  return validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

test('results.json as the JSON reporter writes it validates against the schema', () => {
  const document: unknown = JSON.parse(formatResultsJson(run));
  assert.deepEqual(errorsOf(document), []);
});

test('a document that is not a results.json fails validation, naming where', () => {
  const document = JSON.parse(formatResultsJson(run)) as { run: Record<string, unknown>; results: Record<string, unknown>[] };
  delete document.run.seed;
  document.results[0]!.status = 'passed';
  document.results[1]!.unknownField = true;
  const errors = errorsOf(document);
  assert.ok(
    errors.some((e) => e.startsWith('/run ') && e.includes('seed')),
    errors.join('\n'),
  );
  assert.ok(
    errors.some((e) => e.startsWith('/results/0/status ')),
    errors.join('\n'),
  );
  assert.ok(
    errors.some((e) => e.startsWith('/results/1 ') && e.includes('additional properties')),
    errors.join('\n'),
  );
});
