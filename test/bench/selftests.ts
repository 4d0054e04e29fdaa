// The kernel's own selftests for the same scenarios as the simple labs, for
// scale: mptcp_join.sh runs one subtest when given its name after the group
// flag. Only where Debian's (or a built tree's) selftests are found, built
// (mptcp_connect beside the script): MPTCP_SELFTESTS=<dir or mptcp_join.sh>,
// else the usual install places. Not build-dependent: timed once per round.
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { median, type Figure, type Skipped } from './figures.js';
import { tail, timeProcess } from './processes.js';
import { SIMPLE_LABS } from './kernel.js';
import { addFigure, emptySection, fmtMs, type SectionOptions, type SectionResult } from './section.js';

/** The mptcp_join.sh subtest of each simple lab (the name its description quotes) and the flag of its group. */
const SUBTESTS: Record<(typeof SIMPLE_LABS)[number], string[]> = {
  'no-join': ['-f', 'no JOIN'],
  'single-subflow': ['-f', 'single subflow'],
  'signal-address': ['-s', 'signal address'],
};

function installPlaces(): string[] {
  const places = ['/usr/lib/kselftests/net/mptcp', '/usr/libexec/kselftests/net/mptcp', '/usr/lib/kselftest/net/mptcp'];
  try {
    for (const d of readdirSync('/usr/src')) places.push(join('/usr/src', d, 'tools/testing/selftests/net/mptcp'));
  } catch {
    // no /usr/src: nothing more to look at
  }
  return places;
}

/** mptcp_join.sh in a built selftests folder, or why there is none. */
export function findSelftests(env = process.env): { script: string } | { reason: string } {
  const given = env.MPTCP_SELFTESTS;
  const dirs = given ? [basename(given) === 'mptcp_join.sh' ? dirname(given) : given] : installPlaces();
  for (const d of dirs) {
    const script = join(d, 'mptcp_join.sh');
    if (!existsSync(script)) continue;
    if (!existsSync(join(d, 'mptcp_connect'))) return { reason: `${script} found but not built (no mptcp_connect beside it)` };
    return { script };
  }
  return {
    reason: given
      ? `MPTCP_SELFTESTS=${given}: no mptcp_join.sh there`
      : `the kernel selftests are not built here (no mptcp_join.sh under /usr/lib*/kselftest*, /usr/src/*; set MPTCP_SELFTESTS=<dir>)`,
  };
}

export async function selftests(opts: SectionOptions): Promise<SectionResult> {
  const section = emptySection();
  const found = findSelftests();
  if ('reason' in found) {
    section.skipped.push(
      ...SIMPLE_LABS.map((lab): Skipped => ({ id: `selftests.${lab}.ms`, label: `${lab}: mptcp_join.sh subtest`, reason: found.reason })),
    );
    return section;
  }
  for (const lab of SIMPLE_LABS) {
    const [flag, name] = SUBTESTS[lab];
    const times: number[] = [];
    let failure: string | undefined;
    for (let round = 0; round < opts.rounds && !failure; round += 1) {
      const t = await timeProcess(['bash', found.script, flag!, name!], { cwd: dirname(found.script), timeoutMs: 300_000 });
      if (t.code === 0) times.push(t.ms);
      else failure = `exit ${t.code ?? t.signal}: ${tail(t.stderr)}`;
      opts.progress(`selftests ${lab} round ${round + 1}: ${failure ?? fmtMs(t.ms)}`);
    }
    if (failure) {
      section.skipped.push({ id: `selftests.${lab}.ms`, label: `${lab}: mptcp_join.sh "${name}"`, reason: failure });
      continue;
    }
    const figure: Figure = {
      id: `selftests.${lab}.ms`,
      label: `${lab}: mptcp_join.sh "${name}"`,
      value: median(times),
      unit: 'ms',
      better: 'lower',
      n: times.length,
      note: 'the kernel selftests, for scale',
      reference: true,
    };
    addFigure(section, 'this', figure);
  }
  return section;
}
