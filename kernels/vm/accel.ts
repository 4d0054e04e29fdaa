// KVM or TCG. Nested KVM fails on the machines this is built on (-cpu host:
// MSR assertion; -cpu kvm64: hangs), so KVM is used only when asked for
// ('kvm', no questions) or when 'auto' finds that a short real boot under KVM
// succeeds. The probe's answer is remembered for the process and, given a
// file, for the machine's boot (keyed by its boot_id): a failing probe costs
// its timeout once, not on every run.
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** How qemu runs the guest: hardware virtualization or emulation. */
export type Accel = 'tcg' | 'kvm';

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
export async function chooseAccel(
  want: Accel | 'auto',
  probeBoot: () => Promise<boolean>,
  kvmDevice = '/dev/kvm',
  rememberIn?: string,
): Promise<AccelChoice> {
  if (want === 'tcg') return { accel: 'tcg', reason: 'asked for TCG' };
  if (want === 'kvm') return { accel: 'kvm', reason: 'asked for KVM' };
  if (!kvmDeviceUsable(kvmDevice)) return { accel: 'tcg', reason: `${kvmDevice} missing or not writable` };
  if (probed) return probed;
  const bootId = machineBootId();
  const remembered = rememberIn ? readRemembered(rememberIn, bootId) : undefined;
  if (remembered) return (probed = remembered);
  const ok = await probeBoot().catch(() => false);
  probed = ok
    ? { accel: 'kvm', reason: 'a probe boot under KVM succeeded' }
    : { accel: 'tcg', reason: 'a probe boot under KVM failed (nested KVM?); using TCG' };
  if (rememberIn) remember(rememberIn, bootId, probed);
  return probed;
}

function machineBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

function readRemembered(file: string, bootId: string): AccelChoice | undefined {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as { bootId?: unknown; accel?: unknown; reason?: unknown };
    if (r.bootId !== bootId || (r.accel !== 'kvm' && r.accel !== 'tcg') || typeof r.reason !== 'string') return undefined;
    return { accel: r.accel, reason: `${r.reason} (probed earlier in this boot of the machine)` };
  } catch {
    return undefined;
  }
}

function remember(file: string, bootId: string, choice: AccelChoice): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ bootId, ...choice }) + '\n');
  } catch {
    // Not remembered: the next run probes again.
  }
}

/** Forget the remembered probe (tests). */
export function resetAccelProbe(): void {
  probed = undefined;
}
