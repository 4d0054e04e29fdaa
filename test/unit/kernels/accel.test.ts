import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

test('auto remembers the probe in a file for this boot of the machine; another boot probes again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-'));
  const dev = join(dir, 'kvm');
  writeFileSync(dev, '');
  const file = join(dir, 'cache', 'accel.json');
  let probes = 0;
  const fails = async (): Promise<boolean> => {
    probes += 1;
    return false;
  };
  resetAccelProbe();
  assert.equal((await chooseAccel('auto', fails, dev, file)).accel, 'tcg');
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { bootId: string; accel: string };
  assert.equal(saved.accel, 'tcg');
  assert.equal(saved.bootId, readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
  resetAccelProbe(); // a new process: only the file remembers
  const again = await chooseAccel('auto', fails, dev, file);
  assert.equal(again.accel, 'tcg');
  assert.match(again.reason, /probed earlier in this boot/);
  assert.equal(probes, 1);
  writeFileSync(file, JSON.stringify({ ...saved, bootId: 'another-boot' }));
  resetAccelProbe();
  await chooseAccel('auto', fails, dev, file);
  assert.equal(probes, 2, 'a file from another boot is not believed');
  resetAccelProbe();
  rmSync(dir, { recursive: true, force: true });
});
