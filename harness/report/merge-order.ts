// The order of a merged report, whatever order its inputs came in (artifact
// downloads, shell globs): one block per target, then labs as the catalogue
// lists them, then repeats.
//
//   1. target kind: kernels, then the engine, then comparisons;
//   2. target spec: `host` first, then the others in natural order
//      (debian:6.1 before debian:6.12), then version and backend the same way;
//   3. the lab's group, then its name (the catalogue's folders and files);
//   4. the repeat; 5. the input run (only two runs of one lab on one target
//      with different seeds can tie up to here).
import type { LabResult, MergedLabResult, TargetInfo } from '../result.js';

const KIND_ORDER: Record<TargetInfo['kind'], number> = { kernel: 0, engine: 1, compare: 2 };

/** Natural order, the same on every machine (numbers compare as numbers: 6.1 < 6.12). */
export function natural(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Plain code-point order, for names. */
function codePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Kernel specs in report order: host first, the others in natural order. */
export function compareSpecs(a: string, b: string): number {
  return Number(b === 'host') - Number(a === 'host') || natural(a, b);
}

export function compareTargets(a: TargetInfo, b: TargetInfo): number {
  return (
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    compareSpecs(a.spec, b.spec) ||
    natural(a.version, b.version) ||
    natural(a.backend, b.backend)
  );
}

export function compareLabs(a: Pick<LabResult, 'group' | 'lab'>, b: Pick<LabResult, 'group' | 'lab'>): number {
  return codePoint(a.group, b.group) || codePoint(a.lab, b.lab);
}

export function compareMerged(a: MergedLabResult, b: MergedLabResult): number {
  return compareTargets(a.target, b.target) || compareLabs(a, b) || a.repeat - b.repeat || a.runIndex - b.runIndex;
}
