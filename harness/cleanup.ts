// Leave no trace: every namespace and process a run creates is registered
// here and removed on success, failure, timeout, exception, SIGINT and
// SIGTERM. `mptcp-lab clean` removes what a crashed run left, recognised by
// the project's own namespace prefix, and nothing else.
import { run } from '../lib/exec.js';
import { killRegisteredPids } from '../lib/pids.js';
import { closeAllAgentSockets } from './workload/agent.js';

export const NS_PREFIX = 'mptcplab-';

const namespaces = new Set<string>();
let handlersInstalled = false;

export function registerNamespace(ns: string): void {
  namespaces.add(ns);
}
export function forgetNamespace(ns: string): void {
  namespaces.delete(ns);
}

/** Processes still inside a namespace (ip netns pids) — all ours, since the namespace is. */
export async function pidsInNamespace(ns: string): Promise<number[]> {
  const r = await run(['ip', 'netns', 'pids', ns], { reject: false });
  return r.stdout
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
}

export async function deleteNamespace(ns: string): Promise<void> {
  for (const pid of await pidsInNamespace(ns)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await run(['ip', 'netns', 'del', ns], { reject: false });
  forgetNamespace(ns);
}

/** Everything registered, synchronously reachable from a signal handler. */
export async function cleanupAll(): Promise<void> {
  closeAllAgentSockets('interrupted: cleaning up');
  await killRegisteredPids(300);
  await Promise.all([...namespaces].map((ns) => deleteNamespace(ns)));
}

/**
 * On SIGINT/SIGTERM: clean up, then exit 130/143. The handlers stay
 * installed (a second signal must not kill us mid-cleanup, and execa's
 * signal-exit re-raises the signal when it finds no other listener).
 */
export function installSignalHandlers(onSignal?: (signal: NodeJS.Signals) => void): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  let cleaning = false;
  const handle = (signal: NodeJS.Signals) => {
    if (cleaning) return;
    cleaning = true;
    onSignal?.(signal);
    process.stderr.write(`mptcp-lab: ${signal}: cleaning up\n`);
    void cleanupAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}

/** Namespaces left by crashed runs: ours by prefix only. */
export async function leftoverNamespaces(): Promise<string[]> {
  const r = await run(['ip', '-j', 'netns', 'list'], { reject: false });
  const list = r.stdout.trim() ? (JSON.parse(r.stdout) as { name: string }[]) : [];
  return list.map((x) => x.name).filter((n) => n.startsWith(NS_PREFIX));
}
