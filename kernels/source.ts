// The kernel's own MPTCP selftests from Debian's linux-source-<series>
// package, fetched once into the cache:
//
//   <cache>/mptcp-lab/sources/linux-source-<series>/   the selftests' part of the tree
//   <cache>/mptcp-lab/sources/linux-source-<series>/.complete   written last: present = complete
//
// `apt-get download` of the package into a temp dir (as kernels/fetch.ts does
// for linux-image), `dpkg-deb -x`, then only the members the selftests need
// are taken out of usr/src/linux-source-<series>.tar.xz (about 3 MB of ~1.5 GB).
// A folder without its marker is a partial extraction: removed and redone.
// The first complete copy of a series is kept; a newer Debian upload is not
// looked for (remove the folder to refresh).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run } from '../lib/exec.js';
import { cacheRoot } from './cache.js';
import { sha256File } from './fetch.js';
import type { DebianSeries } from './spec.js';

/** Paths of the tree the MPTCP selftests read, build with, or source (found by building and running them). */
export const SELFTEST_MEMBERS: readonly string[] = [
  'tools/testing/selftests/net/mptcp/',
  // mptcp_lib.sh sources these two.
  'tools/testing/selftests/net/lib.sh',
  'tools/testing/selftests/net/net_helper.sh',
  // The Makefile includes ../../lib.mk, which reads kselftest's own files.
  'tools/testing/selftests/lib.mk',
  'tools/testing/selftests/kselftest/',
  'tools/testing/selftests/kselftest.h',
  'tools/testing/selftests/kselftest_harness.h',
  'tools/testing/selftests/kselftest_install.sh',
  'tools/include/',
  'tools/scripts/',
  'scripts/subarch.include',
  // The MPTCP uapi headers the C helpers are built with (kernels/selftests-build.ts).
  'include/uapi/linux/mptcp.h',
  'include/uapi/linux/mptcp_pm.h',
];

/** Written last in a source folder: what was extracted, from which package. */
export interface SourceMarker {
  package: string;
  packageVersion?: string;
  debSha256: string;
  members: string[];
  extractedAt: string;
}

export const SOURCE_MARKER = '.complete';

/** Where the cache keeps sources: beside the kernels folder. */
export function sourcesRoot(kernelsRoot: string = cacheRoot()): string {
  return join(dirname(kernelsRoot), 'sources');
}

export function sourcePackage(series: DebianSeries): string {
  return `linux-source-${series}`;
}

/** The folder one series' source goes to, and its marker. */
export function sourcePaths(root: string, series: DebianSeries): { dir: string; marker: string } {
  const dir = join(root, sourcePackage(series));
  return { dir, marker: join(dir, SOURCE_MARKER) };
}

/** tar arguments for the members, under the tarball's top folder (a folder member takes all below it). */
export function tarMembers(top: string, members: readonly string[] = SELFTEST_MEMBERS): string[] {
  return members.map((m) => (m.endsWith('/') ? `${top}/${m}*` : `${top}/${m}`));
}

/** The marker of a complete source folder, undefined when the folder is missing or partial. */
export async function completeSource(dir: string): Promise<SourceMarker | undefined> {
  const marker = join(dir, SOURCE_MARKER);
  if (!existsSync(marker)) return undefined;
  try {
    const m = JSON.parse(await readFile(marker, 'utf8')) as SourceMarker;
    // A marker from an older member list is an incomplete folder for this one.
    return SELFTEST_MEMBERS.every((p) => m.members.includes(p)) ? m : undefined;
  } catch {
    return undefined;
  }
}

export interface SelftestSource {
  /** The tree's top folder (holds tools/testing/selftests/net/mptcp). */
  dir: string;
  marker: SourceMarker;
  source: 'cache' | 'fetched';
}

async function downloadDeb(pkg: string, tmp: string): Promise<string> {
  // As kernels/fetch.ts: apt-get download writes into the current directory.
  await run(['sh', '-c', 'cd "$1" && exec apt-get download -q "$2"', 'sh', tmp, pkg], { timeoutMs: 900_000 });
  const deb = (await readdir(tmp)).find((f) => f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${pkg}: no .deb appeared in ${tmp}`);
  return deb;
}

async function extract(deb: string, tmp: string, pkg: string): Promise<string> {
  const x = join(tmp, 'x');
  await run(['dpkg-deb', '-x', join(tmp, deb), x], { timeoutMs: 300_000 });
  const tarball = join(x, 'usr', 'src', `${pkg}.tar.xz`);
  if (!existsSync(tarball)) throw new Error(`${deb}: no usr/src/${pkg}.tar.xz inside`);
  const out = join(tmp, 'src');
  await mkdir(out);
  await run(['tar', '-xJf', tarball, '-C', out, '--wildcards', ...tarMembers(pkg)], { timeoutMs: 600_000 });
  return join(out, pkg);
}

/** The selftests' part of Debian's linux-source-<series>: from the cache, or fetched and extracted once. */
export async function fetchSelftestSource(series: DebianSeries, root: string = sourcesRoot()): Promise<SelftestSource> {
  const { dir, marker } = sourcePaths(root, series);
  const cached = await completeSource(dir);
  if (cached) return { dir, marker: cached, source: 'cache' };
  const pkg = sourcePackage(series);
  await mkdir(root, { recursive: true });
  const tmp = await mkdtemp(join(root, '.fetch-'));
  try {
    const deb = await downloadDeb(pkg, tmp);
    const debSha256 = await sha256File(join(tmp, deb));
    const top = await extract(deb, tmp, pkg);
    await rm(dir, { recursive: true, force: true });
    await rename(top, dir);
    const packageVersion = /^[^_]+_([^_]+)_/.exec(deb)?.[1]?.replace(/%3a/gi, ':');
    const m: SourceMarker = {
      package: pkg,
      ...(packageVersion ? { packageVersion } : {}),
      debSha256,
      members: [...SELFTEST_MEMBERS],
      extractedAt: new Date().toISOString(),
    };
    await writeFile(marker, `${JSON.stringify(m, null, 2)}\n`);
    return { dir, marker: m, source: 'fetched' };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
