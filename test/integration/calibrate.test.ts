// `mptcp-lab calibrate` on the host kernel, as a user runs it: the lab's
// runs measured, the calibration written beside the lab, a run's comparison
// judged against it; a broken calibration file is bad input (exit 2).
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Calibration } from '../../harness/lab/model.js';
import type { RunResult } from '../../harness/result.js';
import { cannotRun, hostSnapshot, ROOT, runCli } from './host-state.js';

const skip = cannotRun();
const scratch = mkdtempSync(join(tmpdir(), 'mptcp-lab-calibrate-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('calibrate', { skip }, () => {
  const lab = join(scratch, 'signal-address.lab.yaml');
  const calibration = join(scratch, 'signal-address.calibration.json');
  copyFileSync(join(ROOT, 'labs', 'signal', 'signal-address.lab.yaml'), lab);

  test('three runs: the spread of every link share and the time, written beside the lab', async () => {
    const before = hostSnapshot();
    const r = await runCli(['calibrate', lab, '--runs', '3', '--seed', '5', '--results', join(scratch, 'runs')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^signal-address: 3 runs → ${calibration.replaceAll('.', '\\.')}: duration .*link_share\\.l1 `, 'm'));
    const c = JSON.parse(readFileSync(calibration, 'utf8')) as Calibration;
    assert.equal(c.lab, 'signal-address');
    assert.equal(c.runs, 3);
    assert.match(c.command, /^mptcp-lab calibrate .* --runs 3/);
    for (const name of ['link_share.l1', 'link_share.l2', 'duration']) {
      const s = c.quantities[name];
      assert.ok(s, `${name} calibrated`);
      assert.equal(s.values.length, 3);
      assert.ok(s.min <= s.median && s.median <= s.max, `${name}: min ≤ median ≤ max`);
    }
    const l1 = c.quantities['link_share.l1']!.values;
    const l2 = c.quantities['link_share.l2']!.values;
    l1.forEach((v, i) => assert.ok(Math.abs(v + l2[i]! - 1) < 0.002, 'the two shares of a run add up to 1'));
    assert.deepEqual(hostSnapshot(), before, 'nothing left behind');
  });

  test('a run of the lab judges the engine against that calibration', async () => {
    const results = join(scratch, 'judged');
    const r = await runCli(['run', lab, '--seed', '5', '--results', results]);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    const run = JSON.parse(readFileSync(join(results, 'results.json'), 'utf8')) as RunResult;
    const compared = run.results.find((x) => x.target.kind === 'compare');
    const share = compared?.comparison?.items.find((i) => i.name === 'link_share.l1');
    assert.ok(share, 'link_share.l1 compared');
    assert.match(share.detail ?? '', /over 3 calibration runs: .*; allowed /);
    assert.equal(share.warning, undefined, 'a calibrated quantity is judged, never only warned about');
  });

  test('a broken calibration file: exit 2 naming the file and the place, nothing created', async () => {
    const good = readFileSync(calibration, 'utf8');
    const before = hostSnapshot();
    writeFileSync(calibration, good.replace('"runs": 3', '"runs": "three"'));
    const r = await runCli(['run', lab, '--results', join(scratch, 'bad')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`${calibration.replaceAll('.', '\\.')}: runs: expected number`));
    assert.equal(existsSync(join(scratch, 'bad')), false, 'no results folder');
    assert.deepEqual(hostSnapshot(), before);
    writeFileSync(calibration, '{ not json');
    const m = await runCli(['validate', lab]);
    assert.equal(m.code, 2);
    assert.match(m.stderr, /signal-address\.calibration\.json: \(top level\): malformed JSON/);
  });
});
