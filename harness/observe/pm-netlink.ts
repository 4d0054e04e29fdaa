// Path-manager events read straight from the kernel: a generic-netlink socket
// made inside the lab namespace (the socket's namespace decides whose events
// it gets) joins the "mptcp_pm" family's "mptcp_pm_events" multicast group,
// as `ip mptcp monitor` does, but without a process per host. Joining is a
// synchronous setsockopt: once it returns the kernel sends this socket every
// event, so there is nothing to wait for before the workload starts.
// Each message is rendered as the line iproute2 6.1's mptcp_monitor_msg
// prints for it and parsed by monitor.ts, so the events are the ones the
// monitor gave: same kinds (LISTENER_* as `[UNKNOWN 15/16]`, which 6.1 prints
// without attributes), same attributes in the same order.
// Message layout and numbers: include/uapi/linux/{netlink,genetlink,mptcp_pm}.h.
import { errnoName } from '../workload/mptcp-socket.js';
import { GenlSocket, parseMessages, resolveFamily, type NetlinkMessage } from '../netlink/genl.js';

import { MPTCP_PM_NAME } from '../netlink/mptcp-pm.js';
import { ipv4, ipv6 } from '../netlink/address.js';

export { MPTCP_PM_NAME, ipv6 };
export const MPTCP_PM_EV_GRP_NAME = 'mptcp_pm_events';

/** enum mptcp_event_attr. */
export const ATTR = {
  TOKEN: 1,
  FAMILY: 2,
  LOC_ID: 3,
  REM_ID: 4,
  SADDR4: 5,
  SADDR6: 6,
  DADDR4: 7,
  DADDR6: 8,
  SPORT: 9,
  DPORT: 10,
  BACKUP: 11,
  ERROR: 12,
  FLAGS: 13,
  TIMEOUT: 14,
  IF_IDX: 15,
  RESET_REASON: 16,
  RESET_FLAGS: 17,
  SERVER_SIDE: 18,
} as const;

/** The kinds iproute2 6.1 names (event_to_str), by enum mptcp_event_type; others print as `[UNKNOWN n]`. */
const IPROUTE2_KINDS: Record<number, string> = {
  1: 'CREATED',
  2: 'ESTABLISHED',
  3: 'CLOSED',
  6: 'ANNOUNCED',
  7: 'REMOVED',
  10: 'SF_ESTABLISHED',
  11: 'SF_CLOSED',
  13: 'SF_PRIO',
};

/** The messages of one event datagram; a netlink error is thrown. */
export function eventMessages(buf: Buffer): NetlinkMessage[] {
  const out = parseMessages(buf);
  const error = out.find((m) => m.errno);
  if (error) throw new Error(`netlink: ${errnoName(error.errno!)}`);
  return out.filter((m) => m.errno === undefined);
}

/** The line iproute2 6.1's `ip mptcp monitor` prints for an event message (ip/ipmptcp.c, mptcp_monitor_msg). */
export function monitorLine(cmd: number, a: Map<number, Buffer>): string {
  const kind = IPROUTE2_KINDS[cmd];
  if (kind === undefined) return `[UNKNOWN ${cmd}]`;
  const words = [`[${kind.padStart(14)}]`];
  const u8 = (t: number) => a.get(t)!.readUInt8(0);
  const u32 = (t: number) => a.get(t)!.readUInt32LE(0);
  const has = (t: number) => a.has(t);
  if (has(ATTR.TOKEN)) words.push(`token=${u32(ATTR.TOKEN).toString(16).padStart(8, '0')}`);
  if (has(ATTR.REM_ID)) words.push(`remid=${u8(ATTR.REM_ID)}`);
  if (has(ATTR.LOC_ID)) words.push(`locid=${u8(ATTR.LOC_ID)}`);
  if (has(ATTR.SADDR4)) words.push(`saddr4=${ipv4(a.get(ATTR.SADDR4)!)}`);
  if (has(ATTR.DADDR4)) words.push(`daddr4=${ipv4(a.get(ATTR.DADDR4)!)}`);
  if (has(ATTR.SADDR6)) words.push(`saddr6=${ipv6(a.get(ATTR.SADDR6)!)}`);
  if (has(ATTR.DADDR6)) words.push(`daddr6=${ipv6(a.get(ATTR.DADDR6)!)}`);
  if (has(ATTR.SPORT)) words.push(`sport=${a.get(ATTR.SPORT)!.readUInt16BE(0)}`);
  if (has(ATTR.DPORT)) words.push(`dport=${a.get(ATTR.DPORT)!.readUInt16BE(0)}`);
  if (has(ATTR.BACKUP)) words.push(`backup=${u8(ATTR.BACKUP)}`);
  if (has(ATTR.ERROR)) words.push(`error=${u8(ATTR.ERROR)}`);
  if (has(ATTR.FLAGS)) words.push(`flags=${a.get(ATTR.FLAGS)!.readUInt16LE(0).toString(16)}`);
  if (has(ATTR.TIMEOUT)) words.push(`timeout=${u32(ATTR.TIMEOUT)}`);
  if (has(ATTR.IF_IDX)) words.push(`ifindex=${a.get(ATTR.IF_IDX)!.readInt32LE(0)}`);
  if (has(ATTR.RESET_REASON)) words.push(`reset_reason=${u32(ATTR.RESET_REASON)}`);
  if (has(ATTR.RESET_FLAGS)) words.push(`reset_flags=0x${u32(ATTR.RESET_FLAGS).toString(16)}`);
  return words.join(' ');
}

/** A subscribed event socket; the caller reads it with drain() and must close() it. */
export interface PmEventSocket {
  readonly fd: number;
  readonly familyId: number;
  /** The monitor lines of every event queued since the last call. */
  drain(): string[];
  close(): void;
}

/**
 * Opens a generic-netlink socket in the calling thread's namespace and joins
 * the MPTCP event group. Call inside inNamespace for a lab's events.
 */
export function openPmEventSocket(): PmEventSocket {
  const sock = GenlSocket.open();
  let familyId: number;
  try {
    const family = resolveFamily(sock, MPTCP_PM_NAME);
    const group = family.groups.get(MPTCP_PM_EV_GRP_NAME);
    if (group === undefined) throw new Error(`generic netlink: ${MPTCP_PM_NAME} has no group ${MPTCP_PM_EV_GRP_NAME}`);
    sock.join(group, 'mptcp events');
    familyId = family.id;
  } catch (e) {
    sock.close();
    throw e;
  }
  return {
    fd: sock.fd,
    familyId,
    drain() {
      const lines: string[] = [];
      for (let d = sock.receive(); d; d = sock.receive()) {
        for (const m of eventMessages(d)) if (m.type === familyId) lines.push(monitorLine(m.cmd, m.attrs));
      }
      return lines;
    },
    close: () => sock.close(),
  };
}
