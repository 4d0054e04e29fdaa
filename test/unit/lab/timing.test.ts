import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateRateBps, completionBoundMs } from '../../../harness/lab/timing.js';
import { lab, minimal } from './fixtures.js';

const TWO_10MBIT = '  - between: [client, server]\n    rate: 10mbit\n  - between: [client, server]\n    rate: 10mbit\n';

function withWorkload(extra: string, links = TWO_10MBIT, tail = '') {
  return lab(minimal(tail, links).replace('connect: l1\n', `connect: l1\n${extra}`));
}

describe('completionBoundMs', () => {
  test('simult_flows.sh: 2 × 10mbit, 16 MiB upload, margin 1 → 7456 + 400 = 7856 ms', () => {
    const l = withWorkload('  size: 16777216\n');
    assert.equal(completionBoundMs(l, 1), 7856);
  });

  test('2 × 10mbit, 16 MiB upload, margin 1 is within a millisecond of 7856', () => {
    const l = withWorkload('  size: 16777216\n');
    const ms = completionBoundMs(l, 1);
    assert.ok(ms !== undefined && ms >= 7856 && ms <= 7857, String(ms));
  });

  test('exact case: 2,250,000 bytes over 20 Mbit/s is 1000 ms + 400 ms', () => {
    const l = withWorkload('  size: 2250000\n');
    assert.equal(completionBoundMs(l, 1), 1400);
    assert.equal(completionBoundMs(l, 1.5), 2100);
    assert.equal(completionBoundMs(l, 2), 2800);
  });

  test('connections multiply the bound', () => {
    const l = withWorkload('  size: 2250000\n  connections: 3\n');
    assert.equal(completionBoundMs(l, 1), 4200);
  });

  test('the largest one-way delay adds four times itself', () => {
    const links =
      '  - between: [client, server]\n    rate: 10mbit\n    delay: 25ms\n  - between: [client, server]\n    rate: 10mbit\n    delay: 5ms\n';
    const l = withWorkload('  size: 2250000\n', links);
    assert.equal(completionBoundMs(l, 1), 1500);
  });

  test('download uses the rate of what the server sends (from: override)', () => {
    const links =
      '  - between: [client, server]\n    rate: 10mbit\n    from:\n      server: { rate: 5mbit }\n  - between: [client, server]\n    rate: 10mbit\n    from:\n      server: { rate: 5mbit }\n';
    const up = withWorkload('  size: 2250000\n', links);
    const down = withWorkload('  size: 2250000\n  direction: download\n', links);
    const both = withWorkload('  size: 2250000\n  direction: both\n', links);
    assert.equal(aggregateRateBps(up, true), 20e6);
    assert.equal(aggregateRateBps(up, false), 10e6);
    assert.equal(completionBoundMs(up, 1), 1400);
    assert.equal(completionBoundMs(down, 1), 2400);
    assert.equal(completionBoundMs(both, 1), 2400);
  });

  test('a client link without a rate gives no bound', () => {
    const l = withWorkload('  size: 2250000\n', '  - between: [client, server]\n    rate: 10mbit\n  - between: [client, server]\n');
    assert.equal(aggregateRateBps(l, true), undefined);
    assert.equal(completionBoundMs(l, 1), undefined);
  });

  test('only the client links count', () => {
    const l = lab(`hosts: { client: , r1: { forward: true }, server: }
links:
  - between: [client, r1]
    rate: 20mbit
  - between: [r1, server]
workload: { client: client, server: server, connect: l2, size: 2250000 }
`);
    assert.equal(aggregateRateBps(l, true), 20e6);
    assert.equal(completionBoundMs(l, 1), 1400);
  });

  test('duration max: auto stores the bound with the lab margin (default 1.5)', () => {
    assert.equal(withWorkload('  size: 2250000\n', TWO_10MBIT, 'expect:\n  duration: { max: auto }\n').expect.durationMaxMs, 2100);
    assert.equal(
      withWorkload('  size: 2250000\n', TWO_10MBIT, 'expect:\n  duration: { max: auto, margin: 1 }\n').expect.durationMaxMs,
      1400,
    );
  });
});
