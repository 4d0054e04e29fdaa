// Probes load the modules of the build they measure (this one or the base
// commit's) by path at run time: the two builds may have moved a module, so
// each export is looked for in the places it has lived.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The export `name` of the first of `paths` (relative to `dist`) that exists; throws naming them all otherwise. */
export async function importExport<T>(dist: string, paths: readonly string[], name: string): Promise<T> {
  for (const p of paths) {
    const file = join(dist, p);
    if (!existsSync(file)) continue;
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    if (mod[name] !== undefined) return mod[name] as T;
  }
  throw new Error(`${dist}: no export ${name} in ${paths.join(', ')}`);
}

/** A probe's answer: one JSON line on stdout. */
export function answer(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/**
 * Whether node's test runner started this file (it sets NODE_TEST_CONTEXT in
 * the files it runs): `node --test dist/test/` would otherwise start the
 * whole bench, or a probe without its arguments, as if they were tests.
 */
export function startedByTestRunner(): boolean {
  return process.env.NODE_TEST_CONTEXT !== undefined;
}
