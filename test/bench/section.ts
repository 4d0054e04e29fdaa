// What each part of the bench hands back: the figures of every build it
// timed, what it could not measure and why, and detail lines for the reader.
import { fileURLToPath } from 'node:url';
import type { BuildName } from './builds.js';
import type { Figure, Skipped } from './figures.js';
import { tail, timeProcess } from './processes.js';

export interface SectionResult {
  readonly figures: Map<BuildName, Figure[]>;
  readonly skipped: Skipped[];
  /** Lines printed before the table (per-lab breakdowns). */
  readonly details: string[];
}

export interface SectionOptions {
  readonly rounds: number;
  readonly seed: number;
  /** Progress lines (stderr), so a long bench shows it is alive. */
  readonly progress: (line: string) => void;
}

export function emptySection(): SectionResult {
  return { figures: new Map(), skipped: [], details: [] };
}

/** Adds a figure to a build's list. */
export function addFigure(section: SectionResult, build: BuildName, figure: Figure): void {
  const list = section.figures.get(build) ?? [];
  list.push(figure);
  section.figures.set(build, list);
}

/** Runs a probe script of this directory in a fresh Node and parses its JSON answer (its last stdout line). */
export async function runProbe<T>(script: string, args: readonly string[], timeoutMs: number): Promise<T> {
  const file = fileURLToPath(new URL(script, import.meta.url));
  const t = await timeProcess([process.execPath, file, ...args], { keepStdout: true, timeoutMs });
  const last = t.stdout.trim().split('\n').pop() ?? '';
  if (t.code !== 0 || !last.startsWith('{')) throw new Error(`${script} ${args.join(' ')}: exit ${t.code ?? t.signal}: ${tail(t.stderr)}`);
  return JSON.parse(last) as T;
}

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}
