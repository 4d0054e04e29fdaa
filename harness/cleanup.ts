// Leave no trace: every namespace and process a run creates is registered
// here and removed on success, failure, timeout, exception, SIGINT and
// SIGTERM. `mptcp-lab clean` removes what a crashed run left, recognised by
// the project's own namespace prefix, and nothing else.
// A finished lab's namespaces go to a queue (queueNamespaceDeletion) so the
// next lab and the result need not wait for them; cleanupAll drains it, so
// nothing is left at exit either way.
import koffi from 'koffi';
import { unlinkSync } from 'node:fs';
import { readdir, readlink, stat } from 'node:fs/promises';
import { stopWarmShells } from '../lib/concurrent.js';
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

function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

export async function deleteNamespace(ns: string): Promise<void> {
  killAll(await pidsInNamespace(ns));
  await run(['ip', 'netns', 'del', ns], { reject: false });
  forgetNamespace(ns);
}

/**
 * Processes inside any of these namespaces, found as `ip netns pids` does
 * (a process whose /proc/PID/ns/net is the namespace's inode) but without a
 * process per namespace; asynchronous, so a queued deletion does not hold up
 * the lab that runs meanwhile.
 */
export async function pidsInNamespaces(names: readonly string[]): Promise<number[]> {
  const inodes = new Set<string>();
  for (const ns of names) {
    try {
      inodes.add(`net:[${(await stat(`/run/netns/${ns}`)).ino}]`);
    } catch {
      /* not there (never made, or already gone) */
    }
  }
  if (!inodes.size) return [];
  const pids = (await readdir('/proc')).map(Number).filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid);
  const inside = await Promise.all(
    pids.map((pid) =>
      readlink(`/proc/${pid}/ns/net`).then(
        (l) => inodes.has(l),
        () => false,
      ),
    ),
  );
  return pids.filter((_, i) => inside[i]);
}

const MNT_DETACH = 2;
const cUmount2 = koffi.load('libc.so.6').func('int umount2(const char *target, int flags)');

/**
 * What `ip netns del NAME` does (iproute2 ip/ipnetns.c): detach the bind mount that keeps the
 * namespace, remove its file; the kernel frees the namespace with its last user. In process:
 * no `ip` to start. One that is gone already is no error, nor does it stop the others.
 */
function removeNamespaceFile(ns: string): void {
  const path = `/run/netns/${ns}`;
  cUmount2(path, MNT_DETACH);
  try {
    unlinkSync(path);
  } catch {
    /* never made, or gone */
  }
}

/** Deletes several namespaces: their processes killed, their files removed. */
export async function deleteNamespaces(names: readonly string[]): Promise<void> {
  if (!names.length) return;
  killAll(await pidsInNamespaces(names));
  for (const n of names) {
    removeNamespaceFile(n);
    forgetNamespace(n);
  }
}

/** Deletions under way: cleanupAll waits for them. */
const pending = new Set<Promise<void>>();

/**
 * Deletes a lab's namespaces in the background: returns at once. They stay
 * registered until gone, so cleanupAll (at exit, on a signal) still sees them.
 */
export function queueNamespaceDeletion(names: readonly string[]): void {
  const p: Promise<void> = deleteNamespaces(names)
    .catch(() => undefined)
    .finally(() => pending.delete(p));
  pending.add(p);
}

/** Waits for every queued deletion. */
export async function drainNamespaceDeletions(): Promise<void> {
  while (pending.size) await Promise.all([...pending]);
}

/** Other things a run made that must go at exit or on a signal (a container), each undone by its own function. */
const tasks = new Set<() => Promise<void>>();

/** Registers `undo` to run at cleanup (exit, SIGINT, SIGTERM); returns what forgets it once it ran on its own. */
export function registerCleanupTask(undo: () => Promise<void>): () => void {
  tasks.add(undo);
  return () => tasks.delete(undo);
}

/** Everything registered, synchronously reachable from a signal handler. */
export async function cleanupAll(): Promise<void> {
  closeAllAgentSockets('interrupted: cleaning up');
  stopWarmShells();
  await killRegisteredPids(300);
  await drainNamespaceDeletions();
  await deleteNamespaces([...namespaces]);
  // Last: a task may hand over what the steps above finished writing (the results folder).
  const pendingTasks = [...tasks];
  tasks.clear();
  await Promise.all(pendingTasks.map((t) => t().catch(() => undefined)));
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
