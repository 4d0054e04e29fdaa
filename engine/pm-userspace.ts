// The userspace path manager (net/mptcp/pm_userspace.c with the shared parts
// of pm.c / pm_netlink.c), chosen by net.mptcp.pm_type = 1 (path_manager =
// userspace). The kernel then does nothing on its own: no announces, no
// joins, no limits. A daemon (mptcpd, pm_nl_ctl) watches the `ip mptcp
// monitor` events and sends the netlink commands this class mirrors:
//
//   MPTCP_PM_CMD_ANNOUNCE        announce()        ADD_ADDR (HMAC, retransmission until echoed)
//   MPTCP_PM_CMD_REMOVE          remove()          RM_ADDR only (the peer closes its subflows to that ID)
//   MPTCP_PM_CMD_SUBFLOW_CREATE  subflowCreate()   MP_JOIN from a local address to a remote one
//   MPTCP_PM_CMD_SUBFLOW_DESTROY subflowDestroy()  that subflow closed (FIN), RmSubflow, SF_CLOSED
//   MPTCP_PM_CMD_SET_FLAGS       setFlags()        MP_PRIO on the first matching subflow
//
// What still happens without a command (pm.c, shared by both PMs): an incoming
// ADD_ADDR is checked (HMAC), counted, echoed and reported as ANNOUNCED, never
// joined; an RM_ADDR closes the subflows to that remote ID (REMOVED); MP_PRIO
// is counted (SF_PRIORITY); every MP_JOIN is accepted (mptcp_pm_allow_new_subflow
// has no limit for the userspace PM while a daemon listens; here one always does).
//
// Commands answer as the netlink handler does: 0 or a negative errno. Bad input
// gives a typed error (EINVAL, ESRCH, EADDRNOTAVAIL, ENOTCONN) with the kernel's extack
// message; nothing here throws on it.
import { parseScopedIp } from './addr.js';
import type { MptcpOption } from './options.js';
import type { ReceivedOptions } from './protocol.js';
import type { PathManager, PmConnection, PmSubflow } from './pm-hooks.js';
import {
  acceptAddAddr,
  addAddrEchoed,
  addAddrSignal,
  addrText,
  dueAnnouncements,
  nextAnnounceTimeout,
  optionsReceived,
  rmAddrReceived,
  signalSent,
  type Announced,
} from './pm.js';

/** include/net/mptcp.h MPTCP_PM_MAX_ADDR_ID: address IDs are 1..255 (0 is the initial subflow's). */
export const MPTCP_PM_MAX_ADDR_ID = 255;

/** The errnos the netlink handlers return. */
export type UpmErrno = 'EINVAL' | 'ESRCH' | 'EADDRNOTAVAIL' | 'ENOTCONN';

export type UpmResult = { readonly ok: true } | { readonly ok: false; readonly errno: UpmErrno; readonly message: string };

export interface UpmAddress {
  readonly addr: string;
  readonly port?: number;
}

/** MPTCP_PM_CMD_ANNOUNCE: token, and a local address with its ID (1..255), optionally a port. */
export interface AnnounceCommand {
  readonly token: number;
  readonly addr: string;
  readonly id: number;
  readonly port?: number;
}

/** MPTCP_PM_CMD_REMOVE: token and local ID (0: the initial subflow's address, RM_ADDR 0). */
export interface RemoveCommand {
  readonly token: number;
  readonly id: number;
}

/** MPTCP_PM_CMD_SUBFLOW_CREATE: token, local address (+ ID, backup), remote address and port. */
export interface SubflowCreateCommand {
  readonly token: number;
  readonly local: { readonly addr: string; readonly id?: number; readonly backup?: boolean };
  readonly remote: { readonly addr: string; readonly port: number };
}

/** MPTCP_PM_CMD_SUBFLOW_DESTROY: token and the subflow's 4-tuple (both ports required). */
export interface SubflowDestroyCommand {
  readonly token: number;
  readonly local: UpmAddress;
  readonly remote: UpmAddress;
}

/** MPTCP_PM_CMD_SET_FLAGS for a connection: token, local address, remote address (+ port), backup on or off. */
export interface SetFlagsCommand {
  readonly token: number;
  readonly local: UpmAddress;
  readonly remote?: UpmAddress;
  readonly backup: boolean;
}

export type UpmCommand =
  | ({ readonly cmd: 'announce' } & AnnounceCommand)
  | ({ readonly cmd: 'remove' } & RemoveCommand)
  | ({ readonly cmd: 'subflow_create' } & SubflowCreateCommand)
  | ({ readonly cmd: 'subflow_destroy' } & SubflowDestroyCommand)
  | ({ readonly cmd: 'set_flags' } & SetFlagsCommand);

export interface UserspacePmOptions {
  /** This host's addresses: SUBFLOW_CREATE from any other fails (bind(): EADDRNOTAVAIL). Unset: not checked. */
  readonly addresses?: readonly string[];
  /** The ADD_ADDR retransmission timeout in ms; default net.mptcp.add_addr_timeout of the connection. */
  readonly addAddrTimeoutMs?: number;
}

/** struct mptcp_pm_addr_entry in userspace_pm_local_addr_list. */
interface LocalEntry {
  readonly addr: string;
  readonly id: number;
  readonly port: number;
  readonly backup: boolean;
}

interface Announce extends Announced {
  readonly entry: LocalEntry;
}

/** Per connection: the local address list and the anno_list. */
interface MskUpm {
  readonly locals: LocalEntry[];
  readonly announced: Map<number, Announce>;
  /** msk->pm.subflows: joins created or accepted (no limit applies). */
  subflows: number;
}

const OK: UpmResult = Object.freeze({ ok: true });

function fail(errno: UpmErrno, message: string): UpmResult {
  return { ok: false, errno, message };
}

function isV6(addr: string): boolean {
  return addr.includes(':');
}

/** A textual IPv4 or IPv6 address (what mptcp_pm_parse_addr accepts). */
function validAddr(addr: string): boolean {
  return parseScopedIp(addr) !== undefined;
}

function validPort(port: number | undefined): boolean {
  return port === undefined || (Number.isInteger(port) && port >= 0 && port <= 0xffff);
}

export class UserspacePm implements PathManager {
  private readonly state = new Map<PmConnection, MskUpm>();
  private readonly addresses: ReadonlySet<string> | undefined;
  private readonly addAddrTimeoutMs: number | undefined;

  constructor(o: UserspacePmOptions = {}) {
    this.addresses = o.addresses ? new Set(o.addresses) : undefined;
    this.addAddrTimeoutMs = o.addAddrTimeoutMs;
  }

  // --- the commands ---

  /** Run one command (the endpoint's pmCommand dispatches here). */
  command(now: number, c: UpmCommand): UpmResult {
    switch (c.cmd) {
      case 'announce':
        return this.announce(now, c);
      case 'remove':
        return this.remove(now, c);
      case 'subflow_create':
        return this.subflowCreate(now, c);
      case 'subflow_destroy':
        return this.subflowDestroy(now, c);
      case 'set_flags':
        return this.setFlags(now, c);
    }
  }

  /** mptcp_pm_nl_announce_doit. */
  announce(_now: number, c: AnnounceCommand): UpmResult {
    const found = this.byToken(c.token);
    if (!('msk' in found)) return found.err;
    const { msk, st } = found;
    if (!validAddr(c.addr) || !validPort(c.port)) return fail('EINVAL', 'error parsing local address');
    if (!Number.isInteger(c.id) || c.id < 1 || c.id > MPTCP_PM_MAX_ADDR_ID) return fail('EINVAL', 'invalid addr id or flags');
    const entry = this.appendLocal(st, { addr: c.addr, id: c.id, port: c.port ?? 0, backup: false });
    if (entry === undefined) return fail('EINVAL', 'did not match address and id');
    // mptcp_pm_alloc_anno_list: an address already announced is not announced again.
    if (!st.announced.has(entry.id) && msk.mode === 'mptcp') {
      st.announced.set(entry.id, { entry, retrans: 0, timerAt: undefined, echoed: false });
      msk.queueSignal(this.addAddrOption(msk, entry));
    }
    return OK;
  }

  /**
   * mptcp_pm_nl_remove_doit: RM_ADDR for the ID when it was announced or a subflow uses its address
   * (mptcp_pm_remove_addr_entry); since 6.4 the local subflows stay (the daemon destroys them), while the
   * peer closes its subflows to that ID on RM_ADDR. ID 0: RM_ADDR 0 if a subflow has local ID 0.
   */
  remove(_now: number, c: RemoveCommand): UpmResult {
    const found = this.byToken(c.token);
    if (!('msk' in found)) return found.err;
    const { msk, st } = found;
    if (!Number.isInteger(c.id) || c.id < 0 || c.id > MPTCP_PM_MAX_ADDR_ID) return fail('EINVAL', 'invalid addr id');
    if (c.id === 0) {
      if (!msk.subflows.some((s) => s.localId === 0)) return fail('EINVAL', 'address with id 0 not found');
      msk.queueSignal({ kind: 'remove_addr', ids: [0] });
      return OK;
    }
    const i = st.locals.findIndex((e) => e.id === c.id);
    if (i < 0) return fail('EINVAL', 'address with specified id not found');
    const [entry] = st.locals.splice(i, 1) as [LocalEntry];
    const announced = st.announced.delete(entry.id);
    if (announced || msk.subflows.some((s) => s.local.addr === entry.addr)) msk.queueSignal({ kind: 'remove_addr', ids: [entry.id] });
    return OK;
  }

  /** mptcp_pm_nl_subflow_create_doit. */
  subflowCreate(now: number, c: SubflowCreateCommand): UpmResult {
    const found = this.byToken(c.token);
    if (!('msk' in found)) return found.err;
    const { msk, st } = found;
    if (!validAddr(c.local.addr)) return fail('EINVAL', 'error parsing local addr');
    if (c.local.id !== undefined && (!Number.isInteger(c.local.id) || c.local.id < 0 || c.local.id > MPTCP_PM_MAX_ADDR_ID)) {
      return fail('EINVAL', 'error parsing local addr');
    }
    if (!validAddr(c.remote.addr) || !validPort(c.remote.port)) return fail('EINVAL', 'error parsing remote addr');
    // mptcp_pm_addr_families_match: an IPv4 connection cannot take IPv6 addresses.
    if (isV6(c.local.addr) !== isV6(c.remote.addr) || (!isV6(msk.local.addr) && isV6(c.local.addr)))
      return fail('EINVAL', 'families mismatch');
    const known = st.locals.find((e) => e.addr === c.local.addr);
    const id = c.local.id || known?.id || this.freeId(st);
    if (id === undefined) return fail('EINVAL', 'did not match address and id');
    const entry = this.appendLocal(st, { addr: c.local.addr, id, port: 0, backup: c.local.backup ?? false });
    if (entry === undefined) return fail('EINVAL', 'did not match address and id');
    const added = known === undefined;
    // __mptcp_subflow_connect: before all, the connection must be fully established (ENOTCONN).
    if (msk.state !== 'ESTABLISHED' || !msk.isFullyEstablished) {
      if (added) this.deleteLocal(st, c.local.addr);
      return fail('ENOTCONN', 'the connection is not fully established');
    }
    // Then kernel_bind() to an address this host does not have fails (MPJoinSynTxBindErr).
    if (this.addresses && !this.addresses.has(c.local.addr)) {
      if (added) this.deleteLocal(st, c.local.addr);
      msk.count('MPJoinSynTxBindErr');
      return fail('EADDRNOTAVAIL', `${c.local.addr} is not an address of this host`);
    }
    // The initial subflow's address keeps ID 0 on this connection.
    const localId = c.local.addr === msk.local.addr ? undefined : entry.id;
    const r = msk.createSubflow(now, {
      localAddr: c.local.addr,
      remoteAddr: c.remote.addr,
      remotePort: c.remote.port || msk.remote.port,
      backup: c.local.backup ?? false,
      ...(localId !== undefined ? { localId } : {}),
    });
    if (typeof r === 'string') {
      if (added) this.deleteLocal(st, c.local.addr);
      return fail('EINVAL', r);
    }
    st.subflows += 1;
    return OK;
  }

  /** mptcp_pm_nl_subflow_destroy_doit: the subflow of that 4-tuple is shut down and closed (RmSubflow). */
  subflowDestroy(now: number, c: SubflowDestroyCommand): UpmResult {
    const found = this.byToken(c.token);
    if (!('msk' in found)) return found.err;
    const { msk, st } = found;
    if (!validAddr(c.local.addr) || !validPort(c.local.port)) return fail('EINVAL', 'error parsing local addr');
    if (!validAddr(c.remote.addr) || !validPort(c.remote.port)) return fail('EINVAL', 'error parsing remote addr');
    if (isV6(c.local.addr) !== isV6(c.remote.addr)) return fail('EINVAL', 'address families do not match');
    if (!c.local.port || !c.remote.port) return fail('EINVAL', 'missing local or remote port');
    const sf = msk.subflows.find(
      (s) =>
        s.local.addr === c.local.addr &&
        s.local.port === c.local.port &&
        s.remote.addr === c.remote.addr &&
        s.remote.port === c.remote.port,
    );
    if (!sf) return fail('ESRCH', 'no subflow with that 4-tuple');
    this.deleteLocal(st, c.local.addr);
    msk.count('RmSubflow');
    msk.removeSubflow(now, sf);
    return OK;
  }

  /**
   * MPTCP_PM_CMD_SET_FLAGS with a token (mptcp_userspace_pm_set_flags -> mptcp_pm_nl_mp_prio_send_ack):
   * MP_PRIO on the first subflow from the local address (and to the remote one); EINVAL when none matches.
   */
  setFlags(_now: number, c: SetFlagsCommand): UpmResult {
    const found = this.byToken(c.token);
    if (!('msk' in found)) return found.err;
    const { msk, st } = found;
    if (!validAddr(c.local.addr) || !validPort(c.local.port)) return fail('EINVAL', 'error parsing local address');
    // The userspace PM needs the remote address (rem->addr.family == AF_UNSPEC is refused).
    if (c.remote === undefined || !validAddr(c.remote.addr) || !validPort(c.remote.port))
      return fail('EINVAL', 'a remote address is required with a token');
    const remote = c.remote;
    const sf = msk.subflows.find(
      (s) =>
        s.local.addr === c.local.addr &&
        (!c.local.port || s.local.port === c.local.port) &&
        s.remote.addr === remote.addr &&
        (!remote.port || s.remote.port === remote.port),
    );
    if (!sf) return fail('EINVAL', 'no subflow from that local address to that remote address');
    const i = st.locals.findIndex((e) => e.addr === c.local.addr);
    if (i >= 0) st.locals[i] = { ...(st.locals[i] as LocalEntry), backup: c.backup };
    sf.backup = c.backup;
    msk.queueSignal({ kind: 'mp_prio', backup: c.backup }, sf);
    return OK;
  }

  /** The tokens of the connections this PM knows (what `ip mptcp monitor`'s CREATED gave the daemon). */
  tokens(): number[] {
    return [...this.state.keys()].filter((m) => m.state !== 'CLOSED').map((m) => m.token);
  }

  /** The local address list of a connection (MPTCP_PM_CMD_GET_ADDR with a token), for tests and tools. */
  localAddresses(
    token: number,
  ): readonly { readonly addr: string; readonly id: number; readonly port: number; readonly backup: boolean }[] | undefined {
    const found = this.byToken(token);
    return 'msk' in found ? [...found.st.locals] : undefined;
  }

  // --- the hooks ---

  created(_now: number, msk: PmConnection): void {
    this.st(msk);
  }

  closed(_now: number, msk: PmConnection): void {
    this.state.delete(msk);
  }

  subflowClosed(_now: number, msk: PmConnection, sf: PmSubflow): void {
    const st = this.state.get(msk);
    if (st && sf.kind === 'join' && st.subflows > 0) st.subflows -= 1;
  }

  /** mptcp_pm_allow_new_subflow, userspace: always, counting the subflow. */
  allowNewSubflow(msk: PmConnection): boolean {
    this.st(msk).subflows += 1;
    return true;
  }

  acceptsSubflow(): boolean {
    return true;
  }

  /** mptcp_userspace_pm_get_local_id: the entry's ID, or a new implicit entry with the lowest free ID. */
  localId(msk: PmConnection, addr: string): number | undefined {
    const st = this.st(msk);
    const e = st.locals.find((x) => x.addr === addr);
    if (e) return e.id;
    const id = this.freeId(st);
    if (id === undefined) return undefined;
    st.locals.push({ addr, id, port: 0, backup: false });
    return id;
  }

  /** mptcp_userspace_pm_is_backup: the local entry's backup flag. */
  isBackup(msk: PmConnection, addr: string): boolean {
    return this.state.get(msk)?.locals.some((e) => e.addr === addr && e.backup) ?? false;
  }

  nextTimeout(msk: PmConnection): number | undefined {
    return nextAnnounceTimeout(this.state.get(msk)?.announced.values() ?? []);
  }

  /** mptcp_pm_add_timer (shared with the kernel PM): the ADD_ADDR again, up to ADD_ADDR_RETRANS_MAX times. */
  timeout(now: number, msk: PmConnection): void {
    for (const a of dueAnnouncements(now, this.state.get(msk)?.announced.values() ?? [])) msk.queueSignal(this.addAddrOption(msk, a.entry));
  }

  signalSent(now: number, msk: PmConnection, _sf: PmSubflow, o: MptcpOption): void {
    const entry = o.kind === 'add_addr' ? this.state.get(msk)?.announced.get(o.addressId) : undefined;
    signalSent(now, msk, o, entry, this.addAddrTimeoutMs ?? msk.ctrl.addAddrTimeoutS * 1000);
  }

  options(now: number, msk: PmConnection, sf: PmSubflow, rx: ReceivedOptions): void {
    if (msk.mode !== 'mptcp') return;
    const st = this.st(msk);
    optionsReceived(now, msk, sf, rx, {
      addAddr: (r) => this.addAddrReceived(now, msk, st, r),
      rmAddr: (ids) => rmAddrReceived(now, msk, ids),
    });
  }

  // --- inside ---

  private st(msk: PmConnection): MskUpm {
    let s = this.state.get(msk);
    if (!s) {
      s = { locals: [], announced: new Map(), subflows: 0 };
      this.state.set(msk, s);
    }
    return s;
  }

  /** mptcp_token_get_sock + mptcp_pm_is_userspace: the connection of a token, or "invalid token". */
  private byToken(token: number): { readonly msk: PmConnection; readonly st: MskUpm } | { readonly err: UpmResult } {
    if (!Number.isInteger(token) || token <= 0 || token > 0xffffffff) return { err: fail('EINVAL', `invalid token ${String(token)}`) };
    for (const [msk, st] of this.state) if (msk.token === token && msk.state !== 'CLOSED' && msk.mode === 'mptcp') return { msk, st };
    return { err: fail('EINVAL', `invalid token ${token}`) };
  }

  /** The lowest ID in 1..255 no local entry has. */
  private freeId(st: MskUpm): number | undefined {
    for (let id = 1; id <= MPTCP_PM_MAX_ADDR_ID; id += 1) if (!st.locals.some((e) => e.id === id)) return id;
    return undefined;
  }

  /**
   * mptcp_userspace_pm_append_new_local_addr: a new entry, or the existing one when both address and ID
   * match; undefined when only one of them does (-EINVAL).
   */
  private appendLocal(st: MskUpm, e: LocalEntry): LocalEntry | undefined {
    const same = st.locals.find((x) => x.addr === e.addr && x.port === e.port);
    const sameId = st.locals.find((x) => x.id === e.id);
    if (same && same === sameId) return same;
    if (same || sameId) return undefined;
    st.locals.push(e);
    return e;
  }

  /** mptcp_userspace_pm_delete_local_addr: the entry of that address (any port) goes. */
  private deleteLocal(st: MskUpm, addr: string): void {
    const i = st.locals.findIndex((x) => x.addr === addr);
    if (i >= 0) st.locals.splice(i, 1);
  }

  private addAddrOption(msk: PmConnection, e: LocalEntry): MptcpOption {
    return addAddrSignal(msk, e.id, e.addr, e.port || undefined);
  }

  /**
   * mptcp_pm_add_addr_received for the userspace PM: checked and counted as options.c does, ANNOUNCED for
   * the daemon, echoed; never joined. An echo stops the retransmission (mptcp_pm_add_addr_echoed).
   */
  private addAddrReceived(now: number, msk: PmConnection, st: MskUpm, rx: ReceivedOptions): void {
    const addr = addrText(rx.addr.family, rx.addr.bytes);
    if (rx.echo) {
      const a = st.announced.get(rx.addr.id);
      addAddrEchoed(msk, rx, addr, a, a?.entry.addr);
      return;
    }
    acceptAddAddr(now, msk, rx, addr);
  }
}

/** What the endpoint runs for pmCommand(): the command, or EINVAL when this host does not use the userspace PM. */
export function runUpmCommand(pm: PathManager, now: number, c: UpmCommand): UpmResult {
  if (!(pm instanceof UserspacePm)) return fail('EINVAL', 'invalid request; userspace PM not selected');
  return pm.command(now, c);
}
