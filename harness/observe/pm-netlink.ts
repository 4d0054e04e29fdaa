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
import koffi from 'koffi';
import { errnoName } from '../workload/mptcp-socket.js';

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_GENERIC = 16;
const SOL_NETLINK = 270;
const NETLINK_ADD_MEMBERSHIP = 1;
const MSG_DONTWAIT = 0x40;
const NLMSG_HDRLEN = 16;
const GENL_HDRLEN = 4;
const NLMSG_ERROR = 2;
const NLM_F_REQUEST = 1;
const GENL_ID_CTRL = 0x10;
const CTRL_CMD_GETFAMILY = 3;
const CTRL_ATTR_FAMILY_ID = 1;
const CTRL_ATTR_FAMILY_NAME = 2;
const CTRL_ATTR_MCAST_GROUPS = 7;
const CTRL_ATTR_MCAST_GRP_NAME = 1;
const CTRL_ATTR_MCAST_GRP_ID = 2;
const NLA_TYPE_MASK = 0x3fff;
export const MPTCP_PM_NAME = 'mptcp_pm';
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

const libc = koffi.load('libc.so.6');
const cSocket = libc.func('int socket(int domain, int type, int protocol)');
const cBind = libc.func('int bind(int fd, const void *addr, uint32_t addrlen)');
const cSetsockopt = libc.func('int setsockopt(int fd, int level, int name, const void *val, uint32_t len)');
const cSend = libc.func('intptr_t send(int fd, const void *buf, size_t len, int flags)');
const cRecv = libc.func('intptr_t recv(int fd, _Out_ void *buf, size_t len, int flags)');
const cClose = libc.func('int close(int fd)');

function fail(what: string): never {
  throw new Error(`${what}: ${errnoName(koffi.errno())}`);
}

/** The attributes of a netlink payload, by type (the last one wins, as parse_rtattr keeps it). */
export function parseAttributes(buf: Buffer, start: number, end: number): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let at = start;
  while (at + 4 <= end) {
    const len = buf.readUInt16LE(at);
    if (len < 4 || at + len > end) break;
    out.set(buf.readUInt16LE(at + 2) & NLA_TYPE_MASK, buf.subarray(at + 4, at + len));
    at += (len + 3) & ~3;
  }
  return out;
}

export interface NetlinkMessage {
  type: number;
  /** genlmsghdr.cmd */
  cmd: number;
  attrs: Map<number, Buffer>;
}

/** Every message of one datagram (netlink packs several); a truncated tail is dropped. */
export function parseMessages(buf: Buffer): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  let at = 0;
  while (at + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(at);
    if (len < NLMSG_HDRLEN || at + len > buf.length) break;
    const type = buf.readUInt16LE(at + 4);
    if (type === NLMSG_ERROR) {
      const errno = -buf.readInt32LE(at + NLMSG_HDRLEN);
      if (errno !== 0) throw new Error(`netlink: ${errnoName(errno)}`);
    } else if (len >= NLMSG_HDRLEN + GENL_HDRLEN) {
      const attrs = parseAttributes(buf, at + NLMSG_HDRLEN + GENL_HDRLEN, at + len);
      out.push({ type, cmd: buf.readUInt8(at + NLMSG_HDRLEN), attrs });
    }
    at += (len + 3) & ~3;
  }
  return out;
}

function ipv4(b: Buffer): string {
  return [...b.subarray(0, 4)].join('.');
}

/** RFC 5952, as inet_ntop prints it: the longest run of two or more zero groups as ::, lower case. */
export function ipv6(b: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2));
  // inet_ntop writes IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses with a dotted tail.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${ipv4(b.subarray(12, 16))}`;
  if (groups.slice(0, 6).every((g) => g === 0) && groups[6] !== 0) return `::${ipv4(b.subarray(12, 16))}`;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
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

function nlAttr(type: number, value: Buffer): Buffer {
  const len = 4 + value.length;
  const out = Buffer.alloc((len + 3) & ~3);
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE(type, 2);
  value.copy(out, 4);
  return out;
}

function getFamilyRequest(name: string): Buffer {
  const attr = nlAttr(CTRL_ATTR_FAMILY_NAME, Buffer.from(`${name}\0`));
  const msg = Buffer.alloc(NLMSG_HDRLEN + GENL_HDRLEN + attr.length);
  msg.writeUInt32LE(msg.length, 0);
  msg.writeUInt16LE(GENL_ID_CTRL, 4);
  msg.writeUInt16LE(NLM_F_REQUEST, 6);
  msg.writeUInt8(CTRL_CMD_GETFAMILY, NLMSG_HDRLEN);
  msg.writeUInt8(1, NLMSG_HDRLEN + 1);
  attr.copy(msg, NLMSG_HDRLEN + GENL_HDRLEN);
  return msg;
}

export interface GenlFamily {
  id: number;
  groups: Map<string, number>;
}

/** The family id and multicast groups from a CTRL_CMD_NEWFAMILY answer. */
export function parseFamily(msg: NetlinkMessage): GenlFamily {
  const id = msg.attrs.get(CTRL_ATTR_FAMILY_ID);
  if (!id) throw new Error('generic netlink: answer without a family id');
  const groups = new Map<string, number>();
  const nested = msg.attrs.get(CTRL_ATTR_MCAST_GROUPS);
  if (nested) {
    for (const group of parseAttributes(nested, 0, nested.length).values()) {
      const g = parseAttributes(group, 0, group.length);
      const name = g.get(CTRL_ATTR_MCAST_GRP_NAME);
      const gid = g.get(CTRL_ATTR_MCAST_GRP_ID);
      if (name && gid) groups.set(name.toString('utf8').replace(/\0.*$/s, ''), gid.readUInt32LE(0));
    }
  }
  return { id: id.readUInt16LE(0), groups };
}

const RECV_BYTES = 65_536;

/** Next datagram without blocking; undefined when none is queued. */
function receive(fd: number, buf: Buffer): Buffer | undefined {
  const n = Number(cRecv(fd, buf, buf.length, MSG_DONTWAIT));
  if (n >= 0) return buf.subarray(0, n);
  const code = errnoName(koffi.errno());
  if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return undefined;
  throw new Error(`recv(NETLINK_GENERIC): ${code}`);
}

/** Family ids are global (not per namespace): asked once per process. */
let mptcpFamily: GenlFamily | undefined;

function resolveFamily(fd: number): GenlFamily {
  const req = getFamilyRequest(MPTCP_PM_NAME);
  if (Number(cSend(fd, req, req.length, 0)) !== req.length) fail('send(CTRL_CMD_GETFAMILY)');
  // The kernel answers inside send(): the reply is queued by now.
  const answer = receive(fd, Buffer.alloc(RECV_BYTES));
  const msg = answer ? parseMessages(answer)[0] : undefined;
  if (!msg) throw new Error(`generic netlink: no answer for family ${MPTCP_PM_NAME}`);
  return parseFamily(msg);
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
  const fd = cSocket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC) as number;
  if (fd < 0) fail('socket(NETLINK_GENERIC)');
  try {
    // Bound to a port id of its own (pid 0: the kernel picks one). Unbound, the socket's port id is 0,
    // the kernel's own, and netlink_broadcast skips the sender: it would get no event.
    const addr = Buffer.alloc(12);
    addr.writeUInt16LE(AF_NETLINK, 0);
    if ((cBind(fd, addr, addr.length) as number) < 0) fail('bind(NETLINK_GENERIC)');
    mptcpFamily ??= resolveFamily(fd);
    const group = mptcpFamily.groups.get(MPTCP_PM_EV_GRP_NAME);
    if (group === undefined) throw new Error(`generic netlink: ${MPTCP_PM_NAME} has no group ${MPTCP_PM_EV_GRP_NAME}`);
    const val = Buffer.alloc(4);
    val.writeUInt32LE(group);
    if ((cSetsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, val, 4) as number) < 0) fail("can't subscribe to mptcp events");
  } catch (e) {
    cClose(fd);
    throw e;
  }
  const familyId = mptcpFamily.id;
  const buf = Buffer.alloc(RECV_BYTES);
  let open = true;
  return {
    fd,
    familyId,
    drain() {
      const lines: string[] = [];
      for (let d = open ? receive(fd, buf) : undefined; d; d = receive(fd, buf)) {
        for (const m of parseMessages(d)) if (m.type === familyId) lines.push(monitorLine(m.cmd, m.attrs));
      }
      return lines;
    },
    close() {
      if (open) cClose(fd);
      open = false;
    },
  };
}
