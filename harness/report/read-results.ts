// Reading results.json back (report merge, github, flakes): a results folder
// or the file itself, checked for the shape the reporters rely on. A folder
// without one, or with one that cannot be read or is not a results.json, is
// "an input that produced nothing", with the reason, never an exception.
import { readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isMerged, type MergedRunResult, type ResultsFile } from '../result.js';

export type ReadResults = { input: string; path: string; file: ResultsFile } | { input: string; missing: string };

const STATUSES = new Set(['pass', 'fail', 'skip', 'flaky']);
const KINDS = new Set(['kernel', 'engine', 'compare']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What is wrong with a run's metadata, or undefined. */
function runInfoProblem(run: unknown, where: string): string | undefined {
  if (!isObject(run)) return `${where} is not an object`;
  if (typeof run.seed !== 'number') return `${where}.seed is not a number`;
  if (typeof run.tool !== 'string' || typeof run.started !== 'string') return `${where} has no tool or started`;
  if (!isObject(run.machine) || typeof run.machine.hostname !== 'string') return `${where}.machine has no hostname`;
  if (!Array.isArray(run.kernels) || !run.kernels.every((k) => isObject(k) && typeof k.spec === 'string'))
    return `${where}.kernels is not a list of targets`;
  return undefined;
}

/** What is wrong with one lab result, or undefined. */
function labResultProblem(r: unknown, where: string, runs: number | undefined): string | undefined {
  if (!isObject(r)) return `${where} is not an object`;
  if (typeof r.lab !== 'string' || typeof r.file !== 'string' || typeof r.group !== 'string') return `${where} has no lab, file or group`;
  const t = r.target;
  if (!isObject(t) || !KINDS.has(t.kind as string) || typeof t.spec !== 'string' || typeof t.version !== 'string')
    return `${where}.target is not a target`;
  if (!STATUSES.has(r.status as string)) return `${where}.status is ${JSON.stringify(r.status)}`;
  if (typeof r.repeat !== 'number' || typeof r.attempts !== 'number' || typeof r.durationMs !== 'number')
    return `${where} has no repeat, attempts or durationMs`;
  if (!Array.isArray(r.checks) || !r.checks.every((c) => isObject(c) && typeof c.name === 'string' && typeof c.ok === 'boolean'))
    return `${where}.checks is not a list of checks`;
  if (runs !== undefined && !(Number.isInteger(r.runIndex) && (r.runIndex as number) >= 0 && (r.runIndex as number) < runs))
    return `${where}.runIndex is not an index of runs`;
  return undefined;
}

/** Why `data` is not a results.json (a run or a merge), or undefined when it is. */
export function resultsProblem(data: unknown): string | undefined {
  if (!isObject(data)) return 'not a JSON object';
  if (!Array.isArray(data.results)) return 'no results list';
  let runs: number | undefined;
  if ('merged' in data) {
    // No runs at all is a merge of jobs that all produced nothing: still a results.json.
    if (!Array.isArray(data.runs)) return 'a merged results.json without runs';
    for (const [i, run] of data.runs.entries()) {
      const p = runInfoProblem(run, `runs[${i}]`);
      if (p) return p;
    }
    runs = data.runs.length;
  } else {
    const p = runInfoProblem(data.run, 'run');
    if (p) return p;
  }
  for (const [i, r] of data.results.entries()) {
    const p = labResultProblem(r, `results[${i}]`, runs);
    if (p) return p;
  }
  return undefined;
}

/** The results.json of a folder, or the file when `input` is one. */
async function resultsPath(input: string): Promise<string> {
  const s = await stat(input);
  return s.isDirectory() ? join(input, 'results.json') : input;
}

function errorText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no results.json';
  return code ?? (e instanceof Error ? e.message : String(e));
}

/** Reads and checks one input; `path` is the real path of the file read (to notice the same file given twice). */
export async function readResults(input: string): Promise<ReadResults> {
  let path: string;
  let text: string;
  try {
    path = await realpath(await resultsPath(input));
    text = await readFile(path, 'utf8');
  } catch (e) {
    return { input, missing: errorText(e) };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { input, missing: `results.json is not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  const problem = resultsProblem(data);
  if (problem) return { input, missing: `results.json is not a results.json: ${problem}` };
  return { input, path, file: data as ResultsFile };
}

/** Any results.json as a merge: a single run becomes a merge of one run. */
export function asMerged(file: ResultsFile, input: string): MergedRunResult {
  if (isMerged(file)) return file;
  return {
    merged: {
      tool: file.run.tool,
      version: file.run.version,
      created: file.run.finished ?? file.run.started,
      inputs: [input],
      missing: [],
    },
    runs: [file.run],
    results: file.results.map((r) => ({ ...r, runIndex: 0 })),
    ...(file.rates ? { rates: file.rates } : {}),
  };
}
