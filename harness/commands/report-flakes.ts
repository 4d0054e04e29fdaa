// `mptcp-lab report flakes DIR... [--json]`: over many runs' results
// (folders or results.json files, merged or not), per lab and target: runs,
// passes, failures, flaky, and the failure rate with its 95 % CI, worst
// first (harness/report/flakes.ts). An input without results is said on
// stderr and skipped; exit 3 when none had any, else 0.
import type { Command } from 'commander';
import { EXIT } from '../exit.js';
import { countFlakes, formatFlakes } from '../report/flakes.js';
import { collectRuns } from '../report/merge.js';
import { readResults } from '../report/read-results.js';
import { targetLabel } from '../result.js';

async function flakes(dirs: readonly string[], json: boolean): Promise<number> {
  const inputs = await Promise.all(dirs.map(readResults));
  for (const i of inputs) if ('missing' in i) process.stderr.write(`mptcp-lab report flakes: ${i.input}: ${i.missing}; skipped\n`);
  const { runs, results, notes } = collectRuns(inputs);
  for (const note of notes) process.stderr.write(`mptcp-lab report flakes: ${note}\n`);
  if (!runs.length) {
    process.stderr.write('mptcp-lab report flakes: no results to count\n');
    return EXIT.cannotRun;
  }
  const rows = countFlakes(results);
  if (json) {
    const out = rows.map((r) => ({ ...r, targetLabel: targetLabel(r.target) }));
    process.stdout.write(`${JSON.stringify({ runs: runs.length, labs: out }, null, 2)}\n`);
  } else {
    process.stdout.write(formatFlakes(rows, runs.length));
  }
  return EXIT.ok;
}

export function reportFlakesSubcommand(report: Command, setExit: (code: number) => void): void {
  report
    .command('flakes')
    .description('per lab and target over many runs: runs, passes, failures, flaky, and the failure rate with its 95 % CI, worst first')
    .argument('<dir...>', 'results folders or results.json files (of single runs or merges)')
    .option('--json', 'machine-readable')
    .action(async (dirs: string[], flags: { json?: boolean }) => setExit(await flakes(dirs, flags.json === true)));
}
