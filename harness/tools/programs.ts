// The external programs the host (netns) target runs, the Debian package
// each comes from, and whether it is on PATH. Looked up in this process
// (no `command -v` child): a run checks them all in well under a millisecond.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const PROGRAMS = {
  ip: { pkg: 'iproute2', use: 'namespaces, links, addresses and MPTCP endpoints' },
  tc: { pkg: 'iproute2', use: 'qdiscs: rate, delay, loss, reorder...' },
  nft: { pkg: 'nftables', use: 'loss without sch_netem, payload rewrites' },
  ethtool: { pkg: 'ethtool', use: 'segmentation offloads off where packets are dropped or rewritten' },
  tcpdump: { pkg: 'tcpdump', use: '--capture' },
  stdbuf: { pkg: 'coreutils', use: 'the ip process that applies link and endpoint events' },
  sh: { pkg: 'dash', use: 'shell steps' },
  ss: { pkg: 'iproute2', use: 'shell steps that list sockets' },
  sysctl: { pkg: 'procps', use: 'shell steps that read sysctls' },
  ping: { pkg: 'iputils-ping', use: 'shell steps that ping' },
  unshare: { pkg: 'util-linux', use: 'runs without root, in a user namespace' },
  mount: { pkg: 'mount', use: 'runs without root: a private /run for ip netns' },
} as const satisfies Record<string, { pkg: string; use: string }>;

export type ProgramName = keyof typeof PROGRAMS;

export const PROGRAM_NAMES = Object.keys(PROGRAMS) as ProgramName[];

export function isProgramName(name: string): name is ProgramName {
  return Object.hasOwn(PROGRAMS, name);
}

/** Where `name` is on `path` (a PATH value), as execvp would find it, or undefined. */
export function findOnPath(name: string, path: string | undefined = process.env.PATH): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      continue;
    }
  }
  return undefined;
}

/** Every program of the table: on PATH or not. */
export function findPrograms(path: string | undefined = process.env.PATH): Record<ProgramName, boolean> {
  return Object.fromEntries(PROGRAM_NAMES.map((n) => [n, findOnPath(n, path) !== undefined])) as Record<ProgramName, boolean>;
}

/** "nft (Debian package nftables)": how a reason names a program. */
export function programWithPackage(name: ProgramName): string {
  return `${name} (Debian package ${PROGRAMS[name].pkg})`;
}
