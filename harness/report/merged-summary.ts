// summary.md of a merged report, and the GitHub step summary (report
// github): the verdict, a labs × targets table of marks, then each failure
// with its expected vs actual in <details>, flaky results, skips and the
// runs. Made of blocks, so a cut (fit-summary.ts) falls between them.
import {
  knownBugChecks,
  summarize,
  targetLabel,
  warningChecks,
  type LabResult,
  type MergedRunResult,
  type RunInfo,
  type Status,
  type TargetInfo,
} from '../result.js';
import { batchFailure } from './batch-failure.js';
import { failedChecks, failureMessage, flakyNote, isSelftest, labTitle, replayOf } from './diagnostics.js';
import { runOfResult } from './merged-formats.js';
import { compareLabs, compareTargets } from './merge-order.js';
import { formatConclusion } from './upstream-ci.js';
import { formatDuration, mdCell } from './summary.js';

export const MARK: Record<Status, string> = { pass: '✅', fail: '❌', flaky: '⚠️', skip: '⏭️' };

/** The mark of a table cell: the worst status of its results, with the failures counted over repeats. */
function cell(results: readonly LabResult[]): string {
  if (!results.length) return '';
  const failed = results.filter((r) => r.status === 'fail').length;
  const flaky = results.filter((r) => r.status === 'flaky').length;
  const ran = results.filter((r) => r.status !== 'skip').length;
  const notes: string[] = [];
  if (results.some((r) => warningChecks(r).length)) notes.push('warning');
  if (results.some((r) => knownBugChecks(r).length)) notes.push('known bug');
  const count = (n: number): string => (results.length > 1 ? ` ${n}/${ran}` : '');
  const mark = failed ? `${MARK.fail}${count(failed)}` : flaky ? `${MARK.flaky}${count(flaky)}` : ran ? MARK.pass : MARK.skip;
  return notes.length ? `${mark} (${notes.join(', ')})` : mark;
}

/** "host 6.18.44", "debian:6.12 6.12.41 vm", "engine sim". */
function columnLabel(t: TargetInfo): string {
  return t.kind === 'kernel' ? `${t.spec} ${t.version}${t.backend === 'netns' ? '' : ` ${t.backend}`}` : `${t.kind} ${t.spec}`;
}

/** The labs × targets table: a row per lab, a column per target (comparisons in one column: the worst of them). */
function table(results: readonly LabResult[]): string[] {
  const targets = [...new Map(results.filter((r) => r.target.kind !== 'compare').map((r) => [targetLabel(r.target), r.target])).values()];
  targets.sort(compareTargets);
  const hasCompare = results.some((r) => r.target.kind === 'compare');
  const labs = [...new Map(results.map((r) => [r.lab, r])).values()].sort(compareLabs);
  const header = ['lab', ...targets.map(columnLabel), ...(hasCompare ? ['differential'] : [])];
  const rows = labs.map((l) => {
    const of = (pick: (r: LabResult) => boolean): LabResult[] => results.filter((r) => r.lab === l.lab && pick(r));
    const cells = targets.map((t) => cell(of((r) => targetLabel(r.target) === targetLabel(t))));
    if (hasCompare) cells.push(cell(of((r) => r.target.kind === 'compare')));
    return `| ${mdCell(l.lab)} | ${cells.join(' | ')} |\n`;
  });
  return [`| ${header.map(mdCell).join(' | ')} |\n| ${header.map(() => '---').join(' | ')} |\n`, ...rows];
}

/** A failed result in <details>: its checks' expected vs actual, the error, and how to replay it. */
function failureDetails(r: LabResult, run: RunInfo): string {
  const lines = [`<details><summary>${MARK.fail} ${mdCell(labTitle(r))}: ${mdCell(failureMessage(r).split('\n')[0]!)}</summary>`, ''];
  const checks = failedChecks(r);
  if (checks.length) {
    lines.push('| check | expected | actual | source |', '| --- | --- | --- | --- |');
    for (const c of checks) lines.push(`| ${mdCell(c.name)} | ${mdCell(c.expected)} | ${mdCell(c.actual)} | ${mdCell(c.source ?? '')} |`);
    lines.push('');
  }
  if (r.error) lines.push('```text', r.error.replaceAll('```', "'''"), '```', '');
  const kernel = r.target.kind === 'kernel' && r.target.spec !== 'host' && !isSelftest(r) ? ` --kernel ${r.target.spec}` : '';
  lines.push(`Replay: \`${replayOf(r, run.seed)}${kernel}\` (machine ${mdCell(run.machine.hostname)})`, '', '</details>', '');
  return lines.join('\n') + '\n';
}

function shardOf(run: RunInfo): string {
  // Set by `run --shard` (RunInfo.shard); read loosely so older results without it still read.
  const shard = (run as { shard?: { index?: unknown; count?: unknown } }).shard;
  return shard && typeof shard.index === 'number' && typeof shard.count === 'number' ? `${shard.index}/${shard.count}` : '';
}

function runsTable(merged: MergedRunResult): string[] {
  return [
    '| run | kernels | shard | seed | machine | started |\n| --- | --- | --- | --- | --- | --- |\n',
    ...merged.runs.map(
      (r, i) =>
        `| ${i + 1} | ${mdCell(r.kernels.map((k) => k.spec).join(', '))} | ${shardOf(r)} | ${r.seed} | ${mdCell(r.machine.hostname)} | ${r.started} |\n`,
    ),
  ];
}

/** The blocks of the merged summary, in order; each ends with a newline. */
export function mergedSummaryBlocks(merged: MergedRunResult): string[] {
  const c = summarize(merged.results);
  const runOf = runOfResult(merged);
  const warnings = merged.results.reduce((n, r) => n + warningChecks(r).length, 0);
  const verdict = c.fail > 0 || merged.merged.missing.length ? 'FAILED' : 'passed';
  const blocks = [
    `# ${merged.merged.tool} ${merged.merged.version}: ${verdict}\n\n`,
    `**${merged.results.length} results: ${c.pass} pass, ${c.fail} fail, ${c.flaky} flaky, ${c.skip} skip, ${warnings} warning${warnings === 1 ? '' : 's'}** from ${merged.runs.length} run${merged.runs.length === 1 ? '' : 's'}\n\n`,
    `\`${formatConclusion(merged).trim()}\`\n\n`,
  ];
  if (merged.merged.missing.length) {
    blocks.push(
      `## Jobs that produced nothing\n\n${merged.merged.missing.map((m) => `- \`${mdCell(m.input)}\`: ${mdCell(m.reason)}\n`).join('')}\n`,
    );
  }
  blocks.push(
    ...table(merged.results),
    `\n${MARK.pass} pass, ${MARK.fail} fail, ${MARK.flaky} flaky, ${MARK.skip} skip; n/m: of m runs\n\n`,
  );
  const failed = merged.results.filter((r) => r.status === 'fail');
  if (failed.length) {
    // A batch that failed as a whole says so once, not once per lab.
    const batches = new Map<string, LabResult>();
    const own = failed.filter((r) => {
      const why = batchFailure(r);
      if (why) batches.set(targetLabel(r.target), r);
      return !why;
    });
    blocks.push('## Failures\n\n');
    for (const [label, r] of batches) {
      blocks.push(
        `<details><summary>${MARK.fail} ${mdCell(label)}: the whole batch failed</summary>\n\n\`\`\`text\n${r.error}\n\`\`\`\n\n</details>\n\n`,
      );
    }
    blocks.push(...own.map((r) => failureDetails(r, runOf(r))));
  }
  const flaky = merged.results.filter((r) => r.status === 'flaky');
  if (flaky.length) blocks.push(`## Flaky\n\n${flaky.map((r) => `- ${mdCell(labTitle(r))}: ${mdCell(flakyNote(r))}\n`).join('')}\n`);
  const skips = merged.results.filter((r) => r.status === 'skip' && r.target.kind !== 'compare');
  if (skips.length) {
    blocks.push(`## Skipped\n\n${skips.map((r) => `- ${mdCell(labTitle(r))}: ${mdCell(r.skipReason ?? 'skipped')}\n`).join('')}\n`);
  }
  const ms = merged.results.reduce((sum, r) => sum + r.durationMs, 0);
  blocks.push(`## Runs\n\nLab time over all runs: ${formatDuration(ms)}.\n\n`, ...runsTable(merged));
  return blocks;
}

export function formatMergedSummary(merged: MergedRunResult): string {
  return mergedSummaryBlocks(merged).join('');
}
