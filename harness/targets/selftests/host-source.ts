// Which selftests run for `--kernel host`: those of `--tree DIR`, else those
// of Debian's source of the nearest series (kernels/spec.ts DEBIAN_SERIES),
// with a warning when the host runs another release: the scripts test what
// their own kernel does, and a newer host may differ in places.
import { DEBIAN_SERIES, type DebianSeries } from '../../../kernels/spec.js';

/** Major.minor as a number pair, or undefined for a release that is not one. */
function seriesNumbers(release: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** The Debian series nearest to a release: the same one, else the newest not newer, else the oldest. */
export function nearestSeries(release: string, known: readonly DebianSeries[] = DEBIAN_SERIES): DebianSeries {
  const want = seriesNumbers(release);
  const rank = (s: string): number => {
    const [a, b] = seriesNumbers(s) ?? [0, 0];
    return a * 1000 + b;
  };
  const sorted = [...known].sort((x, y) => rank(x) - rank(y));
  const oldest = sorted[0];
  if (!oldest) throw new Error('no Debian series known');
  if (!want) return sorted[sorted.length - 1] ?? oldest;
  const target = want[0] * 1000 + want[1];
  return [...sorted].reverse().find((s) => rank(s) <= target) ?? oldest;
}

/** The warning line when the host's release is not of the series whose selftests run, else undefined. */
export function seriesMismatch(hostRelease: string, series: DebianSeries): string | undefined {
  const host = seriesNumbers(hostRelease);
  if (host && `${host[0]}.${host[1]}` === series) return undefined;
  return `the host runs ${hostRelease} and the selftests are Debian's linux-source-${series}: subtests of features newer than ${series} are not run, and a script may expect ${series}'s behaviour (give --tree with the host kernel's source to run its own)`;
}
