// Path-manager events from `ip mptcp monitor` (text output of iproute2's
// ip/ipmptcp.c, mptcp_monitor_msg). One event per line:
//
//   [       CREATED] token=89158242 remid=0 locid=0 saddr4=198.18.0.1 daddr4=198.18.0.1 sport=5000 dport=39100 flags=2
//   [       SF_PRIO] token=9bd1dbe9 remid=5 locid=5 saddr4=198.18.0.2 daddr4=198.18.0.2 sport=38831 dport=5000 backup=1
//   [UNKNOWN 15]
//
// The kind is right-aligned in brackets (width 14 in iproute2 6.1, 16 later).
// iproute2 6.1 does not know LISTENER_* (15, 16) and prints them as
// `[UNKNOWN n]` without attributes. `flags` is hex (`2` in 6.1, `0x2` later);
// newer iproute2 prints the bare words `server_side` and `deny_join_id0`.
//
// startMonitor reads the same events from a netlink socket of our own
// (pm-netlink.ts) rendered as those lines; startMonitorProcess runs the tool.
import { createInterface } from 'node:readline';
import { spawnLong } from '../../lib/exec.js';
import type { PmEvent, PmEventType } from '../observations.js';
import { inNamespace } from '../targets/netns/enter.js';
import { openPmEventSocket } from './pm-netlink.js';

/** Kind names as printed, to PmEventType. iproute2 abbreviates SF_PRIORITY. */
const KINDS: Record<string, PmEventType> = {
  CREATED: 'CREATED',
  ESTABLISHED: 'ESTABLISHED',
  CLOSED: 'CLOSED',
  ANNOUNCED: 'ANNOUNCED',
  REMOVED: 'REMOVED',
  SF_ESTABLISHED: 'SF_ESTABLISHED',
  SF_CLOSED: 'SF_CLOSED',
  SF_PRIO: 'SF_PRIORITY',
  SF_PRIORITY: 'SF_PRIORITY',
  LISTENER_CREATED: 'LISTENER_CREATED',
  LISTENER_CLOSED: 'LISTENER_CLOSED',
};

/** enum mptcp_event_type numbers for kinds old iproute2 prints as UNKNOWN. */
export const RAW_KINDS: Record<number, PmEventType> = {
  1: 'CREATED',
  2: 'ESTABLISHED',
  3: 'CLOSED',
  6: 'ANNOUNCED',
  7: 'REMOVED',
  10: 'SF_ESTABLISHED',
  11: 'SF_CLOSED',
  13: 'SF_PRIORITY',
  15: 'LISTENER_CREATED',
  16: 'LISTENER_CLOSED',
};

/** MPTCP_PM_EV_FLAG_SERVER_SIDE in the event's flags attribute. */
const FLAG_SERVER_SIDE = 0x2;

function decimal(v: string): number | undefined {
  if (v === '' || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}

function hex(v: string): number | undefined {
  const digits = v.startsWith('0x') || v.startsWith('0X') ? v.slice(2) : v;
  if (digits === '' || !/^[0-9a-fA-F]+$/.test(digits)) return undefined;
  return parseInt(digits, 16);
}

function applyAttribute(ev: PmEvent, key: string, value: string | undefined): void {
  if (value === undefined) {
    if (key === 'server_side') ev.serverSide = true;
    return; // other bare words (deny_join_id0) have no field
  }
  switch (key) {
    case 'token':
      ev.token = hex(value);
      break;
    case 'remid':
      ev.remId = decimal(value);
      break;
    case 'locid':
      ev.locId = decimal(value);
      break;
    case 'saddr4':
    case 'saddr6':
      ev.saddr = value;
      ev.family = key === 'saddr4' ? 4 : 6;
      break;
    case 'daddr4':
    case 'daddr6':
      ev.daddr = value;
      ev.family = key === 'daddr4' ? 4 : 6;
      break;
    case 'sport':
      ev.sport = decimal(value);
      break;
    case 'dport':
      ev.dport = decimal(value);
      break;
    case 'backup':
      ev.backup = value !== '0';
      break;
    case 'ifindex':
    case 'if_idx':
      ev.ifindex = decimal(value);
      break;
    case 'error':
      ev.error = decimal(value);
      break;
    case 'reset_reason':
      ev.resetReason = decimal(value);
      break;
    case 'reset_flags':
      ev.resetFlags = hex(value);
      break;
    case 'server_side':
      ev.serverSide = value !== '0';
      break;
    case 'flags': {
      const flags = hex(value);
      if (flags !== undefined && (flags & FLAG_SERVER_SIDE) !== 0) ev.serverSide = true;
      break;
    }
    default:
      break; // timeout=..., and attributes added by later iproute2
  }
}

function dropUndefined(ev: PmEvent): PmEvent {
  for (const key of Object.keys(ev) as (keyof PmEvent)[]) if (ev[key] === undefined) delete ev[key];
  return ev;
}

/**
 * Parse one line of `ip mptcp monitor`. Returns null for a blank line; a line
 * that is not an event becomes `{ type: 'UNKNOWN' }` rather than an error.
 */
export function parseMonitorLine(line: string, atMs = 0): PmEvent | null {
  const text = line.trim();
  if (text === '') return null;
  const close = text.indexOf(']');
  if (!text.startsWith('[') || close < 0) return { type: 'UNKNOWN', atMs };
  const kind = text.slice(1, close).trim();
  const ev: PmEvent = { type: 'UNKNOWN', atMs };
  if (kind.startsWith('UNKNOWN')) {
    const raw = decimal(kind.slice('UNKNOWN'.length).trim());
    if (raw !== undefined) {
      ev.rawKind = raw;
      ev.type = RAW_KINDS[raw] ?? 'UNKNOWN';
    }
  } else {
    ev.type = KINDS[kind] ?? 'UNKNOWN';
  }
  for (const word of text.slice(close + 1).split(/\s+/)) {
    if (word === '') continue;
    const eq = word.indexOf('=');
    if (eq < 0) applyAttribute(ev, word, undefined);
    else applyAttribute(ev, word.slice(0, eq), word.slice(eq + 1));
  }
  return dropUndefined(ev);
}

/** Parse a whole captured output (every event at atMs 0). */
export function parseMonitorOutput(text: string): PmEvent[] {
  const out: PmEvent[] = [];
  for (const line of text.split('\n')) {
    const ev = parseMonitorLine(line);
    if (ev) out.push(ev);
  }
  return out;
}

export interface MonitorLine {
  /** Milliseconds since the monitor was started. */
  atMs: number;
  text: string;
}

export interface Monitor {
  /** The `ip mptcp monitor` process; undefined for the in-process monitor. */
  readonly pid: number | undefined;
  /** Resolves once the monitor has joined the event group (at once in process; after settleMs for the tool). */
  readonly ready: Promise<void>;
  /** Raw lines so far, with their arrival time (for logs). */
  lines(): MonitorLine[];
  /** What the monitor wrote on stderr (e.g. "can't subscribe to mptcp events"). */
  stderr(): string;
  /** SIGTERM, then SIGKILL after killAfterMs; resolves with every event seen. */
  stop(): Promise<PmEvent[]>;
}

export interface MonitorOptions {
  /** How long `ready` waits (the monitor prints nothing when it subscribes). Default 150. */
  settleMs?: number;
  /** Grace after SIGTERM before SIGKILL. Default 1000. */
  killAfterMs?: number;
}

const STDERR_MAX = 16_384;

function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, sig);
  } catch {
    // already gone (ESRCH)
  }
}

/** Start `ip mptcp monitor` inside a namespace (a process; startMonitor needs none). */
export function startMonitorProcess(netns: string, options: MonitorOptions = {}): Monitor {
  const started = performance.now();
  const child = spawnLong(['ip', 'mptcp', 'monitor'], netns);
  const seen: MonitorLine[] = [];
  let errText = '';
  let exited = false;
  const exit = child.then(() => {
    exited = true;
  });
  const stdoutClosed = new Promise<void>((resolve) => {
    if (!child.stdout) return resolve();
    const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
    rl.on('line', (text) => seen.push({ atMs: Math.round((performance.now() - started) * 10) / 10, text }));
    rl.on('close', () => resolve());
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    if (errText.length < STDERR_MAX) errText += chunk.toString('utf8').slice(0, STDERR_MAX - errText.length);
  });
  const ready = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, options.settleMs ?? 150);
    void exit.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  let stopping: Promise<PmEvent[]> | undefined;

  async function stop(): Promise<PmEvent[]> {
    if (!exited) {
      signal(child.pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (!exited) signal(child.pid, 'SIGKILL');
      }, options.killAfterMs ?? 1000);
      await exit;
      clearTimeout(timer);
    }
    await stdoutClosed;
    const events: PmEvent[] = [];
    for (const line of seen) {
      const ev = parseMonitorLine(line.text, line.atMs);
      if (ev) events.push(ev);
    }
    return events;
  }

  return {
    pid: child.pid,
    ready,
    lines: () => [...seen],
    stderr: () => errText,
    stop: () => (stopping ??= stop()),
  };
}

/** How often the in-process monitor takes what is queued: the resolution of atMs. */
const POLL_MS = 10;

/**
 * Follow a namespace's PM events from this process: the socket joins the
 * event group before this returns (ready is already resolved), and queued
 * events are taken every POLL_MS and at stop().
 */
export function startMonitor(netns: string): Monitor {
  const started = performance.now();
  const sock = inNamespace(netns, openPmEventSocket);
  const seen: MonitorLine[] = [];
  let errText = '';
  const poll = () => {
    try {
      const atMs = Math.round((performance.now() - started) * 10) / 10;
      for (const text of sock.drain()) seen.push({ atMs, text });
    } catch (e) {
      // ENOBUFS: the socket overflowed and events were lost; say so as the tool would.
      if (!errText) errText = e instanceof Error ? e.message : String(e);
    }
  };
  const timer = setInterval(poll, POLL_MS);
  timer.unref();
  let events: PmEvent[] | undefined;
  const stop = (): Promise<PmEvent[]> => {
    if (!events) {
      clearInterval(timer);
      poll();
      sock.close();
      events = seen.map((l) => parseMonitorLine(l.text, l.atMs)).filter((ev): ev is PmEvent => ev !== null);
    }
    return Promise.resolve(events);
  };
  return {
    pid: undefined,
    ready: Promise.resolve(),
    lines: () => (poll(), [...seen]),
    stderr: () => errText,
    stop,
  };
}

/** Whether every connection and listener a host reported has also been reported closed. */
export function allClosed(lines: readonly MonitorLine[]): boolean {
  const open = new Set<string>();
  let listeners = 0;
  for (const l of lines) {
    const ev = parseMonitorLine(l.text);
    if (!ev) continue;
    if (ev.type === 'LISTENER_CREATED') listeners += 1;
    else if (ev.type === 'LISTENER_CLOSED') listeners -= 1;
    else if (ev.token !== undefined && ev.type === 'CLOSED') open.delete(String(ev.token));
    else if (ev.token !== undefined && (ev.type === 'CREATED' || ev.type === 'ESTABLISHED')) open.add(String(ev.token));
  }
  return open.size === 0 && listeners <= 0;
}
