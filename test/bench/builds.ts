// The builds the bench times: this checkout's dist/, and with --base-build a
// checkout of the base commit, built, timed in the same run so the two are
// compared as a ratio on the same machine at the same moment.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Build {
  /** "this" or "base". */
  readonly name: BuildName;
  /** The checkout (package root). */
  readonly root: string;
  /** Its compiled tree: <root>/dist. */
  readonly dist: string;
  readonly cli: string;
  readonly commit: string;
}

export type BuildName = 'this' | 'base';

/** HEAD of a checkout, with "-dirty" when it has uncommitted changes to tracked files. */
export function commitOf(root: string): string {
  const head = spawnSync('git', ['-C', root, 'rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['-C', root, 'diff', '--quiet', 'HEAD', '--'], { encoding: 'utf8' });
  return `${head.stdout.trim()}${dirty.status === 1 ? '-dirty' : ''}`;
}

function buildAt(name: BuildName, root: string): Build {
  const dist = join(root, 'dist');
  const cli = join(dist, 'harness', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${name} build: no ${cli} (build it first: npm run build in ${root})`);
  return { name, root, dist, cli, commit: commitOf(root) };
}

/** This build: the package root above dist/test/bench/. */
export function thisBuild(): Build {
  return buildAt('this', fileURLToPath(new URL('../../../', import.meta.url)));
}

export function baseBuild(dir: string): Build {
  return buildAt('base', resolve(dir));
}

/**
 * Runs `measure` for every build, `rounds` times, the builds side by side in
 * each round and their order swapped every round, so drift in the machine's
 * load falls on both alike.
 */
export async function interleaved<T>(
  builds: readonly Build[],
  rounds: number,
  measure: (b: Build, round: number) => Promise<T>,
): Promise<Map<BuildName, T[]>> {
  const out = new Map<BuildName, T[]>(builds.map((b) => [b.name, []]));
  for (let r = 0; r < rounds; r += 1) {
    const order = r % 2 === 0 ? builds : [...builds].reverse();
    for (const b of order) out.get(b.name)!.push(await measure(b, r));
  }
  return out;
}
