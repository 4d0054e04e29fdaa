// A lab's calibration: how its timing quantities (link shares, completion
// time, loss-dependent counters) spread over repeated runs on a kernel, so a
// comparison judges another target's value against the kernel's own spread
// instead of a guessed tolerance. `mptcp-lab calibrate` writes it next to
// the lab file (`x.lab.yaml` → `x.calibration.json`); the lab loader reads it.
import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { LabError } from './errors.js';
import type { Calibration, Spread } from './model.js';

export type { Calibration, Spread };

const spreadSchema = z.strictObject({
  min: z.number(),
  median: z.number(),
  max: z.number(),
  values: z.array(z.number()).min(1),
});

export const calibrationSchema = z.strictObject({
  lab: z.string().min(1),
  kernel: z.string().min(1),
  runs: z.number().int().min(1),
  created: z.string(),
  command: z.string(),
  machine: z.strictObject({ cpus: z.number().int().min(1), arch: z.string() }),
  quantities: z.record(z.string(), spreadSchema),
}) satisfies z.ZodType<Calibration>;

/** Where a lab file's calibration lives. */
export function calibrationPath(labFile: string): string {
  return labFile.replace(/(\.lab)?\.ya?ml$/, '') + '.calibration.json';
}

/** min, median and max of some values (at least one). */
export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, max: sorted.at(-1)!, values: [...values] };
}

/** The calibration beside a lab file, undefined when there is none; a malformed one is a LabError naming it. */
export async function readCalibration(labFile: string, labName: string): Promise<Calibration | undefined> {
  const file = calibrationPath(labFile);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LabError(file, [{ path: [], message: `cannot read the file: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new LabError(file, [{ path: [], message: `malformed JSON: ${(e as Error).message}` }]);
  }
  const parsed = calibrationSchema.safeParse(data);
  if (!parsed.success) {
    throw new LabError(
      file,
      parsed.error.issues.map((i) => ({
        path: i.path.filter((p): p is string | number => typeof p !== 'symbol'),
        message: `${i.message.replace(/^Invalid input: /, '')} (a calibration as mptcp-lab calibrate writes it)`,
      })),
    );
  }
  if (parsed.data.lab !== labName) {
    throw new LabError(file, [
      { path: ['lab'], message: `calibrates lab "${parsed.data.lab}", expected "${labName}" (the lab beside it)` },
    ]);
  }
  return parsed.data;
}

export async function writeCalibration(labFile: string, calibration: Calibration): Promise<string> {
  const file = calibrationPath(labFile);
  // Arrays of numbers on one line: a quantity per line reads as a table.
  const text = JSON.stringify(calibration, null, 2).replace(
    /\[\s*([-\d.e+,\s]*?)\s*\]/g,
    (_m, inner: string) => `[${inner.split(/,\s*/).join(', ')}]`,
  );
  await writeFile(file, text + '\n');
  return file;
}
