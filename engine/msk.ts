// The MPTCP connection (the kernel's msk, net/mptcp/protocol.c): its
// subflows, the scheduler's loop that cuts queued data into DSS mappings, the
// data-level retransmission timer with reinjection on another subflow and
// stale detection, DATA_FIN and the close sequence, fallback, and the events
// of the connection's life. The data-level send and receive halves are in
// msk-send.ts and msk-recv.ts.
//
// A connection that is not (or no longer) MPTCP keeps its one subflow in
// 'plain' mode: bytes go straight through TCP (RFC 8684 §3.7 fallback).

import { keyToTokenAndIdsn } from './crypto.js';
import { bufferLen, type MptcpOption } from './options.js';
import type { ReceivedOptions } from './protocol.js';
import type { Mib, MibName } from './mib.js';
import type { MptcpCtrl } from './ctrl.js';
import type { RandomSource } from './random.js';
import { DEFAULT_SUBFLOWS_MAX, type PathManager, type PmSubflowRequest } from './pm-hooks.js';
import { selectRetransmit, selectSend, type SchedCandidate } from './sched.js';
import { Subflow, type SubflowKind, type TxMap } from './subflow.js';
import { DataSender, MAX_MAPPING } from './msk-send.js';
import { DataReceiver, expandSeq } from './msk-recv.js';
import type { CloseReason, TcpAddr, TcpConfig } from './tcp/config.js';
import type { TcpSegment } from './tcp/segment.js';
import { ERRNO, type ConnectionId, type EngineEvent, type PmEvent, type PmEventKind } from './events.js';
import { mskInfo, type MptcpConnectionInfo, type MskMode, type MskState } from './msk-info.js';

export { expandSeq };

/** TCP_RTO_MAX: how long a subflow that sent MP_FAIL waits for the peer's answer before it is reset. */
export const MP_FAIL_TIMEOUT_MS = 120_000;

export type { MskMode, MskState };

/** What an msk needs from its endpoint. */
export interface MskEnv {
  readonly mib: Mib;
  readonly ctrl: MptcpCtrl;
  readonly tcp: TcpConfig;
  readonly random: RandomSource;
  readonly pm: PathManager;
  /** Bytes of receive buffer per connection (the shared window). */
  readonly rcvBuf: number;
  emit(ev: EngineEvent): void;
  /** Put a new subflow in the endpoint's demultiplexing table. */
  attach(sf: Subflow, msk: Msk): void;
  /** The handshake of a passive MP_CAPABLE completed: the request token now names this msk. */
  acceptToken(token: number, msk: Msk): void;
  releaseToken(token: number, request: boolean): void;
  ephemeralPort(): number;
}

export type CreateSubflowOptions = PmSubflowRequest;

/** The scheduler's view of one subflow (a record refilled for each decision). */
type Candidate = { -readonly [K in keyof SchedCandidate]: SchedCandidate[K] } & { sf: Subflow };

/** __mptcp_subflow_active: the subflow can carry data (stale or not). */
function canSend(sf: Subflow): boolean {
  const st = sf.socket.state;
  return (st === 'ESTABLISHED' || st === 'CLOSE_WAIT') && (sf.kind !== 'join' || sf.fullyEstablished);
}

export class Msk {
  mode: MskMode;
  state: MskState;
  localKey = 0n;
  token = 0;
  remoteKey: bigint | undefined;
  remoteToken = 0;
  csumEnabled: boolean;
  remoteDenyJoinId0 = false;
  /** Was the connection fully established (RFC 8684 §3.1)? */
  isFullyEstablished = false;
  /** The live subflows. */
  readonly subflows: Subflow[] = [];
  /** candidates()' records, one per subflow, reused. */
  private readonly schedView: Candidate[] = [];
  /** Every subflow ever, for info(). */
  readonly allSubflows: Subflow[] = [];
  readonly pendingSignals: MptcpOption[] = [];
  /** The subflow each pending signal must go out on (MP_PRIO), undefined for any. */
  private readonly signalTargets: (Subflow | undefined)[] = [];
  /** The first subflow's addresses. */
  readonly local: TcpAddr;
  readonly remote: TcpAddr;
  private readonly tx = new DataSender();
  private readonly rx: DataReceiver;
  private nextSubflowId = 0;
  private readonly localIds = new Map<string, number>();
  private nextLocalId = 1;
  private plainFinPassed = false;
  private rtxAt: number | undefined;
  private closeAt: number | undefined;
  /** Data-level retransmission rounds (mptcpi_retransmits). */
  private retransmits = 0;
  /**
   * msk->timer_ival: the retransmission period, computed when data is pushed (mptcp_set_timeout) and used
   * whenever the timer is (re)armed, so it may date from the last push (TCP_RTO_MIN until then).
   */
  private timerIval: number;
  /** Zero window probes since the window was last open (their backoff). */
  private probes = 0;
  private createdSent = false;
  private closedSent = false;
  private connectedSent = false;
  private currEstab = false;
  /** The peer fastclosed the connection: its token is gone, so no CLOSED event (mptcp_check_fastclose). */
  private rcvFastclose = false;
  /**
   * msk->allow_infinite_fallback: RFC 8684 §3.7 allows falling back only while the data stream is the
   * first subflow's byte stream: no join was tried and no data was sent twice at the data level.
   */
  allowInfiniteFallback = true;
  /** msk->allow_subflows: off once an MP_FAIL was accepted or the connection fell back. */
  private allowSubflows = true;
  /** Fell back after the handshake (the infinite mapping): the token stays until the connection closes. */
  private keepsToken = false;

  constructor(
    readonly env: MskEnv,
    readonly id: ConnectionId,
    readonly serverSide: boolean,
    mode: MskMode,
    local: TcpAddr,
    remote: TcpAddr,
    /** The listener was an MPTCP one (counts MPCapableFallbackACK at accept). */
    private readonly mptcpListener: boolean,
  ) {
    this.mode = mode;
    this.state = serverSide ? 'SYN_RCVD' : 'SYN_SENT';
    this.csumEnabled = env.ctrl.checksumEnabled;
    this.local = local;
    this.remote = remote;
    this.localIds.set(local.addr, 0);
    this.rx = new DataReceiver(env.rcvBuf, (n) => this.count(n));
    this.timerIval = env.tcp.minRtoMs;
  }

  get ctrl(): MptcpCtrl {
    return this.env.ctrl;
  }

  count(name: MibName): void {
    this.env.mib.inc(name);
  }

  /** The key and token from the token table (mptcp_token_new_connect / _new_request). */
  setLocalKey(key: bigint, token: number, idsn: bigint): void {
    this.localKey = key;
    this.token = token;
    this.tx.base = BigInt.asUintN(64, idsn + 1n);
  }

  // --- the first subflow ---

  /** Client: create the first subflow and send its SYN. */
  connect(now: number, iss: number): Subflow {
    const sf = this.newSubflow(this.mode === 'mptcp' ? 'mpc' : 'plain', true, this.local, this.remote, iss, 0, false, 0);
    if (this.mode === 'mptcp') this.count('MPCapableSYNTX');
    sf.socket.connect(now);
    return sf;
  }

  /** Server: the first subflow answers the SYN; `cookie`: it is rebuilt from a SYN cookie's ACK (no SYN/ACK). */
  acceptSyn(now: number, syn: TcpSegment, iss: number, cookie = false): Subflow {
    const sf = this.newSubflow(this.mode === 'mptcp' ? 'mpc' : 'plain', false, this.local, this.remote, iss, 0, false, 0);
    if (cookie) sf.socket.acceptCookie(now, syn);
    else sf.socket.acceptSyn(now, syn);
    return sf;
  }

  private newSubflow(
    kind: SubflowKind,
    active: boolean,
    local: TcpAddr,
    remote: TcpAddr,
    iss: number,
    localId: number,
    backup: boolean,
    nonce: number,
  ): Subflow {
    const sf = new Subflow(
      { id: this.nextSubflowId++, kind, active, local, remote, iss, tcp: this.env.tcp, localId, backup, localNonce: nonce },
      this,
    );
    this.subflows.push(sf);
    this.allSubflows.push(sf);
    this.env.attach(sf, this);
    return sf;
  }

  // --- the PM's interface ---

  /** mptcp_pm_get_local_id: 0 for the first subflow's address, then the PM's IDs or 1, 2, ... */
  localIdFor(addr: string): number {
    const known = this.localIds.get(addr);
    if (known !== undefined) return known;
    const id = this.env.pm.localId?.(this, addr) ?? this.nextLocalId++;
    this.localIds.set(addr, id);
    return id;
  }

  /**
   * __mptcp_subflow_connect: open an MP_JOIN subflow from localAddr to
   * remoteAddr. Returns the subflow, or why not (not a fully established
   * MPTCP connection, or the peer denied joins to its initial address:
   * flag C, RFC 8684 §3.1).
   */
  createSubflow(now: number, o: CreateSubflowOptions): Subflow | string {
    if (this.mode !== 'mptcp' || this.remoteKey === undefined) return 'not an MPTCP connection';
    // As __mptcp_subflow_connect (mptcp_is_fully_established): only while ESTABLISHED, and not
    // before the peer confirmed the keys. Until then the first subflow's first data segment may be an
    // MP_CAPABLE whose DSN is implied (IDSN + 1), so data offset 0 must go there and nowhere else.
    if (this.state !== 'ESTABLISHED') return `connection is ${this.state}`;
    if (!this.isFullyEstablished) return 'connection is not fully established yet (RFC 8684 §3.1)';
    if (!this.allowSubflows) return 'the connection accepted an MP_FAIL: no more subflows (RFC 8684 §3.7)';
    const remotePort = o.remotePort ?? this.remote.port;
    if (this.remoteDenyJoinId0 && o.remoteAddr === this.remote.addr && remotePort === this.remote.port) {
      return 'the peer denies joins to its initial address (MPTCP_CAP_DENY_JOIN_ID0)';
    }
    if (o.localId !== undefined) this.localIds.set(o.localAddr, o.localId);
    const localId = this.localIdFor(o.localAddr);
    const local = { addr: o.localAddr, port: this.env.ephemeralPort() };
    const sf = this.newSubflow(
      'join',
      true,
      local,
      { addr: o.remoteAddr, port: remotePort },
      this.env.random.nextU32(),
      localId,
      o.backup ?? false,
      this.env.random.nextU32(),
    );
    this.allowInfiniteFallback = false; // __mptcp_subflow_connect
    sf.socket.connect(now);
    this.count('MPJoinSynTx');
    return sf;
  }

  /**
   * A SYN with MP_JOIN for this connection reached a listener (subflow_check_req). `cookie`: the SYN was
   * answered with a SYN cookie and this is its ACK; our nonce, address ID and B flag are the ones the
   * SYN/ACK carried (kept by the listener, engine/syncookies.ts).
   */
  acceptJoin(
    now: number,
    syn: TcpSegment,
    rx: ReceivedOptions,
    local: TcpAddr,
    remote: TcpAddr,
    iss: number,
    cookie?: { readonly nonce: number; readonly localId: number; readonly backup: boolean },
  ): Subflow {
    if (cookie) {
      const sf = this.newSubflow('join', false, local, remote, iss, cookie.localId, cookie.backup, cookie.nonce);
      sf.acceptJoinSyn(now, syn, rx, true);
      return sf;
    }
    if (local.port !== this.local.port) this.count('MPJoinPortSynRx'); // subflow_check_req
    // subflow_init_req: the B flag of our SYN/ACK says whether the local address is a backup endpoint.
    const backup = this.joinBackup(local.addr);
    const sf = this.newSubflow('join', false, local, remote, iss, this.localIdFor(local.addr), backup, this.env.random.nextU32());
    sf.acceptJoinSyn(now, syn, rx);
    return sf;
  }

  /** Our B flag on an MP_JOIN SYN/ACK from `addr`: whether it is a backup endpoint. */
  joinBackup(addr: string): boolean {
    return this.env.pm.isBackup?.(this, addr) ?? false;
  }

  /** Close one subflow (the PM's "remove subflow"): a FIN, or a RST if `reset`. */
  closeSubflow(now: number, sf: Subflow, reset = false): void {
    if (reset) sf.socket.abort(now);
    else this.closeSsk(now, sf);
  }

  /**
   * __mptcp_close_ssk's TCP side: an MP_JOIN subflow is closed with __tcp_close (FIN, reading ends:
   * data that still comes is answered with a RST carrying MP_TCPRST, see TcpSocket.closeAll); the
   * first subflow, while the msk lives, only with tcp_shutdown(SEND_SHUTDOWN) (__mptcp_subflow_disconnect).
   * The engine's subflows hand every in-order byte to the msk at once, so none is left unread (the
   * kernel's TCPAbortOnClose reset needs data that waits in the subflow while the msk is locked).
   */
  private closeSsk(now: number, sf: Subflow): void {
    if (sf.kind === 'mpc') sf.socket.close(now);
    else sf.socket.closeAll(now);
  }

  /**
   * mptcp_close_ssk: the PM takes a subflow off the connection now (SF_CLOSED,
   * its unacknowledged data goes out on the others) and shuts it down; its
   * TCP then ends on its own.
   */
  removeSubflow(now: number, sf: Subflow): void {
    const i = this.subflows.indexOf(sf);
    if (i < 0 || sf.detached) return;
    if (this.subflows.length === 1) {
      this.closeSubflow(now, sf);
      return;
    }
    this.subflows.splice(i, 1);
    sf.detached = true;
    if (sf.everEstablished) this.pmEvent(now, 'SF_CLOSED', sf);
    this.env.pm.subflowClosed?.(now, this, sf);
    // __mptcp_retransmit_pending_data (MPTCP_CF_PUSH): the whole MPTCP-level unacknowledged data goes
    // out again on the others, whatever this subflow held (since "mptcp: fix data re-injection from
    // stale subflow", v6.8). Duplicates of it that reach the peer after it closed are what the peer
    // answers with a RST (TCPAbortOnData).
    if (this.mode === 'mptcp') this.tx.rewind();
    this.closeSsk(now, sf);
  }

  /** Raise a signal (ADD_ADDR, RM_ADDR, MP_PRIO): it goes out on the next segment with room for it. */
  queueSignal(option: MptcpOption, on?: Subflow): void {
    this.pendingSignals.push(option);
    this.signalTargets.push(on);
    (on ?? this.subflows.find((s) => s.usable))?.socket.requestPureAck();
  }

  /** The option writer collects signals that fit in `room` bytes. */
  takeSignals(now: number, sf: Subflow, room: number): MptcpOption[] {
    const out: MptcpOption[] = [];
    let left = room;
    for (let i = 0; i < this.pendingSignals.length;) {
      const o = this.pendingSignals[i] as MptcpOption;
      const target = this.signalTargets[i];
      if (target !== undefined && target !== sf) {
        // A signal for a subflow that is gone is dropped; one for another subflow waits for it.
        if (!this.subflows.includes(target)) {
          this.pendingSignals.splice(i, 1);
          this.signalTargets.splice(i, 1);
        } else i += 1;
        continue;
      }
      const len = (bufferLen(o) + 3) & ~3;
      if (len > left) break;
      this.pendingSignals.splice(i, 1);
      this.signalTargets.splice(i, 1);
      left -= len;
      out.push(o);
      this.env.pm.signalSent?.(now, this, sf, o);
    }
    return out;
  }

  pmOptions(now: number, sf: Subflow, rx: ReceivedOptions): void {
    this.env.pm.options?.(now, this, sf, rx);
  }

  /** mptcp_can_accept_new_subflow / mptcp_finish_join: a fully established msk, still ESTABLISHED. */
  allowJoin(): boolean {
    if (this.mode !== 'mptcp' || !this.isFullyEstablished || this.state !== 'ESTABLISHED' || !this.allowSubflows) return false;
    const extra = this.subflows.filter((s) => s.kind === 'join' && s.everEstablished).length;
    return this.env.pm.allowNewSubflow?.(this) ?? extra < DEFAULT_SUBFLOWS_MAX;
  }

  // --- handshake results (called by subflows) ---

  setRemote(key: bigint, csum: boolean, denyJoinId0: boolean): void {
    if (this.remoteKey !== undefined) return;
    this.remoteKey = key;
    const t = keyToTokenAndIdsn(key);
    this.remoteToken = t.token;
    this.rx.base = BigInt.asUintN(64, t.idsn + 1n);
    // RFC 8684 §3.1: checksums are used if either host asks for them.
    this.csumEnabled ||= csum;
    this.remoteDenyJoinId0 = denyJoinId0;
  }

  /**
   * mptcp_try_fallback: only the first subflow, only while it is the only one and allow_infinite_fallback
   * holds. `keepToken`: a fallback in the middle of the connection keeps the token (and the CLOSED event).
   */
  fallback(_now: number, sf: Subflow, mib: MibName | undefined, keepToken = false): boolean {
    if (this.mode !== 'mptcp' || this.subflows.length > 1 || sf.kind === 'join' || !this.allowInfiniteFallback) return false;
    if (mib) this.count(mib);
    this.mode = 'fallback';
    this.allowSubflows = false;
    sf.kind = 'plain';
    if (keepToken && this.createdSent) this.keepsToken = true;
    else if (this.token !== 0) this.env.releaseToken(this.token, this.serverSide && !this.createdSent);
    return true;
  }

  /** mptcp_subflow_fail: MP_FAIL goes out on an ACK now; the answer is awaited TCP_RTO_MAX. */
  subflowFail(now: number, sf: Subflow): void {
    sf.failTout = now + MP_FAIL_TIMEOUT_MS;
    sf.socket.requestPureAck();
  }

  /**
   * mptcp_pm_mp_fail_received. With a single subflow allowed to fall back: either the peer's MP_FAIL
   * answers ours (stop waiting), or it asks us to answer with MP_FAIL and put the infinite mapping on
   * our next data (RFC 8684 §3.7). Otherwise nothing: the peer resets the subflow itself.
   */
  mpFailReceived(_now: number, sf: Subflow): void {
    if (!this.allowInfiniteFallback) return;
    this.allowSubflows = false;
    if (sf.failTout !== undefined) {
      sf.failTout = undefined;
      return;
    }
    sf.sendMpFail = true;
    sf.sendInfiniteMap = true;
    sf.socket.requestPureAck();
  }

  fullyEstablished(now: number, sf: Subflow): void {
    if (sf.kind === 'mpc') this.markFullyEstablished(now, sf);
  }

  private markFullyEstablished(now: number, sf: Subflow): void {
    if (this.isFullyEstablished) return;
    this.isFullyEstablished = true;
    this.pmEvent(now, 'ESTABLISHED', sf);
    this.env.pm.established?.(now, this);
  }

  subflowEstablished(now: number, sf: Subflow): void {
    sf.everEstablished = true;
    if (sf.kind === 'join') {
      this.allowInfiniteFallback = false; // mptcp_subflow_joined
      // An MP_JOIN to another port than the connection's (an ADD_ADDR with a port, RFC 8684 §3.4.1).
      if (sf.active && sf.remote.port !== this.remote.port) this.count('MPJoinPortSynAckRx');
      if (!sf.active && sf.local.port !== this.local.port) this.count('MPJoinPortAckRx');
      this.closeAt = undefined;
      this.pmEvent(now, 'SF_ESTABLISHED', sf);
      this.env.pm.subflowEstablished?.(now, this, sf);
      return;
    }
    // The first subflow: the client got its SYN/ACK, or the server its third ACK (the accept() moment).
    this.state = 'ESTABLISHED';
    this.tx.wndEnd = this.tx.nxt + sf.socket.sendWindow;
    // MPCurrEstab counts msks; a passive fallback hands the plain TCP socket to accept() instead.
    if ((this.mode === 'mptcp' || (this.mode === 'fallback' && !this.serverSide)) && !this.currEstab) {
      this.currEstab = true;
      this.count('MPCurrEstab');
    }
    // mptcp_stream_accept counts here, not at the third ACK.
    if (this.serverSide && this.mptcpListener) this.count(this.mode === 'mptcp' ? 'MPCapableACKRX' : 'MPCapableFallbackACK');
    if (this.mode === 'mptcp') {
      if (this.serverSide) this.env.acceptToken(this.token, this);
      this.createdSent = true;
      this.pmEvent(now, 'CREATED', sf);
      this.env.pm.created?.(now, this);
      if (this.serverSide && sf.fullyEstablished) this.markFullyEstablished(now, sf);
    }
    this.connectedSent = true;
    this.env.emit({
      kind: 'connected',
      conn: this.id,
      serverSide: this.serverSide,
      mptcp: this.mode === 'mptcp',
      localPort: sf.local.port,
    });
  }

  // --- sending ---

  write(bytes: Uint8Array): number {
    return this.state === 'CLOSED' ? 0 : this.tx.write(bytes);
  }

  /** shutdown(SHUT_WR): a DATA_FIN after the queued data (RFC 8684 §3.3.3), or a FIN when not MPTCP. */
  shutdownWrite(): void {
    if (this.tx.finSeq !== undefined || this.state === 'CLOSED') return;
    this.tx.shutdown();
    if (this.state === 'CLOSE_WAIT') this.state = 'LAST_ACK';
    else this.state = 'FIN_WAIT_1';
  }

  /**
   * The scheduler's view of every subflow, in order, for a mapping of at most `remaining` bytes. The
   * records are this msk's own, refilled at each call (the scheduler runs once per mapping): valid
   * until the next call.
   */
  private candidates(remaining: number): readonly Candidate[] {
    const out = this.schedView;
    const subflows = this.subflows;
    for (let i = 0; i < subflows.length; i++) {
      const sf = subflows[i] as Subflow;
      const c = (out[i] ??= { sf, active: false, backup: false, srttMs: undefined, sendSpace: 0, unacked: 0 });
      c.sf = sf;
      this.fillCandidate(c, sf, remaining);
    }
    out.length = subflows.length;
    return out;
  }

  private fillCandidate(c: Candidate, sf: Subflow, remaining: number): void {
    if (sf.stale && sf.socket.rcvProgress !== sf.staleMark) {
      sf.stale = false; // mptcp_subflow_active: it heard from the peer again
      sf.staleCount = 0;
      this.count('SubflowRecover');
    }
    const space = sf.socket.sendSpace();
    c.active = sf.usable;
    c.backup = sf.isBackup;
    c.srttMs = sf.socket.srtt;
    c.sendSpace = space >= Math.min(sf.socket.sendMss, remaining) ? space : 0;
    c.unacked = sf.socket.unacked;
  }

  /** __mptcp_push_pending: cut queued data into mappings on the subflows the scheduler picks. */
  push(now: number): void {
    if (this.state === 'CLOSED' || this.state === 'SYN_SENT' || this.state === 'SYN_RCVD') return;
    if (this.mode !== 'mptcp') {
      this.pushPlain(now);
      return;
    }
    // mptcp_subflow_get_send runs (and sets the period) whenever data waits to be sent.
    if (this.tx.nxt < this.tx.end) this.setTimeout(now);
    for (let guard = 0; guard < 1000 && this.tx.sendable > 0; guard += 1) {
      const remaining = this.tx.sendable;
      const pick = selectSend(this.candidates(remaining));
      if (!pick) break;
      this.pushMapping(now, pick.sf, this.tx.nxt, Math.min(pick.sendSpace, remaining, MAX_MAPPING));
      if (this.mode !== 'mptcp') {
        this.pushPlain(now); // the infinite mapping went out: the rest is plain TCP
        return;
      }
    }
    if (this.tx.finToSend() !== undefined && !this.tx.finAnnounced) {
      // mptcp_check_send_data_fin: the DATA_FIN goes on an ACK on every subflow.
      this.tx.finAnnounced = true;
      for (const sf of this.subflows) if (sf.usable) sf.socket.requestPureAck();
    }
    this.armRtx(now);
  }

  /** Hands one mapping to a subflow; `rtx`: from __mptcp_retrans, the only path that counts MPTCPRetrans. */
  private pushMapping(now: number, sf: Subflow, dataSeq: number, max: number, rtx = false): void {
    const bytes = this.tx.peek(dataSeq, max);
    if (bytes.length === 0) return;
    const { map } = this.tx.map(dataSeq, sf.socket.queuedEnd, bytes, this.csumEnabled);
    // The infinite mapping follows our MP_FAIL answer (the kernel sends that ACK at once, tcp_send_ack).
    sf.socket.send(bytes, sf.sendInfiniteMap && !sf.sendMpFail ? this.infiniteMap(now, sf, map) : map);
    // MPTCP_MIB_RETRANSSEGS: one per chunk __mptcp_retrans sends (a reinjection after a subflow went stale
    // or closed goes through the normal push and is not counted).
    if (rtx) {
      this.count('MPTCPRetrans');
      this.allowInfiniteFallback = false; // __mptcp_retrans: the subflow's stream is no longer the data stream
    }
  }

  /**
   * mptcp_update_infinite_map: the mapping becomes the infinite one and the connection falls back
   * (InfiniteMapTx counted by the fallback), or, if that is no longer allowed, the subflow is reset.
   */
  private infiniteMap(now: number, sf: Subflow, map: TxMap): TxMap {
    sf.sendInfiniteMap = false;
    if (!this.fallback(now, sf, 'InfiniteMapTx', true)) {
      this.count('FallbackFailed');
      sf.socket.abort(now);
      return map;
    }
    return { ...map, infinite: true };
  }

  private pushPlain(now: number): void {
    const sf = this.subflows[0];
    if (!sf || (sf.state !== 'ESTABLISHED' && sf.state !== 'CLOSE_WAIT')) return;
    for (let b = this.tx.takePlain(); b.length > 0; b = this.tx.takePlain()) sf.socket.send(b);
    if (this.tx.finSeq !== undefined && !this.plainFinPassed) {
      this.plainFinPassed = true;
      sf.socket.close(now);
    }
  }

  dataAckToSend(): { readonly value: bigint; readonly bits: 32 | 64 } | undefined {
    if (this.mode !== 'mptcp' || this.remoteKey === undefined) return undefined;
    return this.rx.ackToSend();
  }

  dataFinToSend(): bigint | undefined {
    return this.tx.finToSend();
  }

  localDsn(offset: number): bigint {
    return this.tx.dsn(offset);
  }

  /** A DATA_ACK (RFC 8684 §3.3.2) and the window that goes with it (§3.3.4). */
  dataAck(now: number, ack: bigint, ack64: boolean, window: number): void {
    const abs = ack64 ? ack : expandSeq(this.tx.dsn(this.tx.una), ack);
    const r = this.tx.ack(abs, window);
    if (this.tx.wndEnd > this.tx.nxt) this.probes = 0;
    if (!r.advanced) return;
    this.rtxAt = undefined;
    if (r.finAcked) {
      if (this.state === 'FIN_WAIT_1') this.state = 'FIN_WAIT_2';
      else if (this.state === 'CLOSING' || this.state === 'LAST_ACK') this.finish(now);
    }
    this.armRtx(now);
  }

  /** Data waits, the peer's window is closed, nothing is in flight: only a probe can learn that it opened. */
  private get windowClosed(): boolean {
    return this.tx.nxt < this.tx.end && this.tx.nxt >= this.tx.wndEnd && this.tx.una >= this.tx.max;
  }

  private armRtx(now: number): void {
    if (this.mode !== 'mptcp' || this.state === 'CLOSED' || !this.tx.outstanding) {
      this.rtxAt = undefined;
      return;
    }
    if (this.rtxAt !== undefined) return;
    // __mptcp_clean_una: the timer runs while anything written is unacknowledged, mapped or not (data
    // waiting behind a dead subflow's full window still needs the stale check); a closed window backs off.
    if (this.windowClosed && !this.tx.finAnnounced) this.rtxAt = now + this.timerIval * 2 ** Math.min(this.probes, 9);
    else this.rtxAt = now + this.timerIval;
  }

  /**
   * mptcp_set_timeout: the longest time until the retransmission timer of
   * an active subflow fires; a subflow already counting periods without
   * progress (stale_count) does not hold the data back, and without any such
   * timer the period is TCP_RTO_MIN (200 ms).
   */
  private setTimeout(now: number): void {
    let tout = 0;
    for (const sf of this.subflows) {
      const at = sf.socket.retransmitTimerAt;
      if (sf.usable && sf.staleCount === 0 && at !== undefined) tout = Math.max(tout, at - now);
    }
    this.timerIval = tout > 0 ? tout : this.env.tcp.minRtoMs;
  }

  /** mptcp_retransmit_timer / __mptcp_retrans: resend what the peer has not acknowledged at the data level. */
  private onRtx(now: number): void {
    this.rtxAt = undefined;
    const allowBackup = this.checkStale();
    const una = this.tx.una;
    if (this.windowClosed) {
      // MPTCP-level zero window probe: one byte past the window (mptcp_sendmsg_frag, WinProbe).
      const sf = this.subflows.find((s) => s.usable);
      if (sf) {
        this.probes += 1;
        this.count('WinProbe');
        this.pushMapping(now, sf, this.tx.nxt, 1);
      }
    } else if (una >= this.tx.max && this.tx.finAnnounced && !this.tx.finAcked) {
      for (const sf of this.subflows) if (sf.usable) sf.socket.requestPureAck(); // the DATA_FIN again
    } else if (una < this.tx.max) {
      const pick = selectRetransmit(this.candidates(this.tx.max - una), allowBackup);
      if (pick) {
        this.retransmits += 1;
        const space = Math.max(pick.sf.socket.sendSpace(), pick.sf.socket.sendMss);
        this.pushMapping(now, pick.sf, una, Math.min(space, this.tx.max - una, MAX_MAPPING), true);
      }
    }
    this.armRtx(now);
    if (this.rtxAt === undefined && this.tx.outstanding && this.mode === 'mptcp' && this.state !== 'CLOSED')
      this.rtxAt = now + this.timerIval;
  }

  /**
   * mptcp_subflow_get_retrans's stale accounting (mptcp_pm_subflow_chk_stale):
   * each msk retransmission period, an active subflow with data queued that
   * heard nothing from the peer since the last period counts one more; past
   * stale_loss_cnt it is stale, if another active subflow is not itself
   * stalling, and all unacknowledged data goes out again on the others.
   * Returns whether a backup subflow may carry the retransmission (no
   * progress anywhere for two periods).
   */
  private checkStale(): boolean {
    let minStale = Number.POSITIVE_INFINITY;
    for (const sf of this.subflows) {
      if (sf.socket.unacked === 0 || !canSend(sf)) continue;
      const mark = sf.socket.rcvProgress;
      if (sf.staleCount === 0) {
        sf.staleMark = mark;
        sf.staleCount = 1;
      } else if (sf.staleMark === mark) {
        sf.staleCount += 1;
        this.markStale(sf);
      } else {
        sf.staleCount = 0;
      }
      minStale = Math.min(minStale, sf.staleCount);
    }
    return minStale > 1;
  }

  /** mptcp_pm_subflows_chk_stale. */
  private markStale(sf: Subflow): void {
    const lossCnt = this.ctrl.staleLossCnt;
    if (sf.stale || sf.staleCount <= lossCnt) return;
    const activeMax = Math.max(lossCnt - 1, 1);
    if (!this.subflows.some((o) => o !== sf && o.usable && o.staleCount < activeMax)) return;
    sf.stale = true;
    this.tx.rewind(); // __mptcp_retransmit_pending_data
    this.count('SubflowStale');
  }

  // --- receiving ---

  expandRcv(seq32: bigint): bigint {
    return this.rx.expand(seq32);
  }

  remoteIdsn(): bigint {
    return this.rx.dsn(-1);
  }

  setUse64BitAck(on: boolean): void {
    this.rx.use64BitAck = on;
  }

  freeWindow(): number {
    return this.rx.freeWindow();
  }

  data(now: number, _sf: Subflow, dsn: bigint, bytes: Uint8Array): void {
    if (this.rx.data(dsn, bytes)) this.env.emit({ kind: 'readable', conn: this.id });
    this.checkDataFin(now);
  }

  dataFin(now: number, _sf: Subflow, dsn: bigint): void {
    this.rx.fin(dsn);
    this.checkDataFin(now);
  }

  /** mptcp_check_data_fin: the peer's DATA_FIN is next in sequence. */
  private checkDataFin(now: number): void {
    if (!this.rx.takeFin()) return;
    for (const sf of this.subflows) if (sf.state === 'ESTABLISHED' || sf.state === 'CLOSE_WAIT') sf.socket.requestAck();
    this.peerFinished(now);
  }

  private peerFinished(now: number): void {
    this.env.emit({ kind: 'readable', conn: this.id });
    if (this.state === 'ESTABLISHED') this.state = 'CLOSE_WAIT';
    else if (this.state === 'FIN_WAIT_1') this.state = 'CLOSING';
    else if (this.state === 'FIN_WAIT_2' && this.mode === 'mptcp') this.finish(now);
  }

  plainData(_now: number, bytes: Uint8Array): void {
    if (this.rx.append([bytes])) this.env.emit({ kind: 'readable', conn: this.id });
  }

  plainFin(): void {
    this.rx.finished = true;
    this.env.emit({ kind: 'readable', conn: this.id });
    if (this.state === 'ESTABLISHED') this.state = 'CLOSE_WAIT';
    else if (this.state === 'FIN_WAIT_1' || this.state === 'FIN_WAIT_2') this.state = 'CLOSING';
  }

  acked(_now: number, sf: Subflow): void {
    if (this.mode !== 'mptcp') this.tx.ackedPlain(sf.socket.bytesAcked);
  }

  /** Bytes the peer acknowledged at the data level (or TCP's, not MPTCP). */
  get bytesAcked(): number {
    return this.tx.stats.bytesAcked;
  }

  /** The peer finished sending (its DATA_FIN or FIN is in). */
  get eof(): boolean {
    return this.rx.finished;
  }

  /** Bytes received in order and not read yet. */
  get unread(): number {
    return this.rx.queued;
  }

  /** What the application has not read yet (all of it; empty when nothing is there). */
  read(): Uint8Array {
    const out = this.rx.read();
    if (out.length > 0) for (const sf of this.subflows) sf.socket.windowUpdate();
    return out;
  }

  /** read() as the pieces the data arrived in (DataReceiver.readChunks). */
  readChunks(): Uint8Array[] {
    const out = this.rx.readChunks();
    if (out.length > 0) for (const sf of this.subflows) sf.socket.windowUpdate();
    return out;
  }

  // --- subflows ending, the connection ending ---

  subflowFin(now: number, sf: Subflow): void {
    // The peer closed this subflow (__mptcp_close_subflow closes CLOSE_WAIT subflows): close our side too.
    sf.socket.close(now);
  }

  subflowTimeout(): void {
    // Stale detection runs on the msk's retransmission timer (checkStale).
  }

  /** Plain TCP: both FINs are through; TIME_WAIT is the socket's business, not the application's. */
  subflowTimeWait(now: number): void {
    if (this.mode !== 'mptcp') this.endConnection(now, 'normal');
  }

  subflowClosed(now: number, sf: Subflow, reason: CloseReason): void {
    if (sf.detached) return;
    const i = this.subflows.indexOf(sf);
    if (i >= 0) this.subflows.splice(i, 1);
    if (this.mode !== 'mptcp') {
      this.endConnection(now, reason); // plain TCP: the connection is its one subflow
      return;
    }
    if (this.state === 'CLOSED') return;
    if (!sf.everEstablished && sf.kind === 'mpc') {
      this.endConnection(now, reason); // the MP_CAPABLE handshake failed
      return;
    }
    if (sf.quietClose) {
      // Its data goes again when the data-level timer fires; nothing is reported until the connection closes.
      if (this.subflows.length === 0) this.closeAt = now + this.ctrl.closeTimeoutS * 1000;
      return;
    }
    if (sf.active || sf.everEstablished) {
      const error = reason === 'reset' ? ERRNO.ECONNRESET : reason === 'timeout' ? ERRNO.ETIMEDOUT : undefined;
      this.pmEvent(now, 'SF_CLOSED', sf, error);
      this.env.pm.subflowClosed?.(now, this, sf);
    }
    // Its data goes out on the others; after an MP_FAIL reset all of it (the peer threw the mapping away).
    if (sf.socket.unacked > 0 || sf.peerFailReset) this.tx.rewind();
    if (this.subflows.length === 0) this.closeAt = now + this.ctrl.closeTimeoutS * 1000;
  }

  /** Both DATA_FINs are through: close every subflow, report the connection closed. */
  private finish(now: number): void {
    this.state = 'CLOSED';
    // mptcp_destroy sets free_first: every subflow, the first too, ends with __tcp_close.
    for (const sf of [...this.subflows]) sf.socket.closeAll(now);
    this.endConnection(now, 'normal');
  }

  private endConnection(now: number, reason: CloseReason): void {
    if (this.closedSent) return;
    this.closedSent = true;
    this.state = 'CLOSED';
    this.rtxAt = undefined;
    this.closeAt = undefined;
    if (this.currEstab) {
      this.currEstab = false;
      this.env.mib.dec('MPCurrEstab');
    }
    if ((this.mode === 'mptcp' || this.keepsToken) && this.token !== 0 && !this.rcvFastclose)
      this.env.releaseToken(this.token, !this.createdSent);
    if (this.createdSent && !this.rcvFastclose) {
      this.env.emit({ kind: 'pm', conn: this.id, event: { type: 'CLOSED', atMs: now, token: this.token } });
      this.env.pm.closed?.(now, this);
    } else if (!this.serverSide && this.mode === 'fallback' && this.token !== 0) {
      // mptcp_close: a client that fell back still has its token, so `ip mptcp monitor` sees CLOSED (without CREATED).
      this.env.emit({ kind: 'pm', conn: this.id, event: { type: 'CLOSED', atMs: now, token: this.token } });
    }
    // A server connection nobody accepted ends silently.
    if (this.connectedSent || !this.serverSide)
      this.env.emit({ kind: 'closed', conn: this.id, ...(reason === 'normal' ? {} : { error: reason }) });
  }

  /**
   * close() with SO_LINGER 0 (mptcp_do_fastclose): every subflow is reset, and while MPTCP is in use
   * each RST carries MP_FASTCLOSE with the peer's key and MP_TCPRST (RFC 8684 §3.5; Linux 6.x uses the
   * RST form, not MP_FASTCLOSE on an ACK first). A connection that fell back sends plain RSTs.
   */
  abort(now: number): void {
    if (this.mode === 'mptcp' && this.remoteKey !== undefined) for (const sf of this.subflows) sf.sendFastclose = true;
    for (const sf of [...this.subflows]) sf.socket.abort(now);
    this.endConnection(now, 'aborted');
  }

  /**
   * mptcp_incoming_options + mptcp_check_fastclose: an MP_FASTCLOSE with our key. The token goes first
   * (so the close reports no CLOSED event), every other subflow is reset (RST with MP_TCPRST), and the
   * application sees ECONNRESET. The state is CLOSED before the subflows go, so no SF_CLOSED either.
   * `resetBy`: the subflow whose RST carried it, closed by that RST.
   */
  fastcloseReceived(now: number, key: bigint, resetBy?: Subflow): void {
    if (this.mode !== 'mptcp' || key !== this.localKey) return;
    this.count('MPFastcloseRx');
    if (this.state === 'CLOSED' || this.rcvFastclose) return;
    this.rcvFastclose = true;
    if (this.token !== 0) this.env.releaseToken(this.token, !this.createdSent);
    this.state = 'CLOSED';
    for (const sf of [...this.subflows]) if (sf !== resetBy) sf.socket.abort(now);
    this.endConnection(now, 'reset');
  }

  // --- timers ---

  nextTimeout(): number | undefined {
    const pm = this.state === 'CLOSED' ? undefined : this.env.pm.nextTimeout?.(this);
    return earlier(earlier(earlier(this.rtxAt, this.closeAt), pm), this.failTimeout());
  }

  /** The first subflow's MP_FAIL wait (only it can fail gracefully: mptcp_subflow_fail). */
  private failTimeout(): number | undefined {
    const first = this.allSubflows[0];
    return this.state === 'CLOSED' || first === undefined || !this.subflows.includes(first) ? undefined : first.failTout;
  }

  handleTimeout(now: number): void {
    const pm = this.state === 'CLOSED' ? undefined : this.env.pm.nextTimeout?.(this);
    if (pm !== undefined && now >= pm) this.env.pm.timeout?.(now, this);
    const fail = this.failTimeout();
    if (fail !== undefined && now >= fail) {
      // mptcp_mp_fail_no_response: the peer never answered our MP_FAIL: reset the subflow.
      const first = this.allSubflows[0] as Subflow;
      first.failTout = undefined;
      first.socket.abort(now);
    }
    if (this.closeAt !== undefined && now >= this.closeAt) {
      this.closeAt = undefined;
      if (this.subflows.length === 0) this.endConnection(now, 'timeout'); // net.mptcp.close_timeout
    }
    if (this.rtxAt !== undefined && now >= this.rtxAt) this.onRtx(now);
  }

  // --- reporting ---

  /** A PM event about a subflow (SF_PRIORITY from the PM). */
  subflowEvent(now: number, type: PmEventKind, sf: Subflow): void {
    this.pmEvent(now, type, sf);
  }

  /** ANNOUNCED (with the address) or REMOVED (the ID only), as mptcp_event_addr_announced/_removed. */
  addrEvent(now: number, type: 'ANNOUNCED' | 'REMOVED', remId: number, addr?: { readonly addr: string; readonly port: number }): void {
    const event: PmEvent = {
      type,
      atMs: now,
      token: this.token,
      remId,
      ...(addr ? { family: addr.addr.includes(':') ? 6 : 4, daddr: addr.addr, ...(addr.port ? { dport: addr.port } : {}) } : {}),
    };
    this.env.emit({ kind: 'pm', conn: this.id, event });
  }

  /** mptcp_event(): the attributes `ip mptcp monitor` prints for this kind. */
  private pmEvent(now: number, type: PmEventKind, sf: Subflow, error?: number): void {
    const event: PmEvent = {
      type,
      atMs: now,
      token: this.token,
      family: sf.local.addr.includes(':') ? 6 : 4,
      saddr: sf.local.addr,
      daddr: sf.remote.addr,
      sport: sf.local.port,
      dport: sf.remote.port,
      locId: sf.localId,
      remId: sf.remoteId,
      // The kernel reports subflow->backup: what the peer asked for (its B flag or MP_PRIO).
      ...(type.startsWith('SF_') ? { backup: sf.peerBackup } : {}),
      ...(this.serverSide ? { serverSide: true } : {}),
      ...(error !== undefined ? { error } : {}),
      ...(type === 'SF_CLOSED' && sf.peerResetReason !== undefined ? { resetReason: sf.peerResetReason } : {}),
    };
    this.env.emit({ kind: 'pm', conn: this.id, event });
  }

  info(): MptcpConnectionInfo {
    return mskInfo(this, {
      ...this.tx.infoSeqs(),
      rcvNxt: this.rx.dsn(this.rx.nxt),
      localIdsn: this.tx.dsn(-1),
      remoteIdsn: this.rx.dsn(-1),
      ...this.tx.stats,
      bytesReceived: this.rx.bytesReceived,
      retransmits: this.retransmits,
    });
  }
}

/** The earlier of two optional times. */
function earlier(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || (b !== undefined && b < a) ? b : a;
}
