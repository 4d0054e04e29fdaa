// summary.md: the page a person reads first. Totals, the seed and how to
// replay, then one table row per lab result, failures first, and the
// failure rate of each repeated lab.
import { writeFile } from 'node:fs/promises';
import { knownBugChecks, summarize, targetLabel, warningChecks, type LabResult, type RunResult, type Status } from '../result.js';
import { untilFailNote } from '../run/until-fail.js';
import { checkLine, failedChecks, failureMessage, flakyNote, isSelftest, replayOf } from './diagnostics.js';
import { knownBugTallies, tallyOutcome } from './known-bugs.js';
import { formatRate } from './rate.js';

/** Make text safe inside one Markdown table cell. */
export function mdCell(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('\\', '\\\\')
    .replaceAll('|', '\\|')
    .replaceAll('`', '\\`')
    .replace(/\r?\n/g, '<br>')
    .trim();
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

const ORDER: Record<Status, number> = { fail: 0, flaky: 1, skip: 2, pass: 3 };
const LABEL: Record<Status, string> = { fail: '**FAIL**', flaky: 'flaky', skip: 'skip', pass: 'pass' };

function statusCell(r: LabResult): string {
  if (r.status === 'flaky') return `${LABEL.flaky} (${mdCell(flakyNote(r).replace('flaky: ', ''))})`;
  const warned = warningChecks(r).length;
  const known = knownBugChecks(r).length;
  const notes = [
    ...(warned ? [`${warned} warning${warned === 1 ? '' : 's'}`] : []),
    ...(known ? [`${known} check${known === 1 ? '' : 's'} failed as known kernel bugs`] : []),
  ];
  return notes.length ? `${LABEL[r.status]} (${notes.join(', ')})` : LABEL[r.status];
}

/** One line per lab, target and known bug: the bug, its check, and in how many runs it was reproduced. */
function knownBugLines(results: readonly LabResult[]): string[] {
  return knownBugTallies(results).map(
    (t) =>
      `- ${mdCell(t.lab)} [${mdCell(t.target)}]: ${mdCell(t.description)} (${mdCell(t.reference)}), check \`${mdCell(t.check)}\`: ${tallyOutcome(t)}`,
  );
}

/** One line per warning: lab, target, the check, and why it was not judged. */
function warningLines(results: readonly LabResult[]): string[] {
  return results.flatMap((r) =>
    warningChecks(r).map(
      (c) => `- ${mdCell(r.lab)} [${mdCell(targetLabel(r.target))}]: ${mdCell(checkLine(c))}: ${mdCell(c.warning ?? '')}`,
    ),
  );
}

function failedCell(r: LabResult): string {
  if (r.status !== 'fail') return '';
  const lines = failedChecks(r).map(checkLine);
  if (r.error || lines.length === 0) lines.unshift(failureMessage(r));
  return lines.map(mdCell).join('<br>');
}

/** Each repeated lab's failure rate per target, with its 95 % CI and, when --until-fail cut it short, how many repeats ran. */
function rateSection(run: RunResult): string[] {
  const stopped = run.run.untilFail?.stopped === true;
  return [
    '## Failure rates',
    '',
    'Over the repeats of each lab, per target; the interval is exact (Clopper–Pearson).',
    '',
    '| lab | target | failure rate | note |',
    '| --- | --- | --- | --- |',
    ...(run.rates ?? []).map(
      (r) =>
        `| ${mdCell(r.lab)} | ${mdCell(targetLabel(r.target))} | ${mdCell(formatRate(r))} | ${mdCell(untilFailNote(r, stopped) ?? '')} |`,
    ),
  ];
}

export function formatSummary(run: RunResult): string {
  const c = summarize(run.results);
  const { seed } = run.run;
  const total = run.results.length;
  const started = Date.parse(run.run.started);
  const finished = run.run.finished ? Date.parse(run.run.finished) : NaN;
  const wall = Number.isFinite(started) && Number.isFinite(finished) ? `, ${formatDuration(finished - started)}` : '';
  const rows = run.results
    .map((r, i) => ({ r, i }))
    .sort((a, b) => ORDER[a.r.status] - ORDER[b.r.status] || a.i - b.i)
    .map(({ r }) => {
      const lab = r.repeat > 0 ? `${r.lab} (repeat ${r.repeat})` : r.lab;
      const skip = r.status === 'skip' ? mdCell(r.skipReason ?? '') : '';
      return `| ${mdCell(lab)} | ${mdCell(targetLabel(r.target))} | ${statusCell(r)} | ${formatDuration(r.durationMs)} | ${failedCell(r)} | ${skip} |`;
    });
  const warnings = warningLines(run.results);
  const labsRan = run.results.length === 0 || run.results.some((r) => !isSelftest(r));
  const replays = [...new Set(run.results.filter((r) => r.status === 'fail').map((r) => replayOf(r, seed)))];
  const out = [
    `# ${run.run.tool} ${run.run.version}: ${c.fail > 0 ? 'FAILED' : 'passed'}`,
    '',
    `**${total} result${total === 1 ? '' : 's'}: ${c.pass} pass, ${c.fail} fail, ${c.flaky} flaky, ${c.skip} skip, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}** — ${labsRan ? `seed ${seed}, ` : ''}started ${run.run.started}${wall}`,
    '',
    // Selftest suites draw no seed: a run of only them has no seeded replay.
    ...(labsRan ? [`Replay a lab with the same seed: \`mptcp-lab run <lab> --seed ${seed}\``, ''] : []),
    '| lab | target | status | duration | failed checks (expected vs actual) | skip reason |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ];
  if (run.rates?.length) out.push('', ...rateSection(run));
  if (warnings.length > 0) {
    out.push(
      '',
      '## Warnings',
      '',
      "Timing divergences that were not judged (no calibration of the kernel's spread, or a CPU-bound host):",
      '',
      ...warnings,
    );
  }
  const knownBugs = knownBugLines(run.results);
  if (knownBugs.length > 0) {
    out.push(
      '',
      '## Known kernel bugs',
      '',
      'Bugs the labs declare for these kernels (`known-bugs`): a failure of their check is reported, not failed.',
      '',
      ...knownBugs,
    );
  }
  if (replays.length > 0) {
    out.push('', '## Replay the failures', '', '```sh', ...replays, '```');
  }
  return out.join('\n') + '\n';
}

export async function writeSummary(path: string, run: RunResult): Promise<void> {
  await writeFile(path, formatSummary(run));
}
