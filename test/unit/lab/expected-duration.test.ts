import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ENGINE_OVERHEAD_MS,
  ENGINE_SPEEDUP,
  RECOVERY_MS,
  RUN_OVERHEAD_MS,
  expectedDurationMs,
  kernelRunEstimateMs,
  transferEstimateMs,
} from '../../../harness/lab/expected-duration.js';
import type { Lab } from '../../../harness/lab/model.js';
import { lab, minimal } from './fixtures.js';

const TWO_10MBIT = '  - between: [client, server]\n    rate: 10mbit\n  - between: [client, server]\n    rate: 10mbit\n';

function withWorkload(workload: string, links = TWO_10MBIT, tail = ''): Lab {
  return lab(minimal(tail, links).replace('connect: l1\n', `connect: l1\n${workload}`));
}

describe('expected duration of a lab', () => {
  test('the transfer: payload bits and headers over the aggregate rate, times connections, plus four one-way delays', () => {
    // 2,250,000 bytes × 8 × 10/9 = 20 Mbit over 20 Mbit/s: 1 s.
    assert.equal(Math.round(transferEstimateMs(withWorkload('  size: 2250000\n'))), 1000);
    assert.equal(Math.round(transferEstimateMs(withWorkload('  size: 2250000\n  connections: 2\n'))), 2000);
    const delayed = '  - between: [client, server]\n    rate: 10mbit\n    delay: 25ms\n  - between: [client, server]\n    rate: 10mbit\n';
    assert.equal(Math.round(transferEstimateMs(withWorkload('  size: 2250000\n', delayed))), 1100);
  });

  test('links without a rate count as 1 Gbit/s', () => {
    assert.equal(Math.round(transferEstimateMs(withWorkload('  size: 2250000\n', '  - between: [client, server]\n'))), 20);
  });

  test('a link going down adds a recovery; a late event lengthens the run', () => {
    const plain = kernelRunEstimateMs(withWorkload('  size: 2250000\n'));
    assert.equal(Math.round(plain), 1000 + RUN_OVERHEAD_MS);
    const failing = withWorkload('  size: 2250000\n', TWO_10MBIT, 'events:\n  - { at: 300ms, link-down: l2 }\n');
    assert.equal(Math.round(kernelRunEstimateMs(failing)), 1000 + RECOVERY_MS + RUN_OVERHEAD_MS);
    const late = withWorkload('  size: 2250000\n', TWO_10MBIT, 'events:\n  - { at: 3s, link-up: l2 }\n');
    assert.equal(Math.round(kernelRunEstimateMs(late)), 3000 + RUN_OVERHEAD_MS);
  });

  test("the lab's calibrated median duration wins over the estimate", () => {
    const l = withWorkload('  size: 2250000\n');
    const calibrated: Lab = {
      ...l,
      calibration: {
        lab: l.name,
        kernel: '6.18',
        runs: 3,
        created: '',
        command: '',
        machine: { cpus: 2, arch: 'x64' },
        quantities: { duration: { min: 100, median: 150, max: 400, values: [100, 150, 400] } },
      },
    };
    assert.equal(kernelRunEstimateMs(calibrated), 150 + RUN_OVERHEAD_MS);
  });

  test('repeats multiply it; the engine adds its share', () => {
    const l = withWorkload('  size: 2250000\n');
    const kernel = kernelRunEstimateMs(l);
    assert.equal(expectedDurationMs(l, { engine: false }), kernel);
    assert.equal(expectedDurationMs({ ...l, repeat: 3 }, { engine: false }), 3 * kernel);
    assert.equal(expectedDurationMs({ ...l, repeat: 3 }, { engine: false, repeat: 2 }), 2 * kernel);
    assert.equal(expectedDurationMs(l, { engine: true }), kernel + ENGINE_OVERHEAD_MS + kernel / ENGINE_SPEEDUP);
  });

  test('never more than the lab timeout', () => {
    const huge = withWorkload('  size: 1GB\n', TWO_10MBIT, 'timeout: 20s\n');
    assert.equal(kernelRunEstimateMs(huge), 20_000);
  });
});
