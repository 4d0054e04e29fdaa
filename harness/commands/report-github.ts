// `mptcp-lab report github DIR [--summary FILE]`: a results folder (merged
// or one run's) for GitHub Actions: the Markdown summary appended to
// $GITHUB_STEP_SUMMARY (cut under GitHub's 1 MiB), and workflow commands on
// stdout: ::error at the line of each failed expectation in its lab file,
// ::warning for flaky results and warnings, ::notice for skips and known
// kernel bugs; and `conclusion=<conclusion.txt's line>` appended to
// $GITHUB_OUTPUT when set. Paths are relative to $GITHUB_WORKSPACE (else the
// current folder). Exit 0 when reported, 3 when DIR has no results.json.
import { appendFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { EXIT } from '../exit.js';
import { fitSummary, STEP_SUMMARY_LIMIT } from '../report/fit-summary.js';
import { escapeCommand, githubAnnotations, workspaceAnnotationOptions } from '../report/github.js';
import { mergedSummaryBlocks } from '../report/merged-summary.js';
import { asMerged, readResults } from '../report/read-results.js';
import { formatConclusion } from '../report/upstream-ci.js';

interface GithubFlags {
  summary?: string;
}

async function sizeOf(file: string): Promise<number> {
  return stat(file).then(
    (s) => s.size,
    () => 0,
  );
}

async function github(dir: string, flags: GithubFlags): Promise<number> {
  const read = await readResults(dir);
  if ('missing' in read) {
    process.stdout.write(`::error title=${escapeCommand('mptcp-lab: no results', true)}::${escapeCommand(`${dir}: ${read.missing}`)}\n`);
    return EXIT.cannotRun;
  }
  const merged = asMerged(read.file, dir);
  process.stdout.write(githubAnnotations(merged.results, workspaceAnnotationOptions()));
  // The step's output `conclusion` (the reusable workflow's): conclusion.txt's line.
  if (process.env.GITHUB_OUTPUT) await appendFile(process.env.GITHUB_OUTPUT, `conclusion=${formatConclusion(merged).trimEnd()}\n`);
  const target = flags.summary ?? process.env.GITHUB_STEP_SUMMARY;
  if (!target) {
    process.stderr.write('mptcp-lab report github: GITHUB_STEP_SUMMARY is not set and no --summary: no summary written\n');
    return EXIT.ok;
  }
  // The limit is on the step's whole summary: what earlier commands of the step appended counts.
  const { text, cut } = fitSummary(mergedSummaryBlocks(merged), STEP_SUMMARY_LIMIT - (await sizeOf(target)));
  await appendFile(target, text);
  if (cut) process.stderr.write(`mptcp-lab report github: the summary was cut to fit GitHub's 1 MiB; the whole one is summary.md\n`);
  return EXIT.ok;
}

export function reportGithubSubcommand(report: Command, setExit: (code: number) => void): void {
  report
    .command('github')
    .description(
      "a results folder for GitHub Actions: the Markdown summary into $GITHUB_STEP_SUMMARY (under 1 MiB), workflow commands on stdout (::error at the failed expectation's line, ::warning, ::notice)",
    )
    .argument('<dir>', 'a results folder (merged or of one run) or its results.json')
    .option('--summary <file>', 'append the summary to this file (default: $GITHUB_STEP_SUMMARY)')
    .action(async (dir: string, flags: GithubFlags) => setExit(await github(dir, flags)));
}
