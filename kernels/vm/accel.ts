// KVM or TCG. Nested KVM fails on the machines this is built on (-cpu host:
// MSR assertion; -cpu kvm64: hangs), so TCG is the default and KVM is used
// only when asked for: accel 'kvm' (no questions), or 'auto' (a short real
// boot under KVM must succeed first; its answer is remembered for the process).
import { accessSync, constants } from 'node:fs';
import type { Accel } from './qemu.js';

export interface AccelChoice {
  accel: Accel;
  reason: string;
}

/** Whether /dev/kvm can be opened read-write by us. */
export function kvmDeviceUsable(path = '/dev/kvm'): boolean {
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

let probed: AccelChoice | undefined;

/**
 * `probeBoot` boots the kernel under KVM with a short timeout and says whether the command came back;
 * passed in so this module does not import the runner (and tests can stub it).
 */
export async function chooseAccel(want: Accel | 'auto', probeBoot: () => Promise<boolean>, kvmDevice = '/dev/kvm'): Promise<AccelChoice> {
  if (want === 'tcg') return { accel: 'tcg', reason: 'asked for TCG' };
  if (want === 'kvm') return { accel: 'kvm', reason: 'asked for KVM' };
  if (!kvmDeviceUsable(kvmDevice)) return { accel: 'tcg', reason: `${kvmDevice} missing or not writable` };
  if (probed) return probed;
  const ok = await probeBoot().catch(() => false);
  probed = ok ? { accel: 'kvm', reason: 'a probe boot under KVM succeeded' } : { accel: 'tcg', reason: 'a probe boot under KVM failed (nested KVM?); using TCG' };
  return probed;
}

/** Forget the remembered probe (tests). */
export function resetAccelProbe(): void {
  probed = undefined;
}
