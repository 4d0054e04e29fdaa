// results.json: the RunResult (or a merge's MergedRunResult) as is, pretty-printed.
import { writeFile } from 'node:fs/promises';
import type { ResultsFile, RunResult } from '../result.js';

export function formatResultsJson(run: ResultsFile): string {
  return JSON.stringify(run, null, 2) + '\n';
}

export async function writeResultsJson(path: string, run: RunResult): Promise<void> {
  await writeFile(path, formatResultsJson(run));
}
