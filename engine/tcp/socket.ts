// One TCP connection, sans-IO (RFC 9293): the state machine, the sender
// (send buffer, RFC 6298 timers, SACK (RFC 2018) with Linux's loss recovery:
// a scoreboard, RACK loss detection and tail loss probes (RFC 8985), Reno with
// PRR (RFC 6937); NewReno on duplicate ACKs when the peer has no SACK), the
// receiver (reassembly, SACK blocks, delayed ACKs, window), and RST handling. handle() takes a parsed segment, transmit()
// returns the segments to send now, nextTimeout()/handleTimeout() drive the
// timers. No clock, no randomness: `now` and the ISS come from outside.
//
// Sequence numbers are kept relative to the ISS/IRS (the SYN is 0, the first
// data byte 1, our FIN comes after the last data byte) as plain numbers, so a
// long transfer never wraps; they go modulo 2^32 only on the wire.
//
// Reordering (Linux tcp_input.c / tcp_recovery.c): a segment sent once that
// arrives across a hole is reordering (tp->reordering, reord_seen,
// TCPSACKReorder); once seen, RACK always waits min_rtt/4 times
// reo_wnd_steps, and a D-SACK for a retransmission widens it by a step (RFC
// 8985 §6.2) for 16 recoveries; D-SACKs for every retransmission of an
// episode undo its cwnd reduction (tcp_try_undo_dsack, tcp_try_undo_recovery).
//
// Not modelled: timestamps (so no Eifel undo), F-RTO, Nagle (segments go out as soon as cwnd and
// window allow, like TCP_NODELAY), urgent data, simultaneous open, PMTU.

import { seqAdd, seqDiff } from './seq.js';
import { tcpFlags, type TcpFlags, type TcpOption, type TcpSegment } from './segment.js';
import { RenoCongestion } from './congestion.js';
import { Scoreboard, type Delivery, type TxSegment } from './scoreboard.js';
import { RttEstimator } from './rtt.js';
import { chargesSmallQueue, segmentTruesize, SmallQueues, type SmallQueueInput } from './small-queues.js';
import { SendBuffer } from './send-buffer.js';
import { ReceiveBuffer } from './receive-buffer.js';
import { afterFinAcked, afterOwnFin, afterPeerFin, receivesData, sendsData, type TcpState } from './state.js';
import type { CloseReason, TcpAddr, TcpConfig, TcpHooks } from './config.js';
import { RETRANSMIT_TIMERS, TcpTimers } from './timers.js';

/** RFC 9293 §3.7.1: the MSS assumed when the peer sends none. */
const DEFAULT_PEER_MSS = 536;
const MAX_OPTIONS = 40;
/** A jiffy of the kernels the engine is compared with (CONFIG_HZ=250): TLP and RACK timers are rounded to it. */
const JIFFY_MS = 4;
/** TCP_TIMEOUT_MIN: two jiffies. */
const TIMEOUT_MIN_MS = 2 * JIFFY_MS;
/** Linux tp->reordering: SACKed segments above a hole that make it lost at once (RFC 6675 DupThresh); sysctl tcp_reordering. */
const DUP_THRESH = 3;
/** sysctl tcp_max_reordering. */
const MAX_REORDERING = 300;
/** TCP_RACK_RECOVERY_THRESH: recoveries a widened reordering window persists. */
const RACK_RECOVERY_THRESH = 16;

/** States in which segments of ours may still be in flight. */
function sendsOrClosing(s: TcpState): boolean {
  return s === 'ESTABLISHED' || s === 'CLOSE_WAIT' || s === 'FIN_WAIT_1' || s === 'FIN_WAIT_2' || s === 'CLOSING' || s === 'LAST_ACK';
}

/** Linux icsk_ca_state, the states that matter here: Open (incl. Disorder), Recovery, Loss. */
type CaState = 'open' | 'recovery' | 'loss';

interface SeqRange {
  left: number;
  right: number;
}

/** What the first SACK block said: a D-SACK to believe, and whether it reports a loss probe (FLAG_DSACK_TLP). */
interface DsackResult {
  readonly valid: boolean;
  readonly tlp: boolean;
}

const NO_DSACK: DsackResult = { valid: false, tlp: false };

export interface TcpSocketInfo {
  readonly state: TcpState;
  readonly srttMs: number | undefined;
  readonly rttvarMs: number;
  readonly rtoMs: number;
  readonly cwnd: number;
  readonly ssthresh: number;
  readonly mss: number;
  readonly bytesSent: number;
  readonly bytesRetrans: number;
  readonly bytesAcked: number;
  readonly bytesReceived: number;
  readonly segsOut: number;
  readonly segsIn: number;
  readonly retransSegs: number;
  readonly timeouts: number;
  readonly fastRetrans: number;
  /** Consecutive timeouts without progress (icsk_retransmits). */
  readonly retransmits: number;
  /** tcpi_reordering, tcpi_reord_seen, tcpi_dsack_dups. */
  readonly reordering: number;
  readonly reordSeen: number;
  readonly dsackDups: number;
  /** RACK's reordering window in steps of min_rtt/4 (tp->rack.reo_wnd_steps). */
  readonly reoWndSteps: number;
  readonly inFlight: number;
  readonly unsent: number;
}

export class TcpSocket<S = undefined, R = undefined> {
  stateValue: TcpState = 'CLOSED';
  private irs = 0;
  private sndUna = 0;
  private sndNxt = 0;
  /** The highest sequence ever sent plus one; sndNxt falls below it after a timeout. */
  private sndMax = 0;
  private sndWnd = 0;
  private sndWl1 = 0;
  private sndWl2 = 0;
  private sndWscale = 0;
  private rcvWscale = 0;
  private peerMss = DEFAULT_PEER_MSS;
  private rcvAdvEdge = 1;
  private finSeq: number | undefined;
  private peerFinSeq: number | undefined;
  private readonly snd = new SendBuffer<S>(1);
  private readonly rcv = new ReceiveBuffer<R>(1);
  private readonly rtt: RttEstimator;
  private readonly cc: RenoCongestion;
  /** Every segment sent and not cumulatively acknowledged. */
  private readonly sb = new Scoreboard();
  /** TCP Small Queues: bytes of ours still in the host (cfg.smallQueues). */
  readonly smallQueues = new SmallQueues();
  private caState: CaState = 'open';
  /** snd_nxt when recovery or loss started: the episode ends once it is acknowledged (tp->high_seq). */
  private highSeq = 0;
  /** Both ends offered SACK. */
  private sackOk = false;
  private minRtt = Number.POSITIVE_INFINITY;
  /** The receiver's SACK blocks, most recent first (relative sequence numbers). */
  private rcvSack: { left: number; right: number }[] = [];
  /** A duplicate segment to report once in a D-SACK block (RFC 2883). */
  private dsack: { left: number; right: number } | undefined;
  /** snd_nxt when a tail loss probe went out, and whether it was a retransmission (tp->tlp_high_seq, tlp_retrans). */
  private tlpHigh: number | undefined;
  private tlpRetrans = false;
  private dupAcks = 0;
  /** tp->reordering (segments), tp->reord_seen, tp->dsack_dups. */
  private reordering = DUP_THRESH;
  private reordSeen = 0;
  private dsackDups = 0;
  /** tp->rack: reo_wnd_steps, reo_wnd_persist, dsack_seen, last_delivered. */
  private reoWndSteps = 1;
  private reoWndPersist = 0;
  private rackDsackSeen = false;
  private rackLastDelivered = 0;
  /** Undo of a cwnd reduction: snd_una when the episode began (undefined: nothing to undo), retransmissions not yet D-SACKed (-1: none sent). */
  private undoMarker: number | undefined;
  private undoRetrans = 0;
  /** ssthresh and cwnd before the reduction (tp->prior_ssthresh, 0: none; tp->prior_cwnd). */
  private priorSsthresh = 0;
  private priorCwnd = 0;
  /** The largest window the peer offered (tp->max_window): a longer D-SACK is dubious. */
  private maxSndWnd = 0;
  /** The head's retransmission after a timeout goes from the timer, not counted as TCPSlowStartRetrans. */
  private rtoHeadPending = false;
  private lostRetransmitsCounted = 0;
  private retransmitsValue = 0;
  private synRetransmits = 0;
  private ackPending = false;
  private pureAckPending = false;
  private segsSinceAck = 0;
  private quickAcksLeft: number;
  private synPending = false;
  private rstPending = false;
  private probePending = false;
  private tlpProbePending = false;
  /** RTO, RACK reordering, loss probe, delayed ACK and TIME-WAIT deadlines. */
  private readonly timers = new TcpTimers();
  private closedNotified = false;
  private synSentAt = 0;
  private wscaleInSynAck = false;
  private counters = {
    bytesSent: 0, bytesRetrans: 0, bytesAcked: 0, bytesReceived: 0,
    segsOut: 0, segsIn: 0, retransSegs: 0, timeouts: 0, fastRetrans: 0,
  };

  constructor(
    readonly local: TcpAddr,
    readonly remote: TcpAddr,
    /** Initial send sequence number (from the caller's RandomSource). */
    readonly iss: number,
    private readonly cfg: TcpConfig,
    private readonly hooks: TcpHooks<S, R>,
  ) {
    this.rtt = new RttEstimator(cfg.minRtoMs, cfg.maxRtoMs);
    this.cc = new RenoCongestion(cfg.mss);
    this.quickAcksLeft = cfg.quickAcks;
  }

  get state(): TcpState {
    return this.stateValue;
  }

  /** RFC 9293 §3.10.1 OPEN, active: send a SYN. */
  connect(now: number): void {
    this.stateValue = 'SYN_SENT';
    this.sndNxt = 0;
    this.synPending = true;
    this.hooks.count('ActiveOpens');
    this.armRto(now);
  }

  /** RFC 9293 §3.10.7.2: a SYN reached a listener; answer with a SYN/ACK. */
  acceptSyn(now: number, syn: TcpSegment): void {
    this.irs = syn.seq;
    this.readSynOptions(syn, true);
    this.sndWnd = syn.window;
    this.stateValue = 'SYN_RCVD';
    this.synPending = true;
    this.hooks.count('PassiveOpens');
    this.armRto(now);
  }

  /**
   * A SYN cookie's ACK reached a listener (RFC 4987 §3.6): the connection as if our SYN/ACK (ISS = the
   * cookie) had gone out for `syn`, rebuilt from the cookie; no SYN/ACK is sent, and the ACK itself
   * comes next through handle().
   */
  acceptCookie(now: number, syn: TcpSegment): void {
    this.acceptSyn(now, syn);
    this.synPending = false;
    this.sndNxt = 1;
    this.sndMax = 1;
    this.timers.set('rto', undefined);
  }

  /** Queue data (RFC 9293 §3.10.2 SEND). Ignored once our FIN is queued. */
  send(bytes: Uint8Array, tag?: S): void {
    if (this.finSeq !== undefined) return;
    this.snd.push(bytes, tag);
  }

  /** RFC 9293 §3.10.4 CLOSE: a FIN goes after the queued data. */
  close(now: number): void {
    if (this.finSeq !== undefined) return;
    if (this.stateValue === 'SYN_SENT' || this.stateValue === 'LISTEN') {
      this.toClosed(now, 'normal');
      return;
    }
    this.finSeq = this.snd.end;
  }

  /** RFC 9293 §3.10.5 ABORT: send a RST and forget the connection. */
  abort(now: number): void {
    if (this.stateValue === 'CLOSED' || this.stateValue === 'TIME_WAIT') return;
    if (this.stateValue === 'SYN_SENT') {
      this.toClosed(now, 'aborted');
      return;
    }
    this.rstPending = true;
  }

  /** The owner's buffer emptied: send a window update if the window grew by at least two segments. */
  windowUpdate(): void {
    if (!receivesData(this.stateValue)) return;
    const edge = this.rcv.nxt + this.freeWindow();
    if (edge - this.rcvAdvEdge >= 2 * this.cfg.mss) this.ackPending = true;
  }

  /** Ask for an ACK to go out now. */
  requestAck(): void {
    if (this.stateValue !== 'CLOSED') this.ackPending = true;
  }

  /** Ask for a segment without data to go out now, even if data goes too (tcp_send_ack: to carry an MPTCP option). */
  requestPureAck(): void {
    if (this.stateValue !== 'CLOSED') this.pureAckPending = true;
  }

  /** Bytes cwnd and (unless shared) the peer's window still allow beyond what is queued. */
  sendSpace(): number {
    if (!sendsData(this.stateValue) || this.finSeq !== undefined) return 0;
    const queued = this.snd.end - this.sndNxt;
    let room = this.cc.cwnd - this.sb.inFlight - queued;
    if (!this.hooks.sharedSendWindow()) room = Math.min(room, this.sndUna + this.sndWnd - this.snd.end);
    return Math.max(0, room);
  }

  /** Data bytes acknowledged since the start (tcpi_bytes_acked). */
  get bytesAcked(): number {
    return this.counters.bytesAcked;
  }

  /** Bytes queued and not yet acknowledged. */
  get unacked(): number {
    return this.snd.length;
  }

  /** Unacknowledged chunks from the first unacknowledged byte on. */
  pendingChunks(): Generator<{ start: number; bytes: Uint8Array; tag: S | undefined }> {
    return this.snd.chunksFrom(this.sndUna);
  }

  get srtt(): number | undefined {
    return this.rtt.srtt;
  }

  /** The peer's window in bytes, as last updated (RFC 9293 SND.WND). */
  get sendWindow(): number {
    return this.sndWnd;
  }

  /** Relative sequence number the next queued byte will get (one past the send buffer). */
  get queuedEnd(): number {
    return this.snd.end;
  }

  /** The peer's window scale shift (0 when scaling is off). */
  get peerWscale(): number {
    return this.sndWscale;
  }

  /** Segments received so far: a progress mark (the kernel's rcv_tstamp) for stale detection. */
  get rcvProgress(): number {
    return this.counters.segsIn;
  }

  get retransmits(): number {
    return this.retransmitsValue;
  }

  /** When the retransmission timer (RTO, RACK reordering or loss probe) fires, if armed (icsk_timeout). */
  get retransmitTimerAt(): number | undefined {
    return this.timers.earliest(RETRANSMIT_TIMERS);
  }

  /** The MSS data segments are cut to. */
  get sendMss(): number {
    return Math.max(64, Math.min(this.peerMss, this.cfg.mss) - this.hooks.optionReserve());
  }

  info(): TcpSocketInfo {
    return {
      state: this.stateValue,
      srttMs: this.rtt.srtt,
      rttvarMs: this.rtt.rttvar,
      rtoMs: this.rtt.rto,
      cwnd: this.cc.cwnd,
      ssthresh: this.cc.ssthresh,
      mss: this.sendMss,
      ...this.counters,
      retransmits: this.retransmitsValue,
      reordering: this.reordering,
      reordSeen: this.reordSeen,
      dsackDups: this.dsackDups,
      reoWndSteps: this.reoWndSteps,
      inFlight: this.sb.inFlight,
      unsent: Math.max(0, this.snd.end - this.sndNxt),
    };
  }

  // --- input ---

  /** RFC 9293 §3.10.7: one segment for this connection. */
  handle(now: number, seg: TcpSegment): void {
    this.counters.segsIn += 1;
    this.hooks.count('InSegs');
    switch (this.stateValue) {
      case 'CLOSED':
      case 'LISTEN':
        return;
      case 'SYN_SENT':
        this.handleSynSent(now, seg);
        return;
      default:
        this.handleSynchronized(now, seg);
    }
  }

  private handleSynSent(now: number, seg: TcpSegment): void {
    const f = seg.flags;
    if (f.ack && seqDiff(seg.ack, this.iss) !== 1) return; // RFC 9293 would answer with a RST; we drop it

    if (f.rst) {
      if (f.ack) this.toClosed(now, 'refused');
      return;
    }
    if (!f.syn || !f.ack) return; // simultaneous open is not modelled
    this.irs = seg.seq;
    this.readSynOptions(seg, false);
    const verdict = this.hooks.incoming(now, seg, this.stateValue);
    if (verdict.action !== 'accept') {
      this.rcv.nxt = 1;
      this.rstPending = true;
      return;
    }
    if (this.synRetransmits === 0) this.rttSample(now - this.synSentAt);
    this.sndUna = 1;
    this.sndNxt = Math.max(this.sndNxt, 1);
    this.sndWnd = seg.window; // RFC 7323 §2.2: never scaled in a SYN
    this.sndWl1 = 0;
    this.sndWl2 = 1;
    this.stateValue = 'ESTABLISHED';
    this.retransmitsValue = 0;
    this.rtt.onProgress();
    this.timers.set('rto', undefined);
    this.ackPending = true;
    this.hooks.established(now);
  }

  private readSynOptions(seg: TcpSegment, passive: boolean): void {
    this.rcv.nxt = 1;
    let wscale: number | undefined;
    let sackPermitted = false;
    for (const o of seg.options) {
      if (o.kind === 'mss' && o.mss > 0) this.peerMss = o.mss;
      if (o.kind === 'wscale') wscale = Math.min(o.shift, 14); // RFC 7323 §2.3
      if (o.kind === 'sackPermitted') sackPermitted = true;
    }
    // RFC 2018 §2: SACK is used only if both SYNs carry SACK-permitted.
    this.sackOk = sackPermitted && this.cfg.sack !== false;
    // RFC 7323 §2.2: scaling is on only if both SYNs carry the option.
    if (wscale !== undefined) {
      this.sndWscale = wscale;
      this.rcvWscale = this.cfg.rcvWscale;
    } else {
      this.sndWscale = 0;
      this.rcvWscale = 0;
    }
    this.wscaleInSynAck = passive && wscale !== undefined;
    this.cc.setMss(this.sendMss);
  }

  private acceptable(seg: TcpSegment): boolean {
    const segLen = seg.payload.length + (seg.flags.syn ? 1 : 0) + (seg.flags.fin ? 1 : 0);
    const start = this.rcv.nxt + seqDiff(seg.seq, seqAdd(this.irs, this.rcv.nxt));
    const wnd = Math.max(this.rcvAdvEdge - this.rcv.nxt, 0);
    if (segLen === 0) return wnd === 0 ? start === this.rcv.nxt : start >= this.rcv.nxt && start <= this.rcv.nxt + wnd;
    // Take anything that overlaps [rcv.nxt, rcv.nxt + max(wnd, 1)): the owner's buffer is the real limit.
    return start < this.rcv.nxt + Math.max(wnd, 1) && start + segLen > this.rcv.nxt;
  }

  private handleSynchronized(now: number, seg: TcpSegment): void {
    const f = seg.flags;
    if (this.stateValue === 'SYN_RCVD' && f.syn && !f.ack && seg.seq === this.irs) {
      this.synPending = true; // the peer did not get our SYN/ACK
      return;
    }
    if (!this.acceptable(seg)) {
      if (!f.rst) {
        this.ackPending = true; // RFC 9293 §3.10.7.4 "first": send an ACK, drop
        this.dsackOld(seg);
      }
      return;
    }
    if (f.rst && this.stateValue === 'TIME_WAIT') return; // RFC 1337: no TIME-WAIT assassination
    if (f.rst) {
      // RFC 9293 §3.10.7.4 "second" (RFC 5961 would ask for an exact match and a challenge ACK otherwise).
      if (this.stateValue === 'ESTABLISHED' || this.stateValue === 'CLOSE_WAIT') this.hooks.count('EstabResets');
      if (this.stateValue === 'SYN_RCVD') this.hooks.count('AttemptFails');
      this.toClosed(now, 'reset');
      return;
    }
    if (f.syn) {
      this.ackPending = true; // "fourth": a SYN in the window is answered with an ACK (RFC 5961 §4)
      return;
    }
    if (!f.ack) return;
    const verdict = this.hooks.incoming(now, seg, this.stateValue);
    if (verdict.action === 'reset') {
      this.rstPending = true;
      return;
    }
    if (verdict.action === 'drop') return;
    if (this.stateValue === 'SYN_RCVD') {
      const ack = this.sndUna + seqDiff(seg.ack, seqAdd(this.iss, this.sndUna));
      if (ack < 1 || ack > this.sndMax) {
        this.rstPending = true;
        return;
      }
      this.stateValue = 'ESTABLISHED';
      if (this.synRetransmits === 0) this.rttSample(now - this.synSentAt);
      this.sndWnd = seg.window << this.sndWscale;
      this.sndWl1 = this.rcv.nxt + seqDiff(seg.seq, seqAdd(this.irs, this.rcv.nxt));
      this.sndWl2 = ack;
      this.hooks.established(now);
    }
    this.processAck(now, seg);
    if (this.stateValue === 'CLOSED') return;
    this.processData(now, seg, verdict.tag);
  }

  private processAck(now: number, seg: TcpSegment): void {
    const ack = this.sndUna + seqDiff(seg.ack, seqAdd(this.iss, this.sndUna));
    const seq = this.rcv.nxt + seqDiff(seg.seq, seqAdd(this.irs, this.rcv.nxt));
    if (ack > this.sndMax) {
      this.ackPending = true; // acknowledges something never sent
      return;
    }
    const wnd = seg.window << this.sndWscale;
    const d: Delivery = { delivered: 0, sampleAt: undefined, sackSampleAt: undefined, sackedNew: false };
    const priorUna = this.sndUna;
    const priorInFlight = this.sb.inFlight;
    const priorFack = this.sb.highestSackSeq(this.sndUna);
    const dsack = this.sackOk ? this.readSack(now, seg, ack, d) : NO_DSACK;
    if (ack > this.sndUna) {
      this.onNewAck(now, ack, d);
      // tcp_clean_rtx_queue: a hole below the highest SACK filled by a segment sent once.
      if (this.sackOk && d.ackReord !== undefined && d.ackReord < priorFack) this.checkSackReordering(d.ackReord);
    } else if (ack === this.sndUna && seg.payload.length === 0 && !seg.flags.fin && wnd === this.sndWnd && priorInFlight > 0) {
      this.dupAcks += 1;
    }
    // RFC 9293 §3.10.7.4: update the window from the newest segment.
    if (this.sndWl1 < seq || (this.sndWl1 === seq && this.sndWl2 <= ack)) {
      this.sndWnd = wnd;
      this.sndWl1 = seq;
      this.sndWl2 = ack;
      this.maxSndWnd = Math.max(this.maxSndWnd, wnd);
    }
    if (this.sackOk) this.rackUpdateReoWnd(d);
    if (!sendsOrClosing(this.stateValue)) return;
    this.processTlpAck(ack, d, dsack.tlp);
    this.recover(now, ack > priorUna, d);
  }

  /**
   * tcp_check_sack_reordering: a segment sent once arrived below the highest SACK, `low` its start:
   * reordering, as far as the SACKs reach (tp->reordering grows to cover it).
   */
  private checkSackReordering(low: number): void {
    const fack = this.sb.highestSackSeq(this.sndUna);
    if (low >= fack) return;
    const mss = this.sendMss;
    const metric = fack - low;
    if (metric > this.reordering * mss) this.reordering = Math.min(Math.ceil(metric / mss), MAX_REORDERING);
    this.reordSeen += 1;
    this.hooks.count('TCPSACKReorder');
  }

  /**
   * tcp_rack_update_reo_wnd (RFC 8985 §6.2 step 4): a D-SACK after reordering was seen widens the
   * window by one step, at most once a round trip (only once a segment sent after the last widening is
   * delivered); it stays wide for 16 recoveries, then goes back to one step.
   */
  private rackUpdateReoWnd(d: Delivery): void {
    if (!d.priorDelivered) return;
    if (d.priorDelivered < this.rackLastDelivered) this.rackDsackSeen = false;
    if (this.rackDsackSeen) {
      this.reoWndSteps = Math.min(0xff, this.reoWndSteps + 1);
      this.rackDsackSeen = false;
      this.rackLastDelivered = this.sb.delivered;
      this.reoWndPersist = RACK_RECOVERY_THRESH;
    } else if (this.reoWndPersist === 0) {
      this.reoWndSteps = 1;
    }
  }

  /**
   * The SACK option of an ACK (RFC 2018) onto the scoreboard (tcp_sacktag_write_queue), its first
   * block checked for a D-SACK (RFC 2883 §4, tcp_check_dsack); `ack` is the ACK's relative value.
   */
  private readSack(now: number, seg: TcpSegment, ack: number, d: Delivery): DsackResult {
    const opt = seg.options.find((o) => o.kind === 'sack');
    if (!opt || opt.kind !== 'sack') return NO_DSACK;
    const base = seqAdd(this.iss, this.sndUna);
    const blocks = opt.blocks.map((b) => ({ left: this.sndUna + seqDiff(b.left, base), right: this.sndUna + seqDiff(b.right, base) }));
    const first = blocks[0];
    const dsack = first === undefined ? NO_DSACK : this.checkDsack(first, blocks[1], ack, d);
    if (dsack.valid && first !== undefined && first.right > this.sndUna) {
      const undone = this.sb.dsack(first, this.undoMarker, d);
      if (this.undoMarker !== undefined && this.undoRetrans > 0) this.undoRetrans = Math.max(0, this.undoRetrans - undone);
    }
    const useful = blocks.filter((b) => b.right > this.sndUna && b.left < this.sndMax && b.left < b.right);
    if (useful.length > 0) this.sb.sack(useful, d, now, this.minRtt);
    if (d.sackReord !== undefined && (this.caState !== 'loss' || this.undoMarker !== undefined)) this.checkSackReordering(d.sackReord);
    return dsack;
  }

  /**
   * tcp_check_dsack and tcp_dsack_seen: is the first block a D-SACK (below the ACK, or inside the
   * second block), and one to believe? Not if it is longer than any window offered, nor once more
   * duplicates were reported than segments retransmitted (the network duplicated them). A believed one
   * after reordering was seen asks RACK to widen its window, unless it only reports a loss probe.
   */
  private checkDsack(first: SeqRange, second: SeqRange | undefined, ack: number, d: Delivery): DsackResult {
    if (first.left < ack) this.hooks.count('TCPDSACKRecv');
    else if (second !== undefined && first.right <= second.right && first.left >= second.left) this.hooks.count('TCPDSACKOfoRecv');
    else return NO_DSACK;
    const length = first.right - first.left;
    const mss = this.sendMss;
    if (length <= 0 || length > Math.max(this.maxSndWnd, mss)) return this.dubiousDsack();
    const dupSegs = length > mss ? Math.ceil(length / mss) : 1;
    const tlp = length <= mss && this.tlpHigh !== undefined && this.tlpHigh === first.right;
    this.dsackDups += dupSegs;
    if (this.dsackDups > this.counters.retransSegs) return this.dubiousDsack();
    if (this.reordSeen > 0 && !tlp) this.rackDsackSeen = true;
    this.sb.delivered += dupSegs; // a spurious retransmission was delivered (sack_delivered)
    // D-SACK for data already acknowledged: count it off the episode's retransmissions.
    if (this.undoMarker !== undefined && this.undoRetrans > 0 && first.right <= this.sndUna && first.right > this.undoMarker) {
      this.undoRetrans = Math.max(0, this.undoRetrans - dupSegs);
    }
    return { valid: true, tlp };
  }

  private dubiousDsack(): DsackResult {
    this.hooks.count('TCPDSACKIgnoredDubious');
    return NO_DSACK;
  }

  private onNewAck(now: number, ack: number, d: Delivery): void {
    this.sb.ackTo(ack, d, now, this.minRtt);
    // Karn (RFC 6298 §3): a sample only from a segment sent once; the cumulative ACK's first, else a SACKed one.
    const sampleAt = d.sampleAt ?? d.sackSampleAt;
    if (sampleAt !== undefined) this.rttSample(now - sampleAt);
    const dataAcked = this.snd.ackTo(ack);
    this.counters.bytesAcked += dataAcked;
    this.sndUna = ack;
    if (this.sndNxt < ack) this.sndNxt = ack;
    this.dupAcks = 0;
    this.retransmitsValue = 0;
    this.rtt.onProgress();
    this.timers.set('rto', this.sndNxt > this.sndUna ? now + this.rtt.rto : undefined);
    if (this.finSeq !== undefined && ack > this.finSeq) {
      const next = afterFinAcked(this.stateValue);
      if (next !== this.stateValue) this.enter(now, next);
    }
    if (dataAcked > 0) this.hooks.acked(now, dataAcked);
  }

  private rttSample(ms: number): void {
    this.rtt.sample(ms);
    this.minRtt = Math.min(this.minRtt, Math.max(ms, 0));
  }

  /** tcp_process_tlp_ack: the ACK that covers a tail loss probe tells whether it repaired a loss. */
  private processTlpAck(ack: number, d: Delivery, dsackTlp: boolean): void {
    if (this.tlpHigh === undefined || ack < this.tlpHigh) return;
    if (!this.tlpRetrans || dsackTlp) {
      this.tlpHigh = undefined; // new data acknowledged, or the D-SACK says the original and the probe both arrived
    } else if (ack > this.tlpHigh) {
      this.tlpHigh = undefined; // the probe repaired a loss: one cwnd reduction (CWR)
      if (this.caState === 'open') {
        this.priorCwnd = this.cc.cwnd;
        this.cc.reduceOnce();
      }
      this.hooks.count('TCPLossProbeRecovery');
    } else if (d.delivered === 0) {
      this.tlpHigh = undefined;
    }
  }

  /**
   * tcp_fastretrans_alert, in short: find lost segments (RACK with SACK,
   * duplicate ACKs without), move between Open, Recovery and Loss, and set
   * cwnd: slow start / congestion avoidance when open or after a timeout,
   * PRR in recovery.
   */
  private recover(now: number, unaAdvanced: boolean, d: Delivery): void {
    let newlyLost = 0;
    // tcp_ack_is_dubious: with nothing SACKed and no loss episode, a cumulative ACK cannot reveal a loss.
    if (this.sackOk && (this.sb.sackedOut > 0 || this.caState !== 'open')) {
      const r = this.sb.detectLoss(now, this.reoWnd());
      this.countLostRetransmits();
      newlyLost = r.newlyLost;
      this.timers.set('reo', r.reoTimeout > 0 ? now + Math.ceil(r.reoTimeout / JIFFY_MS) * JIFFY_MS + TIMEOUT_MIN_MS : undefined);
    } else if (this.sackOk) {
      this.timers.set('reo', undefined);
    } else {
      newlyLost = this.newRenoLoss(unaAdvanced);
    }
    if (this.caState !== 'open' && this.sndUna >= this.highSeq) {
      // The episode's data is all acknowledged (tcp_try_undo_recovery, else tcp_end_cwnd_reduction).
      if (!this.tryUndoRecovery() && this.caState === 'recovery') this.cc.exitRecovery();
      this.caState = 'open';
    }
    // tcp_try_undo_dsack: every retransmission of the episode was D-SACKed: it needed none.
    if (this.caState !== 'loss' && this.undoMarker !== undefined && this.undoRetrans === 0) {
      this.reoWndPersist = Math.min(RACK_RECOVERY_THRESH, this.reoWndPersist + 1);
      this.undoCwndReduction();
      this.hooks.count('TCPDSACKUndo');
      this.caState = 'open';
    }
    if (this.caState === 'open' && this.sb.lostOut > 0) this.enterRecovery();
    if (this.caState === 'recovery') this.cc.reduce(d.delivered, this.sb.inFlight, unaAdvanced, newlyLost > 0);
    else if (d.delivered > 0) this.cc.onAck(d.delivered);
    this.scheduleTlp(now);
  }

  /** Without SACK (RFC 6582): the third duplicate ACK, and each partial ACK in recovery, mark the first segment lost. */
  private newRenoLoss(unaAdvanced: boolean): number {
    if (this.caState === 'recovery' && unaAdvanced && this.sndUna < this.highSeq) return this.sb.markHeadLost();
    // RFC 6582 §3.2 step 2: only when the ACK covers more than `recover` (no false retransmit after a timeout).
    if (this.caState === 'open' && this.dupAcks === DUP_THRESH && this.sndUna >= this.highSeq) return this.sb.markHeadLost();
    return 0;
  }

  /** TCPLostRetransmit: retransmissions the scoreboard found lost again since the last look. */
  private countLostRetransmits(): void {
    for (; this.lostRetransmitsCounted < this.sb.lostRetransmits; this.lostRetransmitsCounted += 1) this.hooks.count('TCPLostRetransmit');
  }

  /** tcp_enter_recovery: remember what to undo to, then the PRR reduction starts. */
  private enterRecovery(): void {
    this.initUndo();
    this.priorSsthresh = this.currentSsthresh();
    this.priorCwnd = this.cc.cwnd;
    this.caState = 'recovery';
    this.highSeq = this.sndMax;
    this.tlpHigh = undefined;
    this.cc.enterRecovery();
  }

  /** tcp_current_ssthresh: in a reduction ssthresh, else ssthresh or 3/4 of cwnd if more. */
  private currentSsthresh(): number {
    if (this.caState === 'recovery') return this.cc.ssthresh;
    return Math.max(this.cc.ssthresh, Math.floor(this.cc.cwnd / 2) + Math.floor(this.cc.cwnd / 4));
  }

  /** tcp_init_undo: the retransmissions still in flight (a retransmitted loss probe too) may yet be D-SACKed. */
  private initUndo(): void {
    this.undoMarker = this.sndUna;
    this.undoRetrans = this.sb.retransSegsOut + (this.tlpHigh !== undefined && this.tlpRetrans ? 1 : 0);
    if (this.undoRetrans === 0) this.undoRetrans = -1; // 0 would mean "undo now"
  }

  /** tcp_try_undo_recovery (no timestamps: only when D-SACKs covered every retransmission); else the wide RACK window wears off. */
  private tryUndoRecovery(): boolean {
    if (this.undoMarker !== undefined && this.undoRetrans === 0) {
      this.undoCwndReduction();
      this.hooks.count(this.caState === 'loss' ? 'TCPLossUndo' : 'TCPFullUndo');
      return true;
    }
    if (this.reoWndPersist > 0) this.reoWndPersist -= 1;
    return false;
  }

  /** tcp_undo_cwnd_reduction: cwnd and ssthresh back to what they were before the episode (Reno's undo_cwnd). */
  private undoCwndReduction(): void {
    if (this.priorSsthresh > 0) this.cc.undo(this.priorCwnd, this.priorSsthresh);
    this.undoMarker = undefined;
  }

  /**
   * tcp_rack_reo_wnd: before any reordering was seen, no settling time in recovery or after a
   * timeout, nor once tp->reordering segments are SACKed; else min_rtt / 4 per step, at most SRTT.
   */
  private reoWnd(): number {
    if (this.reordSeen === 0 && (this.caState !== 'open' || this.sb.sackedOut >= this.reordering * this.sendMss)) return 0;
    return Math.min((this.minRtt / 4) * this.reoWndSteps, this.rtt.srtt ?? 0);
  }

  /**
   * tcp_schedule_loss_probe: while open with data in flight, a probe goes
   * after 2 SRTT (plus 200 ms when only one segment is out, for a delayed
   * ACK), never later than the RTO.
   */
  private scheduleTlp(now: number): void {
    if (!this.sackOk || this.caState !== 'open' || this.sb.empty || !sendsOrClosing(this.stateValue)) {
      this.timers.set('tlp', undefined);
      return;
    }
    const srtt = this.rtt.srtt;
    let timeout = srtt === undefined ? this.rtt.rto : Math.ceil((2 * srtt) / JIFFY_MS) * JIFFY_MS + (this.sb.outBytes <= this.sendMss ? this.cfg.minRtoMs : TIMEOUT_MIN_MS);
    const rtoAt = this.timers.get('rto');
    if (rtoAt !== undefined) timeout = Math.min(timeout, Math.max(rtoAt - now, 0));
    this.timers.set('tlp', now + timeout);
  }

  private processData(now: number, seg: TcpSegment, tag: R | undefined): void {
    const start = this.rcv.nxt + seqDiff(seg.seq, seqAdd(this.irs, this.rcv.nxt));
    if (seg.payload.length > 0 && receivesData(this.stateValue)) {
      const gapBefore = this.rcv.hasGaps;
      const end = start + seg.payload.length;
      const r = this.rcv.insert(start, seg.payload, tag);
      if (r.queued && r.duplicate && this.sackOk) {
        // tcp_data_queue_ofo: all of it was already queued out of order: a D-SACK for it.
        const around = this.rcv.rangeAround(start);
        if (around && around.left <= start && around.right >= end) {
          this.dsack = { left: start, right: end };
          this.hooks.count('TCPDSACKOfoSent');
        }
      }
      if (r.queued) this.hooks.count('TCPOFOQueue');
      if (this.sackOk) this.updateSackBlocks(start, r.queued);
      for (const c of r.delivered) {
        this.counters.bytesReceived += c.bytes.length;
        this.hooks.data(now, c.start, c.bytes, c.tag);
      }
      const fullSized = seg.payload.length >= this.cfg.mss - 40;
      if (r.queued || r.duplicate || gapBefore || this.quickAcksLeft > 0) {
        this.ackPending = true; // RFC 5681 §4.2: out-of-order and gap-filling segments are ACKed at once
        if (this.quickAcksLeft > 0) this.quickAcksLeft -= 1;
      } else {
        this.segsSinceAck += fullSized ? 1 : 0;
        if (this.segsSinceAck >= 2) this.ackPending = true;
        else if (this.timers.get('delack') === undefined) this.timers.set('delack', now + this.cfg.delayedAckMs);
      }
    } else if (seg.payload.length > 0) {
      this.ackPending = true;
    }
    if (seg.flags.fin) {
      this.peerFinSeq = start + seg.payload.length;
      this.ackPending = true;
      if (this.stateValue === 'TIME_WAIT') this.timers.set('timeWait', now + this.cfg.timeWaitMs); // RFC 9293: restart the 2 MSL timeout
    }
    if (this.peerFinSeq !== undefined && this.rcv.nxt === this.peerFinSeq && receivesData(this.stateValue)) {
      this.rcv.nxt += 1;
      this.enter(now, afterPeerFin(this.stateValue, this.finSeq !== undefined && this.sndUna > this.finSeq));
      this.hooks.fin(now);
    }
  }

  /**
   * tcp_send_dupack: data that is all below rcv_nxt (a duplicate, or a retransmission of what had
   * arrived) is reported in a D-SACK block (RFC 2883 §4) on the ACK that answers it.
   */
  private dsackOld(seg: TcpSegment): void {
    if (!this.sackOk || seg.payload.length === 0 || !receivesData(this.stateValue)) return;
    const start = this.rcv.nxt + seqDiff(seg.seq, seqAdd(this.irs, this.rcv.nxt));
    if (start >= this.rcv.nxt) return;
    this.dsack = { left: start, right: Math.min(start + seg.payload.length, this.rcv.nxt) };
    this.hooks.count('TCPDSACKOldSent');
  }

  /**
   * RFC 2018 §4: the first block reports the segment that just arrived (its
   * whole contiguous range), then the most recently reported others; blocks
   * the cumulative ACK reached are dropped (tcp_sack_new_ofo_skb, tcp_sack_remove).
   */
  private updateSackBlocks(start: number, queued: boolean): void {
    const nxt = this.rcv.nxt;
    let blocks = this.rcvSack.filter((b) => b.right > nxt);
    if (queued) {
      const range = this.rcv.rangeAround(start);
      if (range) blocks = [range, ...blocks.filter((b) => b.right < range.left || b.left > range.right)];
    }
    this.rcvSack = blocks.slice(0, 4);
  }

  private enter(now: number, next: TcpState): void {
    this.stateValue = next;
    if (next === 'TIME_WAIT') {
      this.timers.clear('rto', 'reo', 'tlp');
      this.timers.set('timeWait', now + this.cfg.timeWaitMs);
      this.hooks.timeWait(now);
    } else if (next === 'CLOSED') {
      this.toClosed(now, 'normal');
    }
  }

  private toClosed(now: number, reason: CloseReason): void {
    const wasSyn = this.stateValue === 'SYN_SENT';
    this.stateValue = 'CLOSED';
    this.timers.clear('rto', 'reo', 'tlp', 'delack', 'timeWait');
    this.ackPending = false;
    this.rstPending = false; // a RST asked for (abort) but overtaken by the peer's: a CLOSED socket sends nothing
    if (wasSyn && reason !== 'normal') this.hooks.count('AttemptFails');
    if (!this.closedNotified) {
      this.closedNotified = true;
      this.hooks.closed(now, reason);
    }
  }

  // --- timers ---

  private armRto(now: number): void {
    if (this.timers.get('rto') === undefined) this.timers.set('rto', now + this.rtt.rto);
  }

  nextTimeout(): number | undefined {
    return this.timers.earliest();
  }

  handleTimeout(now: number): void {
    if (this.timers.due('timeWait', now)) {
      this.toClosed(now, 'normal');
      return;
    }
    if (this.timers.due('delack', now)) {
      this.timers.set('delack', undefined);
      this.ackPending = true;
    }
    // One timer slot as in Linux: a loss probe due no later than the RTO goes instead of it (and re-arms it).
    const rtoAt = this.timers.get('rto');
    if (this.timers.due('tlp', now) && (rtoAt === undefined || (this.timers.get('tlp') as number) <= rtoAt)) {
      this.timers.set('tlp', undefined);
      this.onLossProbe(now);
      return;
    }
    if (this.timers.due('rto', now)) {
      this.timers.clear('rto', 'reo', 'tlp');
      this.onRto(now);
      return;
    }
    if (this.timers.due('reo', now)) {
      this.timers.set('reo', undefined);
      this.onReoTimeout(now);
    }
    if (this.timers.due('tlp', now)) {
      this.timers.set('tlp', undefined);
      this.onLossProbe(now);
    }
  }

  /** tcp_rack_reo_timeout: segments waited out their reordering window: lost; recovery starts if it had not. */
  private onReoTimeout(now: number): void {
    const r = this.sb.detectLoss(now, this.reoWnd());
    this.countLostRetransmits();
    if (r.reoTimeout > 0) this.timers.set('reo', now + Math.ceil(r.reoTimeout / JIFFY_MS) * JIFFY_MS + TIMEOUT_MIN_MS);
    if (this.caState === 'open' && this.sb.lostOut > 0) this.enterRecovery();
    if (this.sb.lostOut > 0) this.timers.set('tlp', undefined);
  }

  /**
   * tcp_send_loss_probe: nothing heard for 2 SRTT while open: send one new
   * segment if there is one (cwnd aside), else the last segment again, so
   * that a loss at the tail gets SACK feedback instead of waiting for the RTO.
   */
  private onLossProbe(now: number): void {
    if (this.caState !== 'open' || this.sb.empty) return;
    if (this.tlpHigh === undefined) this.tlpProbePending = true;
    this.timers.set('rto', now + this.rtt.rto); // tcp_rearm_rto
  }

  private onRto(now: number): void {
    if (this.stateValue === 'SYN_SENT' || this.stateValue === 'SYN_RCVD') {
      const limit = this.stateValue === 'SYN_SENT' ? this.cfg.synRetries : this.cfg.synAckRetries;
      if (this.synRetransmits >= limit) {
        this.hooks.count('AttemptFails');
        this.toClosed(now, 'timeout');
        return;
      }
      this.hooks.timeout(now, this.synRetransmits);
      this.synRetransmits += 1;
      this.rtt.onTimeout();
      this.synPending = true;
      this.hooks.count('TCPSynRetrans');
      this.armRto(now);
      return;
    }
    if (this.sb.empty) {
      if (this.hooks.awaitingAck()) {
        this.ackPending = true; // resend the third ACK (RFC 8684 §3.2)
        this.rtt.onTimeout();
        this.armRto(now);
      } else if (this.snd.end > this.sndNxt) {
        this.probePending = true; // persist: probe a zero window (RFC 9293 §3.8.6.1)
        this.rtt.onTimeout();
        this.armRto(now);
      }
      return;
    }
    this.hooks.timeout(now, this.retransmitsValue);
    if (this.retransmitsValue >= this.cfg.retries2) {
      this.toClosed(now, 'timeout');
      return;
    }
    this.retransmitsValue += 1;
    this.counters.timeouts += 1;
    this.hooks.count('TCPTimeouts');
    // tcp_enter_loss: ssthresh once per episode, cwnd to one segment, what was not SACKed is lost and goes
    // again in order as cwnd opens (RFC 5681 §3.1, RFC 6675 §5.1); the episode lasts until snd_nxt is acknowledged.
    const newEpisode = this.caState === 'open' || this.sndUna >= this.highSeq;
    this.sb.markTimeoutLost(now);
    this.countLostRetransmits();
    if (newEpisode) {
      // After tcp_timeout_mark_lost: retransmissions it found lost no longer count toward undo.
      this.priorSsthresh = this.currentSsthresh();
      this.priorCwnd = this.cc.cwnd;
      this.initUndo();
    }
    // A timeout while SACKs pointed at reordering: tp->reordering was too high a guess.
    if (this.caState === 'open' && this.sb.sackedOut >= DUP_THRESH * this.sendMss) this.reordering = Math.min(this.reordering, DUP_THRESH);
    this.cc.onTimeout(newEpisode);
    this.rtt.onTimeout();
    this.rtoHeadPending = true;
    this.caState = 'loss';
    this.highSeq = this.sndMax;
    this.tlpHigh = undefined;
    this.dupAcks = 0;
    this.armRto(now);
  }

  // --- output ---

  /** The segments to send now. */
  transmit(now: number): TcpSegment[] {
    const out: TcpSegment[] = [];
    if (this.rstPending) {
      this.rstPending = false;
      out.push(this.build(now, tcpFlags({ rst: true, ack: true }), this.sndMax, new Uint8Array(0), undefined, false));
      this.hooks.count('OutRsts');
      if (this.stateValue === 'ESTABLISHED' || this.stateValue === 'CLOSE_WAIT') this.hooks.count('EstabResets');
      this.toClosed(now, 'aborted');
      return out;
    }
    switch (this.stateValue) {
      case 'CLOSED':
      case 'LISTEN':
        return out;
      case 'SYN_SENT':
      case 'SYN_RCVD':
        if (this.synPending) {
          this.synPending = false;
          if (this.synRetransmits === 0) this.synSentAt = now;
          const synAck = this.stateValue === 'SYN_RCVD';
          out.push(this.build(now, tcpFlags({ syn: true, ack: synAck }), 0, new Uint8Array(0), undefined, this.synRetransmits > 0));
          this.sndMax = Math.max(this.sndMax, 1);
          this.sndNxt = 1;
          this.armRto(now);
        }
        if (this.stateValue === 'SYN_RCVD' || out.length > 0) return out;
        break;
      default:
        break;
    }
    this.retransmitLost(now, out);
    if (this.probePending) {
      this.probePending = false;
      if (this.sb.empty && this.snd.end > this.sndNxt) this.sendSegment(now, out, 1);
    }
    this.sendNew(now, out);
    if (this.tlpProbePending) this.sendLossProbe(now, out);
    const pure = this.pureAckPending;
    this.pureAckPending = false;
    if ((this.ackPending || pure) && this.stateValue !== 'SYN_SENT') {
      // Segments without data carry the highest sequence sent, like Linux's snd_nxt: after a timeout sndNxt
      // went back to sndUna, and a peer that already has that data would find the lower number out of
      // window and drop the segment, its ACK with it (RFC 9293 §3.10.7.4).
      out.push(this.build(now, tcpFlags({ ack: true }), this.sndMax, new Uint8Array(0), undefined, false));
    }
    if (this.sndNxt > this.sndUna || this.hooks.awaitingAck()) this.armRto(now);
    return out;
  }

  /**
   * tcp_small_queue_check: too much of ours still sits in the host's queues (engine/tcp/small-queues.ts).
   * A socket with at most one segment unacknowledged may always send.
   */
  private smallQueueThrottled(factor: 0 | 1): boolean {
    if (!this.cfg.smallQueues || this.sb.empty || this.sb.first() === this.sb.last()) return false;
    return this.smallQueues.throttled(this.smallQueueInput(), factor);
  }

  private smallQueueInput(): SmallQueueInput {
    const inFlight = this.sb.inFlight;
    return { cwnd: this.cc.cwnd, ssthresh: this.cc.ssthresh, mss: this.sendMss, outBytes: this.sb.outBytes, cwndRoom: Math.max(0, this.cc.cwnd - inFlight), srttMs: this.rtt.srtt, minRttMs: this.minRtt };
  }

  /** tcp_wfree: a segment of ours (payload bytes) left the host; more may go at the next transmit(). */
  txDone(payloadBytes: number): void {
    this.smallQueues.release(segmentTruesize(payloadBytes));
  }

  /** May new data (or our FIN) go out in this state? */
  private get canSendData(): boolean {
    return sendsData(this.stateValue) || this.stateValue === 'FIN_WAIT_1' || this.stateValue === 'CLOSING' || this.stateValue === 'LAST_ACK';
  }

  /** tcp_xmit_retransmit_queue: lost segments first, in order, as far as cwnd allows. */
  private retransmitLost(now: number, out: TcpSegment[]): void {
    if (!this.canSendData) return;
    for (let next = this.sb.nextLost(); next !== undefined; next = this.sb.nextLost()) {
      if (this.smallQueueThrottled(1)) return;
      const inFlight = this.sb.inFlight;
      if (inFlight > 0 && inFlight + Math.min(next.seg.end - next.seg.start, this.sendMss) > this.cc.cwnd) return;
      this.retransmitSegment(now, next.seg, next.index, out);
      if (this.caState !== 'loss') {
        this.hooks.count('TCPFastRetrans');
        this.counters.fastRetrans += 1;
      } else if (!this.rtoHeadPending) {
        this.hooks.count('TCPSlowStartRetrans'); // tcp_xmit_retransmit_queue in Loss
      }
      // The head after a timeout goes from tcp_retransmit_timer itself, counted by neither.
      this.rtoHeadPending = false;
    }
  }

  private sendNew(now: number, out: TcpSegment[]): void {
    if (!this.canSendData) return;
    const shared = this.hooks.sharedSendWindow();
    const mss = this.sendMss;
    this.cc.setMss(mss); // the MSS changes when MPTCP falls back (no more DSS to make room for)
    for (let guard = 0; guard < 10_000; guard += 1) {
      if (this.smallQueueThrottled(0)) return;
      const unsent = this.snd.end - this.sndNxt;
      const inFlight = this.sb.inFlight;
      if (unsent > 0) {
        const wndRoom = shared ? Number.POSITIVE_INFINITY : this.sndUna + this.sndWnd - this.sndNxt;
        const want = Math.min(mss, unsent);
        // With nothing in flight one segment may always go (the loss window, RFC 5681 §3.1).
        if (wndRoom <= 0 || (this.cc.cwnd - inFlight < want && inFlight > 0)) {
          if (wndRoom <= 0 && this.sb.empty) this.armRto(now); // persist timer
          return;
        }
        this.sendSegment(now, out, Math.min(want, wndRoom));
        continue;
      }
      if (this.finSeq !== undefined && this.sndNxt === this.finSeq) {
        out.push(this.build(now, tcpFlags({ fin: true, ack: true }), this.sndNxt, new Uint8Array(0), undefined, false));
        this.sb.add(this.sndNxt, this.sndNxt + 1, true, now);
        this.advance(now, this.sndNxt + 1);
        this.stateValue = afterOwnFin(this.stateValue);
        continue;
      }
      return;
    }
  }

  /** Sends one new segment from snd_nxt, at most `max` bytes; FIN rides along when it is the last data. */
  private sendSegment(now: number, out: TcpSegment[], max: number): void {
    const seq = this.sndNxt;
    const { bytes, tag } = this.snd.peek(seq, Math.min(max, this.sendMss));
    if (bytes.length === 0) return;
    const end = seq + bytes.length;
    const fin = this.finSeq !== undefined && end === this.finSeq;
    out.push(this.build(now, tcpFlags({ ack: true, psh: end === this.snd.end, fin }), seq, bytes, tag, false));
    this.counters.bytesSent += bytes.length;
    this.hooks.count('TCPOrigDataSent');
    this.sb.add(seq, end + (fin ? 1 : 0), fin, now);
    if (this.caState === 'recovery') this.cc.prrOut += bytes.length;
    this.advance(now, end + (fin ? 1 : 0));
    if (fin) this.stateValue = afterOwnFin(this.stateValue);
  }

  /** tcp_retransmit_skb: one segment of the scoreboard again, cut to the current MSS (`probe`: a loss probe's __tcp_retransmit_skb). */
  private retransmitSegment(now: number, seg: TxSegment, index: number, out: TcpSegment[], probe = false): void {
    this.sb.split(index, this.sendMss);
    const dataEnd = seg.fin ? seg.end - 1 : seg.end;
    const { bytes, tag } = this.snd.peek(seg.start, dataEnd - seg.start);
    out.push(this.build(now, tcpFlags({ ack: true, psh: dataEnd === this.snd.end, fin: seg.fin }), seg.start, bytes, tag, true));
    this.counters.bytesSent += bytes.length;
    this.counters.bytesRetrans += bytes.length;
    if (this.caState === 'recovery') this.cc.prrOut += seg.end - seg.start;
    this.sb.retransmitted(seg, now, probe);
    if (!probe) this.undoRetrans = Math.max(this.undoRetrans, 0) + 1;
    this.armRto(now);
  }

  /**
   * The probe itself: a new segment if the window allows one (cwnd aside),
   * else the last segment sent; tlp_high_seq remembers snd_nxt.
   */
  private sendLossProbe(now: number, out: TcpSegment[]): void {
    this.tlpProbePending = false;
    if (this.caState !== 'open' || this.sb.empty || !this.canSendData) return;
    const before = this.sndNxt;
    const shared = this.hooks.sharedSendWindow();
    const wndRoom = shared ? Number.POSITIVE_INFINITY : this.sndUna + this.sndWnd - this.sndNxt;
    if (this.snd.end > this.sndNxt && wndRoom > 0) this.sendSegment(now, out, Math.min(this.sendMss, wndRoom));
    if (this.sndNxt > before) {
      this.tlpRetrans = false;
    } else {
      const last = this.sb.last() as TxSegment;
      this.retransmitSegment(now, last, this.sb.indexOfLast(), out, true);
      this.tlpRetrans = true;
    }
    this.hooks.count('TCPLossProbes');
    this.tlpHigh = this.sndNxt;
    this.timers.set('rto', now + this.rtt.rto);
  }

  private advance(now: number, to: number): void {
    if (to > this.sndMax) this.sndMax = to;
    this.sndNxt = Math.max(this.sndNxt, to);
    this.armRto(now);
    this.scheduleTlp(now);
  }

  private freeWindow(): number {
    return Math.max(0, this.hooks.receiveWindow() - this.rcv.oooBytes);
  }

  /** The window field, never moving the right edge left (RFC 9293 §3.8.6.2.1). */
  private windowField(flags: TcpFlags): number {
    if (flags.syn) {
      // RFC 7323 §2.2: the window of a SYN is never scaled.
      const w = Math.min(0xffff, this.freeWindow());
      if (flags.ack) this.rcvAdvEdge = Math.max(this.rcvAdvEdge, this.rcv.nxt + w);
      return w;
    }
    const scale = 2 ** this.rcvWscale;
    let field = Math.min(0xffff, Math.floor(this.freeWindow() / scale));
    if (this.rcv.nxt + field * scale < this.rcvAdvEdge) field = Math.min(0xffff, Math.ceil((this.rcvAdvEdge - this.rcv.nxt) / scale));
    this.rcvAdvEdge = Math.max(this.rcvAdvEdge, this.rcv.nxt + field * scale);
    return field;
  }

  /**
   * tcp_established_options: SACK blocks (a D-SACK first, once) in what the
   * MPTCP options left of the 40 bytes: 4 bytes of header and NOPs, 8 a block.
   */
  private sackOption(options: TcpOption[], used: number): void {
    if (!this.sackOk) return;
    const blocks = this.dsack ? [this.dsack, ...this.rcvSack] : this.rcvSack;
    const fit = Math.min(blocks.length, Math.floor((MAX_OPTIONS - used - 4) / 8));
    if (fit <= 0) return;
    this.dsack = undefined;
    const base = seqAdd(this.irs, this.rcv.nxt);
    const abs = (rel: number): number => seqAdd(base, rel - this.rcv.nxt);
    options.push({ kind: 'sack', blocks: blocks.slice(0, fit).map((b) => ({ left: abs(b.left), right: abs(b.right) })) });
  }

  private build(now: number, flags: TcpFlags, seq: number, payload: Uint8Array, tag: S | undefined, retransmit: boolean): TcpSegment {
    const options: TcpOption[] = [];
    if (flags.syn) {
      options.push({ kind: 'mss', mss: this.cfg.mss });
      // RFC 2018 §2: offered on the SYN, answered on the SYN/ACK only if the SYN offered it.
      if (flags.ack ? this.sackOk : this.cfg.sack !== false) options.push({ kind: 'sackPermitted' });
      if (!flags.ack || this.wscaleInSynAck) options.push({ kind: 'wscale', shift: this.cfg.rcvWscale });
      for (const b of this.hooks.synOptions(flags.ack, this.synRetransmits)) options.push({ kind: 'mptcp', bytes: b });
    } else {
      let used = 0;
      for (const b of this.hooks.options({ now, seq, len: payload.length, flags, tag, retransmit }, MAX_OPTIONS)) {
        options.push({ kind: 'mptcp', bytes: b });
        used += (b.length + 3) & ~3;
      }
      if (flags.ack && !flags.rst) this.sackOption(options, used);
    }
    if (flags.ack) {
      this.ackPending = false;
      this.segsSinceAck = 0;
      this.timers.set('delack', undefined);
    }
    this.counters.segsOut += 1;
    if (this.cfg.smallQueues && chargesSmallQueue(payload.length, flags)) this.smallQueues.charge(segmentTruesize(payload.length));
    if (retransmit) {
      this.counters.retransSegs += 1;
      this.hooks.count('RetransSegs');
    } else {
      this.hooks.count('OutSegs');
    }
    return {
      srcPort: this.local.port,
      dstPort: this.remote.port,
      seq: seqAdd(this.iss, seq),
      ack: flags.ack ? seqAdd(this.irs, this.rcv.nxt) : 0,
      flags,
      window: this.windowField(flags),
      options,
      payload,
    };
  }
}
