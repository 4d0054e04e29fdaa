// Helpers for integration tests: run the real CLI, and snapshot what a run
// must never change or leave behind in the initial namespace.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = fileURLToPath(new URL('../../harness/cli.js', import.meta.url));

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function hasMptcp(): boolean {
  try {
    return readFileSync('/proc/sys/net/mptcp/enabled', 'utf8').length > 0;
  } catch {
    return false;
  }
}

/** Why integration tests cannot run here, or undefined when they can. */
export function cannotRun(): string | undefined {
  if (!isRoot()) return 'needs root (lab namespaces)';
  if (!hasMptcp()) return 'kernel without MPTCP';
  return undefined;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  opts: { onSpawn?: (c: ChildProcess) => void; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 600_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    opts.onSpawn?.(child);
  });
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

/** Lab namespaces of one run (mptcp-lab names them mptcplab-<pid>-<slot>-<host>), without its capability probe. */
export function namespacesOf(pid: number, withProbe = false): string[] {
  return sh('ip', ['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`mptcplab-${pid}-`) && (withProbe || !n.endsWith('-probe')));
}

/** Processes started by the run with this PID: mptcp-lab marks them with MPTCP_LAB_RUN=<pid>. */
export function labProcesses(runPid: number): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (!env.includes(`MPTCP_LAB_RUN=${runPid}`)) continue;
      out.push(`${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
    } catch {
      continue;
    }
  }
  return out;
}

/** What a run must leave exactly as it was in the initial namespace. */
export function hostSnapshot(): Record<string, string> {
  const sysctls = [
    'net.mptcp.enabled',
    'net.mptcp.checksum_enabled',
    'net.mptcp.add_addr_timeout',
    'net.ipv4.ip_forward',
    'net.ipv4.tcp_syncookies',
    'net.ipv4.conf.all.rp_filter',
    'net.ipv6.conf.all.forwarding',
  ];
  return {
    links: sh('ip', ['-o', 'link', 'show'])
      .replace(/\s+link\/.*$/gm, '')
      .split('\n')
      .map((l) => l.replace(/^\d+: /, '').split(':')[0])
      .sort()
      .join(' '),
    routes: sh('ip', ['route', 'show', 'table', 'all']),
    rules: sh('ip', ['rule', 'show']),
    qdiscs: sh('tc', ['qdisc', 'show']),
    nft: sh('nft', ['list', 'ruleset']),
    sysctls: sh('sysctl', sysctls),
    mptcpLimits: sh('ip', ['mptcp', 'limits', 'show']),
    mptcpEndpoints: sh('ip', ['mptcp', 'endpoint', 'show']),
  };
}
