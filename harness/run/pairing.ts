// Any two targets of a run compared lab by lab, through one piece of code:
// the host kernel with the engine, a kernel with another kernel, later a
// container with the host. Each side is first trimmed to what both kernels
// can report (comparable), then compared (differential.ts).
import type { Lab } from '../lab/model.js';
import type { LabResult } from '../result.js';
import { eventsNotOnBoth } from '../../kernels/features.js';
import { knownBugLabel } from '../expect/known-bugs.js';
import { differentialResult } from './differential.js';

/** The kernel the others are compared with: the host when it runs, else the first one given. */
export function referenceKernel(kernels: readonly string[]): number {
  const host = kernels.indexOf('host');
  return host >= 0 ? host : 0;
}

/** The kernel version a result speaks for: the engine models the newest kernel, so it never lacks what the kernel beside it has. */
function modelledVersion(r: LabResult, other: LabResult): string {
  return r.target.kind === 'engine' ? other.target.version : r.target.version;
}

/**
 * The two results with only what both kernels can report: PM event types
 * that arrived after the older one left out, and per host only the MIB
 * counters both have (nstat -asz lists every counter a kernel has).
 */
export function comparable(a: LabResult, b: LabResult): [LabResult, LabResult] {
  const types = eventsNotOnBoth(modelledVersion(a, b), modelledVersion(b, a));
  const trim = (r: LabResult, other: LabResult): LabResult => {
    if (!r.observations) return r;
    const events = Object.fromEntries(
      Object.entries(r.observations.events).map(([host, evs]) => [host, evs.filter((e) => !types.includes(e.type))]),
    );
    const counters = Object.fromEntries(
      Object.entries(r.observations.counters).map(([host, values]) => {
        const theirs = other.observations?.counters[host];
        return [host, theirs ? Object.fromEntries(Object.entries(values).filter(([name]) => name in theirs)) : values];
      }),
    );
    return { ...r, observations: { ...r.observations, events, counters } };
  };
  return [trim(a, b), trim(b, a)];
}

/**
 * The known bugs a side reproduced, as known divergences of the comparison: the other side (the
 * engine, a kernel without the bug) is expected to differ there, and the report says why. The
 * rest of that run follows from the bug too (seen with join-misplaced-mapping: after the
 * misplaced mapping the server reset a subflow, MPRstTx 1, and the connection ended with one
 * subflow less), so any other divergence of the same run is put down to it as well ("*").
 */
export function reproducedBugsAsDivergences(lab: Lab, a: LabResult, b: LabResult): Lab {
  const extra = [a, b].flatMap((r) =>
    (r.knownBugs ?? [])
      .filter((k) => k.reproduced)
      .flatMap((k) => {
        const reason = `known kernel bug of ${r.target.spec} ${r.target.version}: ${knownBugLabel(k)}`;
        return [
          { check: k.check, reason },
          { check: '*', reason: `in a run that reproduced the ${reason}` },
        ];
      }),
  );
  return extra.length ? { ...lab, knownDivergences: [...lab.knownDivergences, ...extra] } : lab;
}

/** The comparison point of one lab run on two targets. */
export function compareOnce(lab: Lab, a: LabResult, b: LabResult): LabResult {
  return differentialResult(reproducedBugsAsDivergences(lab, a, b), ...comparable(a, b));
}

/** How a comparison may run side `a`'s lab again: `again(attempt)` is attempt 2, 3, … of the comparison. */
export interface CompareRetry {
  retries: number;
  again: (attempt: number) => Promise<LabResult>;
}

/**
 * The comparison point, with retries when given: a kernel's timing varies
 * from run to run, so a divergence from a side that is the same every time
 * (the engine) gets the lab's retries: `a`'s lab runs again and is compared
 * again with the same `b`. Agreeing then makes the point flaky (its first
 * divergence stays visible), never a plain pass.
 */
export async function compareLab(lab: Lab, a: LabResult, b: LabResult, retry?: CompareRetry): Promise<LabResult> {
  const first = compareOnce(lab, a, b);
  for (let attempt = 2; retry && first.status === 'fail' && attempt <= retry.retries + 1; attempt += 1) {
    const cmp = compareOnce(lab, await retry.again(attempt), b);
    if (cmp.status === 'pass') {
      return {
        ...cmp,
        status: 'flaky',
        attempts: attempt,
        error: `diverged on attempt 1, agreed on attempt ${attempt} (kernel run again)`,
        checks: [...first.checks.filter((c) => !c.ok), ...cmp.checks],
      };
    }
  }
  return first;
}

/**
 * One cross-kernel comparison point per lab that both kernels ran. Event
 * types that arrived after the older kernel of the pair (kernels/features.ts,
 * e.g. LISTENER_* in 6.2) are left out of both sides: their absence is the
 * kernel's age, not a protocol difference; so are counters only one has.
 */
export function crossKernelResults(labs: readonly Lab[], reference: readonly LabResult[], other: readonly LabResult[]): LabResult[] {
  const out: LabResult[] = [];
  for (const r of other) {
    if (r.target.kind !== 'kernel') continue;
    const ref = reference.find((h) => h.lab === r.lab && h.target.kind === 'kernel' && h.repeat === 0);
    const lab = labs.find((l) => l.name === r.lab);
    if (!ref || !lab) continue;
    out.push(compareOnce(lab, ref, r));
  }
  return out;
}
