// Builds the MPTCP selftests' C helpers (mptcp_connect, pm_nl_ctl,
// mptcp_sockopt, mptcp_inq, and mptcp_diag on trees that have it) once per
// source: `make -C tools/testing/selftests/net/mptcp`, marked built by a
// file written last.
//
// Headers: the Makefile adds -I$(top_srcdir)/usr/include, where
// `make headers_install` would put the tree's processed uapi headers. Raw
// include/uapi cannot be used as is (it includes kernel-only headers), so
// the tree's own MPTCP uapi headers (mptcp.h, mptcp_pm.h: what the helpers
// test) are copied there when the tree has none installed; every other
// header (tcp.h, rtnetlink.h...) comes from the system's linux-libc-dev.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CommandError, run } from '../lib/exec.js';

export const MPTCP_SELFTESTS_DIR = 'tools/testing/selftests/net/mptcp';
export const BUILT_MARKER = '.mptcp-lab-built';

/** A build that failed: the compiler's lines. */
export class SelftestBuildError extends Error {
  constructor(
    readonly dir: string,
    readonly output: string,
  ) {
    super(`make -C ${dir} failed:\n${output.trimEnd()}`);
    this.name = 'SelftestBuildError';
  }
}

/** Copies the tree's MPTCP uapi headers to usr/include/linux unless headers are installed there; returns the names copied. */
export async function installMptcpHeaders(tree: string): Promise<string[]> {
  const to = join(tree, 'usr', 'include', 'linux');
  if (existsSync(join(to, 'mptcp.h')) && !existsSync(join(to, '.mptcp-lab'))) return [];
  const from = join(tree, 'include', 'uapi', 'linux');
  const names = (await readdir(from)).filter((f) => /^mptcp.*\.h$/.test(f));
  if (!names.includes('mptcp.h')) throw new Error(`${from}: no mptcp.h (not a kernel tree with MPTCP?)`);
  await mkdir(to, { recursive: true });
  for (const n of names) await copyFile(join(from, n), join(to, n));
  // Says these are ours, not `make headers_install`'s, so a later build may refresh them.
  await writeFile(join(to, '.mptcp-lab'), 'copied by mptcp-lab: the MPTCP uapi headers only\n');
  return names;
}

/**
 * The built selftests folder of a tree: built now, or already. `once` (a
 * cached source, which never changes) skips make when the marker is there; a
 * user's tree (--tree) is made every time, make itself redoing only what changed.
 * Throws SelftestBuildError with make's output.
 */
export async function buildSelftests(tree: string, options: { once?: boolean } = {}): Promise<{ dir: string; built: boolean }> {
  const dir = join(tree, MPTCP_SELFTESTS_DIR);
  if (!existsSync(join(dir, 'Makefile'))) throw new Error(`${tree}: no ${MPTCP_SELFTESTS_DIR}/Makefile`);
  if (options.once !== false && existsSync(join(dir, BUILT_MARKER))) return { dir, built: false };
  await installMptcpHeaders(tree);
  try {
    await run(['make', '-C', dir], { timeoutMs: 600_000 });
  } catch (e) {
    if (e instanceof CommandError) throw new SelftestBuildError(dir, `${String(e.result.stdout)}${e.stderr}`);
    throw e;
  }
  await writeFile(join(dir, BUILT_MARKER), `${new Date().toISOString()}\n`);
  return { dir, built: true };
}
