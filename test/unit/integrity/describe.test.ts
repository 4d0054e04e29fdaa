import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeDiff, notIntactText } from '../../../harness/integrity/describe.js';
import type { StreamDiff } from '../../../harness/integrity/types.js';
import type { EndpointReport, TransferObservation } from '../../../harness/observations.js';

const base: StreamDiff = { connection: 2, direction: 'upload', expectedBytes: 1_000_000, receivedBytes: 1_000_000, wrong: [] };

test("describeDiff: issue 10's range, as a kernel developer reads it", () => {
  const d: StreamDiff = { ...base, wrong: [{ offset: 14_200, length: 376, origin: { kind: 'misplaced', from: 65_160 } }] };
  assert.equal(
    describeDiff(d),
    "connection 2 upload: 1000000 of 1000000 bytes; wrong at 14200–14575 (376 bytes): misplaced, the stream's bytes 65160–65535",
  );
});

test('describeDiff: every origin, short and long streams, a capped list', () => {
  const d: StreamDiff = {
    ...base,
    direction: 'download',
    receivedBytes: 999_000,
    truncated: true,
    wrong: [
      { offset: 10, length: 100, origin: { kind: 'stream', connection: 0, direction: 'download', from: 500 } },
      { offset: 300, length: 1, origin: { kind: 'unknown' } },
      { offset: 400, length: 50, origin: { kind: 'zeros' } },
    ],
  };
  assert.equal(
    describeDiff(d),
    'connection 2 download: 999000 of 1000000 bytes (ends 1000 bytes short); ' +
      "wrong at 10–109 (100 bytes): connection 0 download's bytes 500–599; " +
      'wrong at 300 (1 byte): unknown bytes; wrong at 400–449 (50 bytes): zeros; more wrong ranges after these 3 not kept',
  );
  assert.equal(describeDiff({ ...base, receivedBytes: 1_000_376 }), 'connection 2 upload: 1000376 of 1000000 bytes (376 bytes too many)');
  assert.equal(describeDiff(base), 'connection 2 upload: 1000000 of 1000000 bytes; every byte right');
});

const endpoint = (over: Partial<EndpointReport> = {}): EndpointReport => ({
  bytesSent: 0,
  bytesReceived: 0,
  sha256Sent: '',
  sha256Received: '',
  fallback: false,
  mptcp: true,
  subflows: [],
  ...over,
});
const transfer = (client: EndpointReport, server: EndpointReport): TransferObservation => ({
  connection: 2,
  direction: 'both',
  sizeBytes: 1_000_000,
  durationMs: 1,
  client,
  server,
  intact: false,
});

test('notIntactText: the error first, then each receiver, upload first; sha256 mismatch only when nothing else is known', () => {
  const up: StreamDiff = { ...base, wrong: [{ offset: 0, length: 8, origin: { kind: 'zeros' } }] };
  const down: StreamDiff = { ...base, direction: 'download', receivedBytes: 1_000_001 };
  assert.equal(
    notIntactText(transfer(endpoint({ diff: down, error: 'ECONNRESET' }), endpoint({ diff: up }))),
    'connection 2: ECONNRESET; connection 2 upload: 1000000 of 1000000 bytes; wrong at 0–7 (8 bytes): zeros; ' +
      'connection 2 download: 1000001 of 1000000 bytes (1 byte too many)',
  );
  assert.equal(notIntactText(transfer(endpoint(), endpoint())), 'connection 2: sha256 mismatch');
  assert.equal(notIntactText(transfer(endpoint(), endpoint({ error: 'timeout' }))), 'connection 2: timeout');
});
