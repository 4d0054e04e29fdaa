// Known kernel bugs (lab `known-bugs`): on a kernel in a bug's ranges, a
// failed check the bug names is that bug, reported as a TODO and not failing
// the lab, so a default run stays green on a kernel with a bug everybody
// knows, and turns red the day the same check fails anywhere else. Check
// names match as in known-divergences (exact, dotted prefix or glob).
import { nameMatches, nameVariants } from '../compare/glob.js';
import { kernelMatches } from '../lab/kernel-range.js';
import type { KnownBug, Lab } from '../lab/model.js';
import type { CheckResult, KnownBugOutcome, LabResult } from '../result.js';

/** The lab's known bugs that cover a kernel release. */
export function knownBugsFor(lab: Pick<Lab, 'knownBugs'>, release: string): KnownBug[] {
  return lab.knownBugs.filter((b) => kernelMatches(release, b.kernels));
}

/**
 * The first of `bugs` that names the check, if any. An event check's name carries its attributes
 * after a space (`events.server.SF_ESTABLISHED {"saddr":…}`): the name without them matches too.
 */
export function knownBugOf(bugs: readonly KnownBug[], check: string): KnownBug | undefined {
  const bare = check.split(' ')[0]!;
  const variants = [...nameVariants(check), ...(bare !== check ? nameVariants(bare) : [])];
  return bugs.find((b) => variants.some((v) => nameMatches(b.check, v)));
}

function failed(c: CheckResult): boolean {
  return !c.ok && c.skip === undefined && c.warning === undefined;
}

/**
 * A kernel result with the failed checks that a known bug of its kernel covers marked as that bug,
 * and the lab's status decided again: a lab that failed only by known bugs passes. A lab that
 * failed with an error (set-up, timeout, a workload error) stays failed. Other results as they are.
 */
export function applyKnownBugs(lab: Pick<Lab, 'knownBugs'>, r: LabResult): LabResult {
  if (r.target.kind !== 'kernel' || r.status === 'skip') return r;
  const bugs = knownBugsFor(lab, r.target.version);
  if (!bugs.length) return r;
  const hit = new Set<KnownBug>();
  const checks = r.checks.map((c): CheckResult => {
    const bug = failed(c) ? knownBugOf(bugs, c.name) : undefined;
    if (!bug) return c;
    hit.add(bug);
    return { ...c, ok: true, knownBug: { description: bug.description, reference: bug.reference } };
  });
  const knownBugs: KnownBugOutcome[] = bugs.map((b) => ({
    check: b.check,
    kernels: b.kernels,
    description: b.description,
    reference: b.reference,
    reproduced: hit.has(b) || (r.knownBugs ?? []).some((o) => o.reproduced && o.check === b.check && o.description === b.description),
  }));
  const onlyKnown = r.status === 'fail' && r.error === undefined && hit.size > 0 && !checks.some(failed);
  return { ...r, checks, knownBugs, status: onlyKnown ? 'pass' : r.status };
}

/** "<description> (<reference>)": how a TODO, a note or a summary names a bug. */
export function knownBugLabel(b: { description: string; reference: string }): string {
  return `${b.description} (${b.reference})`;
}
