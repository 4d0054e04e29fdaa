// `mptcp-lab report merge|github|flakes`: reports over results folders that
// runs already wrote (docs/reports.md), one file per subcommand.
import type { Command } from 'commander';
import { reportFlakesSubcommand } from './report-flakes.js';
import { reportGithubSubcommand } from './report-github.js';
import { reportMergeSubcommand } from './report-merge.js';

export function reportSubcommand(p: Command, setExit: (code: number) => void): void {
  const report = p
    .command('report')
    .description('reports over results folders: merge several into one, GitHub annotations and step summary, flaky labs over many runs');
  reportMergeSubcommand(report, setExit);
  reportGithubSubcommand(report, setExit);
  reportFlakesSubcommand(report, setExit);
}
