// The engine's sans-IO API, after quinn-proto's Endpoint: one MptcpEndpoint
// per host (per simulated node, or per network namespace on the wire). It
// never reads a clock, opens a socket or draws a random number by itself:
//
//   handle(now, packet)        an IP packet for this host (src, dst, TCP segment bytes)
//   pollTransmit(now)          the next packet to send, or undefined
//   pollTimeout()              when handleTimeout() wants to be called, or undefined
//   handleTimeout(now)         timers that are due
//   poll()                     the next EngineEvent (engine/events.ts)
//   connect/listen/write/shutdownWrite/read/info/createSubflow   the application's side
//
// Time is milliseconds and never goes backwards. Keys, nonces, initial
// sequence numbers and ephemeral ports come from the injected RandomSource,
// so the same seed and the same calls give the same packets, byte for byte.
//
// Listeners are wildcard ones (any local address), which is what a kernel
// server needs to take MP_JOINs to its other addresses.

import { Mib } from './mib.js';
import { mptcpCtrl, type MptcpCtrl } from './ctrl.js';
import { TokenTable } from './token.js';
import type { RandomSource } from './random.js';
import { encodeOption } from './options.js';
import {
  MPTCP_CAP_CHECKSUM_REQD,
  MPTCP_CAP_DENY_JOIN_ID0,
  MPTCP_CAP_HMAC_SHA256,
  MPTCP_RST_EMPTCP,
  MPTCP_SUPPORTED_VERSION,
  OPTION_MPTCP_FASTCLOSE,
  OPTION_MPTCP_MPC_ACK,
  OPTION_MPTCP_MPJ_ACK,
  OPTION_MPTCP_FAIL,
  OPTION_MPTCP_RST,
  OPTIONS_MPTCP_MPC,
  OPTIONS_MPTCP_MPJ,
} from './protocol.js';
import { JoinCookies, SynCookies, SYNCOOKIE_VALID_MS, type CookieTuple } from './syncookies.js';
import { Msk, type CreateSubflowOptions, type MskEnv, type MskMode } from './msk.js';
import { receivedOptions, type Subflow } from './subflow.js';
import type { PathManager } from './pm-hooks.js';
import { UserspacePm, runUpmCommand, type UpmCommand, type UpmResult } from './pm-userspace.js';
import type { ConnectionId, EngineEvent } from './events.js';
import type { MptcpConnectionInfo } from './msk-info.js';
import { DEFAULT_TCP_CONFIG, type TcpConfig } from './tcp/config.js';
import { checkedSegmentLen, emitSegment, parseSegment, tcpFlags, type TcpOption, type TcpSegment } from './tcp/segment.js';
import { setTcpChecksum, verifyTcpChecksum } from './tcp/segment-checksum.js';
import { seqAdd } from './tcp/seq.js';
import { chargesSmallQueue } from './tcp/small-queues.js';
import type { TcpSocket } from './tcp/socket.js';

/** An IP packet: addresses as text, the TCP segment as bytes (the simulator's Packet). */
export interface Datagram {
  readonly src: string;
  readonly dst: string;
  readonly bytes: Uint8Array;
  /**
   * The segment as a record, when the sender handed it over so: exactly what parseSegment(bytes) gives,
   * so a receiver takes it instead of parsing the bytes. Packets from pollTransmit() carry it, and emit
   * their bytes only when something reads them (a capture, a link that flips or rewrites a byte).
   */
  readonly segment?: TcpSegment;
  /** bytes.length, known without emitting the bytes. */
  readonly length?: number;
}

/** A packet of ours: the segment record, its bytes emitted on first read (immutable, like the record). */
class SentDatagram implements Datagram {
  private emitted: Uint8Array | undefined;
  /** The socket TCP Small Queues charged for this packet, until it leaves the host (handleTxDone). */
  inHost: TcpSocket<unknown, unknown> | undefined;

  /** `rxKey`: the key a receiving endpoint finds its socket by (key() of dst, dstPort, src, srcPort), made once per socket. */
  constructor(
    readonly src: string,
    readonly dst: string,
    readonly segment: TcpSegment,
    readonly length: number,
    bytes: Uint8Array | undefined,
    readonly rxKey?: string,
  ) {
    this.emitted = bytes;
  }

  get bytes(): Uint8Array {
    return (this.emitted ??= emitSegment(this.segment));
  }
}

/** The segment of a packet: its record when it has one, else parsed from its bytes. */
function segmentOf(packet: Datagram): TcpSegment | undefined {
  if (packet.segment) return packet.segment;
  const parsed = parseSegment(packet.bytes);
  return parsed.ok ? parsed.segment : undefined;
}

export interface EndpointOptions {
  /** This host's addresses; the first of a family is the default source for connect(). */
  readonly addresses: readonly string[];
  readonly random: RandomSource;
  /** net.mptcp.* (defaults: the kernel's). */
  readonly ctrl?: Partial<MptcpCtrl>;
  readonly tcp?: Partial<TcpConfig>;
  readonly pm?: PathManager;
  /** Receive buffer per connection, bytes (the window both levels announce). Default 4 MiB. */
  readonly rcvBuf?: number;
  /**
   * Emit LISTENER_CREATED / LISTENER_CLOSED PM events on listen()/unlisten() of an MPTCP listener,
   * as the kernel does (mptcp_event_pm_listener). Default true (the events carry conn 0).
   */
  readonly listenerEvents?: boolean;
  /**
   * Count MPCapableFallbackACK when an MPTCP listener accepts a plain TCP client (no MP_CAPABLE in
   * its SYN), as kernels before a 2024 change did. Default false, like 6.18 (lab plain-tcp-client).
   */
  readonly plainAcceptCountsFallback?: boolean;
  /** Fill the TCP checksum and drop segments whose checksum is wrong. Default true. */
  readonly checksum?: boolean;
  /**
   * net.ipv4.tcp_syncookies: 2 answers every SYN with a SYN cookie (engine/syncookies.ts); 1 (the
   * kernel's default) only when the SYN queue overflows, which the engine does not model, so never; 0 never.
   */
  readonly syncookies?: 0 | 1 | 2;
  /**
   * TCP Small Queues (engine/tcp/small-queues.ts): a subflow holds data back while too much of it is
   * still in this host. The driver must then report every packet needsTxDone() names with
   * handleTxDone() once it left the host (else the subflow stalls). Default false.
   */
  readonly smallQueues?: boolean;
}

export interface ConnectOptions {
  readonly remoteAddr: string;
  readonly remotePort: number;
  /** Default: the first own address of the remote's family. */
  readonly localAddr?: string;
  /** Default: an ephemeral port. */
  readonly localPort?: number;
  /** IPPROTO_MPTCP (true) or IPPROTO_TCP (false). */
  readonly mptcp: boolean;
}

export class EngineError extends Error {
  constructor(
    readonly code: 'ENOPROTOOPT' | 'EADDRINUSE' | 'ENOTCONN' | 'EINVAL',
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

const EPHEMERAL_LOW = 32768;
/** RFC 9293 §3.7.1: the MSS assumed when a SYN carries none. */
const DEFAULT_PEER_MSS = 536;
const DEFAULT_RCVBUF = 4 << 20;
const EPHEMERAL_COUNT = 61000 - EPHEMERAL_LOW;

export class MptcpEndpoint {
  readonly mib = new Mib();
  readonly ctrl: MptcpCtrl;
  private readonly tcp: TcpConfig;
  private readonly random: RandomSource;
  private readonly tokens: TokenTable<Msk, Msk>;
  private readonly listeners = new Map<number, { readonly mptcp: boolean; readonly quiet: boolean }>();
  /** By key(); `peerKey` is the key of the same connection at the peer (what our packets are looked up by there). */
  private readonly sockets = new Map<string, { readonly sf: Subflow; readonly msk: Msk; readonly key: string; readonly peerKey: string }>();
  private readonly conns = new Map<ConnectionId, Msk>();
  private outbox: Datagram[] = [];
  private outHead = 0;
  private events: EngineEvent[] = [];
  private eventHead = 0;
  private nextConn = 1;
  private nextPort: number;
  private lastNow = 0;
  private dirty = false;
  private readonly env: MskEnv;
  private readonly checksum: boolean;
  private readonly cookies: SynCookies;
  private readonly joinCookies: JoinCookies;
  /** When each listening port last sent a SYN cookie (tcp_synq_overflow's stamp). */
  private readonly lastCookieAt = new Map<number, number>();

  constructor(private readonly opts: EndpointOptions) {
    this.ctrl = mptcpCtrl(opts.ctrl);
    this.tcp = { ...DEFAULT_TCP_CONFIG, ...opts.tcp, smallQueues: opts.smallQueues ?? opts.tcp?.smallQueues ?? false };
    this.random = opts.random;
    this.checksum = opts.checksum ?? true;
    this.tokens = new TokenTable<Msk, Msk>(opts.random);
    this.cookies = new SynCookies(opts.random);
    this.joinCookies = new JoinCookies({ mib: this.mib, random: opts.random, connection: (token) => this.tokens.getSock(token) });
    this.nextPort = EPHEMERAL_LOW + (opts.random.nextU32() % EPHEMERAL_COUNT);
    const self = this;
    this.env = {
      mib: this.mib,
      ctrl: this.ctrl,
      tcp: this.tcp,
      random: this.random,
      // net.mptcp.pm_type 1 without a PM given: the userspace PM, driven by pmCommand().
      pm: opts.pm ?? (this.ctrl.pmType === 1 ? new UserspacePm({ addresses: opts.addresses }) : {}),
      rcvBuf: opts.rcvBuf ?? DEFAULT_RCVBUF,
      emit: (ev) => void self.events.push(ev),
      attach: (sf, msk) => {
        const k = key(sf.local.addr, sf.local.port, sf.remote.addr, sf.remote.port);
        self.sockets.set(k, { sf, msk, key: k, peerKey: key(sf.remote.addr, sf.remote.port, sf.local.addr, sf.local.port) });
      },
      acceptToken: (token, msk) => void self.tokens.accept(token, msk),
      releaseToken: (token, request) => void (request ? self.tokens.destroyRequest(token) : self.tokens.destroy(token)),
      ephemeralPort: () => self.ephemeralPort(),
    };
  }

  // --- the application's side ---

  /** connect(): a new connection; its SYN goes out with the next pollTransmit(). */
  connect(now: number, o: ConnectOptions): ConnectionId {
    this.advance(now);
    if (o.mptcp && !this.ctrl.enabled) throw new EngineError('ENOPROTOOPT', 'net.mptcp.enabled is 0');
    const localAddr = o.localAddr ?? this.defaultAddress(o.remoteAddr);
    const local = { addr: localAddr, port: o.localPort ?? this.ephemeralPort() };
    const remote = { addr: o.remoteAddr, port: o.remotePort };
    if (this.sockets.has(key(local.addr, local.port, remote.addr, remote.port))) {
      throw new EngineError('EADDRINUSE', `${local.addr}:${local.port} -> ${remote.addr}:${remote.port} is in use`);
    }
    const id = this.nextConn++;
    let mode: MskMode = o.mptcp ? 'mptcp' : 'plain';
    const msk = new Msk(this.env, id, false, mode, local, remote, false);
    if (mode === 'mptcp') {
      const t = this.tokens.newConnect(msk);
      if (t.ok) msk.setLocalKey(t.key, t.token, t.idsn);
      else {
        this.mib.inc('MPFallbackTokenInit'); // mptcp_connect: no token, early fallback
        mode = 'fallback';
        msk.mode = mode;
      }
    }
    this.conns.set(id, msk);
    msk.connect(now, this.random.nextU32());
    this.pump(now);
    return id;
  }

  /**
   * listen() on a port, any local address. `pm`: a listener the path manager opens for an endpoint
   * with a port (mptcp_pm_nl_create_listen_socket), which `ip mptcp monitor` does not report.
   */
  listen(port: number, o: { readonly mptcp: boolean; readonly pm?: boolean }): void {
    if (o.mptcp && !this.ctrl.enabled) throw new EngineError('ENOPROTOOPT', 'net.mptcp.enabled is 0');
    if (this.listeners.has(port)) throw new EngineError('EADDRINUSE', `port ${port} is already listening`);
    this.listeners.set(port, { mptcp: o.mptcp, quiet: o.pm ?? false });
    // mptcp_event_pm_listener: an MPTCP listener announces itself (token 0, the wildcard address, the port).
    if (o.mptcp && !o.pm && (this.opts.listenerEvents ?? true))
      this.events.push({ kind: 'pm', conn: 0, event: { type: 'LISTENER_CREATED', atMs: this.lastNow, token: 0, sport: port } });
  }

  /** close() of a listener: no new connections on that port (LISTENER_CLOSED for an MPTCP one). */
  unlisten(now: number, port: number): void {
    this.advance(now);
    const l = this.listeners.get(port);
    if (!l) return;
    this.listeners.delete(port);
    if (l.mptcp && !l.quiet && (this.opts.listenerEvents ?? true))
      this.events.push({ kind: 'pm', conn: 0, event: { type: 'LISTENER_CLOSED', atMs: now, token: 0, sport: port } });
  }

  /** Queue bytes to send; returns how many were taken (all of them while the connection can send). */
  write(conn: ConnectionId, bytes: Uint8Array): number {
    this.dirty = true;
    return this.msk(conn).write(bytes);
  }

  /** shutdown(SHUT_WR): a DATA_FIN (or FIN) after what was written. */
  shutdownWrite(conn: ConnectionId): void {
    this.dirty = true;
    this.msk(conn).shutdownWrite();
  }

  /** Everything received in order and not read yet (empty if nothing). */
  read(conn: ConnectionId): Uint8Array {
    this.dirty = true;
    return this.msk(conn).read();
  }

  /** read() as the pieces the data arrived in, in order, without joining them (no copy); none if nothing. */
  readChunks(conn: ConnectionId): Uint8Array[] {
    this.dirty = true;
    return this.msk(conn).readChunks();
  }

  /** The peer finished sending and read() has returned everything before that. */
  eof(conn: ConnectionId): boolean {
    const m = this.msk(conn);
    return m.eof && m.unread === 0;
  }

  /** Reset the connection (RST on every subflow). */
  abort(now: number, conn: ConnectionId): void {
    this.advance(now);
    this.msk(conn).abort(now);
    this.pump(now);
  }

  info(conn: ConnectionId): MptcpConnectionInfo {
    return this.msk(conn).info();
  }

  /**
   * info(conn).bytesAcked alone (the data level's, or TCP's when not MPTCP), for a caller asking on
   * every packet: info() builds every subflow's tcp_info and the 64-bit sequence numbers.
   */
  bytesAcked(conn: ConnectionId): number {
    // Msk keeps its sender private; bracket access reads it without widening Msk's interface.
    return this.msk(conn).bytesAcked;
  }

  /** The connection itself, for a path manager (createSubflow, queueSignal, subflows, keys). */
  connection(conn: ConnectionId): Msk {
    return this.msk(conn);
  }

  connectionIds(): ConnectionId[] {
    return [...this.conns.keys()];
  }

  /** The PM's "create a subflow from local address A to remote address B". */
  createSubflow(now: number, conn: ConnectionId, o: CreateSubflowOptions): Subflow {
    this.advance(now);
    const r = this.msk(conn).createSubflow(now, o);
    if (typeof r === 'string') throw new EngineError('EINVAL', r);
    this.pump(now);
    return r;
  }

  /** A userspace PM netlink command (engine/pm-userspace.ts); EINVAL unless this host runs the userspace PM. */
  pmCommand(now: number, command: UpmCommand): UpmResult {
    this.advance(now);
    const r = runUpmCommand(this.env.pm, now, command);
    this.pump(now);
    return r;
  }

  // --- the network's side ---

  handle(now: number, packet: Datagram): void {
    this.advance(now);
    const seg = segmentOf(packet);
    if (!seg) return;
    if (this.checksum && !verifyTcpChecksum(packet.src, packet.dst, packet.bytes)) return;
    // A packet of an engine socket names its receiver's key (the same string, made once per socket, not per packet).
    const rxKey = packet instanceof SentDatagram ? packet.rxKey : undefined;
    const entry = this.sockets.get(rxKey ?? key(packet.dst, seg.dstPort, packet.src, seg.srcPort));
    if (entry) {
      if (seg.flags.rst && entry.sf.resetOnEarlyRst(now, seg)) {
        this.pump(now);
        return;
      }
      if (seg.flags.rst) this.noteReset(now, entry.sf, entry.msk, seg);
      entry.sf.socket.handle(now, seg);
    } else if (seg.flags.syn && !seg.flags.ack && this.listeners.has(seg.dstPort)) {
      const mptcp = (this.listeners.get(seg.dstPort) as { readonly mptcp: boolean }).mptcp;
      if (this.opts.syncookies === 2) this.cookieSynAck(now, packet, seg, mptcp);
      else this.onSyn(now, packet, seg, mptcp);
    } else if (seg.flags.ack && !seg.flags.syn && !seg.flags.rst && this.listeners.has(seg.dstPort) && this.cookieAck(now, packet, seg)) {
      // a connection rebuilt from a SYN cookie (or a cookie ACK dropped)
    } else if (!seg.flags.rst) {
      this.reply(packet, seg, undefined); // RFC 9293 §3.10.7.1: no connection here
    }
    this.pump(now);
  }

  pollTransmit(now: number): Datagram | undefined {
    this.advance(now);
    if (this.dirty) this.pump(now);
    if (this.outHead >= this.outbox.length) return undefined;
    const d = this.outbox[this.outHead++] as Datagram;
    if (this.outHead > 1024 && this.outHead * 2 > this.outbox.length) {
      this.outbox = this.outbox.slice(this.outHead);
      this.outHead = 0;
    }
    return d;
  }

  /** Whether the driver must report this packet to handleTxDone() when it leaves the host (TCP Small Queues). */
  needsTxDone(packet: Datagram): boolean {
    return packet instanceof SentDatagram && packet.inHost !== undefined;
  }

  /**
   * A packet from pollTransmit() left this host: dequeued by its egress qdisc, dropped there, or orphaned
   * by a netem with delay (tcp_wfree). Frees its socket's small-queue budget; pollTransmit() may then have more.
   */
  handleTxDone(now: number, packet: Datagram): void {
    this.advance(now);
    const owner = packet instanceof SentDatagram ? packet.inHost : undefined;
    if (!owner) return;
    (packet as SentDatagram).inHost = undefined;
    owner.txDone(packet.segment?.payload.length ?? 0);
    this.dirty = true;
  }

  pollTimeout(): number | undefined {
    let t: number | undefined;
    for (const { sf } of this.sockets.values()) {
      const d = sf.socket.nextTimeout();
      if (d !== undefined && (t === undefined || d < t)) t = d;
    }
    for (const m of this.conns.values()) {
      const d = m.nextTimeout();
      if (d !== undefined && (t === undefined || d < t)) t = d;
    }
    return t;
  }

  handleTimeout(now: number): void {
    this.advance(now);
    for (const { sf } of [...this.sockets.values()]) {
      const t = sf.socket.nextTimeout();
      if (t !== undefined && t <= now) sf.socket.handleTimeout(now);
    }
    for (const m of [...this.conns.values()]) {
      const t = m.nextTimeout();
      if (t !== undefined && t <= now) m.handleTimeout(now);
    }
    this.pump(now);
  }

  poll(): EngineEvent | undefined {
    if (this.eventHead >= this.events.length) {
      if (this.eventHead > 0) {
        this.events = [];
        this.eventHead = 0;
      }
      return undefined;
    }
    return this.events[this.eventHead++];
  }

  // --- inside ---

  private msk(conn: ConnectionId): Msk {
    const m = this.conns.get(conn);
    if (!m) throw new EngineError('ENOTCONN', `no connection ${conn}`);
    return m;
  }

  private advance(now: number): void {
    if (now < this.lastNow) throw new RangeError(`MptcpEndpoint: time went backwards (${now} ms after ${this.lastNow} ms)`);
    this.lastNow = now;
  }

  private defaultAddress(remote: string): string {
    const v6 = remote.includes(':');
    const a = this.opts.addresses.find((x) => x.includes(':') === v6);
    if (a === undefined) throw new EngineError('EINVAL', `no local address of the family of ${remote}`);
    return a;
  }

  private ephemeralPort(): number {
    const p = this.nextPort;
    this.nextPort = EPHEMERAL_LOW + ((p - EPHEMERAL_LOW + 1) % EPHEMERAL_COUNT);
    return p;
  }

  /** A SYN reached a listener (tcp_conn_request + subflow_check_req). */
  private onSyn(now: number, packet: Datagram, syn: TcpSegment, mptcpListener: boolean): void {
    const local = { addr: packet.dst, port: syn.dstPort };
    const remote = { addr: packet.src, port: syn.srcPort };
    let mode: MskMode = 'plain';
    let mpcSyn = false;
    if (mptcpListener) {
      const rx = receivedOptions(syn);
      const mpc = (rx.suboptions & OPTIONS_MPTCP_MPC) !== 0;
      const mpj = (rx.suboptions & OPTIONS_MPTCP_MPJ) !== 0;
      mpcSyn = mpc;
      if (mpc) this.mib.inc('MPCapableSYNRX');
      else if (mpj) {
        this.mib.inc('MPJoinSynRx');
        if (rx.backup) this.mib.inc('MPJoinSynBackupRx');
        const owner = this.tokens.getSock(rx.token);
        if (!owner) {
          // subflow_token_join_request: no such connection; an MP_JOIN cannot fall back to TCP.
          this.mib.inc('MPJoinNoTokenFound');
          this.reply(packet, syn, MPTCP_RST_EMPTCP);
          return;
        }
        owner.acceptJoin(now, syn, rx, local, remote, this.random.nextU32());
        return;
      }
      mode = mpc && !mpj ? 'mptcp' : 'fallback';
    }
    const id = this.nextConn++;
    // Kernel 6.18 counts MPCapableACKRX / MPCapableFallbackACK at accept() only for a request that asked for
    // MPTCP; a plain TCP client accepted by an MPTCP listener counts neither (plainAcceptCountsFallback false).
    const counts = mptcpListener && (mpcSyn || (this.opts.plainAcceptCountsFallback ?? false));
    const msk = new Msk(this.env, id, true, mode, local, remote, counts);
    if (mode === 'mptcp') {
      const t = this.tokens.newRequest(msk);
      if (t.ok) msk.setLocalKey(t.key, t.token, t.idsn);
      else {
        this.mib.inc('MPFallbackTokenInit');
        msk.mode = 'fallback';
      }
    }
    this.conns.set(id, msk);
    msk.acceptSyn(now, syn, this.random.nextU32());
  }

  /**
   * tcp_conn_request with want_cookie: answer the SYN with a SYN/ACK whose ISS is a cookie and keep
   * nothing (RFC 4987 §3.6). MP_CAPABLE gets a fresh key whose token is free (subflow_check_req); an
   * MP_JOIN's state goes to the join cookie table. Counts TcpExtSyncookiesSent.
   */
  private cookieSynAck(now: number, packet: Datagram, syn: TcpSegment, mptcpListener: boolean): void {
    const local = { addr: packet.dst, port: syn.dstPort };
    let mptcp: Uint8Array | undefined;
    if (mptcpListener) {
      const rx = receivedOptions(syn);
      if (rx.suboptions & OPTIONS_MPTCP_MPC) {
        this.mib.inc('MPCapableSYNRX');
        const km = this.tokens.cookieKey();
        if (km) mptcp = encodeOption({ kind: 'mp_capable', version: MPTCP_SUPPORTED_VERSION, flags: this.mpcFlags(), senderKey: km.key });
        else this.mib.inc('MPFallbackTokenInit');
      } else if (rx.suboptions & OPTIONS_MPTCP_MPJ) {
        const join = this.joinCookies.synAck(syn, rx, local);
        if ('reset' in join) {
          this.reply(packet, syn, join.reset);
          return;
        }
        mptcp = join.option;
      }
    }
    this.mib.inc('SyncookiesSent');
    this.lastCookieAt.set(syn.dstPort, now);
    let peerMss = DEFAULT_PEER_MSS;
    let wscale: number | undefined;
    for (const o of syn.options) {
      if (o.kind === 'mss' && o.mss > 0) peerMss = o.mss;
      if (o.kind === 'wscale') wscale = o.shift;
    }
    const { cookie } = this.cookies.make(now, tupleOf(packet, syn), syn.seq, peerMss, wscale);
    const options: TcpOption[] = [{ kind: 'mss', mss: this.tcp.mss }];
    if (wscale !== undefined) options.push({ kind: 'wscale', shift: this.tcp.rcvWscale });
    if (mptcp) options.push({ kind: 'mptcp', bytes: mptcp });
    this.mib.inc('OutSegs');
    const window = Math.min(0xffff, this.opts.rcvBuf ?? DEFAULT_RCVBUF); // RFC 7323 §2.2: a SYN's window is never scaled
    this.send(packet.dst, packet.src, {
      srcPort: syn.dstPort,
      dstPort: syn.srcPort,
      seq: cookie,
      ack: seqAdd(syn.seq, 1),
      flags: tcpFlags({ syn: true, ack: true }),
      window,
      options,
      payload: new Uint8Array(0),
    });
  }

  /**
   * cookie_v4_check: an ACK to a listener with no connection. Within SYNCOOKIE_VALID_MS of the last cookie
   * the listener sent, a valid cookie rebuilds the connection (TcpExtSyncookiesRecv) and the ACK goes to
   * it; an invalid one counts TcpExtSyncookiesFailed and gets the listener's RST. Returns whether the ACK was taken.
   */
  private cookieAck(now: number, packet: Datagram, ack: TcpSegment): boolean {
    const last = this.lastCookieAt.get(ack.dstPort);
    if (!this.opts.syncookies || last === undefined || now - last > SYNCOOKIE_VALID_MS) return false;
    const isn = isnOf(ack);
    const iss = seqAdd(ack.ack, -1);
    const got = this.cookies.check(now, tupleOf(packet, ack), isn, iss);
    if (!got) {
      this.mib.inc('SyncookiesFailed');
      return false;
    }
    this.mib.inc('SyncookiesRecv');
    // The SYN the cookie stands for: its sequence number, MSS and window scale.
    const syn: TcpSegment = {
      srcPort: ack.srcPort,
      dstPort: ack.dstPort,
      seq: isn,
      ack: 0,
      flags: tcpFlags({ syn: true }),
      window: ack.window,
      options: [{ kind: 'mss', mss: got.mss }, ...(got.wscale !== undefined ? [{ kind: 'wscale' as const, shift: got.wscale }] : [])],
      payload: new Uint8Array(0),
    };
    this.cookieSubflow(now, packet, ack, syn, iss)?.socket.handle(now, ack);
    return true;
  }

  /**
   * cookie_tcp_reqsk_alloc + mptcp_subflow_init_cookie_req: the subflow a valid cookie ACK stands for, or
   * undefined when its MPTCP part does not check out (the kernel then drops the ACK).
   */
  private cookieSubflow(now: number, packet: Datagram, ack: TcpSegment, syn: TcpSegment, iss: number): Subflow | undefined {
    const local = { addr: packet.dst, port: ack.dstPort };
    const remote = { addr: packet.src, port: ack.srcPort };
    const mptcpListener = (this.listeners.get(ack.dstPort) as { readonly mptcp: boolean }).mptcp;
    const rx = receivedOptions(ack);
    const mpc = mptcpListener && (rx.suboptions & OPTION_MPTCP_MPC_ACK) !== 0;
    const mpj = mptcpListener && (rx.suboptions & OPTION_MPTCP_MPJ_ACK) !== 0;
    if (mpc && mpj) return undefined;
    if (mpj) return this.joinCookies.subflow(now, syn, ack, rx, local, remote, iss);
    if (mpc && rx.sndrKey === 0n) return undefined;
    const id = this.nextConn;
    // Without MP_CAPABLE on the ACK the request is a plain one (as for a plain TCP client, nothing is counted at accept).
    const counts = mpc || (mptcpListener && (this.opts.plainAcceptCountsFallback ?? false));
    const msk = new Msk(this.env, id, true, mpc ? 'mptcp' : mptcpListener ? 'fallback' : 'plain', local, remote, counts);
    if (mpc) {
      const t = this.tokens.newRequestKey(msk, rx.rcvrKey);
      if (!t.ok) return undefined;
      msk.setLocalKey(t.key, t.token, t.idsn);
    }
    this.nextConn += 1;
    this.conns.set(id, msk);
    return msk.acceptSyn(now, syn, iss, true);
  }

  private mpcFlags(): number {
    let flags = MPTCP_CAP_HMAC_SHA256;
    if (this.ctrl.checksumEnabled) flags |= MPTCP_CAP_CHECKSUM_REQD;
    if (!this.ctrl.allowJoinInitialAddrPort) flags |= MPTCP_CAP_DENY_JOIN_ID0;
    return flags;
  }

  /**
   * The MPTCP options of an incoming RST (tcp_reset calls mptcp_incoming_options): MP_FASTCLOSE with our
   * key tears the connection down (RFC 8684 §3.5) before the RST closes this subflow; MP_TCPRST is
   * counted and its reason kept for SF_CLOSED (§3.6).
   */
  private noteReset(now: number, sf: Subflow, msk: Msk, seg: TcpSegment): void {
    if (sf.kind === 'plain') return;
    const rx = receivedOptions(seg);
    if (rx.suboptions & OPTION_MPTCP_FASTCLOSE) msk.fastcloseReceived(now, rx.rcvrKey, sf);
    if (rx.suboptions & OPTION_MPTCP_FAIL) {
      // RFC 8684 §3.7: the peer reset this subflow over a checksum failure; its data must go again.
      msk.mpFailReceived(now, sf);
      this.mib.inc('MPFailRx');
      sf.peerFailReset = true;
    }
    if (!(rx.suboptions & OPTION_MPTCP_RST)) return;
    this.mib.inc('MPRstRx');
    sf.peerResetReason = rx.resetReason;
  }

  /** A RST for a segment no connection takes (RFC 9293 §3.10.7.1), with MP_TCPRST when given a reason. */
  private reply(packet: Datagram, seg: TcpSegment, reason: number | undefined): void {
    const len = seg.payload.length + (seg.flags.syn ? 1 : 0) + (seg.flags.fin ? 1 : 0);
    const options =
      reason === undefined ? [] : [{ kind: 'mptcp' as const, bytes: encodeOption({ kind: 'mp_tcprst', transient: false, reason }) }];
    if (reason !== undefined) this.mib.inc('MPRstTx');
    this.mib.inc('OutRsts');
    const rst: TcpSegment = seg.flags.ack
      ? {
          srcPort: seg.dstPort,
          dstPort: seg.srcPort,
          seq: seg.ack,
          ack: 0,
          flags: tcpFlags({ rst: true }),
          window: 0,
          options,
          payload: new Uint8Array(0),
        }
      : {
          srcPort: seg.dstPort,
          dstPort: seg.srcPort,
          seq: 0,
          ack: seqAdd(seg.seq, len),
          flags: tcpFlags({ rst: true, ack: true }),
          window: 0,
          options,
          payload: new Uint8Array(0),
        };
    this.send(packet.dst, packet.src, rst);
  }

  private send(src: string, dst: string, seg: TcpSegment, rxKey?: string): SentDatagram {
    // Checked now, as emitting would: a segment that cannot be sent fails here, not where its bytes are read.
    const length = checkedSegmentLen(seg);
    let bytes: Uint8Array | undefined;
    if (this.checksum) {
      bytes = emitSegment(seg);
      setTcpChecksum(src, dst, bytes);
    }
    const d = new SentDatagram(src, dst, seg, length, bytes, rxKey);
    this.outbox.push(d);
    return d;
  }

  /** Let every connection push data and every subflow send what it may; drop what is closed. */
  private pump(now: number): void {
    this.dirty = false;
    // A second round lets what the first one caused (a subflow reset, data to reinject) go out too. A
    // first round that sent nothing and closed nothing changed nothing a second one would see.
    for (let round = 0; round < 2; round += 1) {
      let changed = false;
      for (const m of this.conns.values()) m.push(now);
      for (const { sf, key: k, peerKey } of this.sockets.values()) {
        for (const seg of sf.socket.transmit(now)) {
          changed = true;
          const d = this.send(sf.local.addr, sf.remote.addr, seg, peerKey);
          // The socket charged it (TcpSocket.build): remember whose it is until it leaves the host.
          if (this.tcp.smallQueues && chargesSmallQueue(seg.payload.length, seg.flags)) d.inHost = sf.socket as TcpSocket<unknown, unknown>;
        }
        if (sf.socket.state === 'CLOSED') {
          changed = true;
          this.sockets.delete(k);
        }
      }
      if (!changed) break;
    }
  }
}

/** The client's side first, as the cookie was made for the SYN. */
function tupleOf(packet: Datagram, seg: TcpSegment): CookieTuple {
  return { saddr: packet.src, daddr: packet.dst, sport: seg.srcPort, dport: seg.dstPort };
}

/** The sequence number of the SYN an ACK follows. */
function isnOf(ack: TcpSegment): number {
  return seqAdd(ack.seq, -1);
}

function key(localAddr: string, localPort: number, remoteAddr: string, remotePort: number): string {
  return `${localAddr}|${localPort}|${remoteAddr}|${remotePort}`;
}
