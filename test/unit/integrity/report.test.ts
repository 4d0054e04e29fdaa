// A located integrity failure as each reporter prints it: the TAP diagnostics, summary.md's row, results.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { notIntactText } from '../../../harness/integrity/describe.js';
import { emptyObservations, type EndpointReport } from '../../../harness/observations.js';
import { formatTapPoint } from '../../../harness/report/tap.js';
import { formatSummary } from '../../../harness/report/summary.js';
import { formatResultsJson } from '../../../harness/report/json.js';
import type { LabResult } from '../../../harness/result.js';
import { HOST, RUN } from '../report/fixture.js';

const LINE = "connection 2 upload: 1000000 of 1000000 bytes; wrong at 14200–14575 (376 bytes): misplaced, the stream's bytes 65160–65535";

const endpoint = (over: Partial<EndpointReport> = {}): EndpointReport => ({
  bytesSent: 1_000_000,
  bytesReceived: 1_000_000,
  sha256Sent: 'ab',
  sha256Received: 'cd',
  fallback: false,
  mptcp: true,
  subflows: [],
  ...over,
});

function failedLab(): LabResult {
  const observations = emptyObservations();
  const diff = {
    connection: 2,
    direction: 'upload' as const,
    expectedBytes: 1_000_000,
    receivedBytes: 1_000_000,
    wrong: [{ offset: 14_200, length: 376, origin: { kind: 'misplaced' as const, from: 65_160 } }],
  };
  const t = {
    connection: 2,
    direction: 'upload' as const,
    sizeBytes: 1_000_000,
    durationMs: 900,
    client: endpoint(),
    server: endpoint({ diff }),
    intact: false,
  };
  observations.transfers = [t];
  return {
    lab: 'corruption',
    file: 'labs/corruption.lab.yaml',
    group: 'regressions',
    tags: [],
    target: HOST,
    status: 'fail',
    durationMs: 1500,
    attempts: 1,
    repeat: 0,
    checks: [{ name: 'integrity', ok: false, source: 'sha256', expected: '3 connection(s), every byte intact', actual: notIntactText(t) }],
    observations,
  };
}

test('TAP: the wrong range and its origin in the check and the failure diagnostics', () => {
  const tap = formatTapPoint(1, failedLab(), 7);
  assert.equal(tap.split('\n').filter((l) => l.includes(`actual: "${LINE}"`)).length, 2, tap);
});

test('summary.md: the wrong range in the failed lab row', () => {
  const md = formatSummary({ ...RUN, results: [failedLab()] });
  assert.ok(md.includes(`actual ${LINE}`), md);
});

test('results.json: the diff as the receiver reported it', () => {
  const json = JSON.parse(formatResultsJson({ ...RUN, results: [failedLab()] })) as { results: LabResult[] };
  assert.deepEqual(json.results[0]!.observations!.transfers[0]!.server.diff!.wrong[0], {
    offset: 14_200,
    length: 376,
    origin: { kind: 'misplaced', from: 65_160 },
  });
});
