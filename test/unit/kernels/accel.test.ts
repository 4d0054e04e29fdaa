import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chooseAccel, resetAccelProbe } from '../../../kernels/vm/accel.js';

test('TCG unless KVM is asked for, or auto and a probe boot under KVM works (probed once)', async () => {
  let probes = 0;
  const ok = async (): Promise<boolean> => {
    probes += 1;
    return true;
  };
  const fails = async (): Promise<boolean> => {
    probes += 1;
    return false;
  };
  assert.equal((await chooseAccel('tcg', ok)).accel, 'tcg');
  assert.equal((await chooseAccel('kvm', fails)).accel, 'kvm');
  assert.equal(probes, 0);
  const dev = join(mkdtempSync(join(tmpdir(), 'kvm-')), 'kvm');
  assert.deepEqual(await chooseAccel('auto', ok, dev), { accel: 'tcg', reason: `${dev} missing or not writable` });
  writeFileSync(dev, '');
  resetAccelProbe();
  assert.equal((await chooseAccel('auto', fails, dev)).accel, 'tcg');
  assert.equal((await chooseAccel('auto', ok, dev)).accel, 'tcg', 'the answer is remembered');
  assert.equal(probes, 1);
  resetAccelProbe();
  assert.equal((await chooseAccel('auto', ok, dev)).accel, 'kvm');
});
