// npm run bench: the speed targets of issue 8, each with its aim, its ratio
// to the aim and PASS/MISS, written to bench.json; with --compare and/or
// --base-build, every figure more than 25 % worse than the base's (exit 1).
// `--help` for the options. Every figure is the median of --rounds samples;
// with --base-build each sample of this build is taken beside one of the
// base build, their order swapped every round. The bench imports nothing of
// the harness: it times builds from outside (their CLI, or probe scripts
// that load the build's modules), so it measures an older build the same way.
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release } from 'node:os';
import { parseBenchArgs, USAGE, type BenchArgs, type Part } from './args.js';
import { startedByTestRunner } from './probe-import.js';
import { baseBuild, thisBuild, type Build } from './builds.js';
import { catalogue, guestCatalogue } from './catalogue.js';
import { engine } from './engine.js';
import { pickBases, regressions, REGRESSION_THRESHOLD, type BaseFigure, type Figure, type Regression, type Skipped } from './figures.js';
import { kernelLabs } from './kernel.js';
import type { SectionOptions, SectionResult } from './section.js';
import { selftests } from './selftests.js';
import { setupTeardown } from './setup.js';
import { renderRegressions, renderTable } from './table.js';

export interface BenchFile {
  readonly tool: 'mptcp-lab bench';
  readonly date: string;
  readonly commit: string;
  readonly machine: { cpus: number; cpuModel: string; kernel: string; node: string; loadavgBefore: number[]; loadavgAfter: number[] };
  readonly rounds: number;
  readonly seed: number;
  readonly figures: Figure[];
  readonly skipped: Skipped[];
  readonly base?: { root: string; commit: string; figures: Figure[] };
  readonly compare?: { file?: string; threshold: number; regressions: Regression[] };
}

type Section = (builds: readonly Build[], opts: SectionOptions) => Promise<SectionResult>;

/** The parts in the order they run; those needing root are skipped with a reason without it. */
const SECTIONS: { part: Part; root: boolean; what: string; run: Section }[] = [
  { part: 'kernel', root: true, what: 'simple kernel labs', run: kernelLabs },
  { part: 'kernel', root: true, what: 'kernel selftests', run: (_b, o) => selftests(o) },
  { part: 'kernel', root: true, what: 'set-up + teardown', run: setupTeardown },
  { part: 'catalogue', root: true, what: 'catalogue', run: catalogue },
  { part: 'engine', root: false, what: 'engine', run: engine },
  { part: 'guest', root: true, what: 'catalogue in a guest', run: guestCatalogue },
];

function readBaseFile(path: string): Figure[] {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<BenchFile>;
  if (!Array.isArray(parsed.figures)) throw new Error(`${path}: no figures (expected a bench.json)`);
  return parsed.figures;
}

async function measure(
  args: BenchArgs,
  builds: readonly Build[],
): Promise<{ figures: Map<string, Figure[]>; skipped: Skipped[]; details: string[] }> {
  const figures = new Map<string, Figure[]>(builds.map((b) => [b.name, []]));
  const skipped: Skipped[] = [];
  const details: string[] = [];
  const root = process.getuid?.() === 0;
  const opts: SectionOptions = { rounds: args.rounds, seed: args.seed, progress: (line) => process.stderr.write(`bench: ${line}\n`) };
  if (!args.parts.has('guest'))
    skipped.push({ id: 'guest.catalogue-s', label: 'catalogue in a debian:6.12 guest (TCG)', reason: 'not asked for (--guest)' });
  for (const s of SECTIONS) {
    if (!args.parts.has(s.part)) continue;
    if (s.root && !root) {
      skipped.push({ id: s.part, label: s.what, reason: 'needs root (lab namespaces)' });
      continue;
    }
    try {
      const r = await s.run(builds, opts);
      for (const [build, fs] of r.figures) figures.get(build)?.push(...fs);
      skipped.push(...r.skipped);
      details.push(...r.details);
    } catch (e) {
      skipped.push({ id: s.part, label: s.what, reason: `failed: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  return { figures, skipped, details };
}

/** A line when the machine had more runnable work than CPUs: absolute figures are then inflated (same-run ratios less so). */
function busyWarning(before: number[], after: number[]): string[] {
  const load = Math.max(before[0] ?? 0, after[0] ?? 0);
  const cpus = availableParallelism();
  return load > cpus ? [`note: load average ${load.toFixed(1)} on ${cpus} CPUs during the bench: absolute figures are noisy`] : [];
}

async function main(): Promise<number> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const loadBefore = loadavg();
  const self = thisBuild();
  const base = args.baseBuild !== undefined ? baseBuild(args.baseBuild) : undefined;
  const builds = base ? [self, base] : [self];
  process.stderr.write(
    `bench: ${self.commit}${base ? ` against ${base.commit} (${base.root})` : ''}, ${args.rounds} round(s): ${[...args.parts].join(', ')}\n`,
  );
  const { figures, skipped, details } = await measure(args, builds);
  const mine = figures.get('this') ?? [];
  const fileBase = args.compare !== undefined ? readBaseFile(args.compare) : [];
  const bases: Map<string, BaseFigure> = args.compare !== undefined || base ? pickBases(figures.get('base') ?? [], fileBase) : new Map();
  const regs = regressions(mine, bases);

  const out = [
    '',
    ...details,
    ...(details.length ? [''] : []),
    `mptcp-lab bench: ${self.commit}, ${availableParallelism()} CPUs, kernel ${release()}, node ${process.version}; median of ${args.rounds} round(s)${base ? `; base ${base.commit}` : ''}`,
    ...busyWarning(loadBefore, loadavg()),
    ...renderTable(mine, skipped, bases),
    ...(bases.size ? ['', ...renderRegressions(regs, REGRESSION_THRESHOLD)] : []),
  ];
  process.stdout.write(`${out.join('\n')}\n`);

  const file: BenchFile = {
    tool: 'mptcp-lab bench',
    date: new Date().toISOString(),
    commit: self.commit,
    machine: {
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'unknown',
      kernel: release(),
      node: process.version,
      loadavgBefore: loadBefore,
      loadavgAfter: loadavg(),
    },
    rounds: args.rounds,
    seed: args.seed,
    figures: mine,
    skipped,
    ...(base ? { base: { root: base.root, commit: base.commit, figures: figures.get('base') ?? [] } } : {}),
    ...(bases.size
      ? { compare: { ...(args.compare !== undefined ? { file: args.compare } : {}), threshold: REGRESSION_THRESHOLD, regressions: regs } }
      : {}),
  };
  writeFileSync(args.out, `${JSON.stringify(file, null, 2)}\n`);
  process.stderr.write(`bench: figures in ${args.out}\n`);
  return regs.length ? 1 : 0;
}

try {
  if (startedByTestRunner()) process.stderr.write('bench: not a test (run it with npm run bench)\n');
  else process.exitCode = await main();
} catch (e) {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 2;
}
