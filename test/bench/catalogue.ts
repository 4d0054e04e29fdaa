// The whole catalogue, host kernel + engine + comparisons, as a person runs
// it: `mptcp-lab run --seed N` timed as a whole process, with --jobs 2 (aim
// ≤ 15 s) and with the default --jobs, which should be the fastest choice
// (aim: default / --jobs 2 ≤ 1). And, with --guest, the catalogue in a
// debian:6.12 guest under TCG (aim ≤ 100 s from start to results).
import { interleaved, type Build, type BuildName } from './builds.js';
import { median } from './figures.js';
import { runCli, type CliRun } from './run-cli.js';
import { addFigure, emptySection, fmtMs, type SectionOptions, type SectionResult } from './section.js';

export const CATALOGUE_AIM_S = 15;
export const GUEST_AIM_S = 100;
export const GUEST_SPEC = 'debian:6.12';

async function timedRuns(
  builds: readonly Build[],
  opts: SectionOptions,
  what: string,
  args: (round: number) => string[],
): Promise<Map<BuildName, CliRun[]>> {
  return interleaved(builds, opts.rounds, async (b, round) => {
    const r = await runCli(b, args(round), 1_800_000);
    opts.progress(`${what} [${b.name}] round ${round + 1}: ${fmtMs(r.wallMs)} (${r.summary})`);
    return r;
  });
}

/** "9/10 ran to the end; last: 37 passed, ..." */
function outcome(runs: readonly CliRun[]): string {
  const ended = runs.filter((r) => r.labs.length > 0).length;
  return `${ended}/${runs.length} finished; ${runs[runs.length - 1]?.summary ?? ''}`;
}

export async function catalogue(builds: readonly Build[], opts: SectionOptions): Promise<SectionResult> {
  const section = emptySection();
  // One round times both settings back to back, so their ratio is of the same moment.
  const runs = await interleaved(builds, opts.rounds, async (b, round) => {
    const seed = String(opts.seed + round);
    const jobs2 = await runCli(b, ['--seed', seed, '--jobs', '2'], 1_800_000);
    const dflt = await runCli(b, ['--seed', seed], 1_800_000);
    opts.progress(
      `catalogue [${b.name}] round ${round + 1}: --jobs 2 ${fmtMs(jobs2.wallMs)}, default ${fmtMs(dflt.wallMs)} (${jobs2.summary})`,
    );
    return { jobs2, dflt };
  });
  for (const [build, rs] of runs) {
    const two = median(rs.map((r) => r.jobs2.wallMs)) / 1000;
    const dflt = median(rs.map((r) => r.dflt.wallMs)) / 1000;
    const base = { unit: 's', better: 'lower' as const, n: rs.length };
    addFigure(section, build, {
      ...base,
      id: 'catalogue.jobs2-s',
      label: 'catalogue host+engine+compare, --jobs 2',
      value: two,
      aim: CATALOGUE_AIM_S,
      note: outcome(rs.map((r) => r.jobs2)),
    });
    addFigure(section, build, {
      ...base,
      id: 'catalogue.default-s',
      label: 'catalogue, default --jobs',
      value: dflt,
      note: outcome(rs.map((r) => r.dflt)),
    });
    addFigure(section, build, {
      ...base,
      unit: '×',
      id: 'catalogue.default-over-jobs2',
      label: 'default --jobs / --jobs 2 (default fastest: ≤ 1)',
      value: median(rs.map((r) => r.dflt.wallMs / r.jobs2.wallMs)),
      aim: 1,
      note: dflt <= two ? 'the default is the faster' : '--jobs 2 is the faster',
    });
  }
  return section;
}

export async function guestCatalogue(builds: readonly Build[], opts: SectionOptions): Promise<SectionResult> {
  const section = emptySection();
  const runs = await timedRuns(builds, opts, `catalogue in ${GUEST_SPEC} (TCG)`, (round) => [
    '--kernel',
    GUEST_SPEC,
    '--accel',
    'tcg',
    '--engine',
    'off',
    '--seed',
    String(opts.seed + round),
  ]);
  for (const [build, rs] of runs)
    addFigure(section, build, {
      id: 'guest.catalogue-s',
      label: `catalogue in a ${GUEST_SPEC} guest (TCG)`,
      value: median(rs.map((r) => r.wallMs)) / 1000,
      unit: 's',
      better: 'lower',
      aim: GUEST_AIM_S,
      n: rs.length,
      note: outcome(rs),
    });
  return section;
}
