// Commands of the in-kernel path manager over generic netlink, as `ip mptcp
// endpoint|limits` sends them (iproute2 ip/ipmptcp.c), and of the userspace
// path manager by connection token (ANNOUNCE, REMOVE, SUBFLOW_CREATE,
// SUBFLOW_DESTROY: net/mptcp/pm_userspace.c), without a process: a
// socket opened once (inside a lab namespace) and a request per command,
// answered by the kernel inside send() (genetlink runs the command in the
// sender's context), so every call is synchronous. Each request asks for an
// ack; a kernel error becomes an Error naming the command, the errno and the
// kernel's extended-ack message.
// Numbers and attributes: include/uapi/linux/mptcp_pm.h (commands, attributes),
// include/uapi/linux/mptcp.h (MPTCP_PM_ADDR_FLAG_*), net/mptcp/pm_netlink.c
// (mptcp_pm_parse_addr: port in host order, addresses in network order).
import { errnoName } from '../workload/mptcp-socket.js';
import type { EndpointFlag } from '../lab/model.js';
import { AF_INET, addressBytes, ipv4, ipv6 } from './address.js';
import {
  GenlSocket,
  NLMSG_DONE,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  genlMessage,
  nlAttr,
  nlNested,
  parseAttributes,
  parseMessages,
  resolveFamily,
  s32,
  u16,
  u32,
  u8,
  type NetlinkMessage,
} from './genl.js';

export const MPTCP_PM_NAME = 'mptcp_pm';
const MPTCP_PM_VER = 1;

/** MPTCP_PM_CMD_*. */
export const PM_CMD = {
  ADD_ADDR: 1,
  DEL_ADDR: 2,
  GET_ADDR: 3,
  FLUSH_ADDRS: 4,
  SET_LIMITS: 5,
  GET_LIMITS: 6,
  SET_FLAGS: 7,
  ANNOUNCE: 8,
  REMOVE: 9,
  SUBFLOW_CREATE: 10,
  SUBFLOW_DESTROY: 11,
} as const;
const CMD_NAMES = Object.fromEntries(Object.entries(PM_CMD).map(([k, v]) => [v, k])) as Record<number, string>;

/** MPTCP_PM_ATTR_*. */
export const PM_ATTR = { ADDR: 1, RCV_ADD_ADDRS: 2, SUBFLOWS: 3, TOKEN: 4, LOC_ID: 5, ADDR_REMOTE: 6 } as const;
/** MPTCP_PM_ADDR_ATTR_* (nested in PM_ATTR.ADDR). */
export const ADDR_ATTR = { FAMILY: 1, ID: 2, ADDR4: 3, ADDR6: 4, PORT: 5, FLAGS: 6, IF_IDX: 7 } as const;
/** MPTCP_PM_ADDR_FLAG_* by the word `ip mptcp endpoint` uses (laminar: kernel 6.18). */
export const ENDPOINT_FLAGS: Record<EndpointFlag, number> = {
  signal: 1,
  subflow: 2,
  backup: 4,
  fullmesh: 8,
  implicit: 16,
  laminar: 32,
};

/** What an endpoint attribute holds; an absent part is left out, as iproute2 leaves it out. */
export interface PmAddress {
  id?: number;
  address?: string;
  port?: number;
  flags?: number;
  ifIndex?: number;
}

/** MPTCP_PM_ATTR_ADDR (or ADDR_REMOTE), nested, in iproute2's order (id, flags, if_idx, port, family + address). */
export function addrAttribute(a: PmAddress, type: number = PM_ATTR.ADDR): Buffer {
  const parts: Buffer[] = [];
  if (a.id !== undefined) parts.push(nlAttr(ADDR_ATTR.ID, u8(a.id)));
  if (a.flags) parts.push(nlAttr(ADDR_ATTR.FLAGS, u32(a.flags)));
  if (a.ifIndex !== undefined) parts.push(nlAttr(ADDR_ATTR.IF_IDX, s32(a.ifIndex)));
  if (a.port !== undefined) parts.push(nlAttr(ADDR_ATTR.PORT, u16(a.port)));
  if (a.address !== undefined) {
    const { family, bytes } = addressBytes(a.address);
    parts.push(nlAttr(ADDR_ATTR.FAMILY, u16(family)));
    parts.push(nlAttr(family === AF_INET ? ADDR_ATTR.ADDR4 : ADDR_ATTR.ADDR6, bytes));
  }
  return nlNested(type, parts);
}

/** MPTCP_PM_ATTR_TOKEN: a connection's token, u32 in host order (nla_get_u32). */
export function tokenAttribute(token: number): Buffer {
  return nlAttr(PM_ATTR.TOKEN, u32(token));
}

/** SUBFLOW_CREATE / SUBFLOW_DESTROY: the token, the local address in ADDR, the remote one in ADDR_REMOTE. */
export function subflowAttributes(token: number, local: PmAddress, remote: PmAddress): Buffer[] {
  return [tokenAttribute(token), addrAttribute(local), addrAttribute(remote, PM_ATTR.ADDR_REMOTE)];
}

/** An endpoint as GET_ADDR reports it. */
export interface PmEndpoint {
  id: number;
  address: string;
  port?: number;
  flags: number;
  ifIndex?: number;
}

export function parseEndpoint(msg: NetlinkMessage): PmEndpoint | undefined {
  const nested = msg.attrs.get(PM_ATTR.ADDR);
  if (!nested) return undefined;
  const a = parseAttributes(nested);
  const family = a.get(ADDR_ATTR.FAMILY)?.readUInt16LE(0) ?? 0;
  const raw = a.get(family === AF_INET ? ADDR_ATTR.ADDR4 : ADDR_ATTR.ADDR6);
  const port = a.get(ADDR_ATTR.PORT)?.readUInt16LE(0);
  const ifIndex = a.get(ADDR_ATTR.IF_IDX)?.readInt32LE(0);
  return {
    id: a.get(ADDR_ATTR.ID)?.readUInt8(0) ?? 0,
    address: !raw ? '' : family === AF_INET ? ipv4(raw) : ipv6(raw),
    ...(port ? { port } : {}),
    flags: a.get(ADDR_ATTR.FLAGS)?.readUInt32LE(0) ?? 0,
    ...(ifIndex ? { ifIndex } : {}),
  };
}

export interface PmLimits {
  subflows: number;
  addAddrAccepted: number;
}

/** A PM command socket in one namespace; calls are synchronous. close() when done. */
export class MptcpPmClient {
  private seq = 0;

  private constructor(
    private readonly sock: GenlSocket,
    private readonly familyId: number,
  ) {}

  /** Opens the socket in the calling thread's namespace (call inside inNamespace for a lab's). */
  static open(): MptcpPmClient {
    const sock = GenlSocket.open();
    try {
      return new MptcpPmClient(sock, resolveFamily(sock, MPTCP_PM_NAME).id);
    } catch (e) {
      sock.close();
      throw e;
    }
  }

  /** The request of a command, for a given sequence number (exported for the byte-layout tests). */
  static request(familyId: number, seq: number, cmd: number, attrs: Buffer[], dump = false): Buffer {
    return genlMessage(familyId, NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK), seq, cmd, MPTCP_PM_VER, attrs);
  }

  /** Sends a command and reads its answers up to the ack (or a dump's NLMSG_DONE). */
  private call(cmd: number, attrs: Buffer[], dump = false): NetlinkMessage[] {
    const seq = (this.seq = (this.seq + 1) >>> 0);
    this.sock.send(MptcpPmClient.request(this.familyId, seq, cmd, attrs, dump), CMD_NAMES[cmd]!);
    const answers: NetlinkMessage[] = [];
    for (let d = this.sock.receive(); d; d = this.sock.receive()) {
      for (const m of parseMessages(d)) {
        if (m.seq !== seq) continue;
        if (m.errno) throw pmError(cmd, m);
        if (m.errno === 0 || m.type === NLMSG_DONE) return answers;
        answers.push(m);
      }
    }
    throw new Error(`MPTCP_PM_CMD_${CMD_NAMES[cmd]}: no answer from the kernel`);
  }

  /** `ip mptcp endpoint add ADDRESS [port P] [id I] [dev D] FLAGS` (ifIndex: D's index in the namespace). */
  addEndpoint(e: { address: string; id?: number; port?: number; flags: readonly EndpointFlag[] }, ifIndex?: number): void {
    const flags = e.flags.reduce((f, w) => f | ENDPOINT_FLAGS[w], 0);
    this.call(PM_CMD.ADD_ADDR, [addrAttribute({ address: e.address, id: e.id, port: e.port, flags, ifIndex })]);
  }

  /** `ip mptcp endpoint delete id I`. */
  deleteEndpoint(id: number): void {
    this.call(PM_CMD.DEL_ADDR, [addrAttribute({ id })]);
  }

  /** `ip mptcp endpoint flush`. */
  flushEndpoints(): void {
    this.call(PM_CMD.FLUSH_ADDRS, []);
  }

  /**
   * `ip mptcp endpoint change id I|ADDRESS [no]backup [no]fullmesh`: the kernel sets both the backup and
   * the fullmesh bit to what is given (mptcp_pm_nl_set_flags), as it does for `ip`.
   */
  setFlags(target: { id: number } | { address: string }, flags: readonly EndpointFlag[]): void {
    const f = flags.reduce((acc, w) => acc | ENDPOINT_FLAGS[w], 0);
    this.call(PM_CMD.SET_FLAGS, [addrAttribute({ ...target, flags: f })]);
  }

  /** `ip mptcp endpoint show`: every endpoint, in the kernel's order. */
  endpoints(): PmEndpoint[] {
    return this.call(PM_CMD.GET_ADDR, [], true).flatMap((m) => parseEndpoint(m) ?? []);
  }

  /** `ip mptcp limits set subflows S add_addr_accepted A`. */
  setLimits(limits: Partial<PmLimits>): void {
    const attrs: Buffer[] = [];
    if (limits.addAddrAccepted !== undefined) attrs.push(nlAttr(PM_ATTR.RCV_ADD_ADDRS, u32(limits.addAddrAccepted)));
    if (limits.subflows !== undefined) attrs.push(nlAttr(PM_ATTR.SUBFLOWS, u32(limits.subflows)));
    this.call(PM_CMD.SET_LIMITS, attrs);
  }

  /** `ip mptcp limits show`. GET_LIMITS answers with one message, then the ack. */
  limits(): PmLimits {
    const [m] = this.call(PM_CMD.GET_LIMITS, []);
    return {
      subflows: m?.attrs.get(PM_ATTR.SUBFLOWS)?.readUInt32LE(0) ?? 0,
      addAddrAccepted: m?.attrs.get(PM_ATTR.RCV_ADD_ADDRS)?.readUInt32LE(0) ?? 0,
    };
  }

  // The userspace path manager's commands (net/mptcp/pm_userspace.c), for one connection by its token
  // (the `token` of its CREATED event on this host), as the kernel selftests' pm_nl_ctl sends them.

  /** ANNOUNCE: send ADD_ADDR for a local address; the id must not be 0, the signal flag is set here. */
  announce(token: number, local: { id: number; address: string; port?: number }): void {
    this.call(PM_CMD.ANNOUNCE, [tokenAttribute(token), addrAttribute({ ...local, flags: ENDPOINT_FLAGS.signal })]);
  }

  /** REMOVE: send RM_ADDR for a local address id (and close the subflows that use it). */
  remove(token: number, localId: number): void {
    this.call(PM_CMD.REMOVE, [tokenAttribute(token), nlAttr(PM_ATTR.LOC_ID, u8(localId))]);
  }

  /** SUBFLOW_CREATE: a join from a local address (id 0: the kernel picks one) to a remote address and port. */
  createSubflow(token: number, local: { id?: number; address: string; ifIndex?: number }, remote: { address: string; port: number }): void {
    this.call(PM_CMD.SUBFLOW_CREATE, subflowAttributes(token, local, remote));
  }

  /** SUBFLOW_DESTROY: close the subflow with these local and remote addresses and ports (ESRCH when none). */
  destroySubflow(token: number, local: { address: string; port: number }, remote: { address: string; port: number }): void {
    this.call(PM_CMD.SUBFLOW_DESTROY, subflowAttributes(token, local, remote));
  }

  close(): void {
    this.sock.close();
  }
}

/** A kernel error as an Error: the command, the errno and the kernel's message (`ip` prints "Error: MESSAGE."). */
function pmError(cmd: number, m: NetlinkMessage): Error {
  const why = m.errorMessage ? `: ${m.errorMessage}` : '';
  return new Error(`MPTCP_PM_CMD_${CMD_NAMES[cmd]}: ${errnoName(m.errno!)}${why}`);
}
