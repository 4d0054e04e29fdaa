// `mptcp-lab doctor`: the upstream MPTCP checklist for this machine. Reads
// only; never changes the initial namespace.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { run } from '../../lib/exec.js';
import type { Command } from 'commander';
import { probeCapabilities, type Capabilities } from '../capabilities.js';
import { EXIT } from '../exit.js';
import { PROGRAM_NAMES, PROGRAMS } from '../tools/programs.js';

export interface DoctorItem {
  name: string;
  status: 'ok' | 'missing' | 'warn' | 'info';
  detail: string;
  /** What to do about it, when not ok. */
  fix?: string;
}

const CONFIGS: { name: string; why: string }[] = [
  { name: 'CONFIG_MPTCP', why: 'MPTCP sockets' },
  { name: 'CONFIG_MPTCP_IPV6', why: 'MPTCP over IPv6' },
  { name: 'CONFIG_INET_MPTCP_DIAG', why: 'ss -M' },
  { name: 'CONFIG_VETH', why: 'lab links' },
  { name: 'CONFIG_NET_SCH_NETEM', why: 'delay, jitter, reorder, duplicate, corrupt' },
  { name: 'CONFIG_NET_SCH_TBF', why: 'rate' },
  { name: 'CONFIG_NF_TABLES_NETDEV', why: 'loss without netem' },
  { name: 'CONFIG_SYN_COOKIES', why: 'syncookies labs' },
];

function kernelConfig(release: string): Map<string, string> | undefined {
  const text = existsSync('/proc/config.gz')
    ? gunzipSync(readFileSync('/proc/config.gz')).toString()
    : existsSync(`/boot/config-${release}`)
      ? readFileSync(`/boot/config-${release}`, 'utf8')
      : undefined;
  if (!text) return undefined;
  const map = new Map<string, string>();
  for (const m of text.matchAll(/^(CONFIG_[A-Z0-9_]+)=(.*)$/gm)) map.set(m[1]!, m[2]!);
  return map;
}

async function readOnly(argv: string[]): Promise<string> {
  const r = await run(argv, { reject: false });
  return (r.stdout || r.stderr).trim();
}

type AddItem = (name: string, ok: boolean, detail: string, fix?: string, notOk?: DoctorItem['status']) => void;

/** What the probe namespace told: qdiscs, nft, offloads. */
function probedOperations(caps: Capabilities, add: AddItem): void {
  add(
    'sch_netem',
    caps.netem,
    caps.netem ? 'available' : 'not available: labs with delay/jitter/reorder/duplicate/corrupt SKIP',
    'a kernel with CONFIG_NET_SCH_NETEM (modprobe sch_netem)',
    'warn',
  );
  add('sch_tbf', caps.tbf, caps.tbf ? 'available (rate)' : 'not available: labs with a rate SKIP', 'CONFIG_NET_SCH_TBF');
  add(
    'nft netdev',
    caps.nftNetdev,
    caps.nftNetdev ? 'available (loss without netem)' : 'not available: loss without sch_netem SKIPs',
    caps.userNamespace ? 'run as root' : 'apt-get install nftables (and CONFIG_NF_TABLES_NETDEV)',
    'warn',
  );
  add(
    'nft payload rewrite',
    caps.nftPayloadRewrite,
    caps.nftPayloadRewrite ? 'permitted (rewrite:)' : 'not permitted: labs with a payload rewrite SKIP',
    caps.userNamespace ? 'run as root: a user namespace may not rewrite payloads' : 'apt-get install nftables',
    'warn',
  );
  add(
    'offloads off',
    caps.offloadsOff,
    caps.offloadsOff ? 'ethtool -K works on a veth' : 'not possible: labs with loss or a rewrite SKIP',
    'apt-get install ethtool',
    'warn',
  );
}

export async function doctor(caps: Capabilities): Promise<DoctorItem[]> {
  const items: DoctorItem[] = [];
  const add = (name: string, ok: boolean, detail: string, fix?: string, notOk: DoctorItem['status'] = 'missing') =>
    items.push({ name, status: ok ? 'ok' : notOk, detail, ...(ok || !fix ? {} : { fix }) });
  add('kernel', true, `${caps.kernelRelease}`);
  add(
    'mptcp',
    caps.mptcp,
    caps.mptcp ? 'CONFIG_MPTCP present' : 'no /proc/sys/net/mptcp',
    'a kernel built with CONFIG_MPTCP=y (5.6 or later)',
  );
  add(
    'net.mptcp.enabled',
    caps.mptcpEnabled,
    caps.mptcpEnabled ? '1' : '0',
    'labs set it inside their namespaces; the host value is only informative',
    'warn',
  );
  add(
    'root',
    caps.root,
    caps.root ? 'running as root' : 'not root',
    'run with sudo, or let mptcp-lab use a user namespace (unshare --user --map-root-user --net --mount)',
    'warn',
  );
  // Kernel operations are tried in a namespace, which needs root: without it they are unknown, not missing.
  if (caps.root) probedOperations(caps, add);
  else
    items.push({
      name: 'kernel operations',
      status: 'info',
      detail: 'qdiscs, nft and ethtool are tried only as root: sudo mptcp-lab doctor',
    });
  if (caps.maxNetNamespaces !== undefined)
    add(
      'user.max_net_namespaces',
      caps.maxNetNamespaces >= 4,
      String(caps.maxNetNamespaces),
      'raise it (sysctl user.max_net_namespaces); a lab needs one namespace per host',
      'warn',
    );
  for (const name of PROGRAM_NAMES) {
    const p = PROGRAMS[name];
    add(
      name,
      caps.programs[name],
      caps.programs[name] ? `on PATH (${p.use})` : `not on PATH: ${p.use} unavailable`,
      `apt-get install ${p.pkg}`,
      'warn',
    );
  }
  add('ipv6', caps.ipv6, caps.ipv6 ? 'enabled' : 'disabled: IPv6 labs SKIP', 'boot without ipv6.disable=1', 'warn');
  add(
    'iproute2',
    caps.iproute2 !== 'unknown',
    `iproute2 ${caps.iproute2}${caps.iproute2.startsWith('6.1') ? ' (prints LISTENER_* events as [UNKNOWN 15/16]; understood)' : ''}`,
    'apt-get install iproute2',
  );
  items.push({ name: 'path managers', status: 'info', detail: caps.pathManagers.join(', ') });
  items.push({ name: 'schedulers', status: 'info', detail: caps.schedulers.join(', ') });
  items.push({
    name: 'net.mptcp sysctls',
    status: 'info',
    detail: caps.mptcpSysctls.map((s) => s.replace('net.mptcp.', '')).join(', ') || '(none)',
  });
  if (caps.mptcp) {
    items.push({ name: 'host limits', status: 'info', detail: (await readOnly(['ip', 'mptcp', 'limits', 'show'])).replace(/\n/g, ', ') });
    items.push({
      name: 'host endpoints',
      status: 'info',
      detail: (await readOnly(['ip', 'mptcp', 'endpoint', 'show'])).replace(/\n/g, '; ') || '(none)',
    });
  }
  const config = kernelConfig(caps.kernelRelease);
  if (!config)
    items.push({
      name: 'kernel config',
      status: 'info',
      detail: 'neither /proc/config.gz nor /boot/config-<release>: capabilities were probed instead',
    });
  for (const c of config ? CONFIGS : []) {
    const v = config!.get(c.name);
    add(c.name, v === 'y' || v === 'm', `${v ?? 'not set'} (${c.why})`, `rebuild with ${c.name}=y`, 'warn');
  }
  return items;
}

export function formatDoctor(items: readonly DoctorItem[]): string {
  const mark = { ok: 'ok  ', missing: 'MISS', warn: 'warn', info: '    ' } as const;
  return items.map((i) => `[${mark[i.status]}] ${i.name}: ${i.detail}${i.fix ? `\n        fix: ${i.fix}` : ''}`).join('\n') + '\n';
}

export function doctorSubcommand(p: Command, setExit: (code: number) => void): void {
  p.command('doctor')
    .description('the MPTCP checklist for this machine')
    .option('--json', 'machine-readable')
    .action(async (o: { json?: boolean }) => {
      const caps = await probeCapabilities();
      const items = await doctor(caps);
      process.stdout.write(o.json ? JSON.stringify({ capabilities: caps, items }, null, 2) + '\n' : formatDoctor(items));
      setExit(caps.mptcp ? EXIT.ok : EXIT.cannotRun);
    });
}
