// GitHub Actions workflow commands for a run (printed when GITHUB_ACTIONS is
// set, and by `report github`): an ::error per failed lab result (per failed
// check, at its expectation's line, when lines are known), a ::warning per
// flaky result and per check that was only warned about, and a ::notice per
// check that failed as a known kernel bug and per skipped lab, so they show
// on the workflow's summary page and beside the lab file in a pull request.
import { isAbsolute, relative, resolve } from 'node:path';
import { CheckLines } from './check-lines.js';
import { knownBugLabel } from '../expect/known-bugs.js';
import { knownBugChecks, warningChecks, targetLabel, type LabResult } from '../result.js';
import { checkLine, failedChecks, failureMessage, flakyNote, labTitle } from './diagnostics.js';

/** Escapes a workflow command's message (%, CR, LF) and properties (also : and ,). */
export function escapeCommand(text: string, property = false): string {
  const out = text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
  return property ? out.replaceAll(':', '%3A').replaceAll(',', '%2C') : out;
}

type Kind = 'error' | 'warning' | 'notice';

function command(kind: Kind, file: string, title: string, message: string, line?: number): string {
  const at = line !== undefined ? `,line=${line}` : '';
  return `::${kind} file=${escapeCommand(file, true)}${at},title=${escapeCommand(title, true)}::${escapeCommand(message)}\n`;
}

export interface AnnotationOptions {
  /** The path to show for a result's lab file (relative to the repository); default: as the result has it. */
  path?: (file: string) => string;
  /** The line of the expectation behind a check in a lab file (harness/report/check-lines.ts); default: none. */
  lineOf?: (file: string, check: string) => number | undefined;
}

/** A lab file's path as the repository knows it: relative to `root` when inside it, else as given. */
export function repositoryPath(file: string, root: string): string {
  const inside = relative(root, resolve(root, file));
  return inside.startsWith('..') || isAbsolute(inside) ? file : inside;
}

/** Paths relative to $GITHUB_WORKSPACE (else the current folder) and lines of the lab files found there. */
export function workspaceAnnotationOptions(): AnnotationOptions {
  const root = process.env.GITHUB_WORKSPACE || process.cwd();
  const lines = new CheckLines();
  return {
    path: (file) => repositoryPath(file, root),
    lineOf: (file, check) => lines.lineOf(resolve(root, file), check),
  };
}

/** The ::error lines of a failed result: one per failed check at its expectation's line when lines are known, else one for the lab. */
function errors(r: LabResult, file: string, lineOf: AnnotationOptions['lineOf']): string {
  const checks = failedChecks(r);
  // A comparison's items are not expectations of the lab file: the lab as a whole.
  if (!lineOf || r.target.kind === 'compare' || r.error || checks.length === 0)
    return command('error', file, labTitle(r), failureMessage(r));
  return checks.map((c) => command('error', file, `${labTitle(r)}: ${c.name}`, checkLine(c), lineOf(r.file, c.name))).join('');
}

/** One ::notice per lab file and skip reason, naming the targets it was skipped on (comparisons of a skip say nothing more). */
function skipNotices(results: readonly LabResult[], path: (file: string) => string): string {
  const skips = new Map<string, { r: LabResult; targets: string[] }>();
  for (const r of results) {
    if (r.status !== 'skip' || r.target.kind === 'compare') continue;
    const key = JSON.stringify([r.file, r.lab, r.skipReason]);
    const entry = skips.get(key) ?? { r, targets: [] };
    const label = targetLabel(r.target);
    if (!entry.targets.includes(label)) entry.targets.push(label);
    skips.set(key, entry);
  }
  return [...skips.values()]
    .map(({ r, targets }) => command('notice', path(r.file), `${r.lab}: SKIP`, `${r.skipReason ?? 'skipped'} (on ${targets.join('; ')})`))
    .join('');
}

/**
 * Failed results are ::error (at the line of each failed expectation when
 * `lineOf` is given), flaky results and warned checks ::warning, checks failed
 * as known kernel bugs and skipped labs ::notice.
 */
export function githubAnnotations(results: readonly LabResult[], options: AnnotationOptions = {}): string {
  const path = options.path ?? ((f: string) => f);
  const lineOf = options.lineOf;
  let out = '';
  for (const r of results) {
    const file = path(r.file);
    if (r.status === 'fail') out += errors(r, file, lineOf);
    if (r.status === 'flaky') out += command('warning', file, labTitle(r), flakyNote(r));
    for (const c of warningChecks(r)) {
      out += command(
        'warning',
        file,
        `${r.lab} [${targetLabel(r.target)}]`,
        `${checkLine(c)}: ${c.warning ?? ''}`,
        lineOf?.(r.file, c.name),
      );
    }
    for (const c of knownBugChecks(r)) {
      const bug = c.knownBug!;
      out += command(
        'notice',
        file,
        `${r.lab} [${targetLabel(r.target)}]`,
        `${checkLine(c)}: known kernel bug: ${knownBugLabel(bug)}`,
        lineOf?.(r.file, c.name),
      );
    }
  }
  return out + skipNotices(results, path);
}
