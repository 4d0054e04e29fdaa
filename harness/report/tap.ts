// TAP on stdout: one test point per lab result, its checks as a subtest.
//
//   TAP version 14
//   # Subtest: join [kernel host 6.18.44 netns]
//       1..2
//       ok 1 - join.syn
//       not ok 2 - integrity
//         ---
//         expected: ...
//         ...
//   not ok 1 - join [kernel host 6.18.44 netns]
//     ---
//     message: 1 of 2 checks failed
//     ...
//   ok 2 - fallback [kernel host 6.18.44 netns] # SKIP no sch_netem
//   ok 3 - add-addr [kernel host 6.18.44 netns] # TODO flaky: failed 1 time then passed
//   1..3
//
// A lab that passed with warnings (timing divergences nobody can judge: see
// harness/compare/timing.ts) is `ok ... # TODO 1 warning: link_share.l1`, its
// warned checks `not ok ... # TODO warning: ...` inside the subtest.
// A check that failed as a known kernel bug of the lab on this kernel (lab
// `known-bugs`) is `not ok ... # TODO known kernel bug: <description>
// (<reference>)`, its lab `ok ... # TODO known kernel bug: ...`; a known bug
// the run did not reproduce is a `# ... not reproduced in this run` line after
// the point, and before the plan one `#` line per lab, target and bug counts
// the runs that reproduced it (useful with --repeat).
// A flaky lab is `ok ... # TODO flaky: ...`: TAP consumers count an ok TODO
// point as passing (prove lists it under "TODO passed", tap-parser under
// `todo`), so it does not fail the run but stays visible. SKIP would hide
// that the lab did pass; a plain comment would be invisible to tools.
// After the last repeat of a repeated lab on a target, a comment gives its
// failure rate:
//   # rate: join [kernel host 6.18.44 netns]: 3/20 failed: 15 %, 95 % CI 3–38 %
// TAP 13 output has the same structure; only the version line differs.
import { Document, visit } from 'yaml';
import { knownBugLabel } from '../expect/known-bugs.js';
import { knownBugChecks, warningChecks, type CheckResult, type LabResult, type RunResult } from '../result.js';
import { failedChecks, failureMessage, flakyNote, isSelftest, labTitle, relevantCounters, replayOf } from './diagnostics.js';
import { RateLines, type RateLineOptions } from './rate-lines.js';
import { untilFailLines } from '../run/until-fail.js';
import { knownBugTallies, notReproducedNotes, tallyLine } from './known-bugs.js';

export type TapVersion = 13 | 14;

export interface TapOptions {
  /** Default 14. */
  version?: TapVersion;
  /** The run's seed, for the replay hint of failures. */
  seed?: number;
  /** The seed of each result when they come from several runs (a merged report); overrides `seed`. */
  seedOf?: (r: LabResult) => number | undefined;
  /** `# rate:` lines after each repeated lab's results (rate-lines.ts). */
  rates?: RateLineOptions;
}

/** One line, with `\` and `#` escaped as TAP 14 asks. */
export function escapeTap(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replaceAll('\\', '\\\\')
    .replaceAll('#', '\\#')
    .trim();
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').trim();
}

/**
 * YAML for a diagnostics block, kept to the YAMLish subset that Perl's
 * TAP::Harness also reads: multi-line strings become one-line double-quoted
 * strings with escapes (YAMLish rejects block and multi-line quoted scalars).
 */
export function tapYaml(data: Record<string, unknown>): string {
  const doc = new Document(data);
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && /[\r\n]/.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ lineWidth: 0, doubleQuotedAsJSON: true });
}

function yamlBlock(data: Record<string, unknown>, indent: string): string[] {
  const body = tapYaml(data).trimEnd().split('\n');
  return [`${indent}  ---`, ...body.map((l) => `${indent}  ${l}`), `${indent}  ...`];
}

function directive(kind: 'SKIP' | 'TODO', reason: string | undefined): string {
  return reason ? ` # ${kind} ${escapeTap(reason)}` : ` # ${kind}`;
}

function measured(c: CheckResult): Record<string, unknown> {
  return { expected: c.expected, actual: c.actual, ...(c.source ? { source: c.source } : {}) };
}

/** The TODO of a passed lab with warned checks or known bugs, empty without. */
function passNote(r: LabResult): string {
  const warned = warningChecks(r);
  const notes = warned.length ? [`${warned.length} warning${warned.length === 1 ? '' : 's'}: ${warned.map((c) => c.name).join(', ')}`] : [];
  const bugs = [...new Set(knownBugChecks(r).map((c) => knownBugLabel(c.knownBug!)))];
  if (bugs.length) notes.push(`known kernel bug: ${bugs.join('; ')}`);
  return notes.length ? directive('TODO', notes.join('; ')) : '';
}

function subtest(r: LabResult, indent: string): string[] {
  const lines = [`${indent}1..${r.checks.length}`];
  r.checks.forEach((c, i) => {
    const n = i + 1;
    if (c.skip !== undefined) {
      lines.push(`${indent}ok ${n} - ${escapeTap(c.name)}${directive('SKIP', c.skip)}`);
    } else if (c.knownBug !== undefined) {
      // A known bug of this kernel: a TODO point, so the failure stays visible and fails nothing.
      lines.push(`${indent}not ok ${n} - ${escapeTap(c.name)}${directive('TODO', `known kernel bug: ${knownBugLabel(c.knownBug)}`)}`);
      lines.push(...yamlBlock(measured(c), indent));
    } else if (c.warning !== undefined) {
      // A warning is a divergence nobody can judge yet: a TODO point, visible to tools, failing nothing.
      lines.push(`${indent}not ok ${n} - ${escapeTap(c.name)}${directive('TODO', `warning: ${c.warning}`)}`);
      lines.push(...yamlBlock(measured(c), indent));
    } else if (c.ok) {
      lines.push(`${indent}ok ${n} - ${escapeTap(c.name)}`);
    } else {
      // A flaky lab keeps the checks that failed before its retry passed, as TODO so they do not fail the subtest.
      const todo = r.status === 'flaky' ? directive('TODO', 'failed before a retry passed') : '';
      lines.push(`${indent}not ok ${n} - ${escapeTap(c.name)}${todo}`);
      const diag: Record<string, unknown> = { expected: c.expected, actual: c.actual };
      if (c.source) diag.source = c.source;
      lines.push(...yamlBlock(diag, indent));
    }
  });
  return lines;
}

function failureDiagnostics(r: LabResult, seed: number | undefined): Record<string, unknown> {
  const diag: Record<string, unknown> = { message: failureMessage(r), severity: 'fail' };
  const failed = failedChecks(r);
  if (failed.length > 0) {
    diag.failed = failed.map((c) => ({ check: c.name, expected: c.expected, actual: c.actual, ...(c.source ? { source: c.source } : {}) }));
  }
  const counters = relevantCounters(r);
  if (counters) diag.counters = counters;
  diag.file = r.file;
  diag.duration_ms = Math.round(r.durationMs);
  diag.attempts = r.attempts;
  if (r.log) diag.log = r.log;
  if (r.pcaps && r.pcaps.length > 0) diag.pcaps = r.pcaps;
  if (r.explanation?.length) diag.explanation = r.explanation;
  // A selftest suite has no seed: its replay is the suite on its kernel.
  if (isSelftest(r)) diag.replay = replayOf(r, 0);
  else if (seed !== undefined) {
    diag.seed = seed;
    diag.replay = replayOf(r, seed);
  }
  return diag;
}

/** The lines for one lab result as test point n (subtest first, then the point). */
export function formatTapPoint(n: number, r: LabResult, seed?: number): string {
  const title = labTitle(r);
  const lines: string[] = [];
  if (r.checks.length > 0) {
    lines.push(`# Subtest: ${oneLine(title)}`, ...subtest(r, '    '));
  }
  const name = escapeTap(title);
  switch (r.status) {
    case 'pass':
      lines.push(`ok ${n} - ${name}${passNote(r)}`);
      break;
    case 'skip':
      lines.push(`ok ${n} - ${name}${directive('SKIP', r.skipReason ?? 'skipped')}`);
      break;
    case 'flaky':
      lines.push(`ok ${n} - ${name}${directive('TODO', flakyNote(r))}`);
      break;
    case 'fail':
      lines.push(`not ok ${n} - ${name}`, ...yamlBlock(failureDiagnostics(r, seed), ''));
      break;
  }
  for (const note of notReproducedNotes(r)) lines.push(`# ${oneLine(title)}: ${oneLine(note)}`);
  return lines.join('\n') + '\n';
}

/** Streaming writer: header(), then point() as labs finish, then end() with the plan. */
export class TapWriter {
  private count = 0;
  /** Results that carry known bugs, for the tally before the plan. */
  private readonly withKnownBugs: LabResult[] = [];
  private readonly version: TapVersion;
  private readonly seed: number | undefined;
  private readonly seedOf: TapOptions['seedOf'];
  private readonly rates: RateLines | undefined;

  constructor(
    private readonly write: (chunk: string) => void,
    options: TapOptions = {},
  ) {
    this.version = options.version ?? 14;
    this.seed = options.seed;
    this.seedOf = options.seedOf;
    this.rates = options.rates && new RateLines(options.rates);
  }

  header(): void {
    this.write(`TAP version ${this.version}\n`);
  }

  point(r: LabResult): void {
    for (const line of this.rates?.before(r) ?? []) this.comment(line);
    this.count += 1;
    if (r.knownBugs?.length) this.withKnownBugs.push(r);
    this.write(formatTapPoint(this.count, r, this.seedOf ? this.seedOf(r) : this.seed));
  }

  /** A `#` comment line (progress notes that must not break the stream). */
  comment(text: string): void {
    for (const line of text.split('\n')) this.write(`# ${line}\n`);
  }

  /** Writes the known bugs' tally over repeated runs, the last rate lines, `trailer` as comments, and the trailing plan; returns the number of points. */
  end(trailer: readonly string[] = []): number {
    for (const t of knownBugTallies(this.withKnownBugs)) if (t.runs > 1) this.comment(oneLine(tallyLine(t)));
    for (const line of [...(this.rates?.end() ?? []), ...trailer]) this.comment(line);
    this.write(`1..${this.count}\n`);
    return this.count;
  }
}

/** The rate lines of a finished run: the repeats each lab had planned, from its rates. */
function ratesOf(run: RunResult): RateLineOptions | undefined {
  if (!run.rates?.length) return undefined;
  const planned = new Map(run.rates.map((r) => [r.lab, r.planned]));
  return { planned: (lab) => planned.get(lab) ?? 1, stopped: () => run.run.untilFail?.stopped === true };
}

/** The whole run as one TAP document. */
export function formatTap(run: RunResult, options: TapOptions = {}): string {
  let out = '';
  const w = new TapWriter(
    (s) => {
      out += s;
    },
    { seed: run.run.seed, rates: ratesOf(run), ...options },
  );
  w.header();
  for (const r of run.results) w.point(r);
  w.end(untilFailLines(run.run.untilFail));
  return out;
}
