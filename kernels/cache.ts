// The kernel cache: $XDG_CACHE_HOME/mptcp-lab/kernels (default
// ~/.cache/mptcp-lab/kernels), one directory per kernel release:
//
//   <root>/<release>/vmlinuz
//   <root>/<release>/lib/modules/<release>/...   (with modules.dep from depmod)
//   <root>/<release>/manifest.json               written last: present = complete
import { existsSync, type Dirent } from 'node:fs';
import { lstat, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface KernelManifest {
  release: string;
  package: string;
  /** Version of the Debian package (from the .deb file name), if any. */
  packageVersion?: string;
  debSha256: string;
  fetchedAt: string;
}

export interface CachedKernel {
  manifest: KernelManifest;
  dir: string;
  kernel: string;
  /** lib/modules/<release> */
  modulesDir: string;
}

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(env.HOME ?? homedir(), '.cache');
  return join(base, 'mptcp-lab', 'kernels');
}

export function entryPaths(root: string, release: string): { dir: string; kernel: string; modulesDir: string; manifest: string } {
  if (!/^[A-Za-z0-9][A-Za-z0-9.+_~-]*$/.test(release)) throw new Error(`not a kernel release: ${JSON.stringify(release)}`);
  const dir = join(root, release);
  return { dir, kernel: join(dir, 'vmlinuz'), modulesDir: join(dir, 'lib', 'modules', release), manifest: join(dir, 'manifest.json') };
}

export async function lookup(root: string, release: string): Promise<CachedKernel | undefined> {
  const p = entryPaths(root, release);
  if (!existsSync(p.manifest) || !existsSync(p.kernel)) return undefined;
  const manifest = JSON.parse(await readFile(p.manifest, 'utf8')) as KernelManifest;
  return { manifest, dir: p.dir, kernel: p.kernel, modulesDir: p.modulesDir };
}

export async function writeManifest(root: string, manifest: KernelManifest): Promise<void> {
  await writeFile(entryPaths(root, manifest.release).manifest, `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Bytes under a cache entry (files and symlinks themselves, not what links point to). */
export async function entrySize(dir: string): Promise<number> {
  let total = 0;
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await entrySize(p);
    else total += (await lstat(p)).size;
  }
  return total;
}

/** Complete entries, oldest fetch first. */
export async function list(root: string = cacheRoot()): Promise<CachedKernel[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const out: CachedKernel[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    try {
      const hit = await lookup(root, name);
      if (hit) out.push(hit);
    } catch {
      // not ours or unreadable: list() does not judge, prune() leaves it alone
    }
  }
  return out.sort((a, b) => a.manifest.fetchedAt.localeCompare(b.manifest.fetchedAt));
}

/** A fetch (download, unpack, depmod) takes minutes; a temp dir untouched for an hour is left by one that died. */
export const FETCH_STALE_MS = 60 * 60 * 1000;

export interface PruneOptions {
  /** Releases to keep; everything else complete is removed. Default: keep none. */
  keep?: readonly string[];
  root?: string;
  /** Only say what would be removed. */
  dryRun?: boolean;
}

/**
 * Removes complete entries not in `keep`, and incomplete ones (a directory
 * with vmlinuz or lib/ but no manifest, left by an interrupted fetch) and
 * stale `.fetch-*` temp dirs (untouched for FETCH_STALE_MS: a younger one
 * may belong to a fetch running now). Returns the removed directory names.
 */
export async function prune(options: PruneOptions = {}): Promise<string[]> {
  const root = options.root ?? cacheRoot();
  const keep = new Set(options.keep ?? []);
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const dir = join(root, name);
    if (name.startsWith('.fetch-')) {
      const age = Date.now() - (await lstat(dir)).mtimeMs;
      if (age < FETCH_STALE_MS) continue;
      if (!options.dryRun) await rm(dir, { recursive: true, force: true });
      removed.push(name);
      continue;
    }
    if (name.startsWith('.')) continue;
    let p: ReturnType<typeof entryPaths>;
    try {
      p = entryPaths(root, name);
    } catch {
      continue;
    }
    const complete = existsSync(p.manifest);
    const ours = complete || existsSync(p.kernel) || existsSync(join(dir, 'lib'));
    if (!ours) continue;
    if (complete && keep.has(name)) continue;
    if (!options.dryRun) await rm(dir, { recursive: true, force: true });
    removed.push(name);
  }
  return removed.sort();
}
