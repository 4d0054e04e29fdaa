// One subflow (ssk) and its MPTCP context, after Linux net/mptcp/subflow.c:
// the MP_CAPABLE and MP_JOIN handshakes on top of a TCP socket, the options
// written on every outgoing segment (options.c, mptcp_established_options),
// and what every incoming segment's options mean for the connection
// (mptcp_incoming_options, check_fully_established, get_mapping_status).
//
// The subflow talks to its connection (the msk, engine/msk.ts) through the
// SubflowOwner interface.

import { DssOption, emptyReceivedOptions, encodeOption, receiveDssOption, receiveMptcpOptions, type MptcpOption } from './options.js';
import {
  MPTCP_CAP_CHECKSUM_REQD,
  MPTCP_CAP_DENY_JOIN_ID0,
  MPTCP_CAP_HMAC_SHA256,
  MPTCP_RST_EMIDDLEBOX,
  MPTCP_RST_EMPTCP,
  MPTCP_RST_EPROHIBIT,
  MPTCP_RST_EUNSPEC,
  MPTCP_SUPPORTED_VERSION,
  TCPOLEN_MPTCP_FAIL,
  OPTION_MPTCP_ADD_ADDR,
  OPTION_MPTCP_CSUMREQD,
  OPTION_MPTCP_DSS,
  OPTION_MPTCP_FAIL,
  OPTION_MPTCP_FASTCLOSE,
  OPTION_MPTCP_MPC_ACK,
  OPTION_MPTCP_MPC_SYNACK,
  OPTION_MPTCP_MPJ_ACK,
  OPTION_MPTCP_MPJ_SYNACK,
  OPTION_MPTCP_PRIO,
  OPTION_MPTCP_RM_ADDR,
  type ReceivedOptions,
} from './protocol.js';
import { dssChecksum, dssChecksumValid, joinHmac } from './crypto.js';
import type { MibName } from './mib.js';
import type { MptcpCtrl } from './ctrl.js';
import { TcpSocket, type TcpSocketInfo } from './tcp/socket.js';
import type { CloseReason, SegmentInfo, TcpAddr, TcpConfig, TcpHooks, Verdict } from './tcp/config.js';
import type { MptcpTcpOption, TcpOption, TcpSegment } from './tcp/segment.js';
import type { TcpState } from './tcp/state.js';
import { concat } from './bytes.js';

/** A mapping we send (the tag of a chunk in the subflow's send buffer). dataSeq is relative to our IDSN + 1. */
export interface TxMap {
  readonly dataSeq: number;
  /** Subflow sequence number of its first byte, relative to the ISN (RFC 8684 §3.3.1). */
  readonly ssn: number;
  readonly len: number;
  /** DSS checksum over the whole mapping, when checksums are in use. */
  readonly csum?: number;
  /** Sent as the infinite mapping (data-level length 0, RFC 8684 §3.7): the connection fell back with it. */
  readonly infinite?: boolean;
}

/** A mapping the peer sent: `dsn` is the full 64-bit DSN of its first byte. */
export interface RxMap {
  readonly dsn: bigint;
  readonly ssn: number;
  readonly len: number;
  /** The DSS checksum on the wire, when checksums are in use, and whether the DATA_FIN is in the data-level length. */
  readonly csum?: number;
  readonly fin?: boolean;
  /** The infinite mapping (data-level length 0, RFC 8684 §3.7): from here on the subflow is plain TCP. */
  readonly infinite?: boolean;
}

/** The verdict for a segment taken without a mapping (shared: verdicts are only read). */
const ACCEPT: Verdict<RxMap> = Object.freeze({ action: 'accept' });

/** Taken, with the mapping it carries if any. */
function accepted(tag: RxMap | undefined): Verdict<RxMap> {
  return tag === undefined ? ACCEPT : { action: 'accept', tag };
}

/** mpc: the first subflow of an MPTCP connection; join: an MP_JOIN one; plain: TCP (never MPTCP, or fallen back). */
export type SubflowKind = 'mpc' | 'join' | 'plain';

/** What a subflow needs from its connection. */
export interface SubflowOwner {
  readonly ctrl: MptcpCtrl;
  readonly localKey: bigint;
  readonly remoteKey: bigint | undefined;
  readonly remoteToken: number;
  readonly csumEnabled: boolean;
  count(name: MibName): void;
  /** MP_CAPABLE handshake: the peer's key and flags arrived. */
  setRemote(key: bigint, csum: boolean, denyJoinId0: boolean): void;
  /** RFC 8684 §3.7: go on as plain TCP on this subflow; `keepToken`: a fallback after the handshake (the infinite mapping). */
  fallback(now: number, sf: Subflow, mib: MibName | undefined, keepToken?: boolean): boolean;
  /** msk->allow_infinite_fallback: no join was ever tried and nothing was retransmitted at the data level. */
  readonly allowInfiniteFallback: boolean;
  /** mptcp_subflow_fail: a checksum failed on the only subflow; MP_FAIL goes out, the peer has TCP_RTO_MAX to answer. */
  subflowFail(now: number, sf: Subflow): void;
  /** mptcp_pm_mp_fail_received: the peer's MP_FAIL (RFC 8684 §3.7). */
  mpFailReceived(now: number, sf: Subflow): void;
  fullyEstablished(now: number, sf: Subflow): void;
  dataAck(now: number, ack: bigint, ack64: boolean, window: number): void;
  dataAckToSend(): { readonly value: bigint; readonly bits: 32 | 64 } | undefined;
  dataFinToSend(): bigint | undefined;
  /** The 64-bit DSN of a data offset on our side (offset 0 is IDSN + 1). */
  localDsn(offset: number): bigint;
  /** __mptcp_expand_seq against the receive side (DSNs) or the send side (DATA_ACKs). */
  expandRcv(seq32: bigint): bigint;
  remoteIdsn(): bigint;
  setUse64BitAck(on: boolean): void;
  data(now: number, sf: Subflow, dsn: bigint, bytes: Uint8Array): void;
  dataFin(now: number, sf: Subflow, dsn: bigint): void;
  freeWindow(): number;
  /** PM signals (ADD_ADDR, RM_ADDR, MP_PRIO) that fit in `room` bytes; taken off the queue. */
  takeSignals(now: number, sf: Subflow, room: number): MptcpOption[];
  pmOptions(now: number, sf: Subflow, rx: ReceivedOptions): void;
  allowJoin(): boolean;
  subflowEstablished(now: number, sf: Subflow): void;
  subflowFin(now: number, sf: Subflow): void;
  subflowClosed(now: number, sf: Subflow, reason: CloseReason): void;
  subflowTimeout(now: number, sf: Subflow, retransmits: number): void;
  subflowTimeWait(now: number, sf: Subflow): void;
  plainData(now: number, bytes: Uint8Array): void;
  plainFin(now: number): void;
  acked(now: number, sf: Subflow, bytes: number): void;
  /** An MP_FASTCLOSE arrived with `key` as the receiver's key (RFC 8684 §3.5). */
  fastcloseReceived(now: number, key: bigint, resetBy?: Subflow): void;
}

export interface SubflowParams {
  readonly id: number;
  readonly kind: SubflowKind;
  /** We sent the SYN. */
  readonly active: boolean;
  readonly local: TcpAddr;
  readonly remote: TcpAddr;
  readonly iss: number;
  readonly tcp: TcpConfig;
  readonly localId: number;
  /** Our B flag (MP_JOIN). */
  readonly backup: boolean;
  /** MP_JOIN: our random number. */
  readonly localNonce: number;
}

/** Bytes a full DSS takes (64-bit DATA_ACK and DSN, checksum) padded to 4: what every data segment keeps free. */
const DSS_RESERVE = 28;

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Encodes `opt` onto `out`; returns the bytes it takes, padded to 4. */
function putOption(out: (Uint8Array | MptcpTcpOption)[], opt: MptcpOption): number {
  const b = encodeOption(opt);
  out.push(b);
  return pad4(b.length);
}

export class Subflow {
  readonly id: number;
  kind: SubflowKind;
  readonly active: boolean;
  readonly socket: TcpSocket<TxMap, RxMap>;
  readonly localId: number;
  remoteId = 0;
  /** We asked for backup (our B flag, or MP_PRIO sent). */
  backup: boolean;
  /** The peer asked for backup. */
  peerBackup = false;
  fullyEstablished = false;
  readonly localNonce: number;
  remoteNonce = 0;
  /** MP_JOIN third ACK HMAC (160 bits), computed once the SYN/ACK checked out. */
  private hmac: Uint8Array | undefined;
  /** The mapping in force for data that comes without one (map_valid in the kernel). */
  private rxMap: RxMap | undefined;
  /** With DSS checksums: the mapping being collected, and its data so far. */
  private csumMap: RxMap | undefined;
  private csumParts: Uint8Array[] = [];
  private csumGot = 0;
  /** Stale accounting (mptcp_pm_subflow_chk_stale). */
  staleCount = 0;
  stale = false;
  staleMark = -1;
  /** Its unacknowledged data was handed to the other subflows since it went stale. */
  staleReinjected = false;
  /** The MP_CAPABLE was dropped from the SYN after timeouts (MPCapableSYNTXDrop). */
  mpcDrop = false;
  /** Set once the subflow is CLOSED, with why. */
  closeReason: CloseReason | undefined;
  /** MP_TCPRST reason to put on our RST. */
  resetReason: number | undefined;
  /** Our RST is a stateless one in the kernel (sent for a request, not a socket): MPRstTx is not counted. */
  resetUncounted = false;
  /** Our RST carries MP_FASTCLOSE: the connection is being closed abortively (subflow->send_fastclose). */
  sendFastclose = false;
  /** MP_TCPRST reason the peer's RST gave. */
  peerResetReason: number | undefined;
  /** The TCP handshake completed once (subflows that never did leave no SF_CLOSED). */
  everEstablished = false;
  /** Taken off the msk by the PM (mptcp_close_ssk): its TCP ends on its own, the msk no longer counts it. */
  detached = false;
  /** For a passive MP_JOIN: the token the SYN named. */
  joinToken = 0;
  /** A mapping's DSS checksum checked out once (subflow->valid_csum_seen). */
  validCsumSeen = false;
  /** MP_FAIL is due on our next pure ACK or RST (subflow->send_mp_fail). */
  sendMpFail = false;
  /** The next data mapping we send is the infinite one (subflow->send_infinite_map). */
  sendInfiniteMap = false;
  /** After our MP_FAIL: when the connection resets this subflow if the peer has not answered (subflow->fail_tout). */
  failTout: number | undefined;
  /** The DSN of the last mapping received (subflow->map_seq): what our MP_FAIL names. */
  rxMapSeq = 0n;
  /** The peer's RST carried MP_FAIL: its data is sent again at once. */
  peerFailReset = false;
  /**
   * Reset by subflow_check_data_avail (a bad checksum or mapping): the kernel schedules no worker to
   * close it (mptcp_close_ssk), so no SF_CLOSED and no PM notice until the connection closes.
   */
  quietClose = false;

  constructor(
    p: SubflowParams,
    private readonly owner: SubflowOwner,
  ) {
    this.id = p.id;
    this.kind = p.kind;
    this.active = p.active;
    this.localId = p.localId;
    this.backup = p.backup;
    this.localNonce = p.localNonce;
    this.socket = new TcpSocket<TxMap, RxMap>(p.local, p.remote, p.iss, p.tcp, this.hooks());
  }

  /**
   * A RST reached this subflow. check_fully_established (options.c), which tcp_reset runs through
   * mptcp_incoming_options: an MP_JOIN subflow of ours not yet fully established takes any packet
   * without a DATA_ACK as a protocol violation and resets itself (mptcp_subflow_reset: our own RST
   * with MP_TCPRST, MPRstTx counted), before the RST is looked at, so its MP_TCPRST is not counted.
   * Returns true when that happened (the peer's RST is then not processed further).
   */
  resetOnEarlyRst(now: number, rst: TcpSegment): boolean {
    if (this.kind !== 'join' || !this.active || this.fullyEstablished || this.socket.state !== 'ESTABLISHED') return false;
    if (!this.socket.inWindow(rst)) return false; // tcp_validate_incoming drops it before tcp_reset
    this.socket.abort(now);
    return true;
  }

  get state(): TcpState {
    return this.socket.state;
  }

  get local(): TcpAddr {
    return this.socket.local;
  }

  get remote(): TcpAddr {
    return this.socket.remote;
  }

  tcpInfo(): TcpSocketInfo {
    return this.socket.info();
  }

  /** __mptcp_subflow_active: can carry data now (MP_JOIN only after the 4th ACK, RFC 8684 §3.2). */
  get usable(): boolean {
    const s = this.socket.state;
    if (s !== 'ESTABLISHED' && s !== 'CLOSE_WAIT') return false;
    if (this.kind === 'join' && !this.fullyEstablished) return false;
    return !this.stale;
  }

  /** The scheduler's view: backup if either end said so. */
  get isBackup(): boolean {
    return this.backup || this.peerBackup;
  }

  /** A passive MP_JOIN: remember what the SYN said (subflow_check_req); `cookie`: rebuilt from a SYN cookie's ACK. */
  acceptJoinSyn(now: number, syn: TcpSegment, rx: ReceivedOptions, cookie = false): void {
    this.remoteNonce = rx.nonce;
    this.remoteId = rx.joinId;
    this.peerBackup = rx.backup;
    this.joinToken = rx.token;
    if (cookie) this.socket.acceptCookie(now, syn);
    else this.socket.acceptSyn(now, syn);
  }

  private hooks(): TcpHooks<TxMap, RxMap> {
    const o = this.owner;
    return {
      synOptions: (synAck) => this.synOptions(synAck),
      options: (info, room) => this.options(info, room),
      incoming: (now, seg, state) => this.incoming(now, seg, state),
      optionReserve: () => (this.kind === 'plain' ? 0 : DSS_RESERVE),
      receiveWindow: () => o.freeWindow(),
      sharedSendWindow: () => this.kind !== 'plain',
      awaitingAck: () => this.kind === 'join' && this.active && !this.fullyEstablished,
      established: (now) => o.subflowEstablished(now, this),
      data: (now, start, bytes, tag) => this.data(now, start, bytes, tag),
      fin: (now) => (this.kind === 'plain' ? o.plainFin(now) : o.subflowFin(now, this)),
      acked: (now, bytes) => o.acked(now, this, bytes),
      timeout: (now, n) => this.timeout(now, n),
      timeWait: (now) => o.subflowTimeWait(now, this),
      closed: (now, reason) => {
        this.closeReason = reason;
        o.subflowClosed(now, this, reason);
      },
      count: (name) => o.count(name),
    };
  }

  private mpcFlags(): number {
    let flags = MPTCP_CAP_HMAC_SHA256;
    if (this.owner.csumEnabled) flags |= MPTCP_CAP_CHECKSUM_REQD;
    if (!this.owner.ctrl.allowJoinInitialAddrPort) flags |= MPTCP_CAP_DENY_JOIN_ID0;
    return flags;
  }

  private synOptions(synAck: boolean): Uint8Array[] {
    const o = this.owner;
    if (this.kind === 'mpc') {
      // RFC 8684 §3.1: no key on the SYN in v1; the SYN/ACK carries the server's.
      const opt: MptcpOption = synAck
        ? { kind: 'mp_capable', version: MPTCP_SUPPORTED_VERSION, flags: this.mpcFlags(), senderKey: o.localKey }
        : { kind: 'mp_capable', version: MPTCP_SUPPORTED_VERSION, flags: this.mpcFlags() };
      return [encodeOption(opt)];
    }
    if (this.kind === 'join') {
      if (!synAck) {
        return [
          encodeOption({
            kind: 'mp_join',
            form: 'syn',
            backup: this.backup,
            addressId: this.localId,
            token: o.remoteToken,
            nonce: this.localNonce,
          }),
        ];
      }
      // RFC 8684 §3.2: HMAC-B = HMAC(Key=(Key-B + Key-A), Msg=(R-B + R-A)), leftmost 64 bits.
      const thmac = joinHmac(o.localKey, o.remoteKey ?? 0n, this.localNonce, this.remoteNonce).hmac.slice(0, 8);
      return [
        encodeOption({
          kind: 'mp_join',
          form: 'synack',
          backup: this.backup,
          addressId: this.localId,
          hmac: thmac,
          nonce: this.localNonce,
        }),
      ];
    }
    return [];
  }

  private options(info: SegmentInfo<TxMap>, room: number): (Uint8Array | MptcpTcpOption)[] {
    // mptcp_established_options: after a fallback only a segment of the infinite mapping carries a DSS.
    if (this.kind === 'plain') return info.len > 0 && info.tag?.infinite && !info.flags.rst ? [this.infiniteMapOption(info.tag)] : [];
    const o = this.owner;
    const out: (Uint8Array | MptcpTcpOption)[] = [];
    let used = 0;
    if (info.flags.rst) {
      // mptcp_established_options: a RST from an MPTCP subflow carries MP_FASTCLOSE (with the peer's key) when
      // the connection is fastclosing, and MP_TCPRST always (reason EUNSPEC unless one was set); each is
      // counted as it is written.
      if (this.sendFastclose && o.remoteKey !== undefined) {
        used += putOption(out, { kind: 'mp_fastclose', receiverKey: o.remoteKey });
        o.count('MPFastcloseTx');
      } else if (this.sendMpFail) used += putOption(out, this.takeMpFail());
      used += putOption(out, { kind: 'mp_tcprst', transient: false, reason: this.resetReason ?? MPTCP_RST_EUNSPEC });
      // MPRstTx is counted in mptcp_established_options_rst, i.e. only for a RST built for a socket
      // (tcp_send_active_reset); the one tcp_v4_send_reset sends in reply carries MP_TCPRST uncounted.
      if (!this.resetUncounted && !this.socket.resetInReply) o.count('MPRstTx');
      return out;
    }
    // mptcp_established_options_mp: MP_CAPABLE / MP_JOIN on the third ACK (and, for MP_CAPABLE, the
    // first data segment: RFC 8684 §3.1) until the peer shows it got them. The kernel's first data skb
    // is a GSO skb whose every segment carries its options: so do the first mapping's segments here,
    // and a reordered one that overtakes the third ACK does not make the server fall back.
    const firstSkb = this.kind === 'mpc' && !info.retransmit && info.len > 0 && info.tag?.ssn === 1;
    if (!this.fullyEstablished && this.active && (info.seq === 1 || firstSkb) && this.socket.state === 'ESTABLISHED') {
      if (this.kind === 'mpc' && o.remoteKey !== undefined) {
        const withData = info.len > 0 && info.tag !== undefined;
        used += putOption(out, {
          kind: 'mp_capable',
          version: MPTCP_SUPPORTED_VERSION,
          flags: this.mpcFlags(),
          senderKey: o.localKey,
          receiverKey: o.remoteKey,
          ...(withData ? { dataLen: info.tag?.len ?? 0 } : {}),
          ...(withData && o.csumEnabled ? { checksum: info.tag?.csum ?? 0 } : {}),
        });
        return out;
      }
      if (this.kind === 'join' && this.hmac) {
        used += putOption(out, { kind: 'mp_join', form: 'ack', hmac: this.hmac });
        return out;
      }
    }
    // mptcp_established_options_dss: DATA_ACK on everything, the mapping with the data, DATA_FIN when due.
    const ack = o.dataAckToSend();
    const map = info.len > 0 ? info.tag : undefined;
    const fin = map === undefined ? o.dataFinToSend() : undefined;
    if (ack !== undefined || map !== undefined || fin !== undefined) {
      // The DSS straight from its fields (encodeDss): the option of every segment, no representation built.
      const dsn = map !== undefined ? o.localDsn(map.dataSeq) : fin;
      const csum =
        !o.csumEnabled || dsn === undefined ? undefined : map !== undefined ? (map.csum ?? 0) : dssChecksum(dsn, 0, 1, new Uint8Array(0));
      const b = new DssOption(ack?.value, ack?.bits === 64, dsn, true, map?.ssn ?? 0, map?.len ?? 1, csum, fin !== undefined);
      out.push(b);
      used += pad4(b.length);
      // MP_FAIL rides with the DSS on the pure ACK mptcp_subflow_fail / mptcp_pm_mp_fail_received ask for,
      // and nothing else goes with it.
      if (this.sendMpFail && info.len === 0 && room - used >= TCPOLEN_MPTCP_FAIL) {
        used += putOption(out, this.takeMpFail());
        return out;
      }
    }
    if (info.len === 0) for (const s of o.takeSignals(info.now, this, room - used)) used += putOption(out, s);
    return out;
  }

  /** mptcp_established_options_mp_fail: the DSN is that of the last mapping received; counted as written. */
  private takeMpFail(): MptcpOption {
    this.sendMpFail = false;
    this.owner.count('MPFailTx');
    return { kind: 'mp_fail', dsn: this.rxMapSeq };
  }

  /** mptcp_write_options for an infinite mapping: data-level length 0, checksum 0 (RFC 8684 §3.7). */
  private infiniteMapOption(map: TxMap): Uint8Array {
    const o = this.owner;
    return encodeOption({
      kind: 'dss',
      mapping: {
        dsn: { value: o.localDsn(map.dataSeq), bits: 64 },
        subflowSeq: map.ssn,
        dataLen: 0,
        ...(o.csumEnabled ? { checksum: 0 } : {}),
      },
      dataFin: false,
    });
  }

  private incoming(now: number, seg: TcpSegment, state: TcpState): Verdict<RxMap> {
    if (this.kind === 'plain') return ACCEPT;
    const rx = receivedOptions(seg);
    if (state === 'SYN_SENT') return this.onSynAck(now, rx);
    if (state === 'SYN_RCVD') return this.onThirdAck(now, rx);
    return this.onEstablished(now, seg, rx, this.owner);
  }

  /** subflow_finish_connect. */
  private onSynAck(now: number, rx: ReceivedOptions): Verdict<RxMap> {
    const o = this.owner;
    if (this.kind === 'mpc') {
      if (!(rx.suboptions & OPTION_MPTCP_MPC_SYNACK)) {
        // RFC 8684 §3.7: a SYN/ACK without MP_CAPABLE: go on as plain TCP.
        o.fallback(now, this, 'MPCapableFallbackSYNACK');
        return { action: 'accept' };
      }
      o.setRemote(rx.sndrKey, (rx.suboptions & OPTION_MPTCP_CSUMREQD) !== 0, rx.denyJoinId0);
      o.count('MPCapableSYNACKRX');
      return { action: 'accept' };
    }
    if (!(rx.suboptions & OPTION_MPTCP_MPJ_SYNACK)) {
      this.resetReason = MPTCP_RST_EMPTCP;
      return { action: 'reset' };
    }
    this.peerBackup = rx.backup;
    this.remoteNonce = rx.nonce;
    this.remoteId = rx.joinId;
    const remoteKey = o.remoteKey ?? 0n;
    // subflow_thmac_valid: the peer's HMAC with its key and nonce first.
    const expected = joinHmac(remoteKey, o.localKey, this.remoteNonce, this.localNonce).hmac.subarray(0, 8);
    if (!sameBytes(expected, rx.thmac)) {
      // Kernels before 7.1 counted this as MPJoinAckHMacFailure (fixed upstream in 2026).
      o.count('MPJoinSynAckHMacFailure');
      this.resetReason = MPTCP_RST_EMPTCP;
      return { action: 'reset' };
    }
    this.hmac = joinHmac(o.localKey, remoteKey, this.localNonce, this.remoteNonce).truncated160;
    o.count('MPJoinSynAckRx');
    if (rx.backup) o.count('MPJoinSynAckBackupRx');
    return { action: 'accept' };
  }

  /** subflow_syn_recv_sock: the third ACK. */
  private onThirdAck(now: number, rx: ReceivedOptions): Verdict<RxMap> {
    const o = this.owner;
    if (this.kind === 'mpc') {
      if (!(rx.suboptions & OPTION_MPTCP_MPC_ACK)) {
        // The third ACK (or the segment standing in for it) has no MP_CAPABLE: fall back.
        o.fallback(now, this, undefined);
        return { action: 'accept' };
      }
      o.setRemote(rx.sndrKey, (rx.suboptions & OPTION_MPTCP_CSUMREQD) !== 0, rx.denyJoinId0);
      this.fullyEstablished = true;
      return accepted(this.mappingOf(now, rx));
    }
    const remoteKey = o.remoteKey ?? 0n;
    const expected = joinHmac(remoteKey, o.localKey, this.remoteNonce, this.localNonce).truncated160;
    if (!(rx.suboptions & OPTION_MPTCP_MPJ_ACK) || !sameBytes(expected, rx.hmac)) {
      o.count('MPJoinAckHMacFailure');
      this.resetReason = MPTCP_RST_EMPTCP;
      return { action: 'reset' };
    }
    if (!o.allowJoin()) {
      // mptcp_finish_join (err_prohibited): the child is disposed of and the RST goes out from the
      // request (tcp_v4_send_reset), which carries the reason but does not count MPRstTx.
      o.count('MPJoinRejected');
      this.resetReason = MPTCP_RST_EPROHIBIT;
      this.resetUncounted = true;
      return { action: 'reset' };
    }
    o.count('MPJoinAckRx');
    this.fullyEstablished = true;
    this.socket.requestAck(); // the 4th ACK (RFC 8684 §3.2)
    return { action: 'accept' };
  }

  private onEstablished(now: number, seg: TcpSegment, rx: ReceivedOptions, o: SubflowOwner): Verdict<RxMap> {
    const hasDss = (rx.suboptions & OPTION_MPTCP_DSS) !== 0;
    if (this.kind === 'join' && !this.active && rx.suboptions & OPTION_MPTCP_MPJ_ACK && seg.payload.length === 0) {
      // check_fully_established: the third ACK again, so our 4th ACK was lost: send it again.
      this.socket.requestAck();
    }
    if (!this.fullyEstablished) {
      if (this.kind === 'join' && this.active) {
        this.fullyEstablished = true; // the ACK of our third ACK
        o.fullyEstablished(now, this);
      } else if (this.kind === 'mpc' && ((hasDss && rx.useAck) || rx.suboptions & OPTION_MPTCP_MPC_ACK)) {
        this.fullyEstablished = true; // check_fully_established: any DATA_ACK from the peer
        o.fullyEstablished(now, this);
      } else if (this.kind === 'mpc') {
        // check_fully_established: the peer's first packet after the handshake has neither a DATA_ACK
        // nor MP_CAPABLE: it does not speak MPTCP past the handshake (RFC 8684 §3.7).
        if (o.fallback(now, this, 'MPCapableDataFallback')) return { action: 'accept' };
        o.count('FallbackFailed');
        this.resetReason = MPTCP_RST_EMPTCP;
        return { action: 'reset' };
      }
    }
    if (rx.suboptions & (OPTION_MPTCP_ADD_ADDR | OPTION_MPTCP_RM_ADDR | OPTION_MPTCP_PRIO)) o.pmOptions(now, this, rx);
    // RFC 8684 §3.5: MP_FASTCLOSE on an ACK (Linux sends it on the RST; that form is taken by the endpoint).
    if (rx.suboptions & OPTION_MPTCP_FASTCLOSE) o.fastcloseReceived(now, rx.rcvrKey);
    if (rx.suboptions & OPTION_MPTCP_FAIL) {
      o.mpFailReceived(now, this);
      o.count('MPFailRx');
    }
    if (!hasDss) return ACCEPT;
    // RFC 8684 §3.3.4: the window is relative to the DATA_ACK; 32-bit values are expanded by the msk.
    if (rx.useAck) {
      const shift = this.socket.peerWscale;
      o.dataAck(now, rx.dataAck, rx.ack64, seg.window * (shift < 31 ? 1 << shift : 2 ** shift)); // 2 ** shift, without a pow
    }
    return accepted(this.mappingOf(now, rx));
  }

  /** The mapping a segment carries (get_mapping_status), noting a DATA_FIN. */
  private mappingOf(now: number, rx: ReceivedOptions): RxMap | undefined {
    const o = this.owner;
    if (!rx.useMap) return undefined;
    // The checksum only when checksums are in use (undefined otherwise, as RxMap says).
    const csum = rx.suboptions & OPTION_MPTCP_CSUMREQD ? rx.csum : undefined;
    if (rx.mpcMap) return { dsn: BigInt.asUintN(64, o.remoteIdsn() + 1n), ssn: 1, len: rx.dataLen, csum, fin: undefined };
    o.setUse64BitAck(rx.dsn64);
    const dsn = rx.dsn64 ? rx.dataSeq : o.expandRcv(rx.dataSeq);
    // RFC 8684 §3.7: the infinite mapping; taken when its data is next in order (get_mapping_status).
    if (rx.dataLen === 0) return { dsn, ssn: rx.subflowSeq, len: 0, infinite: true };
    let len = rx.dataLen;
    if (rx.dataFin) {
      // RFC 8684 §3.3.3: the DATA_FIN takes the last octet of the mapping's data-level length.
      o.dataFin(now, this, BigInt.asUintN(64, dsn + BigInt(len - 1)));
      len -= 1;
      if (len === 0) return undefined;
    }
    return { dsn, ssn: rx.subflowSeq, len, csum, fin: rx.dataFin ? true : undefined };
  }

  private data(now: number, start: number, bytes: Uint8Array, tag: RxMap | undefined): void {
    const o = this.owner;
    if (this.kind === 'plain') {
      o.plainData(now, bytes);
      return;
    }
    if (tag?.infinite) {
      this.infiniteMapReceived(now, bytes);
      return;
    }
    if (tag) {
      this.rxMap = tag;
      this.rxMapSeq = tag.dsn;
    }
    const map = tag ?? this.rxMap;
    if (!map && this.kind === 'mpc' && o.fallback(now, this, 'DssFallback')) {
      // RFC 8684 §3.7: data with no mapping at all on the only subflow: the path strips MPTCP options.
      o.plainData(now, bytes);
      return;
    }
    if (!map || start < map.ssn || start + bytes.length > map.ssn + map.len) {
      // Data no mapping covers, and no fallback possible: the kernel resets the subflow.
      o.count(map ? 'DSSNoMatchTCP' : 'DSSCorruptionReset');
      this.resetReason = MPTCP_RST_EMIDDLEBOX;
      this.socket.abort(now);
      return;
    }
    // A mapping fully consumed is no longer valid for data after it (map_valid = 0).
    if (start + bytes.length === map.ssn + map.len) this.rxMap = undefined;
    if (!o.csumEnabled) {
      o.data(now, this, BigInt.asUintN(64, map.dsn + BigInt(start - map.ssn)), bytes);
      return;
    }
    this.checkedData(now, start, bytes, map);
  }

  /** validate_data_csum: with checksums, a mapping's data is held until all of it is there and checked. */
  private checkedData(now: number, start: number, bytes: Uint8Array, map: RxMap): void {
    const o = this.owner;
    const cur = this.csumMap;
    if (!cur || cur.dsn !== map.dsn || cur.ssn !== map.ssn || cur.len !== map.len) {
      this.csumMap = map;
      this.csumParts = [];
      this.csumGot = 0;
    }
    if (start !== map.ssn + this.csumGot) return; // a part seen before
    this.csumParts.push(bytes);
    this.csumGot += bytes.length;
    if (this.csumGot < map.len) return;
    const payload = concat(this.csumParts); // exactly map.len bytes: parts arrive in order, none past the mapping
    this.csumParts = [];
    // RFC 8684 §3.3.1: the pseudo-header's length counts the DATA_FIN.
    if (map.csum === undefined || !dssChecksumValid(map.dsn, map.ssn, map.len + (map.fin ? 1 : 0), payload, map.csum)) {
      o.count('DataCsumErr');
      this.badChecksum(now, map, payload);
      return;
    }
    this.validCsumSeen = true;
    o.data(now, this, map.dsn, payload);
  }

  /**
   * subflow_check_data_avail with MAPPING_BAD_CSUM (RFC 8684 §3.7). Once a checksum was good here (or on
   * an MP_JOIN subflow) the path is known to pass MPTCP: MP_FAIL goes out. With other subflows possible
   * (allow_infinite_fallback off) this subflow is reset with MP_FAIL and MP_TCPRST (MPTCP_RST_EMIDDLEBOX),
   * its data thrown away; alone, the connection waits for the peer's infinite mapping and meanwhile
   * delivers the mapping as it came (the kernel does: mptcp_join.sh's fail tests expect the inverted
   * byte in the file). A failure in the first mapping checked instead falls back to TCP at once.
   */
  private badChecksum(now: number, map: RxMap, payload: Uint8Array): void {
    const o = this.owner;
    if (this.kind === 'join' || this.validCsumSeen) {
      this.sendMpFail = true;
      if (!o.allowInfiniteFallback) {
        this.resetReason = MPTCP_RST_EMIDDLEBOX;
        this.quietClose = true;
        this.socket.abort(now);
        return;
      }
      o.subflowFail(now, this);
      o.data(now, this, map.dsn, payload);
      return;
    }
    this.fallbackOrReset(now, payload);
  }

  /** get_mapping_status saw data-level length 0: count it, fall back, the data goes on as plain TCP. */
  private infiniteMapReceived(now: number, bytes: Uint8Array): void {
    this.owner.count('InfiniteMapRx');
    this.fallbackOrReset(now, bytes);
  }

  /** The `fallback:` exit of subflow_check_data_avail: mptcp_try_fallback (DssFallback), or a reset if not allowed. */
  private fallbackOrReset(now: number, bytes: Uint8Array): void {
    const o = this.owner;
    this.rxMap = undefined;
    this.csumMap = undefined;
    this.csumParts = [];
    if (o.fallback(now, this, 'DssFallback', true)) {
      o.plainData(now, bytes);
      return;
    }
    this.resetReason = MPTCP_RST_EMPTCP;
    this.quietClose = true;
    this.socket.abort(now);
  }

  private timeout(now: number, retransmits: number): void {
    const o = this.owner;
    if (this.socket.state === 'SYN_SENT' && this.kind === 'mpc' && retransmits === o.ctrl.synRetransBeforeTcpFallback) {
      // mptcp_active_detect_blackhole: the MP_CAPABLE SYN may be what gets dropped; go on without it.
      o.count('MPCapableSYNTXDrop');
      this.mpcDrop = true;
      o.fallback(now, this, undefined);
      return;
    }
    if (this.socket.state !== 'SYN_SENT' && this.socket.state !== 'SYN_RCVD') o.subflowTimeout(now, this, retransmits);
  }
}

/**
 * Set `check` to have every segment record's received options also read from the option bytes and
 * compared (a test mode: the codec stays tested on the path the fields take).
 */
export const recordCheck = { check: false, checked: 0 };

/** The MPTCP options of a segment as the kernel's mptcp_get_options fills them. */
export function receivedOptions(seg: TcpSegment): ReceivedOptions {
  // The common segment: one DSS, handed over as a record. Its fields are what its bytes would give.
  const only = soleMptcpOption(seg.options);
  if (only instanceof DssOption) {
    const rx = emptyReceivedOptions();
    receiveDssOption(rx, only);
    if (recordCheck.check) checkAgainstBytes(rx, seg);
    return rx;
  }
  return receivedFromBytes(seg);
}

function receivedFromBytes(seg: TcpSegment): ReceivedOptions {
  return receiveMptcpOptions(mptcpArea(seg.options), {
    syn: seg.flags.syn,
    ack: seg.flags.ack,
    rst: seg.flags.rst,
    hasPayload: seg.payload.length > 0,
  });
}

/** The segment's one MPTCP option, or undefined when it has none or several. */
function soleMptcpOption(options: readonly TcpOption[]): MptcpTcpOption | undefined {
  let only: MptcpTcpOption | undefined;
  for (let i = 0; i < options.length; i++) {
    const o = options[i] as TcpOption;
    if (o.kind !== 'mptcp') continue;
    if (only) return undefined;
    only = o;
  }
  return only;
}

/** recordCheck: the record's received options against those parsed from its bytes. */
function checkAgainstBytes(rx: ReceivedOptions, seg: TcpSegment): void {
  recordCheck.checked += 1;
  const fromBytes = receivedFromBytes(seg);
  for (const k of Object.keys(fromBytes) as (keyof ReceivedOptions)[]) {
    const a = rx[k];
    const b = fromBytes[k];
    const same = a instanceof Uint8Array && b instanceof Uint8Array ? a.length === b.length && a.every((x, i) => x === b[i]) : a === b;
    if (!same) throw new Error(`recordCheck: received option field ${k} is ${String(a)} from the record, ${String(b)} from its bytes`);
  }
}

/** The segment's MPTCP options one after the other (most segments carry one: its bytes as they are). */
function mptcpArea(options: readonly TcpOption[]): Uint8Array {
  let n = 0;
  let only: Uint8Array | undefined;
  let count = 0;
  for (const opt of options) {
    if (opt.kind !== 'mptcp') continue;
    n += opt.bytes.length;
    only = opt.bytes;
    count += 1;
  }
  if (count === 1) return only as Uint8Array;
  const area = new Uint8Array(n);
  let at = 0;
  for (const opt of options) {
    if (opt.kind !== 'mptcp') continue;
    area.set(opt.bytes, at);
    at += opt.bytes.length;
  }
  return area;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i += 1) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}
