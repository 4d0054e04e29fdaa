// One `mptcp-lab run` of a build, timed as a whole process, with what its
// results.json says (per-lab durationMs, how many passed).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Build } from './builds.js';
import { tail, timeProcess } from './processes.js';

export interface LabTime {
  readonly lab: string;
  readonly kind: string;
  readonly status: string;
  readonly durationMs: number;
}

export interface CliRun {
  /** Wall time of the whole process: Node start, loading, every lab, teardown, exit. */
  readonly wallMs: number;
  readonly code: number | null;
  readonly labs: LabTime[];
  /** "37 passed, 0 failed" or why it failed. */
  readonly summary: string;
}

interface ResultsFile {
  results?: { lab?: string; target?: { kind?: string }; status?: string; durationMs?: number }[];
}

function readLabTimes(dir: string): LabTime[] {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsFile;
    return (parsed.results ?? []).map((r) => ({
      lab: r.lab ?? '?',
      kind: r.target?.kind ?? '?',
      status: r.status ?? '?',
      durationMs: r.durationMs ?? NaN,
    }));
  } catch {
    return [];
  }
}

function summarize(labs: readonly LabTime[], code: number | null, stderr: string): string {
  const counted = labs.filter((l) => l.kind !== 'compare');
  const count = (s: string) => counted.filter((l) => l.status === s).length;
  const pass = `${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped`;
  return code === 0 || counted.length ? pass : `exit ${code}: ${tail(stderr)}`;
}

/** `node <cli> run <args> --results TMP`, TAP thrown away; the results folder is removed after. */
export async function runCli(build: Build, args: readonly string[], timeoutMs: number): Promise<CliRun> {
  const dir = mkdtempSync(join(tmpdir(), `mptcp-lab-bench-${build.name}-`));
  try {
    const t = await timeProcess([process.execPath, build.cli, 'run', ...args, '--results', dir], { timeoutMs });
    const labs = readLabTimes(dir);
    return { wallMs: t.ms, code: t.code, labs, summary: summarize(labs, t.code, t.stderr) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
