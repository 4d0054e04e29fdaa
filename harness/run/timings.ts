// `--timings FILE`: the results.json of an earlier run, read for how long
// each lab took (summed over its targets, per repeat), so shards are
// balanced by measured rather than estimated durations.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UsageError } from '../exit.js';

/** Milliseconds per repeat of each lab that ran (every target summed); labs that only skipped are left out. */
export type Timings = ReadonlyMap<string, number>;

/** Only what the timings need of a results.json; the rest of the file is not checked here. */
const timedResults = z.object({
  results: z.array(
    z.object({
      lab: z.string(),
      durationMs: z.number().nonnegative(),
      repeat: z.number().int().nonnegative(),
      status: z.string(),
    }),
  ),
});

/** Per lab: the sum of durationMs over its results, divided by its repeats (a lab repeated 3 times weighs per repeat). */
export function timingsOf(results: readonly { lab: string; durationMs: number; repeat: number; status: string }[]): Timings {
  const sums = new Map<string, number>();
  const repeats = new Map<string, Set<number>>();
  for (const r of results) {
    if (r.status === 'skip') continue;
    sums.set(r.lab, (sums.get(r.lab) ?? 0) + r.durationMs);
    repeats.set(r.lab, (repeats.get(r.lab) ?? new Set<number>()).add(r.repeat));
  }
  const timings = new Map<string, number>();
  for (const [lab, sum] of sums) if (sum > 0) timings.set(lab, sum / repeats.get(lab)!.size);
  return timings;
}

export async function readTimings(file: string): Promise<Timings> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(
      `--timings ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)}); expected the results.json of an earlier run`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--timings ${file}: malformed JSON (${(e as Error).message}); expected the results.json of an earlier run`);
  }
  const parsed = timedResults.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(
      `--timings ${file}: ${issue.path.join('.') || 'the file'}: ${issue.message}; expected the results.json of an earlier run (results[].lab, durationMs, repeat, status)`,
    );
  }
  return timingsOf(parsed.data.results);
}
