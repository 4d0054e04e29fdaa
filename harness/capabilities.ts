// What this kernel and machine can do, probed once per run (never assumed):
// programs on PATH in this process, kernel operations in a throw-away
// namespace (never in the initial one): one ip batch, then two tc, two nft
// and one ethtool at once, the namespace deleted in the background.
import { access, readFile, readdir } from 'node:fs/promises';
import { release } from 'node:os';
import { run } from '../lib/exec.js';
import { NS_PREFIX, queueNamespaceDeletion, registerNamespace } from './cleanup.js';
import { findPrograms, type ProgramName } from './tools/programs.js';

export interface Capabilities {
  kernelRelease: string;
  /** "6.18.44" from "6.18.44-fc-v669". */
  kernelVersion: string;
  /** Running inside a qemu guest booted by mptcp-lab (MPTCP_LAB_GUEST=1): the kernel probed is the guest's. */
  guest: boolean;
  mptcp: boolean;
  mptcpEnabled: boolean;
  root: boolean;
  /** Root only inside a user namespace (a rootless run, harness/rootless.ts): some kernel operations are refused there. */
  userNamespace: boolean;
  /** user.max_net_namespaces: how many network namespaces this user may hold at once (undefined: not readable). */
  maxNetNamespaces?: number;
  /** Every program of harness/tools/programs.ts: on PATH or not. */
  programs: Record<ProgramName, boolean>;
  /** A network namespace with a veth pair in it could be made (what every lab is built of). */
  labNetwork: boolean;
  /** Why it could not (ip's own words), when labNetwork is false. */
  labNetworkError?: string;
  netem: boolean;
  tbf: boolean;
  /** nft netdev ingress chains with numgen (loss without netem). */
  nftNetdev: boolean;
  /** nft payload writes (a lab's `rewrite:`); refused in a user namespace. */
  nftPayloadRewrite: boolean;
  /** ethtool -K may turn segmentation offloads off on a veth. */
  offloadsOff: boolean;
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

async function succeeds(argv: string[], input?: string): Promise<boolean> {
  const r = await run(argv, { reject: false, input, timeoutMs: 10_000 });
  return r.exitCode === 0;
}

type NamespaceProbe = Pick<
  Capabilities,
  'labNetwork' | 'labNetworkError' | 'netem' | 'tbf' | 'nftNetdev' | 'nftPayloadRewrite' | 'offloadsOff'
>;

const NOTHING_PROBED: NamespaceProbe = {
  labNetwork: false,
  netem: false,
  tbf: false,
  nftNetdev: false,
  nftPayloadRewrite: false,
  offloadsOff: false,
};

/** The rule of harness/tools/nft.ts's rewrite, on a probe device: a payload write is what a user namespace is refused. */
const REWRITE_PROBE =
  'table netdev probe_rewrite { chain c { type filter hook ingress device "probe1" priority -10; ' +
  'ip protocol tcp numgen inc mod 1000000 4 @ih,800,16 set @ih,800,16 ^ 0xff00 counter; }; }\n';
const LOSS_PROBE =
  'table netdev probe_loss { chain c { type filter hook ingress device "probe0" priority 0; numgen random mod 100 < 1 drop; }; }\n';

/**
 * What building a lab needs, tried for real in a throw-away namespace with a
 * veth pair, as a lab does it (in a user namespace too, where some of it is
 * refused): one ip batch, then qdiscs, nft and ethtool at once (each on its own
 * device or table). The namespace is deleted in the background.
 */
async function probeInNamespace(programs: Record<ProgramName, boolean>): Promise<NamespaceProbe> {
  if (!programs.ip) return { ...NOTHING_PROBED, labNetworkError: 'ip is not on PATH' };
  const ns = `${NS_PREFIX}${process.pid}-probe`;
  registerNamespace(ns);
  try {
    const made = await run(['ip', '-batch', '-'], {
      reject: false,
      input: `netns add ${ns}\nlink add probe0 netns ${ns} type veth peer name probe1 netns ${ns}\n`,
    });
    if (made.exitCode !== 0) return { ...NOTHING_PROBED, labNetworkError: (made.stderr || made.spawnError || 'ip -batch failed').trim() };
    const exec = ['ip', 'netns', 'exec', ns];
    const nft = async (): Promise<Pick<NamespaceProbe, 'nftNetdev' | 'nftPayloadRewrite'>> => {
      if (!programs.nft) return { nftNetdev: false, nftPayloadRewrite: false };
      // One after the other: two nft transactions at once in a namespace may make one retry or fail.
      const nftNetdev = await succeeds([...exec, 'nft', '-f', '-'], LOSS_PROBE);
      return { nftNetdev, nftPayloadRewrite: await succeeds([...exec, 'nft', '-f', '-'], REWRITE_PROBE) };
    };
    const [netem, tbf, nftCaps, offloadsOff] = await Promise.all([
      programs.tc && succeeds(['tc', '-n', ns, 'qdisc', 'add', 'dev', 'probe0', 'root', 'netem', 'delay', '1ms']),
      programs.tc &&
        succeeds(['tc', '-n', ns, 'qdisc', 'add', 'dev', 'probe1', 'root', 'tbf', 'rate', '1mbit', 'burst', '3028', 'limit', '30000']),
      nft(),
      programs.ethtool && succeeds([...exec, 'ethtool', '-K', 'probe0', 'tso', 'off', 'gso', 'off', 'gro', 'off']),
    ]);
    return { labNetwork: true, netem, tbf, ...nftCaps, offloadsOff };
  } finally {
    queueNamespaceDeletion([ns]);
  }
}

/** Whether this process is root only inside a user namespace: the initial one maps every uid to itself. */
async function inUserNamespace(): Promise<boolean> {
  const map = await readTrim('/proc/self/uid_map');
  return map !== undefined && !/^0\s+0\s+4294967295$/.test(map);
}

/** Set by harness/run/vm-run.ts for the run inside a guest. */
export const GUEST_ENV = 'MPTCP_LAB_GUEST';

let cached: Promise<Capabilities> | undefined;

export function probeCapabilities(): Promise<Capabilities> {
  cached ??= probe();
  return cached;
}

/** What /proc tells without trying anything. */
async function readKernel(): Promise<
  Pick<Capabilities, 'mptcp' | 'mptcpEnabled' | 'mptcpSysctls' | 'pathManagers' | 'schedulers' | 'ipv6'>
> {
  const enabled = await readTrim('/proc/sys/net/mptcp/enabled');
  const mptcpSysctls = enabled !== undefined ? (await readdir('/proc/sys/net/mptcp')).map((n) => `net.mptcp.${n}`) : [];
  const [managers, schedulers, ipv6] = await Promise.all([
    readTrim('/proc/sys/net/mptcp/available_path_managers'),
    readTrim('/proc/sys/net/mptcp/available_schedulers'),
    exists('/proc/sys/net/ipv6'),
  ]);
  return {
    mptcp: enabled !== undefined,
    mptcpEnabled: enabled === '1',
    mptcpSysctls,
    pathManagers: (managers ?? (mptcpSysctls.includes('net.mptcp.pm_type') ? 'kernel userspace' : 'kernel')).split(/\s+/),
    schedulers: (schedulers ?? 'default').split(/\s+/),
    ipv6,
  };
}

async function probe(): Promise<Capabilities> {
  const kernelRelease = release();
  const kernelVersion = /^[0-9]+\.[0-9]+(?:\.[0-9]+)?/.exec(kernelRelease)?.[0] ?? kernelRelease;
  const root = process.getuid?.() === 0;
  const programs = findPrograms();
  // All at once; nothing waits after the namespace probe, whose deletion then runs in the background.
  const [kernel, ipVersion, inNs, userNamespace, maxNetNs] = await Promise.all([
    readKernel(),
    programs.ip ? run(['ip', '-V'], { reject: false }) : Promise.resolve({ stdout: '' }),
    root ? probeInNamespace(programs) : Promise.resolve({ ...NOTHING_PROBED, labNetworkError: 'not root' }),
    inUserNamespace(),
    readTrim('/proc/sys/user/max_net_namespaces'),
  ]);
  return {
    kernelRelease,
    kernelVersion,
    guest: process.env[GUEST_ENV] === '1',
    ...kernel,
    root,
    userNamespace,
    ...(maxNetNs !== undefined ? { maxNetNamespaces: Number(maxNetNs) } : {}),
    programs,
    ...inNs,
    iproute2: /iproute2-([0-9.]+)/.exec(ipVersion.stdout)?.[1] ?? /([0-9]+\.[0-9]+\.[0-9]+)/.exec(ipVersion.stdout)?.[1] ?? 'unknown',
  };
}

/** Whether a sysctl exists on this kernel (read-only look at /proc/sys; per-device keys are checked in the lab). */
export async function sysctlExists(name: string): Promise<boolean> {
  if (/\.conf\.(?!all\.|default\.)/.test(name)) return true;
  return exists(`/proc/sys/${name.replace(/\./g, '/')}`);
}
