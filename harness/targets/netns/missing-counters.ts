// Checks on MIB counters a kernel does not have.
import type { Lab } from '../../lab/model.js';
import type { LabResult } from '../../result.js';

const COUNTER_SOURCE = /^(\S+) ((?:MPTcpExt|Tcp|Ip)\w+)$/;

/**
 * A check on a MIB counter the kernel does not have is a SKIP naming the
 * counter, not a failure at 0: `nstat -asz` lists every counter a kernel
 * has, zeros included, so one missing from a host's list is one this kernel
 * (e.g. 6.1 before MPJoinSynTx, AddAddrTx, RmAddrTx) never counts.
 */
export function skipMissingCounters(r: LabResult, lab: Lab, kernelRelease: string = r.target.version): LabResult {
  if (r.target.kind !== 'kernel' || !r.observations) return r;
  const counters = r.observations.counters;
  let changed = false;
  const checks = r.checks.map((c) => {
    const m = COUNTER_SOURCE.exec(c.source ?? '');
    const have = m ? counters[m[1]!] : undefined;
    if (c.ok || c.skip !== undefined || !m || !have || !Object.keys(have).length || m[2]! in have) return c;
    changed = true;
    return { ...c, ok: true, skip: `counter ${m[2]} does not exist on kernel ${kernelRelease}` };
  });
  if (!changed) return r;
  // The same rule as runLabOnHost: a failed check, or an error when the lab expects integrity.
  const failed = checks.some((c) => !c.ok) || (r.error !== undefined && lab.expect.integrity);
  return { ...r, checks, status: r.status === 'fail' && !failed ? 'pass' : r.status };
}
