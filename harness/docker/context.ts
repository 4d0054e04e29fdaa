// The build context of the mptcp-lab image, made here as a tar stream:
// docker/Dockerfile; this package as `npm pack` makes it (mptcp-lab.tgz), so
// the image runs exactly the version that built it; and the production
// node_modules this package runs with (`npm ls --omit=dev`), so the image
// needs no npm registry (none is reachable on the CI machines) and gets the
// same dependency versions as the host.
import { lstat, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../lib/exec.js';
import type { TarEntry } from '../../lib/tar.js';
import { DockerError } from './daemon.js';

/** The package's root: dist/harness/docker/ → the folder holding package.json. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DOCKERFILE = join(PACKAGE_ROOT, 'docker', 'Dockerfile');

/** `npm pack` of the package into a fresh temp folder: the tarball's path (the caller removes its folder). */
export async function packPackage(): Promise<{ tarball: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'mptcp-lab-image-'));
  // --ignore-scripts: dist/ is what runs now; `prepare` would rebuild it (and needs the dev toolchain).
  const r = await run(['npm', 'pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    timeoutMs: 300_000,
    reject: false,
    cwd: PACKAGE_ROOT,
  });
  if (r.exitCode !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new DockerError(`npm pack in ${PACKAGE_ROOT} failed: ${(r.spawnError ?? r.stderr).trim().split('\n').slice(-3).join(' | ')}`);
  }
  const [info] = JSON.parse(r.stdout) as { filename: string }[];
  if (!info) throw new DockerError(`npm pack in ${PACKAGE_ROOT} made no tarball`);
  return { tarball: join(dir, info.filename), dir };
}

/** The folders of the production dependencies, as `npm ls --omit=dev --parseable --all` lists them (absolute). */
export async function productionModules(): Promise<string[]> {
  const r = await run(['npm', 'ls', '--omit=dev', '--parseable', '--all'], { timeoutMs: 120_000, reject: false, cwd: PACKAGE_ROOT });
  const dirs = r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.includes(`${sep}node_modules${sep}`));
  if (!dirs.length)
    throw new DockerError(
      `npm ls --omit=dev in ${PACKAGE_ROOT} listed no dependencies: ${(r.spawnError ?? r.stderr).trim().split('\n')[0] ?? ''}`,
    );
  return dirs;
}

/** Every file, folder and symlink under `dir` as entries named from `base`, skipping nested node_modules (listed on their own). */
async function* walk(dir: string, base: string): AsyncGenerator<TarEntry> {
  yield { type: 'dir', name: relative(base, dir) };
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    const st = await lstat(path);
    const entryName = relative(base, path);
    if (st.isSymbolicLink()) yield { type: 'symlink', name: entryName, target: await readlink(path) };
    else if (st.isDirectory()) {
      if (name !== 'node_modules') yield* walk(path, base);
    } else if (st.isFile()) yield { type: 'file', name: entryName, data: await readFile(path), mode: st.mode & 0o777 };
  }
}

/** The context's entries: Dockerfile, mptcp-lab.tgz, node_modules/... */
export async function* contextEntries(tarball: string, modules: readonly string[]): AsyncGenerator<TarEntry> {
  yield { type: 'file', name: 'Dockerfile', data: await readFile(DOCKERFILE) };
  yield { type: 'file', name: 'mptcp-lab.tgz', data: await readFile(tarball) };
  yield { type: 'dir', name: 'node_modules' };
  for (const dir of modules) {
    // Named from the node_modules folder that holds the top of the tree, nested folders kept as they are.
    const top = dir.indexOf(`${sep}node_modules${sep}`);
    yield* walk(dir, join(dir.slice(0, top)));
  }
}
