// `mptcp-lab kernels list|fetch|prune`: the kernel cache (kernels/cache.ts)
// from the command line, the way virtme-ng users expect to see what they
// have, get a kernel ahead of a run, and drop old ones.
//
//   list [--json]            what is cached: spec, release, package version, size, path, fetched
//   fetch SPEC...            debian:6.1, debian:6.12, debian:<release> into the cache; a build
//                            tree or image is checked and reported, used in place (not copied)
//   prune [--all | --keep SPEC...] [--dry-run]
//                            default: remove releases that are no longer what their series
//                            (debian:6.1, debian:6.12) resolves to; --all: everything
import type { Command } from 'commander';
import { run } from '../../lib/exec.js';
import { EXIT } from '../exit.js';
import { cacheRoot, entrySize, list, prune, type CachedKernel } from '../../kernels/cache.js';
import { fetchKernel } from '../../kernels/fetch.js';
import {
  APT_CACHE_SEARCH,
  DEBIAN_SERIES,
  debianPackages,
  formatKernelSpec,
  KernelSpecError,
  parseKernelSpec,
  seriesOfRelease,
  type DebianSeries,
  type KernelSpec,
} from '../../kernels/spec.js';

/** Bad input to a kernels subcommand: the CLI prints it and exits 2. */
export class KernelsUsageError extends Error {}

/** apt-cache search output, or undefined when apt cannot answer (then "current" is unknown). */
async function aptSearch(): Promise<string | undefined> {
  const r = await run(APT_CACHE_SEARCH, { reject: false, timeoutMs: 60_000 });
  return r.exitCode === 0 ? r.stdout : undefined;
}

/** The release each Debian series resolves to today: apt's newest, else (apt cannot tell) the newest cached. */
export function currentReleases(
  cached: readonly string[],
  apt: string | undefined,
): Map<DebianSeries, { release: string; from: 'apt' | 'cache' }> {
  const out = new Map<DebianSeries, { release: string; from: 'apt' | 'cache' }>();
  const cachedText = cached.map((r) => `linux-image-${r} - cached`).join('\n');
  for (const series of DEBIAN_SERIES) {
    const fromApt = apt === undefined ? undefined : debianPackages(series, apt).at(-1);
    if (fromApt) {
      out.set(series, { release: fromApt.release, from: 'apt' });
      continue;
    }
    // debianPackages sorts releases of a series by their numbers, so it orders the cache too.
    const newestCached = debianPackages(series, cachedText).at(-1);
    if (newestCached) out.set(series, { release: newestCached.release, from: 'cache' });
  }
  return out;
}

export interface KernelListEntry {
  /** The exact spec that boots this entry, e.g. debian:6.1.0-56-amd64. */
  spec: string;
  /** debian:6.1 when this is what that series resolves to today. */
  current: string | null;
  release: string;
  package: string;
  packageVersion: string | null;
  sizeBytes: number;
  path: string;
  fetchedAt: string;
}

export function listEntry(k: CachedKernel, sizeBytes: number, current: ReturnType<typeof currentReleases>): KernelListEntry {
  const series = seriesOfRelease(k.manifest.release);
  const isCurrent = series !== undefined && current.get(series)?.release === k.manifest.release;
  return {
    spec: `debian:${k.manifest.release}`,
    current: isCurrent ? `debian:${series}` : null,
    release: k.manifest.release,
    package: k.manifest.package,
    packageVersion: k.manifest.packageVersion ?? null,
    sizeBytes,
    path: k.dir,
    fetchedAt: k.manifest.fetchedAt,
  };
}

export function formatSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatKernelList(entries: readonly KernelListEntry[], root: string): string {
  if (!entries.length) return `no kernels cached in ${root} (mptcp-lab kernels fetch debian:6.12)\n`;
  const rows = [
    ['SPEC', 'ALSO', 'RELEASE', 'PACKAGE VERSION', 'SIZE', 'FETCHED', 'PATH'],
    ...entries.map((e) => [
      e.spec,
      e.current ?? '-',
      e.release,
      e.packageVersion ?? '-',
      formatSize(e.sizeBytes),
      e.fetchedAt.replace(/\.\d+Z$/, 'Z'),
      e.path,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

export async function kernelsList(json: boolean, root: string = cacheRoot()): Promise<string> {
  const cached = await list(root);
  const current = currentReleases(
    cached.map((k) => k.manifest.release),
    await aptSearch(),
  );
  const entries = await Promise.all(cached.map(async (k) => listEntry(k, await entrySize(k.dir), current)));
  return json ? `${JSON.stringify(entries, null, 2)}\n` : formatKernelList(entries, root);
}

function parseArg(text: string, where: string, modules?: string): KernelSpec {
  try {
    return parseKernelSpec(text, modules !== undefined ? { modules } : {});
  } catch (e) {
    if (e instanceof KernelSpecError) throw new KernelsUsageError(`${where} ${JSON.stringify(text)}: ${e.message}`);
    throw e;
  }
}

/** `kernels fetch`: one stdout line per spec: `SPEC RELEASE SOURCE PATH` (source: cache, fetched or local). */
export async function kernelsFetch(specs: readonly string[], options: { modules?: string; root?: string } = {}): Promise<string[]> {
  const parsed = specs.map((text) => ({ text, spec: parseArg(text, 'kernels fetch: argument', options.modules) }));
  for (const p of parsed) {
    if (p.spec.kind === 'host')
      throw new KernelsUsageError(
        `kernels fetch: argument "host": the host kernel runs as it is, there is nothing to fetch; expected debian:6.1, debian:6.12, debian:<release>, a build tree or an image path`,
      );
  }
  const lines: string[] = [];
  for (const { text, spec } of parsed) {
    try {
      const k = await fetchKernel(spec, options.root ? { root: options.root } : {});
      const where = k.source === 'local' ? `${k.kernel} (used in place, not copied; modules: ${k.modulesDir ?? 'none'})` : k.kernel;
      lines.push(`${formatKernelSpec(spec)} ${k.release} ${k.source} ${where}`);
    } catch (e) {
      // A tree or image that is not a kernel is bad input; a Debian download that fails is not.
      if (spec.kind === 'tree' || spec.kind === 'image')
        throw new KernelsUsageError(`kernels fetch: argument ${JSON.stringify(text)}: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
  }
  return lines;
}

/** Releases a --keep spec stands for; only cacheable (Debian) specs make sense. */
export function keptReleases(specs: readonly string[], current: ReturnType<typeof currentReleases>): string[] {
  return specs.map((text) => {
    const spec = parseArg(text, 'kernels prune --keep');
    if (spec.kind !== 'debian')
      throw new KernelsUsageError(
        `kernels prune --keep ${JSON.stringify(text)}: only Debian kernels are cached; expected debian:6.1, debian:6.12 or debian:<release>`,
      );
    if (spec.release) return spec.release;
    const now = current.get(spec.series);
    if (!now) throw new KernelsUsageError(`kernels prune --keep ${text}: neither apt nor the cache knows a ${spec.series} kernel`);
    return now.release;
  });
}

export interface PruneFlags {
  all?: boolean;
  keep?: string[];
  dryRun?: boolean;
}

/** What to keep by default: the current release of each series, and anything whose series we cannot tell. */
export function defaultKeep(cached: readonly string[], current: ReturnType<typeof currentReleases>): string[] {
  return cached.filter((r) => {
    const series = seriesOfRelease(r);
    return series === undefined || current.get(series)?.release === r;
  });
}

export async function kernelsPrune(flags: PruneFlags, root: string = cacheRoot()): Promise<{ removed: string[]; kept: string[] }> {
  if (flags.all && flags.keep?.length) throw new KernelsUsageError('kernels prune: --all and --keep exclude each other');
  const cached = (await list(root)).map((k) => k.manifest.release);
  const current = flags.all ? new Map() : currentReleases(cached, await aptSearch());
  const keep = flags.all ? [] : flags.keep?.length ? keptReleases(flags.keep, current) : defaultKeep(cached, current);
  const removed = await prune({ root, keep, ...(flags.dryRun ? { dryRun: true } : {}) });
  return { removed, kept: cached.filter((r) => !removed.includes(r)) };
}

export function kernelsSubcommand(p: Command, setExit: (code: number) => void): void {
  const k = p.command('kernels').description(`the kernel cache for --kernel (${cacheRoot()})`);
  k.command('list')
    .description('cached kernels: spec, release, package version, size, fetched, path')
    .option('--json', 'machine-readable')
    .action(async (o: { json?: boolean }) => {
      process.stdout.write(await kernelsList(Boolean(o.json)));
      setExit(EXIT.ok);
    });
  k.command('fetch')
    .description(
      'fetch Debian kernels into the cache (once); check a build tree or image (used in place). Prints: SPEC RELEASE SOURCE PATH',
    )
    .argument('<specs...>', 'debian:6.1, debian:6.12, debian:<release>, a build tree or a bzImage path')
    .option('--modules <dir>', 'modules of an image spec (lib/modules/<release>)')
    .action(async (specs: string[], o: { modules?: string }) => {
      for (const line of await kernelsFetch(specs, o.modules !== undefined ? { modules: o.modules } : {}))
        process.stdout.write(`${line}\n`);
      setExit(EXIT.ok);
    });
  k.command('prune')
    .description('remove cached kernels; default: releases that are no longer what debian:6.1 / debian:6.12 resolve to')
    .option('--all', 'remove every cached kernel')
    .option('--keep <specs...>', 'keep these (debian:6.1, debian:<release>), remove the rest')
    .option('--dry-run', 'only print what would be removed')
    .action(async (o: PruneFlags) => {
      const r = await kernelsPrune(o);
      for (const name of r.removed) process.stdout.write(`${o.dryRun ? 'would remove' : 'removed'} ${name}\n`);
      process.stderr.write(
        `mptcp-lab kernels prune: ${r.removed.length} ${o.dryRun ? 'to remove' : 'removed'}; kept ${r.kept.length ? r.kept.join(', ') : 'none'}\n`,
      );
      setExit(EXIT.ok);
    });
}
