// results.json: the RunResult as is, pretty-printed.
import { writeFile } from 'node:fs/promises';
import type { RunResult } from '../result.js';

export function formatResultsJson(run: RunResult): string {
  return JSON.stringify(run, null, 2) + '\n';
}

export async function writeResultsJson(path: string, run: RunResult): Promise<void> {
  await writeFile(path, formatResultsJson(run));
}
