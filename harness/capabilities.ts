// What this kernel and machine can do, probed once per run in a throw-away
// namespace (never assumed, never probed in the initial namespace).
import { access, readFile, readdir } from 'node:fs/promises';
import { release } from 'node:os';
import { run } from '../lib/exec.js';
import { deleteNamespace, NS_PREFIX, registerNamespace } from './cleanup.js';

export interface Capabilities {
  kernelRelease: string;
  /** "6.18.44" from "6.18.44-fc-v669". */
  kernelVersion: string;
  /** Running inside a qemu guest booted by mptcp-lab (MPTCP_LAB_GUEST=1): the kernel probed is the guest's. */
  guest: boolean;
  mptcp: boolean;
  mptcpEnabled: boolean;
  root: boolean;
  netem: boolean;
  tbf: boolean;
  nftNetdev: boolean;
  ethtool: boolean;
  tcpdump: boolean;
  ipv6: boolean;
  /** net.mptcp.* names present on this kernel. */
  mptcpSysctls: string[];
  pathManagers: string[];
  schedulers: string[];
  /** iproute2 version, e.g. "6.1.0". */
  iproute2: string;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function readTrim(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').then(
    (s) => s.trim(),
    () => undefined,
  );
}

async function has(cmd: string): Promise<boolean> {
  const r = await run(['sh', '-c', `command -v ${cmd}`], { reject: false });
  return r.exitCode === 0;
}

async function tryIn(ns: string, argv: string[], input?: string): Promise<boolean> {
  const r = await run(argv, { netns: ns, reject: false, input, timeoutMs: 10_000 });
  return r.exitCode === 0;
}

/** Qdiscs and nft netdev hooks, tried on a dummy device in a probe namespace. */
async function probeInNamespace(): Promise<Pick<Capabilities, 'netem' | 'tbf' | 'nftNetdev'>> {
  const ns = `${NS_PREFIX}${process.pid}-probe`;
  registerNamespace(ns);
  try {
    await run(['ip', 'netns', 'add', ns]);
    await run(['ip', '-n', ns, 'link', 'add', 'probe0', 'type', 'dummy']).catch(() =>
      run(['ip', '-n', ns, 'link', 'add', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1']),
    );
    const netem = await tryIn(ns, ['tc', 'qdisc', 'add', 'dev', 'probe0', 'root', 'netem', 'delay', '1ms']);
    if (netem) await tryIn(ns, ['tc', 'qdisc', 'del', 'dev', 'probe0', 'root']);
    const tbf = await tryIn(ns, ['tc', 'qdisc', 'add', 'dev', 'probe0', 'root', 'tbf', 'rate', '1mbit', 'burst', '3028', 'limit', '30000']);
    const nftNetdev =
      (await has('nft')) &&
      (await tryIn(
        ns,
        ['nft', '-f', '-'],
        'table netdev probe { chain c { type filter hook ingress device "probe0" priority 0; numgen random mod 100 < 1 drop; }; }\n',
      ));
    return { netem, tbf, nftNetdev };
  } finally {
    await deleteNamespace(ns);
  }
}

/** Set by harness/run/vm-run.ts for the run inside a guest. */
export const GUEST_ENV = 'MPTCP_LAB_GUEST';

let cached: Promise<Capabilities> | undefined;

export function probeCapabilities(): Promise<Capabilities> {
  cached ??= probe();
  return cached;
}

async function probe(): Promise<Capabilities> {
  const kernelRelease = release();
  const kernelVersion = /^[0-9]+\.[0-9]+(?:\.[0-9]+)?/.exec(kernelRelease)?.[0] ?? kernelRelease;
  const mptcp = await exists('/proc/sys/net/mptcp/enabled');
  const mptcpSysctls = mptcp ? (await readdir('/proc/sys/net/mptcp')).map((n) => `net.mptcp.${n}`) : [];
  const root = process.getuid?.() === 0;
  const ipVersion = await run(['ip', '-V'], { reject: false });
  const [ethtool, tcpdump, inNs] = await Promise.all([
    has('ethtool'),
    has('tcpdump'),
    root ? probeInNamespace() : Promise.resolve({ netem: false, tbf: false, nftNetdev: false }),
  ]);
  return {
    kernelRelease,
    kernelVersion,
    guest: process.env[GUEST_ENV] === '1',
    mptcp,
    mptcpEnabled: (await readTrim('/proc/sys/net/mptcp/enabled')) === '1',
    root,
    ...inNs,
    ethtool,
    tcpdump,
    ipv6: await exists('/proc/sys/net/ipv6'),
    mptcpSysctls,
    pathManagers: (
      (await readTrim('/proc/sys/net/mptcp/available_path_managers')) ??
      (mptcpSysctls.includes('net.mptcp.pm_type') ? 'kernel userspace' : 'kernel')
    ).split(/\s+/),
    schedulers: ((await readTrim('/proc/sys/net/mptcp/available_schedulers')) ?? 'default').split(/\s+/),
    iproute2: /iproute2-([0-9.]+)/.exec(ipVersion.stdout)?.[1] ?? /([0-9]+\.[0-9]+\.[0-9]+)/.exec(ipVersion.stdout)?.[1] ?? 'unknown',
  };
}

/** Whether a sysctl exists on this kernel (read-only look at /proc/sys; per-device keys are checked in the lab). */
export async function sysctlExists(name: string): Promise<boolean> {
  if (/\.conf\.(?!all\.|default\.)/.test(name)) return true;
  return exists(`/proc/sys/${name.replace(/\./g, '/')}`);
}
