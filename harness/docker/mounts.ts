// What a containerized run sees of the host: the working folder (as the
// upstream virtme-docker image is used, `-v "$PWD:$PWD" -w "$PWD"`), so
// relative lab files, --results and kernel trees mean what they mean on the
// host; every path of the run outside it at its own path; the kernel cache in
// a named volume; /dev/kvm and /dev/net/tun where they exist.
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { UsageError } from '../exit.js';

/** The named volume that keeps fetched kernels between containerized runs. */
export const CACHE_VOLUME = 'mptcp-lab-cache';
/** Where the run inside (root, HOME=/root) looks for its kernel cache (kernels/cache.ts). */
export const CACHE_IN_CONTAINER = '/root/.cache/mptcp-lab';

/** Folders of the image a bind mount must not cover (the system, and mptcp-lab itself). */
const IMAGE_PATHS = ['/usr', '/etc', '/bin', '/sbin', '/lib', '/lib64', '/opt/mptcp-lab', '/proc', '/sys', '/dev', '/run', '/var'];

export interface Bind {
  path: string;
  readOnly: boolean;
}

/** Whether `inner` is `outer` or below it. */
export function within(inner: string, outer: string): boolean {
  const r = relative(outer, inner);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/** Throws a UsageError when binding `path` would hide a folder the image needs (the host's / or /usr over the container's). */
export function checkBindable(path: string, what: string): void {
  const hidden = IMAGE_PATHS.find((p) => within(p, path));
  if (hidden)
    throw new UsageError(
      `--docker: ${what} ${path} would be mounted over the image's ${hidden}; run from your project's folder (or another below /, /usr, /var...)`,
    );
}

/** The paths a run names, as the host sees them. */
export interface RunPaths {
  cwd: string;
  /** Lab arguments (names of catalogue labs are not paths and are left out). */
  labs: readonly string[];
  /** --kernel's items: those that are paths (a build tree, a bzImage) are mounted. */
  kernels: readonly string[];
  modules?: string;
  results: string;
  junit?: string;
}

/** The bind mounts of a run: the working folder (read-write) and each path outside it, the results and JUnit folders read-write. */
export function runBinds(p: RunPaths): Bind[] {
  checkBindable(p.cwd, 'the working folder');
  const wanted: Bind[] = [{ path: p.cwd, readOnly: false }];
  const add = (path: string, readOnly: boolean, what: string) => {
    const abs = resolve(p.cwd, path);
    if (!existsSync(abs)) return;
    checkBindable(abs, what);
    wanted.push({ path: abs, readOnly });
  };
  for (const lab of p.labs) add(lab, true, 'lab');
  // A kernel spec may carry a suffix after the path (TREE:debug): only what exists is a path.
  for (const k of p.kernels) add(k.includes(':') && !existsSync(resolve(p.cwd, k)) ? k.slice(0, k.lastIndexOf(':')) : k, true, 'kernel');
  if (p.modules) add(p.modules, true, '--modules');
  add(p.results, false, '--results');
  if (p.junit) add(dirname(resolve(p.cwd, p.junit)), false, '--junit folder');
  return outermost(wanted);
}

/** Binds that no other bind already covers: a read-write one covers both kinds, a read-only one only read-only ones; of equals the first stays. */
function outermost(binds: readonly Bind[]): Bind[] {
  const covers = (o: Bind, b: Bind): boolean => {
    if (o === b || !within(b.path, o.path) || (o.readOnly && !b.readOnly)) return false;
    return o.path !== b.path || o.readOnly !== b.readOnly || binds.indexOf(o) < binds.indexOf(b);
  };
  return binds.filter((b) => !binds.some((o) => covers(o, b)));
}

/** Devices a run may use when the host has them: KVM for booted kernels, TUN for their networks. */
export function runDevices(exists: (path: string) => boolean = existsSync): string[] {
  return ['/dev/kvm', '/dev/net/tun'].filter((d) => exists(d));
}
