// Kernel specs: which kernel a lab runs on.
//
//   host                 the running kernel (netns backend, no VM)
//   debian:6.1           newest linux-image-6.1.0-N-amd64 known to apt
//   debian:6.12          newest linux-image-6.12.N+debX-amd64 known to apt
//   debian:<release>     an exact Debian release, e.g. debian:6.12.117+deb12-amd64
//   /path/to/linux       a kernel build tree: arch/x86/boot/bzImage, and its
//                        modules installed with
//                        `make modules_install INSTALL_MOD_PATH=/path/to/linux/_modinstall`
//                        (we read _modinstall/lib/modules/<include/config/kernel.release>)
//   /path/to/bzImage     a kernel image (bzImage or vmlinuz); modules from
//                        `--modules DIR` (a lib/modules/<release> directory)
//
// Parsing is pure except for telling a directory from a file for paths.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';

export type DebianSeries = '6.1' | '6.12';

export type KernelSpec =
  | { kind: 'host' }
  | { kind: 'debian'; series: DebianSeries; release?: undefined }
  | { kind: 'debian'; series: DebianSeries; release: string }
  | { kind: 'tree'; path: string }
  | { kind: 'image'; path: string; modules?: string };

export class KernelSpecError extends Error {
  constructor(
    readonly text: string,
    why: string,
  ) {
    super(
      `kernel spec ${JSON.stringify(text)}: ${why}; expected one of: host, debian:6.1, debian:6.12, debian:<release> (e.g. debian:6.12.117+deb12-amd64), a kernel build tree directory, or a bzImage/vmlinuz path (with --modules DIR)`,
    );
    this.name = 'KernelSpecError';
  }
}

/** Where a kernel build tree keeps its `make modules_install INSTALL_MOD_PATH=` output. */
export const TREE_MODULES_DIR = '_modinstall';

export const DEBIAN_SERIES: readonly DebianSeries[] = ['6.1', '6.12'];

const RELEASE_6_1 = /^6\.1\.0-([0-9]+)-amd64$/;
const RELEASE_6_12 = /^6\.12\.([0-9]+)\+deb([0-9]+)-amd64$/;

export function seriesOfRelease(release: string): DebianSeries | undefined {
  if (RELEASE_6_1.test(release)) return '6.1';
  if (RELEASE_6_12.test(release)) return '6.12';
  return undefined;
}

function looksLikePath(text: string): boolean {
  return text.startsWith('/') || text.startsWith('./') || text.startsWith('../') || text === '.' || text === '..';
}

export interface ParseOptions {
  /** `--modules DIR` for an image spec. */
  modules?: string;
  /** For resolving relative paths; defaults to process.cwd(). */
  cwd?: string;
}

export function parseKernelSpec(text: string, options: ParseOptions = {}): KernelSpec {
  const t = text.trim();
  if (t === '') throw new KernelSpecError(text, 'empty');
  const modulesOnlyForImage = (): void => {
    if (options.modules !== undefined) throw new KernelSpecError(text, '--modules applies only to a bzImage/vmlinuz path');
  };
  if (t === 'host') {
    modulesOnlyForImage();
    return { kind: 'host' };
  }
  if (t.startsWith('debian:')) {
    modulesOnlyForImage();
    const rest = t.slice('debian:'.length);
    if (rest === '6.1' || rest === '6.12') return { kind: 'debian', series: rest };
    const series = seriesOfRelease(rest);
    if (series) return { kind: 'debian', series, release: rest };
    throw new KernelSpecError(text, `unknown Debian kernel ${JSON.stringify(rest)} (known series: ${DEBIAN_SERIES.join(', ')})`);
  }
  if (looksLikePath(t)) {
    const path = resolve(options.cwd ?? process.cwd(), t);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new KernelSpecError(text, `${path} does not exist`);
    }
    if (isDir) {
      modulesOnlyForImage();
      return { kind: 'tree', path };
    }
    if (options.modules !== undefined) return { kind: 'image', path, modules: resolve(options.cwd ?? process.cwd(), options.modules) };
    return { kind: 'image', path };
  }
  throw new KernelSpecError(text, 'not recognised (paths must start with /, ./ or ../)');
}

export function formatKernelSpec(spec: KernelSpec): string {
  switch (spec.kind) {
    case 'host':
      return 'host';
    case 'debian':
      return spec.release ? `debian:${spec.release}` : `debian:${spec.series}`;
    case 'tree':
      return spec.path;
    case 'image':
      return spec.modules ? `${spec.path} --modules ${spec.modules}` : spec.path;
  }
}

export interface DebianPackage {
  /** apt package name, e.g. linux-image-6.12.117+deb12-amd64 */
  package: string;
  /** `uname -r` of the kernel inside, e.g. 6.12.117+deb12-amd64 */
  release: string;
  series: DebianSeries;
}

/** The apt-cache command whose output resolveDebianPackage reads. */
export const APT_CACHE_SEARCH: readonly string[] = ['apt-cache', 'search', '--names-only', '^linux-image-6\\.(1|12)\\.'];

function releaseKey(series: DebianSeries, release: string): number[] {
  if (series === '6.1') return [Number(RELEASE_6_1.exec(release)?.[1] ?? -1)];
  const m = RELEASE_6_12.exec(release);
  return [Number(m?.[1] ?? -1), Number(m?.[2] ?? -1)];
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** All plain amd64 images of a series in `apt-cache search` output (not -dbg, -unsigned, cloud, rt). */
export function debianPackages(series: DebianSeries, aptCacheSearch: string): DebianPackage[] {
  const out: DebianPackage[] = [];
  for (const line of aptCacheSearch.split('\n')) {
    const name = /^(linux-image-(\S+))\s+-\s/.exec(line.trim());
    if (!name?.[1] || !name[2]) continue;
    if (seriesOfRelease(name[2]) !== series) continue;
    out.push({ package: name[1], release: name[2], series });
  }
  return out.sort((a, b) => compareKeys(releaseKey(series, a.release), releaseKey(series, b.release)));
}

/** The Debian package for a debian spec: the newest of its series, or the exact release asked for. */
export function resolveDebianPackage(spec: Extract<KernelSpec, { kind: 'debian' }>, aptCacheSearch: string): DebianPackage {
  const all = debianPackages(spec.series, aptCacheSearch);
  if (spec.release) {
    const hit = all.find((p) => p.release === spec.release);
    if (!hit)
      throw new Error(
        `debian:${spec.release}: apt knows no package linux-image-${spec.release} (known for ${spec.series}: ${all.map((p) => p.release).join(', ') || 'none'}; run apt-get update?)`,
      );
    return hit;
  }
  const newest = all.at(-1);
  if (!newest)
    throw new Error(
      `debian:${spec.series}: apt knows no linux-image-${spec.series === '6.1' ? '6.1.0-N' : '6.12.N+debX'}-amd64 package (is the bookworm-security or bookworm-backports source configured? run apt-get update)`,
    );
  return newest;
}
