// Helpers for the Docker tests: whether a daemon answers here, and the images
// they need, made once and kept (a second run finds them): the base image from
// Debian's mirror (debootstrap --variant=minbase trixie + docker import, as
// docs/docker.md tells a machine without a registry to do), then the real
// docker/Dockerfile on top of it with `mptcp-lab image build`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { DEFAULT_BASE, DEFAULT_IMAGE } from '../../../harness/docker/names.js';
import { RUN_LABEL } from '../../../harness/docker/container-run.js';
import { runCli } from '../host-state.js';

export { DEFAULT_BASE, DEFAULT_IMAGE };

const MIRROR = 'http://deb.debian.org/debian';

export function docker(): Docker {
  return new Docker();
}

function onPath(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** Why the Docker tests cannot run here (the reason of their SKIP), or undefined. */
export async function dockerCannotRun(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root (debootstrap, and the host labs compared with the container)';
  try {
    await docker().ping();
  } catch (e) {
    return `no Docker daemon answers (${(e as Error).message.split('\n')[0]}): start dockerd (.ci/run does)`;
  }
  const base = await imageExists(DEFAULT_BASE);
  if (!base && !onPath('debootstrap')) return `no ${DEFAULT_BASE} image and no debootstrap to make it (Debian package debootstrap)`;
  return undefined;
}

export async function imageExists(name: string): Promise<boolean> {
  try {
    await docker().getImage(name).inspect();
    return true;
  } catch {
    return false;
  }
}

/** The base image (Debian trixie from the mirror), made once: skipped when the tag exists. */
export async function ensureBaseImage(): Promise<void> {
  if (await imageExists(DEFAULT_BASE)) return;
  const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-base-'));
  try {
    const boot = spawnSync('debootstrap', ['--variant=minbase', 'trixie', dir, MIRROR], { encoding: 'utf8', timeout: 900_000 });
    if (boot.status !== 0)
      throw new Error(`debootstrap failed (${boot.status}): ${(boot.stderr || boot.stdout).split('\n').slice(-5).join(' | ')}`);
    const [repo, tag] = DEFAULT_BASE.split(':') as [string, string];
    const tar = spawn('tar', ['-C', dir, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const progress = await docker().importImage(tar.stdout, { repo, tag });
    await new Promise<void>((resolve, reject) =>
      docker().modem.followProgress(progress, (err: Error | null) => (err ? reject(err) : resolve())),
    );
    if (!(await imageExists(DEFAULT_BASE))) throw new Error(`docker import made no ${DEFAULT_BASE}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The mptcp-lab image of this version, built with `mptcp-lab image build` (the Dockerfile's own cache makes a rebuild quick). */
export async function ensureImage(): Promise<{ code: number | null; stderr: string; baseMs: number; ms: number }> {
  const base = performance.now();
  await ensureBaseImage();
  const started = performance.now();
  const r = await runCli(['image', 'build'], { timeoutMs: 1_800_000 });
  return { code: r.code, stderr: r.stderr, baseMs: started - base, ms: performance.now() - started };
}

/** Containers of the run with this PID (its label), stopped ones too. */
export async function containersOfRun(pid: number): Promise<string[]> {
  const list = await docker().listContainers({ all: true, filters: JSON.stringify({ label: [`${RUN_LABEL}=${pid}`] }) });
  return list.map((c) => c.Id);
}
