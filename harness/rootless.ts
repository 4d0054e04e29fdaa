// Without root, a run re-executes itself inside a user namespace (as the
// issue allows: unshare --user --map-root-user --net --mount), with a private
// /run so `ip netns` can keep its mount points there. Nothing changes
// outside that namespace.
import { spawn, spawnSync } from 'node:child_process';

const MARK = 'MPTCP_LAB_ROOTLESS';

/** Commands that create namespaces; the others run as the user. */
const NEEDS_NAMESPACES = new Set(['run']);

/** Returns the child's exit code when it re-executed, undefined when this process should go on. */
export async function reexecRootless(argv = process.argv): Promise<number | undefined> {
  if (process.getuid?.() === 0 || process.env[MARK]) return undefined;
  if (!NEEDS_NAMESPACES.has(argv[2] ?? '')) return undefined;
  // Exit 3 (this machine cannot run labs), not a lab failure, when no user namespace can be had.
  const probe = spawnSync('unshare', ['--user', '--map-root-user', '--net', '--mount', 'true'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    process.stderr.write(`mptcp-lab: not root, and no user namespace can be created here (${(probe.stderr || probe.error?.message || 'unshare failed').trim()}); run with sudo\n`);
    return 3;
  }
  const script = 'mount -t tmpfs mptcp-lab-run /run && exec "$@"';
  const child = spawn('unshare', ['--user', '--map-root-user', '--net', '--mount', '--fork', 'sh', '-c', script, 'sh', ...argv], {
    stdio: 'inherit',
    env: { ...process.env, [MARK]: '1' },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('error', (e) => {
      process.stderr.write(`mptcp-lab: not root, and cannot enter a user namespace (${e.message}); run with sudo\n`);
      resolve(3);
    });
    // When unshare itself fails (user namespaces disabled) it prints why.
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 143)));
  });
}
