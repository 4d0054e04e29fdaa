// Doing something inside a lab namespace without starting a process: the
// calling thread enters the namespace (setns), runs a synchronous function,
// and returns to its own namespace before any other JavaScript can run.
// setns(CLONE_NEWNET) changes only the calling thread, so libuv's other
// threads are never moved; sockets made inside stay in that namespace, and
// /proc/thread-self/net and /proc/sys/net read and write that namespace's
// files. Nothing of the initial namespace changes.
import koffi from 'koffi';
import { cSetns, cUnshare } from '../../../lib/libc.js';
import { closeSync, openSync } from 'node:fs';

const CLONE_NEWNET = 0x40000000;

/** The thread's own namespace, opened once: where every entry returns to. */
let home: number | undefined;
const opened = new Map<string, number>();

function enter(fd: number, what: string): void {
  if ((cSetns(fd, CLONE_NEWNET) as number) !== 0) throw new Error(`setns(${what}): errno ${koffi.errno()}`);
}

/** The path of a named namespace (`ip netns add NAME`). */
export function namespacePath(ns: string): string {
  return `/run/netns/${ns}`;
}

/**
 * Runs fn inside namespace ns and returns its result. fn must be synchronous:
 * an await inside would let other code run in the lab's namespace.
 */
export function inNamespace<T>(ns: string, fn: () => T): T {
  let fd = opened.get(ns);
  if (fd === undefined) {
    fd = openSync(namespacePath(ns), 'r');
    opened.set(ns, fd);
  }
  return inNamespaceFd(fd, ns, fn);
}

/** inNamespace for a namespace held by a file descriptor (what names it in errors: `what`). */
export function inNamespaceFd<T>(fd: number, what: string, fn: () => T): T {
  home ??= openSync('/proc/thread-self/ns/net', 'r');
  enter(fd, what);
  try {
    return fn();
  } finally {
    enter(home, 'back to the initial namespace');
  }
}

/**
 * A new network namespace that only the caller knows of (unshare on this thread, then back):
 * no name, no process in it; it goes away with the returned descriptor and its last socket.
 */
export function privateNamespace(): number {
  home ??= openSync('/proc/thread-self/ns/net', 'r');
  if ((cUnshare(CLONE_NEWNET) as number) !== 0) throw new Error(`unshare(CLONE_NEWNET): errno ${koffi.errno()}`);
  try {
    return openSync('/proc/thread-self/ns/net', 'r');
  } finally {
    enter(home, 'back to the initial namespace');
  }
}

/** Closes the handle kept for ns (the namespace can then go away with its last user). */
export function forgetNamespaceHandle(ns: string): void {
  const fd = opened.get(ns);
  if (fd === undefined) return;
  opened.delete(ns);
  closeSync(fd);
}
