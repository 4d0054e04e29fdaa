// Every kind of target, in the order they are asked whether a spec is
// theirs (the booted kernel last: it takes any kernel spec). A new target
// is a folder beside netns/, vm/ and sim/ exporting its TargetKind, and one
// line here; the runner does not change.
import { netnsKind } from './netns/target.js';
import { simKind } from './sim/target.js';
import type { Target, TargetKind, TargetSettings } from './target.js';
import { vmKind } from './vm/target.js';

const KINDS: readonly TargetKind[] = [netnsKind, simKind, vmKind];

function kindOf(option: TargetKind['option'], spec: string): TargetKind {
  const kind = KINDS.find((k) => k.option === option && k.claims(spec));
  if (!kind) throw new Error(`${option} ${spec}: no target takes it`);
  return kind;
}

/** Throws when `spec` is not a target this run could start (e.g. a malformed kernel spec), before anything runs. */
export function checkTargetSpec(option: TargetKind['option'], spec: string, settings: TargetSettings): void {
  kindOf(option, spec).check?.(spec, settings);
}

export function createTarget(option: TargetKind['option'], spec: string, settings: TargetSettings): Target {
  return kindOf(option, spec).create(spec, settings);
}
