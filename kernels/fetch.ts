// Fetch a kernel into the cache, once: `apt-get download` of the Debian
// package into a temp dir, `dpkg-deb -x` (unpack without installing), keep
// vmlinuz and lib/modules/<release>, run `depmod -b` (Debian ships no
// modules.dep; dpkg's postinst makes it), write the manifest last.
// Modules are trimmed to what labs can use (kernels/modules.ts KEEP_MODULES:
// net/, 9p, netfs, overlayfs, drivers/net/*.ko, virtio, crypto, lib, and
// everything those depend on), then depmod runs again. Labs load modules from
// inside the guest, where this directory is visible through the 9p root and
// linked as /lib/modules/<release>. `trim: false` keeps them all.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../lib/exec.js';
import { cacheRoot, entryPaths, lookup, writeManifest, type CachedKernel } from './cache.js';
import { parseModulesDep, selectKeptModules } from './modules.js';
import { APT_CACHE_SEARCH, resolveDebianPackage, TREE_MODULES_DIR, type KernelSpec } from './spec.js';

/** A kernel ready to boot. */
export interface ResolvedKernel {
  release: string;
  kernel: string;
  /** lib/modules/<release>, with modules.dep; undefined if the image has no modules. */
  modulesDir: string | undefined;
  source: 'cache' | 'fetched' | 'local';
  package?: string;
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function fromCache(c: CachedKernel, source: 'cache' | 'fetched'): ResolvedKernel {
  return { release: c.manifest.release, kernel: c.kernel, modulesDir: c.modulesDir, source, package: c.manifest.package };
}

async function walk(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(dir, r)));
    else out.push(r);
  }
  return out;
}

/** Removes modules labs cannot use; returns how many were removed. depmod must run again after. */
async function trimModules(modulesDir: string): Promise<number> {
  const text = (name: string): string => (existsSync(join(modulesDir, name)) ? readFileSync(join(modulesDir, name), 'utf8') : '');
  const index = parseModulesDep(text('modules.dep'), {
    builtin: text('modules.builtin'),
    softdep: text('modules.softdep'),
    alias: text('modules.alias'),
  });
  const keep = selectKeptModules(index);
  let removed = 0;
  for (const f of await walk(modulesDir, 'kernel')) {
    if (!/\.ko(\.(xz|zst|gz))?$/.test(f) || keep.has(f)) continue;
    await rm(join(modulesDir, f));
    removed += 1;
  }
  return removed;
}

async function fetchDebian(spec: Extract<KernelSpec, { kind: 'debian' }>, root: string, trim: boolean): Promise<ResolvedKernel> {
  // An exact release needs no apt-cache round trip when it is cached already.
  if (spec.release) {
    const hit = await lookup(root, spec.release);
    if (hit) return fromCache(hit, 'cache');
  }
  const search = await run(APT_CACHE_SEARCH, { timeoutMs: 60_000 });
  const pkg = resolveDebianPackage(spec, search.stdout);
  const hit = await lookup(root, pkg.release);
  if (hit) return fromCache(hit, 'cache');

  await mkdir(root, { recursive: true });
  const tmp = await mkdtemp(join(root, '.fetch-'));
  try {
    // apt-get download writes into the current directory and run() takes no cwd:
    // a fixed sh -c with the values as positional arguments (never interpolated).
    await run(['sh', '-c', 'cd "$1" && exec apt-get download -q "$2"', 'sh', tmp, pkg.package], { timeoutMs: 600_000 });
    const debs = (await readdir(tmp)).filter((f) => f.endsWith('.deb'));
    const deb = debs[0];
    if (!deb) throw new Error(`apt-get download ${pkg.package}: no .deb appeared in ${tmp}`);
    const debPath = join(tmp, deb);
    const debSha256 = await sha256File(debPath);
    const x = join(tmp, 'x');
    await run(['dpkg-deb', '-x', debPath, x], { timeoutMs: 300_000 });
    const vmlinuz = join(x, 'boot', `vmlinuz-${pkg.release}`);
    const mods = join(x, 'lib', 'modules', pkg.release);
    if (!existsSync(vmlinuz)) throw new Error(`${deb}: no boot/vmlinuz-${pkg.release} inside`);
    if (!existsSync(mods)) throw new Error(`${deb}: no lib/modules/${pkg.release} inside`);
    const p = entryPaths(root, pkg.release);
    await rm(p.dir, { recursive: true, force: true });
    await mkdir(join(p.dir, 'lib', 'modules'), { recursive: true });
    await rename(vmlinuz, p.kernel);
    await rename(mods, p.modulesDir);
    await run(['depmod', '-b', p.dir, pkg.release], { timeoutMs: 120_000 });
    if (trim && (await trimModules(p.modulesDir)) > 0) await run(['depmod', '-b', p.dir, pkg.release], { timeoutMs: 120_000 });
    const packageVersion = /^[^_]+_([^_]+)_/.exec(deb)?.[1]?.replace(/%3a/gi, ':');
    await writeManifest(root, {
      release: pkg.release,
      package: pkg.package,
      ...(packageVersion ? { packageVersion } : {}),
      debSha256,
      fetchedAt: new Date().toISOString(),
    });
    const done = await lookup(root, pkg.release);
    if (!done) throw new Error(`cache entry for ${pkg.release} incomplete after fetch`);
    return fromCache(done, 'fetched');
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function onlyDir(dir: string, what: string): string {
  const names = existsSync(dir) ? readdirSyncSafe(dir) : [];
  const first = names[0];
  if (names.length !== 1 || !first)
    throw new Error(`${dir}: expected exactly one ${what} directory, found ${names.length ? names.join(', ') : 'none'}`);
  return first;
}

function readdirSyncSafe(dir: string): string[] {
  try {
    return statSync(dir).isDirectory() ? readdirSync(dir) : [];
  } catch {
    return [];
  }
}

/** Release of a bzImage, read from its header (kernel_version string at 0x200 + setup header offset). */
export function bzImageRelease(image: Buffer): string | undefined {
  if (image.length < 0x210 || image.toString('latin1', 0x202, 0x206) !== 'HdrS') return undefined;
  const off = image.readUInt16LE(0x20e) + 0x200;
  const end = image.indexOf(0, off);
  if (end < 0) return undefined;
  return image.toString('latin1', off, end).split(' ')[0];
}

function fromTree(path: string): ResolvedKernel {
  const kernel = join(path, 'arch', 'x86', 'boot', 'bzImage');
  if (!existsSync(kernel)) throw new Error(`${path}: no arch/x86/boot/bzImage (run make first)`);
  const relFile = join(path, 'include', 'config', 'kernel.release');
  const release = existsSync(relFile) ? readFileSync(relFile, 'utf8').trim() : bzImageRelease(readFileSync(kernel));
  if (!release) throw new Error(`${path}: cannot tell the kernel release (no include/config/kernel.release)`);
  const modBase = join(path, TREE_MODULES_DIR, 'lib', 'modules');
  const modulesDir = existsSync(join(modBase, release)) ? join(modBase, release) : undefined;
  return { release, kernel, modulesDir, source: 'local' };
}

function fromImage(path: string, modules: string | undefined): ResolvedKernel {
  const release = bzImageRelease(readFileSync(path));
  if (!release) throw new Error(`${path}: not a bzImage/vmlinuz (no HdrS setup header)`);
  let modulesDir: string | undefined;
  if (modules) {
    // Accept lib/modules/<release>, lib/modules, or an INSTALL_MOD_PATH root.
    if (existsSync(join(modules, 'modules.order')) || existsSync(join(modules, 'modules.dep'))) modulesDir = modules;
    else if (existsSync(join(modules, release))) modulesDir = join(modules, release);
    else if (existsSync(join(modules, 'lib', 'modules', release))) modulesDir = join(modules, 'lib', 'modules', release);
    else modulesDir = join(modules, onlyDir(modules, 'lib/modules/<release>'));
  }
  return { release, kernel: path, modulesDir, source: 'local' };
}

export interface FetchOptions {
  root?: string;
  /** Trim cached modules to what labs can use (default true). */
  trim?: boolean;
}

/** Make a kernel spec bootable: fetch (once) into the cache, or check a local tree/image. */
export async function fetchKernel(spec: KernelSpec, options: FetchOptions = {}): Promise<ResolvedKernel> {
  const root = options.root ?? cacheRoot();
  switch (spec.kind) {
    case 'host':
      throw new Error('kernel spec host runs on the host kernel (netns backend); there is nothing to fetch or boot');
    case 'debian':
      return fetchDebian(spec, root, options.trim ?? true);
    case 'tree':
      return fromTree(spec.path);
    case 'image':
      return fromImage(spec.path, spec.modules);
  }
}
