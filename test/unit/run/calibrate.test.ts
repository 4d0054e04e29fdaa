// calibrationOf: a lab's kernel runs turned into the spread of each timing
// quantity, named as the comparison names its items.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timingQuantities } from '../../../harness/compare/timing.js';
import { calibrationPath, spreadOf } from '../../../harness/lab/calibration.js';
import { emptyObservations, type Observations } from '../../../harness/observations.js';
import type { LabResult } from '../../../harness/result.js';
import { calibrationOf } from '../../../harness/run/calibrate.js';
import { lab as labOf, minimal } from '../lab/fixtures.js';

const lab = labOf(
  minimal('  size: 1MB\n', '  - { between: [client, server], rate: 10mbit }\n  - { between: [client, server], rate: 10mbit }\n'),
);

function obs(l1: number, ms: number, retrans: number): Observations {
  const o = emptyObservations();
  o.links = { l1: { aToB: l1, bToA: 1000 }, l2: { aToB: 1_000_000 - l1, bToA: 1000 } };
  o.counters = { client: { TcpRetransSegs: retrans }, server: {} };
  const end = { bytesSent: 1_000_000, bytesReceived: 0, sha256Sent: 'a', sha256Received: 'a', fallback: false, mptcp: true, subflows: [] };
  o.transfers = [{ connection: 0, direction: 'upload', sizeBytes: 1_000_000, durationMs: ms, client: end, server: end, intact: true }];
  return o;
}

function kernelRun(o: Observations, extra: Partial<LabResult> = {}): LabResult {
  return {
    lab: lab.name,
    file: lab.file,
    group: lab.group,
    tags: [],
    target: { kind: 'kernel', spec: 'host', version: '6.18.44', backend: 'netns' },
    status: 'pass',
    durationMs: 300,
    attempts: 1,
    repeat: 0,
    checks: [],
    observations: o,
    ...extra,
  };
}

test('timingQuantities: every link share, the time, the loss-dependent counters (0 when they did not move)', () => {
  const q = timingQuantities(lab, obs(400_000, 850, 3));
  assert.equal(q['link_share.l1'], 0.4);
  assert.equal(q['link_share.l2'], 0.6);
  assert.equal(q.duration, 850);
  assert.equal(q['counters.client.TcpRetransSegs'], 3);
  assert.equal(q['counters.server.MPTcpExtMPTCPRetrans'], 0);
});

test('calibrationOf: the spread over the usable runs only, in run order', () => {
  const how = { kernel: '6.18.44', command: 'mptcp-lab calibrate x --runs 4', created: '2026-12-07T00:00:00Z' };
  const runs = [
    kernelRun(obs(400_000, 850, 3)),
    kernelRun(obs(450_000, 800, 0), { repeat: 1 }),
    kernelRun(obs(300_000, 900, 1), { repeat: 2 }),
    kernelRun(emptyObservations(), { repeat: 3, status: 'fail', error: 'workload timed out' }),
    { ...kernelRun(obs(900_000, 100, 0)), target: { kind: 'engine', spec: 'sim', version: '0.1', backend: 'sim' } } as LabResult,
  ];
  const c = calibrationOf(lab, runs, how)!;
  assert.equal(c.runs, 3);
  assert.deepEqual(c.quantities['link_share.l1'], { min: 0.3, median: 0.4, max: 0.45, values: [0.4, 0.45, 0.3] });
  assert.deepEqual(c.quantities.duration, { min: 800, median: 850, max: 900, values: [850, 800, 900] });
  assert.deepEqual(c.quantities['counters.client.TcpRetransSegs']!.values, [3, 0, 1]);
  assert.equal(
    c.quantities['counters.server.MPTcpExtMPTCPRetrans'],
    undefined,
    'a counter that never moved and is not compared is left out',
  );
  assert.equal(calibrationOf(lab, runs.slice(0, 1), how), undefined, 'one run is no spread');
});

test('spreadOf and calibrationPath', () => {
  assert.deepEqual(spreadOf([3, 1, 2, 10]), { min: 1, median: 2.5, max: 10, values: [3, 1, 2, 10] });
  assert.equal(calibrationPath('labs/signal/signal-address.lab.yaml'), 'labs/signal/signal-address.calibration.json');
  assert.equal(calibrationPath('mine.yaml'), 'mine.calibration.json');
});
