// `mptcp-lab report merge DIR... --out DIR [--tap-version 13|14]`: results
// folders of several jobs (shards, kernels, repeats, machines) into one
// folder: results.json, results.tap, junit.xml, summary.md, and the upstream
// MPTCP CI's summary.txt and conclusion.txt (docs/reports.md). TAP on
// stdout, what was read once or not at all on stderr. Exit 0 all passed,
// 1 a failure, 3 a job produced nothing (even with failures: the verdict
// is incomplete), 2 bad usage.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { formatResultsJson } from '../report/json.js';
import { mergeResults } from '../report/merge.js';
import { formatMergedJunit, formatMergedTap } from '../report/merged-formats.js';
import { formatMergedSummary } from '../report/merged-summary.js';
import { readResults } from '../report/read-results.js';
import type { TapVersion } from '../report/tap.js';
import { formatConclusion, formatSummaryTxt, mergedExitStatus } from '../report/upstream-ci.js';

interface MergeFlags {
  out: string;
  tapVersion: TapVersion;
}

export function tapVersion(v: string): TapVersion {
  if (v !== '13' && v !== '14') throw new InvalidArgumentError('--tap-version must be 13 or 14');
  return Number(v) as TapVersion;
}

async function merge(dirs: readonly string[], flags: MergeFlags): Promise<number> {
  const inputs = await Promise.all(dirs.map(readResults));
  for (const i of inputs) {
    if ('missing' in i) process.stderr.write(`mptcp-lab report merge: ${i.input}: ${i.missing}: a job that produced nothing\n`);
  }
  const { merged, notes } = mergeResults(inputs);
  for (const note of notes) process.stderr.write(`mptcp-lab report merge: ${note}\n`);
  const tap = formatMergedTap(merged, flags.tapVersion);
  const conclusion = formatConclusion(merged);
  await mkdir(flags.out, { recursive: true });
  const files: Record<string, string> = {
    'results.json': formatResultsJson(merged),
    'results.tap': tap,
    'junit.xml': formatMergedJunit(merged),
    'summary.md': formatMergedSummary(merged),
    'summary.txt': formatSummaryTxt(merged),
    'conclusion.txt': conclusion,
  };
  for (const [name, text] of Object.entries(files)) await writeFile(join(flags.out, name), text);
  process.stdout.write(tap);
  process.stderr.write(
    `mptcp-lab report merge: ${merged.results.length} results of ${merged.runs.length} runs into ${flags.out}\n${conclusion}`,
  );
  return mergedExitStatus(merged);
}

export function reportMergeSubcommand(report: Command, setExit: (code: number) => void): void {
  report
    .command('merge')
    .description(
      'merge results folders (shards, kernels, machines) into one: results.json, results.tap, junit.xml, summary.md, summary.txt, conclusion.txt',
    )
    .argument('<dir...>', 'results folders (or their results.json files); one without results.json is a job that produced nothing')
    .requiredOption('--out <dir>', 'the merged results folder (created)')
    .option('--tap-version <v>', 'TAP version of results.tap and stdout: 13 or 14', tapVersion, 14 as TapVersion)
    .action(async (dirs: string[], flags: MergeFlags) => setExit(await merge(dirs, flags)));
}
