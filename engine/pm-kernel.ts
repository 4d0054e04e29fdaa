// The in-kernel path manager (net/mptcp/pm_kernel.c, pm.c), one per host:
// the endpoints of `ip mptcp endpoint` (signal / subflow / backup / fullmesh,
// id, port) and the limits of `ip mptcp limits` (subflows 2 and
// add_addr_accepted 0 by default). Per connection (msk) it announces signal
// endpoints (ADD_ADDR with HMAC, retransmitted after add_addr_timeout up to
// ADD_ADDR_RETRANS_MAX times until echoed), creates subflows from subflow
// endpoints to the peer's initial address, echoes and joins announced
// addresses within add_addr_accepted, accepts MP_JOINs within subflows, and
// applies endpoint changes to established connections: delete (RM_ADDR and
// closing the subflows of that address), flush, backup (MP_PRIO) and add.
//
// Counters are counted where the kernel counts them: AddAddrTx/EchoAddTx when
// the option goes out, AddAddr/EchoAdd/PortAdd when it comes in (options.c),
// RmAddr per received ID and RmSubflow per subflow closed (pm_kernel.c
// mptcp_pm_rm_addr_or_subflow), MPPrioTx/MPPrioRx.
import type { MptcpOption } from './options.js';
import type { ReceivedOptions } from './protocol.js';
import { DEFAULT_SUBFLOWS_MAX, type PathManager, type PmConnection, type PmSubflow } from './pm-hooks.js';
import {
  acceptAddAddr,
  ADD_ADDR_RETRANS_MAX,
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

export type PmEndpointFlag = 'signal' | 'subflow' | 'backup' | 'fullmesh' | 'implicit' | 'laminar';

export interface PmEndpointConfig {
  readonly address: string;
  readonly id?: number;
  readonly flags: readonly PmEndpointFlag[];
  readonly port?: number;
  readonly dev?: string;
}

export interface PmEndpoint {
  readonly address: string;
  readonly id: number;
  flags: PmEndpointFlag[];
  readonly port?: number;
  readonly dev?: string;
}

export interface PmLimits {
  readonly subflows?: number;
  readonly addAddrAccepted?: number;
}

/** The kernel's MPTCP_PM_ADDR_MAX-ish bound on one limit (`ip mptcp limits` refuses more than 8). */
export const MPTCP_PM_ADDR_MAX = 8;
/** The in-kernel PM's default add_addr_accepted limit. */
export const DEFAULT_ADD_ADDR_ACCEPTED = 0;

export interface KernelPmOptions {
  readonly endpoints?: readonly PmEndpointConfig[];
  readonly limits?: PmLimits;
  /** net.mptcp.add_addr_timeout in ms (default 120 s). */
  readonly addAddrTimeoutMs?: number;
  /** The source address routing picks toward `remote` (a join to an announced address without fullmesh). */
  readonly routeSource?: (remote: string) => string | undefined;
  /** Is there a route from `local` to `remote`? Without one connect() fails (MPJoinSynTxConnectErr). */
  readonly reachable?: (local: string, remote: string) => boolean;
}

interface Announce extends Announced {
  readonly ep: PmEndpoint;
}

interface RemoteAddr {
  readonly id: number;
  readonly addr: string;
  readonly port: number;
}

/** The in-kernel PM's per-connection state (struct mptcp_pm_data). */
interface MskPm {
  subflows: number;
  addAddrAccepted: number;
  /** Endpoint IDs announced (the anno_list). */
  readonly announced: Map<number, Announce>;
  /** Endpoint IDs used for locally created subflows (local_addr_used). */
  readonly usedLocal: Set<number>;
  /** Addresses the peer announced and we accepted. */
  readonly remotes: RemoteAddr[];
  established: boolean;
}

/** mptcp_pm_addr_families_match: an IPv4 connection takes IPv4 addresses only; an IPv6 one both. */
function familyOk(msk: PmConnection, addr: string): boolean {
  return msk.local.addr.includes(':') || !addr.includes(':');
}

export class KernelPm implements PathManager {
  private readonly endpoints: PmEndpoint[] = [];
  subflowsMax: number;
  addAddrAcceptedMax: number;
  private readonly addAddrTimeoutMs: number;
  private readonly routeSource: ((remote: string) => string | undefined) | undefined;
  private readonly reachable: ((local: string, remote: string) => boolean) | undefined;
  private readonly state = new Map<PmConnection, MskPm>();
  /** IDs of implicit endpoints handed out (mptcp_pm_get_local_id for an address that is no endpoint). */
  private readonly implicit = new Map<string, number>();

  constructor(o: KernelPmOptions = {}) {
    this.subflowsMax = o.limits?.subflows ?? DEFAULT_SUBFLOWS_MAX;
    this.addAddrAcceptedMax = o.limits?.addAddrAccepted ?? DEFAULT_ADD_ADDR_ACCEPTED;
    this.addAddrTimeoutMs = o.addAddrTimeoutMs ?? 120_000;
    this.routeSource = o.routeSource;
    this.reachable = o.reachable;
    for (const e of o.endpoints ?? []) this.addEndpointConfig(e);
  }

  // --- configuration (`ip mptcp endpoint` / `ip mptcp limits`) ---

  get endpointList(): readonly PmEndpoint[] {
    return this.endpoints;
  }

  setLimits(l: PmLimits): void {
    if (l.subflows !== undefined) this.subflowsMax = l.subflows;
    if (l.addAddrAccepted !== undefined) this.addAddrAcceptedMax = l.addAddrAccepted;
  }

  private freeId(): number {
    const used = new Set([...this.endpoints.map((e) => e.id), ...this.implicit.values()]);
    let id = 1;
    while (used.has(id)) id += 1;
    return id;
  }

  private addEndpointConfig(e: PmEndpointConfig): PmEndpoint {
    if (this.endpoints.some((x) => x.address === e.address && (x.port ?? 0) === (e.port ?? 0)))
      throw new Error(`endpoint ${e.address} exists`);
    const id = e.id ?? this.implicit.get(e.address) ?? this.freeId();
    if (this.endpoints.some((x) => x.id === id)) throw new Error(`endpoint id ${id} is in use`);
    this.implicit.delete(e.address);
    const ep: PmEndpoint = {
      address: e.address,
      id,
      flags: [...e.flags],
      ...(e.port !== undefined ? { port: e.port } : {}),
      ...(e.dev !== undefined ? { dev: e.dev } : {}),
    };
    this.endpoints.push(ep);
    return ep;
  }

  /** `ip mptcp endpoint add`: then every established connection may use it (mptcp_nl_add_subflow_or_signal_addr). */
  addEndpoint(now: number, e: PmEndpointConfig): PmEndpoint {
    const ep = this.addEndpointConfig(e);
    for (const [msk, st] of this.state) if (st.established && msk.state === 'ESTABLISHED') this.createSubflowOrSignal(now, msk, st);
    return ep;
  }

  private findEndpoint(sel: { id?: number; address?: string }): PmEndpoint | undefined {
    return this.endpoints.find((e) => (sel.id !== undefined ? e.id === sel.id : e.address === sel.address));
  }

  /** `ip mptcp endpoint delete`: RM_ADDR and the subflows of that address closed (mptcp_nl_remove_subflow_and_signal_addr). */
  deleteEndpoint(now: number, sel: { id?: number; address?: string }): boolean {
    const ep = this.findEndpoint(sel);
    if (!ep) return false;
    this.endpoints.splice(this.endpoints.indexOf(ep), 1);
    for (const [msk, st] of this.state) this.removeFromMsk(now, msk, st, [ep], true);
    return true;
  }

  /** `ip mptcp endpoint flush` (mptcp_pm_flush_addrs_and_subflows). */
  flush(now: number): void {
    const all = this.endpoints.splice(0);
    for (const [msk, st] of this.state) this.removeFromMsk(now, msk, st, all, false);
  }

  /**
   * The endpoints are gone for this connection: RM_ADDR for the announced ones (and, for a single delete,
   * for one with subflows too: mptcp_pm_remove_anno_addr's force), their subflows closed.
   */
  private removeFromMsk(now: number, msk: PmConnection, st: MskPm, eps: readonly PmEndpoint[], force: boolean): void {
    if (msk.state === 'CLOSED' || msk.mode !== 'mptcp') return;
    const ids: number[] = [];
    const closing: PmSubflow[] = [];
    for (const ep of eps) {
      const announced = st.announced.delete(ep.id);
      const sfs = msk.subflows.filter((s) => s.local.addr === ep.address && s.localId !== 0);
      if (announced || (force && sfs.length > 0)) ids.push(ep.id);
      if (sfs.length > 0) st.usedLocal.delete(ep.id);
      closing.push(...sfs);
    }
    if (ids.length > 0) msk.queueSignal({ kind: 'remove_addr', ids });
    for (const sf of closing) {
      msk.count('RmSubflow');
      msk.removeSubflow(now, sf);
    }
  }

  /** `ip mptcp endpoint change ... backup|nobackup`: MP_PRIO on the subflows of that address (mptcp_pm_nl_mp_prio_send_ack). */
  setBackup(now: number, sel: { id?: number; address?: string }, backup: boolean): boolean {
    const ep = this.findEndpoint(sel);
    if (!ep) return false;
    ep.flags = ep.flags.filter((f) => f !== 'backup');
    if (backup) ep.flags.push('backup');
    for (const msk of this.state.keys()) {
      if (msk.state === 'CLOSED' || msk.mode !== 'mptcp') continue;
      for (const sf of msk.subflows) {
        if (sf.local.addr !== ep.address || sf.backup === backup) continue;
        sf.backup = backup;
        msk.queueSignal({ kind: 'mp_prio', backup }, sf);
      }
    }
    void now;
    return true;
  }

  // --- the hooks ---

  private st(msk: PmConnection): MskPm {
    let s = this.state.get(msk);
    if (!s) {
      s = { subflows: 0, addAddrAccepted: 0, announced: new Map(), usedLocal: new Set(), remotes: [], established: false };
      this.state.set(msk, s);
    }
    return s;
  }

  created(_now: number, msk: PmConnection): void {
    const st = this.st(msk);
    // The initial subflow's address counts as used when it is an endpoint (lazy accounting of the MPC subflow).
    const ep = this.endpoints.find((e) => e.address === msk.local.addr && e.flags.includes('subflow'));
    if (ep) st.usedLocal.add(ep.id);
  }

  established(now: number, msk: PmConnection): void {
    const st = this.st(msk);
    st.established = true;
    this.createSubflowOrSignal(now, msk, st);
  }

  subflowEstablished(now: number, msk: PmConnection): void {
    const st = this.st(msk);
    if (st.established) this.createSubflowOrSignal(now, msk, st);
  }

  subflowClosed(now: number, msk: PmConnection, sf: PmSubflow): void {
    const st = this.st(msk);
    if (sf.kind === 'join' && st.subflows > 0) st.subflows -= 1;
    if (sf.active && sf.localId !== 0) {
      const ep = this.endpoints.find((e) => e.id === sf.localId);
      if (ep && !msk.subflows.some((s) => s.localId === ep.id)) st.usedLocal.delete(ep.id);
    }
    void now;
  }

  closed(_now: number, msk: PmConnection): void {
    this.state.delete(msk);
  }

  acceptsSubflow(msk: PmConnection): boolean {
    return this.st(msk).subflows < this.subflowsMax;
  }

  allowNewSubflow(msk: PmConnection): boolean {
    const st = this.st(msk);
    if (st.subflows >= this.subflowsMax) return false;
    st.subflows += 1;
    return true;
  }

  localId(_msk: PmConnection, addr: string): number | undefined {
    const ep = this.endpoints.find((e) => e.address === addr);
    if (ep) return ep.id;
    let id = this.implicit.get(addr);
    if (id === undefined) {
      id = this.freeId();
      this.implicit.set(addr, id);
    }
    return id;
  }

  isBackup(_msk: PmConnection, addr: string): boolean {
    return this.endpoints.some((e) => e.address === addr && e.flags.includes('backup'));
  }

  nextTimeout(msk: PmConnection): number | undefined {
    return nextAnnounceTimeout(this.state.get(msk)?.announced.values() ?? []);
  }

  /** mptcp_pm_add_timer: ADD_ADDR again, up to ADD_ADDR_RETRANS_MAX times. */
  timeout(now: number, msk: PmConnection): void {
    for (const a of dueAnnouncements(now, this.state.get(msk)?.announced.values() ?? [])) msk.queueSignal(this.addAddrOption(msk, a.ep));
  }

  signalSent(now: number, msk: PmConnection, _sf: PmSubflow, o: MptcpOption): void {
    signalSent(now, msk, o, o.kind === 'add_addr' ? this.state.get(msk)?.announced.get(o.addressId) : undefined, this.addAddrTimeoutMs);
  }

  options(now: number, msk: PmConnection, sf: PmSubflow, rx: ReceivedOptions): void {
    if (msk.mode !== 'mptcp') return;
    const st = this.st(msk);
    optionsReceived(now, msk, sf, rx, {
      addAddr: (r) => this.addAddrReceived(now, msk, st, r),
      rmAddr: (ids) => rmAddrReceived(now, msk, ids, (id) => this.forgetRemote(st, id)),
    });
  }

  // --- inside ---

  private addAddrOption(msk: PmConnection, ep: PmEndpoint): MptcpOption {
    return addAddrSignal(msk, ep.id, ep.address, ep.port);
  }

  /** mptcp_pm_create_subflow_or_signal_addr. */
  private createSubflowOrSignal(now: number, msk: PmConnection, st: MskPm): void {
    if (msk.mode !== 'mptcp' || msk.state !== 'ESTABLISHED' || !msk.isFullyEstablished) return;
    // Announce the next signal endpoint (one at a time: the next once this one was echoed).
    const pending = [...st.announced.values()].some((a) => !a.echoed && a.retrans < ADD_ADDR_RETRANS_MAX && a.timerAt !== undefined);
    if (!pending) {
      const next = this.endpoints.find((e) => e.flags.includes('signal') && !st.announced.has(e.id) && familyOk(msk, e.address));
      if (next && st.announced.size < MPTCP_PM_ADDR_MAX) {
        st.announced.set(next.id, { ep: next, retrans: 0, timerAt: undefined, echoed: false });
        msk.queueSignal(this.addAddrOption(msk, next));
      }
    }
    // Subflows from subflow endpoints to the peer's initial address (and, fullmesh, to every known remote).
    for (const ep of this.endpoints) {
      if (st.subflows >= this.subflowsMax) break;
      if (!ep.flags.includes('subflow') || st.usedLocal.has(ep.id) || !familyOk(msk, ep.address)) continue;
      if (ep.address === msk.local.addr) continue;
      st.usedLocal.add(ep.id);
      const remotes: RemoteAddr[] = [{ id: 0, addr: msk.remote.addr, port: msk.remote.port }];
      if (ep.flags.includes('fullmesh')) remotes.push(...st.remotes);
      // A subflow joins within its own family (the initial remote address may be of the other one).
      for (let i = remotes.length - 1; i >= 0; i -= 1)
        if (remotes[i]!.addr.includes(':') !== ep.address.includes(':')) remotes.splice(i, 1);
      for (const r of remotes) {
        if (st.subflows >= this.subflowsMax) break;
        if (r.id === 0 && msk.remoteDenyJoinId0) continue;
        this.connect(now, msk, st, ep.address, r, ep.flags.includes('backup'), ep.id);
      }
    }
  }

  private connect(
    now: number,
    msk: PmConnection,
    st: MskPm,
    localAddr: string | undefined,
    r: RemoteAddr,
    backup: boolean,
    localId?: number,
  ): void {
    // __mptcp_subflow_connect: kernel_connect() fails without a route (ENETUNREACH).
    if (localAddr === undefined || (this.reachable && !this.reachable(localAddr, r.addr))) {
      msk.count('MPJoinSynTxConnectErr');
      return;
    }
    // The first subflow's address keeps ID 0 on this connection, endpoint or not (mptcp_pm_get_local_id).
    const id = localAddr === msk.local.addr ? undefined : localId;
    const res = msk.createSubflow(now, {
      localAddr,
      remoteAddr: r.addr,
      remotePort: r.port || msk.remote.port,
      backup,
      ...(id !== undefined ? { localId: id } : {}),
    });
    if (typeof res === 'string') return;
    st.subflows += 1;
  }

  /** mptcp_pm_add_addr_received / mptcp_pm_add_addr_echoed, with the counting of options.c. */
  private addAddrReceived(now: number, msk: PmConnection, st: MskPm, rx: ReceivedOptions): void {
    const addr = addrText(rx.addr.family, rx.addr.bytes);
    if (rx.echo) {
      const announcedAddr = this.endpoints.find((e) => e.id === rx.addr.id)?.address;
      if (addAddrEchoed(msk, rx, addr, st.announced.get(rx.addr.id), announcedAddr)) this.createSubflowOrSignal(now, msk, st);
      return;
    }
    if (!acceptAddAddr(now, msk, rx, addr)) return;
    if (st.addAddrAccepted >= this.addAddrAcceptedMax) return;
    if (st.remotes.some((r) => r.addr === addr && r.port === rx.addr.port)) return;
    // mptcp_pm_nl_add_addr_received: a subflow to the announced address, if there is room.
    if (st.subflows >= this.subflowsMax) return;
    if (!familyOk(msk, addr)) return;
    const r: RemoteAddr = { id: rx.addr.id, addr, port: rx.addr.port };
    st.addAddrAccepted += 1;
    st.remotes.push(r);
    const fullmesh = this.endpoints.filter((e) => e.flags.includes('fullmesh') && e.address.includes(':') === addr.includes(':'));
    if (fullmesh.length > 0) {
      for (const ep of fullmesh) {
        if (st.subflows >= this.subflowsMax) break;
        this.connect(now, msk, st, ep.address, r, ep.flags.includes('backup'), ep.id);
      }
    } else {
      const src = this.routeSource ? this.routeSource(addr) : msk.local.addr;
      const ep = this.endpoints.find((e) => e.address === src);
      this.connect(now, msk, st, src, r, ep?.flags.includes('backup') ?? false);
    }
  }

  /** After an RM_ADDR closed subflows to remote `id`: that address is no longer one we accepted. */
  private forgetRemote(st: MskPm, id: number): void {
    const i = st.remotes.findIndex((r) => r.id === id);
    if (i >= 0) {
      st.remotes.splice(i, 1);
      if (st.addAddrAccepted > 0) st.addAddrAccepted -= 1;
    }
  }
}
