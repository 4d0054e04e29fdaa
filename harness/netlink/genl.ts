// Generic netlink without a process: the message and attribute encoding, the
// parsing of what the kernel sends back (acks with their extended-ack text),
// the resolution of a family's id and multicast groups (CTRL_CMD_GETFAMILY),
// and a raw NETLINK_GENERIC socket through koffi. A socket belongs to the
// network namespace of the thread that made it: make it inside inNamespace
// for a lab's namespace. Used by the event reader (observe/pm-netlink.ts) and
// the PM command client (mptcp-pm.ts).
// Layouts and numbers: include/uapi/linux/{netlink,genetlink}.h.
import koffi from 'koffi';
import { cBind, cClose, cIfNameToIndex, cRecv, cSend, cSetsockopt, cSocket } from '../../lib/libc.js';
import { errnoName } from '../workload/mptcp-socket.js';

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_GENERIC = 16;
const SOL_NETLINK = 270;
const NETLINK_ADD_MEMBERSHIP = 1;
const NETLINK_CAP_ACK = 10;
const NETLINK_EXT_ACK = 11;
const MSG_DONTWAIT = 0x40;
export const NLMSG_HDRLEN = 16;
export const GENL_HDRLEN = 4;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLM_F_REQUEST = 0x1;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP = 0x300;
/** In an NLMSG_ERROR: the request is not echoed (NETLINK_CAP_ACK) / TLVs follow (NETLINK_EXT_ACK). */
const NLM_F_CAPPED = 0x100;
const NLM_F_ACK_TLVS = 0x200;
const NLMSGERR_ATTR_MSG = 1;
export const NLA_F_NESTED = 0x8000;
const NLA_TYPE_MASK = 0x3fff;
const GENL_ID_CTRL = 0x10;
const CTRL_CMD_GETFAMILY = 3;
const CTRL_ATTR_FAMILY_ID = 1;
const CTRL_ATTR_FAMILY_NAME = 2;
const CTRL_ATTR_MCAST_GROUPS = 7;
const CTRL_ATTR_MCAST_GRP_NAME = 1;
const CTRL_ATTR_MCAST_GRP_ID = 2;

function fail(what: string): never {
  throw new Error(`${what}: ${errnoName(koffi.errno())}`);
}

/** One attribute, padded to 4 bytes. */
export function nlAttr(type: number, value: Buffer): Buffer {
  const len = 4 + value.length;
  const out = Buffer.alloc((len + 3) & ~3);
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE(type, 2);
  value.copy(out, 4);
  return out;
}

export const u8 = (n: number): Buffer => Buffer.from([n]);
export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
export function s32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
}

/** A nested attribute (NLA_F_NESTED set, as iproute2's addattr_nest does). */
export function nlNested(type: number, attrs: Buffer[]): Buffer {
  return nlAttr(type | NLA_F_NESTED, Buffer.concat(attrs));
}

/** nlmsghdr + genlmsghdr + attributes; the port id is 0 (the kernel). */
export function genlMessage(type: number, flags: number, seq: number, cmd: number, version: number, attrs: Buffer[]): Buffer {
  const body = Buffer.concat(attrs);
  const msg = Buffer.alloc(NLMSG_HDRLEN + GENL_HDRLEN + body.length);
  msg.writeUInt32LE(msg.length, 0);
  msg.writeUInt16LE(type, 4);
  msg.writeUInt16LE(flags, 6);
  msg.writeUInt32LE(seq, 8);
  msg.writeUInt8(cmd, NLMSG_HDRLEN);
  msg.writeUInt8(version, NLMSG_HDRLEN + 1);
  body.copy(msg, NLMSG_HDRLEN + GENL_HDRLEN);
  return msg;
}

/** The attributes of a netlink payload, by type (the last one wins, as parse_rtattr keeps it). */
export function parseAttributes(buf: Buffer, start = 0, end = buf.length): Map<number, Buffer> {
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
  seq: number;
  /** genlmsghdr.cmd (0 for NLMSG_ERROR / NLMSG_DONE) */
  cmd: number;
  attrs: Map<number, Buffer>;
  /** NLMSG_ERROR: the errno (0 for an ack) and the kernel's extended-ack message, if any. */
  errno?: number;
  errorMessage?: string;
}

/** The extended-ack text after an nlmsgerr (struct nlmsgerr: error, then the request's header or whole request). */
function extackMessage(buf: Buffer, at: number, len: number, flags: number): string | undefined {
  if (!(flags & NLM_F_ACK_TLVS)) return undefined;
  const echoed = flags & NLM_F_CAPPED ? NLMSG_HDRLEN : buf.readUInt32LE(at + NLMSG_HDRLEN + 4);
  const tlvs = at + NLMSG_HDRLEN + 4 + ((echoed + 3) & ~3);
  const msg = parseAttributes(buf, tlvs, at + len).get(NLMSGERR_ATTR_MSG);
  return msg?.toString('utf8').replace(/\0.*$/s, '');
}

/** Every message of one datagram (netlink packs several); a truncated tail is dropped. */
export function parseMessages(buf: Buffer): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  let at = 0;
  while (at + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(at);
    if (len < NLMSG_HDRLEN || at + len > buf.length) break;
    const type = buf.readUInt16LE(at + 4);
    const flags = buf.readUInt16LE(at + 6);
    const seq = buf.readUInt32LE(at + 8);
    if (type === NLMSG_ERROR && len >= NLMSG_HDRLEN + 4) {
      const errno = 0 - buf.readInt32LE(at + NLMSG_HDRLEN); // not -0 for an ack
      const errorMessage = errno !== 0 ? extackMessage(buf, at, len, flags) : undefined;
      out.push({ type, seq, cmd: 0, attrs: new Map(), errno, ...(errorMessage ? { errorMessage } : {}) });
    } else if (type === NLMSG_DONE) {
      out.push({ type, seq, cmd: 0, attrs: new Map() });
    } else if (len >= NLMSG_HDRLEN + GENL_HDRLEN) {
      const attrs = parseAttributes(buf, at + NLMSG_HDRLEN + GENL_HDRLEN, at + len);
      out.push({ type, seq, cmd: buf.readUInt8(at + NLMSG_HDRLEN), attrs });
    }
    at += (len + 3) & ~3;
  }
  return out;
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
    for (const group of parseAttributes(nested).values()) {
      const g = parseAttributes(group);
      const name = g.get(CTRL_ATTR_MCAST_GRP_NAME);
      const gid = g.get(CTRL_ATTR_MCAST_GRP_ID);
      if (name && gid) groups.set(name.toString('utf8').replace(/\0.*$/s, ''), gid.readUInt32LE(0));
    }
  }
  return { id: id.readUInt16LE(0), groups };
}

const RECV_BYTES = 65_536;

/** A bound NETLINK_GENERIC socket. Requests to the kernel are answered inside send(): replies are queued when it returns. */
export class GenlSocket {
  private open = true;
  private readonly buf = Buffer.alloc(RECV_BYTES);

  private constructor(readonly fd: number) {}

  /** Makes the socket in the calling thread's namespace, with extended acks on and acks capped to the header. */
  static open(): GenlSocket {
    const fd = cSocket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC) as number;
    if (fd < 0) fail('socket(NETLINK_GENERIC)');
    try {
      // Bound to a port id of its own (pid 0: the kernel picks one). Unbound, the socket's port id is 0,
      // the kernel's own, and netlink_broadcast skips the sender: it would get no event.
      const addr = Buffer.alloc(12);
      addr.writeUInt16LE(AF_NETLINK, 0);
      if ((cBind(fd, addr, addr.length) as number) < 0) fail('bind(NETLINK_GENERIC)');
      // Errors carry the kernel's message (NL_SET_ERR_MSG), as `ip` prints it; not a failure where unsupported.
      cSetsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, u32(1), 4);
      cSetsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, u32(1), 4);
    } catch (e) {
      cClose(fd);
      throw e;
    }
    return new GenlSocket(fd);
  }

  join(group: number, what: string): void {
    if ((cSetsockopt(this.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, u32(group), 4) as number) < 0) fail(`can't subscribe to ${what}`);
  }

  send(msg: Buffer, what: string): void {
    if (Number(cSend(this.fd, msg, msg.length, 0)) !== msg.length) fail(`send(${what})`);
  }

  /** Next datagram without blocking; undefined when none is queued (or the socket is closed). */
  receive(): Buffer | undefined {
    if (!this.open) return undefined;
    const n = Number(cRecv(this.fd, this.buf, this.buf.length, MSG_DONTWAIT));
    // A copy: the buffer is read again by the next call, and answers are kept past it.
    if (n >= 0) return Buffer.from(this.buf.subarray(0, n));
    const code = errnoName(koffi.errno());
    if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return undefined;
    throw new Error(`recv(NETLINK_GENERIC): ${code}`);
  }

  close(): void {
    if (this.open) cClose(this.fd);
    this.open = false;
  }
}

/** Family ids are global (not per namespace): each name is asked once per process. */
const families = new Map<string, GenlFamily>();

export function resolveFamily(sock: GenlSocket, name: string): GenlFamily {
  const known = families.get(name);
  if (known) return known;
  const req = genlMessage(GENL_ID_CTRL, NLM_F_REQUEST, 0, CTRL_CMD_GETFAMILY, 1, [nlAttr(CTRL_ATTR_FAMILY_NAME, Buffer.from(`${name}\0`))]);
  sock.send(req, 'CTRL_CMD_GETFAMILY');
  const answer = sock.receive();
  const msg = answer ? parseMessages(answer)[0] : undefined;
  if (!msg) throw new Error(`generic netlink: no answer for family ${name}`);
  if (msg.errno) throw new Error(`generic netlink: family ${name}: ${errnoName(msg.errno)}`);
  const family = parseFamily(msg);
  families.set(name, family);
  return family;
}

/** An interface's index in the calling thread's namespace (call inside inNamespace). */
export function interfaceIndex(name: string): number {
  const index = Number(cIfNameToIndex(name));
  if (index === 0) throw new Error(`no interface ${name}: ${errnoName(koffi.errno())}`);
  return index;
}
