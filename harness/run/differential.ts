// The third test point of a lab run on two targets: their Observations
// compared (harness/compare), as a LabResult whose checks are the compared
// items. A divergence the lab lists as known is reported, not failed.
import { compareObservations, comparisonToChecks } from '../compare/index.js';
import type { Lab } from '../lab/model.js';
import { resultBase, targetLabel, type LabResult, type TargetInfo } from '../result.js';

export function differentialResult(lab: Lab, a: LabResult, b: LabResult): LabResult {
  const target: TargetInfo = {
    kind: 'compare' as const,
    spec: `${a.target.kind} ${a.target.spec} vs ${b.target.kind} ${b.target.spec}`,
    version: `${a.target.version} vs ${b.target.version}`,
    backend: `${a.target.backend}+${b.target.backend}`,
  };
  const base = { ...resultBase(lab, target), repeat: a.repeat, durationMs: 0 };
  if (a.status === 'skip' || b.status === 'skip') {
    return {
      ...base,
      status: 'skip',
      skipReason: `nothing to compare: ${a.status === 'skip' ? targetLabel(a.target) : targetLabel(b.target)} skipped`,
      checks: [],
    };
  }
  if (!a.observations || !b.observations) {
    return {
      ...base,
      status: 'fail',
      error: `no observations from ${!a.observations ? targetLabel(a.target) : targetLabel(b.target)}`,
      checks: [],
    };
  }
  // Name each side by what tells them apart: "kernel"/"engine", or the kernel specs.
  const label = (t: LabResult['target']) => (a.target.kind === b.target.kind ? t.spec : t.kind);
  // A guest under qemu TCG runs many times slower than the host: its times and
  // the byte shares that follow from them say nothing about the protocol.
  const emulated = a.target.backend === 'vm' || b.target.backend === 'vm';
  const tolerances = emulated ? { ...lab.compare, durationFactor: null, linkShare: null } : lab.compare;
  const comparison = compareObservations(
    lab,
    { label: label(a.target), obs: a.observations },
    { label: label(b.target), obs: b.observations },
    tolerances,
  );
  const checks = comparisonToChecks(comparison);
  return { ...base, status: comparison.divergent ? 'fail' : 'pass', checks, comparison };
}
