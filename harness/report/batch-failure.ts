// A lab result that failed because its target's whole batch failed (a
// booted kernel that crashed, hung, or sent nothing back: whyBatchFailed in
// harness/targets/vm/run-labs.ts) is not a fact about that lab: the merged
// reports call it Critical, as the upstream MPTCP CI does for a Call Trace
// or a VM that stopped, rather than list every lab of the batch as failed.
import type { LabResult } from '../result.js';

/** Error text starts → what went wrong with the batch. */
const BATCH_FAILURES: readonly (readonly [RegExp, string])[] = [
  [/^kernel trouble \(console\)/, 'kernel trouble'],
  [/^the guest stopped answering/, 'the guest stopped answering'],
  [/^the guest could not start the run/, 'the guest could not start the run'],
  [/^qemu ended without a result/, 'qemu ended without a result'],
  [/^no result came back from the guest/, 'no result came back from the guest'],
];

/** What failed the whole batch of a failed result, or undefined when the lab failed on its own. */
export function batchFailure(r: Pick<LabResult, 'status' | 'error'>): string | undefined {
  if (r.status !== 'fail' || r.error === undefined) return undefined;
  return BATCH_FAILURES.find(([re]) => re.test(r.error!))?.[1];
}
