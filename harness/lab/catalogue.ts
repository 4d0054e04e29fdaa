// The built-in catalogue (labs/ in the package) and how command-line
// arguments pick labs: a catalogue name, a group, or a path to a lab file.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LabError } from './errors.js';
import { LAB_SUFFIX, loadLabFile } from './load.js';
import type { Lab } from './model.js';

/** labs/ of the package, from dist/harness/lab/ or harness/lab/. */
export const CATALOGUE_DIR =
  [fileURLToPath(new URL('../../../labs', import.meta.url)), fileURLToPath(new URL('../../labs', import.meta.url))].find((d) =>
    existsSync(d),
  ) ?? 'labs';

export async function labFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(LAB_SUFFIX))
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .sort();
}

export async function loadCatalogue(): Promise<Lab[]> {
  return Promise.all((await labFiles(CATALOGUE_DIR)).map((f) => loadLabFile(relativeToCwd(f))));
}

function relativeToCwd(file: string): string {
  const r = relative(process.cwd(), file);
  return r.startsWith('..') ? file : r;
}

export interface Selection {
  grep?: string;
  tags?: string[];
}

/** Labs named on the command line (names, groups or files); the whole catalogue when none. */
export async function selectLabs(args: readonly string[], sel: Selection): Promise<Lab[]> {
  let labs: Lab[];
  if (!args.length) labs = await loadCatalogue();
  else {
    const catalogue = await loadCatalogue();
    labs = [];
    for (const arg of args) {
      if (/\.lab\.m?js$/.test(arg)) {
        labs.push(await loadLabModule(arg));
        continue;
      }
      if (arg.endsWith('.yaml') || arg.endsWith('.yml') || arg.includes('/')) {
        labs.push(...(existsSync(arg) && !(await isDir(arg)) ? [await loadLabFile(arg)] : await loadDir(arg)));
        continue;
      }
      const byName = catalogue.filter((l) => l.name === arg || l.group === arg);
      if (!byName.length)
        throw new LabError(arg, [{ path: [], message: `no lab or group "${arg}" in the catalogue (mptcp-lab list) and no such file` }]);
      labs.push(...byName);
    }
  }
  const re = sel.grep ? new RegExp(sel.grep) : undefined;
  return labs.filter((l) => (!re || re.test(l.name)) && (!sel.tags?.length || sel.tags.some((t) => l.tags.includes(t) || l.group === t)));
}

/** A TypeScript lab, compiled: a module whose default export is defineLab({...}). */
export async function loadLabModule(file: string): Promise<Lab> {
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
  } catch (e) {
    if (e instanceof LabError) throw e;
    throw new LabError(file, [{ path: [], message: `cannot load the module: ${e instanceof Error ? e.message : String(e)}` }]);
  }
  const lab = mod.default as Lab | undefined;
  if (!lab || typeof lab !== 'object' || !Array.isArray(lab.hosts) || !lab.workload) {
    throw new LabError(file, [{ path: [], message: 'expected a default export made with defineLab({...})' }]);
  }
  return { ...lab, file };
}

async function isDir(p: string): Promise<boolean> {
  return readdir(p).then(
    () => true,
    () => false,
  );
}

async function loadDir(dir: string): Promise<Lab[]> {
  if (!(await isDir(dir))) throw new LabError(dir, [{ path: [], message: 'no such lab file or folder' }]);
  return Promise.all((await labFiles(resolve(dir))).map((f) => loadLabFile(relativeToCwd(f))));
}
