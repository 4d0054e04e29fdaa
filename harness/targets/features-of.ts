// What a target says it can do: the MPTCP features of the kernel version it runs or models.
import { FEATURES, versionAtLeast } from '../../kernels/features.js';

export function featuresOf(kernelVersion: string): string[] {
  return FEATURES.filter((f) => versionAtLeast(kernelVersion, f.since)).map((f) => f.name);
}
