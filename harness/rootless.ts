// Without root, a run re-executes itself inside a user namespace (as the
// issue allows: unshare --user --map-root-user --net --mount), with a private
// /run so `ip netns` can keep its mount points there. Nothing changes
// outside that namespace.
import { readFileSync } from 'node:fs';
import { run, spawnForeground } from '../lib/exec.js';
import { findOnPath, programWithPackage } from './tools/programs.js';

const MARK = 'MPTCP_LAB_ROOTLESS';

/** Commands that create namespaces; the others run as the user. */
const NEEDS_NAMESPACES = new Set(['run']);

/** The sysctls that forbid an unprivileged user namespace, as set here (each names the setting to change). */
export function userNamespaceLimits(read: (path: string) => string | undefined = readProc): string[] {
  const limits: string[] = [];
  if (read('/proc/sys/user/max_user_namespaces') === '0') limits.push('user.max_user_namespaces is 0');
  if (read('/proc/sys/user/max_net_namespaces') === '0') limits.push('user.max_net_namespaces is 0');
  if (read('/proc/sys/kernel/unprivileged_userns_clone') === '0') limits.push('kernel.unprivileged_userns_clone is 0');
  if (read('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') === '1')
    limits.push('kernel.apparmor_restrict_unprivileged_userns is 1');
  return limits;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Returns the child's exit code when it re-executed, undefined when this process should go on. */
export async function reexecRootless(argv = process.argv): Promise<number | undefined> {
  if (process.getuid?.() === 0 || process.env[MARK]) return undefined;
  if (!NEEDS_NAMESPACES.has(argv[2] ?? '')) return undefined;
  // With --docker the namespaces are made inside the container, as its root: the host needs only Docker.
  if (argv.some((a) => a === '--docker' || a.startsWith('--docker='))) return undefined;
  // Exit 3 (this machine cannot run labs), not a lab failure, when no user namespace can be had.
  const missing = (['unshare', 'mount', 'sh'] as const).filter((p) => !findOnPath(p));
  if (missing.length) {
    process.stderr.write(
      `mptcp-lab: not root, and no user namespace can be created here (needs ${missing.map(programWithPackage).join(', ')}); run with sudo\n`,
    );
    return 3;
  }
  const probe = await run(['unshare', '--user', '--map-root-user', '--net', '--mount', 'true'], { reject: false, timeoutMs: 0 });
  if (probe.exitCode !== 0) {
    const why = [(probe.stderr || probe.spawnError || 'unshare failed').trim(), ...userNamespaceLimits()].join('; ');
    process.stderr.write(`mptcp-lab: not root, and no user namespace can be created here (${why}); run with sudo\n`);
    return 3;
  }
  const script = 'mount -t tmpfs mptcp-lab-run /run && exec "$@"';
  const child = spawnForeground(['unshare', '--user', '--map-root-user', '--net', '--mount', '--fork', 'sh', '-c', script, 'sh', ...argv], {
    [MARK]: '1',
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const r = await child.done;
  if (r.spawnError) {
    process.stderr.write(`mptcp-lab: not root, and cannot enter a user namespace (${r.spawnError}); run with sudo\n`);
    return 3;
  }
  // When unshare itself fails (user namespaces disabled) it prints why.
  return r.exitCode ?? (r.signal === 'SIGINT' ? 130 : 143);
}
