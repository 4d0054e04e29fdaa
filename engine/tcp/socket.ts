// One TCP connection, sans-IO (RFC 9293): the state machine, the sender
// (send buffer, retransmission with RFC 6298 timers, fast retransmit on three
// duplicate ACKs, Reno/NewReno), the receiver (reassembly, delayed ACKs,
// window), and RST handling. handle() takes a parsed segment, transmit()
// returns the segments to send now, nextTimeout()/handleTimeout() drive the
// timers. No clock, no randomness: `now` and the ISS come from outside.
//
// Sequence numbers are kept relative to the ISS/IRS (the SYN is 0, the first
// data byte 1, our FIN comes after the last data byte) as plain numbers, so a
// long transfer never wraps; they go modulo 2^32 only on the wire.
//
// Not modelled: SACK, timestamps, Nagle (segments go out as soon as cwnd and
// window allow, like TCP_NODELAY), urgent data, simultaneous open, PMTU.

import { seqAdd, seqDiff } from './seq.js';
import { tcpFlags, type TcpFlags, type TcpOption, type TcpSegment } from './segment.js';
import { RenoCongestion } from './congestion.js';
import { RttEstimator } from './rtt.js';
import { SendBuffer } from './send-buffer.js';
import { ReceiveBuffer } from './receive-buffer.js';
import { afterFinAcked, afterOwnFin, afterPeerFin, receivesData, sendsData, type TcpState } from './state.js';
import type { CloseReason, TcpAddr, TcpConfig, TcpHooks } from './config.js';

/** RFC 9293 §3.7.1: the MSS assumed when the peer sends none. */
const DEFAULT_PEER_MSS = 536;
const MAX_OPTIONS = 40;

interface Sent {
  readonly end: number;
  readonly at: number;
}

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
  private sent: Sent[] = [];
  /** Sequence numbers below this were sent more than once (Karn's algorithm). */
  private rtxHigh = 0;
  private dupAcks = 0;
  private retransmitsValue = 0;
  private synRetransmits = 0;
  private ackPending = false;
  private pureAckPending = false;
  private segsSinceAck = 0;
  private quickAcksLeft: number;
  private synPending = false;
  private rstPending = false;
  private fastRtxPending = false;
  private probePending = false;
  private rtoAt: number | undefined;
  private delackAt: number | undefined;
  private timeWaitAt: number | undefined;
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
    const flight = this.sndNxt - this.sndUna;
    let room = this.cc.cwnd - flight - queued;
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
      inFlight: this.sndNxt - this.sndUna,
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
    if (this.synRetransmits === 0) this.rtt.sample(now - this.synSentAt);
    this.sent = [];
    this.sndUna = 1;
    this.sndNxt = Math.max(this.sndNxt, 1);
    this.sndWnd = seg.window; // RFC 7323 §2.2: never scaled in a SYN
    this.sndWl1 = 0;
    this.sndWl2 = 1;
    this.stateValue = 'ESTABLISHED';
    this.retransmitsValue = 0;
    this.rtt.onProgress();
    this.rtoAt = undefined;
    this.ackPending = true;
    this.hooks.established(now);
  }

  private readSynOptions(seg: TcpSegment, passive: boolean): void {
    this.rcv.nxt = 1;
    let wscale: number | undefined;
    for (const o of seg.options) {
      if (o.kind === 'mss' && o.mss > 0) this.peerMss = o.mss;
      if (o.kind === 'wscale') wscale = Math.min(o.shift, 14); // RFC 7323 §2.3
    }
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
      if (!f.rst) this.ackPending = true; // RFC 9293 §3.10.7.4 "first": send an ACK, drop
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
    const flight = this.sndNxt - this.sndUna;
    if (ack > this.sndUna) {
      this.onNewAck(now, ack);
    } else if (ack === this.sndUna && seg.payload.length === 0 && !seg.flags.fin && wnd === this.sndWnd && flight > 0) {
      this.onDupAck();
    }
    // RFC 9293 §3.10.7.4: update the window from the newest segment.
    if (this.sndWl1 < seq || (this.sndWl1 === seq && this.sndWl2 <= ack)) {
      this.sndWnd = wnd;
      this.sndWl1 = seq;
      this.sndWl2 = ack;
    }
  }

  private onNewAck(now: number, ack: number): void {
    const oldUna = this.sndUna;
    const acked = ack - oldUna;
    // Karn: sample only if nothing in (oldUna, ack] was sent twice.
    let sampleAt: number | undefined;
    while (this.sent.length > 0 && (this.sent[0] as Sent).end <= ack) sampleAt = (this.sent.shift() as Sent).at;
    if (sampleAt !== undefined && this.rtxHigh <= oldUna) this.rtt.sample(now - sampleAt);
    const dataAcked = this.snd.ackTo(ack);
    this.counters.bytesAcked += dataAcked;
    this.sndUna = ack;
    if (this.sndNxt < ack) this.sndNxt = ack;
    this.dupAcks = 0;
    this.retransmitsValue = 0;
    this.rtt.onProgress();
    if (this.cc.inRecovery) {
      if (ack >= this.cc.recover) this.cc.exitRecovery(this.sndNxt - ack);
      else {
        this.cc.onPartialAck(acked); // RFC 6582 §3.2 step 5: retransmit the next hole
        this.fastRtxPending = true;
      }
    } else {
      this.cc.onAck(acked);
    }
    this.rtoAt = this.sndNxt > this.sndUna ? now + this.rtt.rto : undefined;
    if (this.finSeq !== undefined && ack > this.finSeq) {
      const next = afterFinAcked(this.stateValue);
      if (next !== this.stateValue) this.enter(now, next);
    }
    if (dataAcked > 0) this.hooks.acked(now, dataAcked);
  }

  private onDupAck(): void {
    this.dupAcks += 1;
    if (this.cc.inRecovery) {
      this.cc.onDupAckInRecovery();
      return;
    }
    // RFC 6582 §3.2 step 2: only when the ACK covers more than `recover` (no false retransmit after a timeout).
    if (this.dupAcks === 3 && this.sndUna > this.cc.recover - 1) {
      this.cc.enterRecovery(this.sndNxt - this.sndUna, this.sndMax);
      this.fastRtxPending = true;
      this.counters.fastRetrans += 1;
      this.hooks.count('TCPFastRetrans');
    }
  }

  private processData(now: number, seg: TcpSegment, tag: R | undefined): void {
    const start = this.rcv.nxt + seqDiff(seg.seq, seqAdd(this.irs, this.rcv.nxt));
    if (seg.payload.length > 0 && receivesData(this.stateValue)) {
      const gapBefore = this.rcv.hasGaps;
      const r = this.rcv.insert(start, seg.payload, tag);
      if (r.queued) this.hooks.count('TCPOFOQueue');
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
        else if (this.delackAt === undefined) this.delackAt = now + this.cfg.delayedAckMs;
      }
    } else if (seg.payload.length > 0) {
      this.ackPending = true;
    }
    if (seg.flags.fin) {
      this.peerFinSeq = start + seg.payload.length;
      this.ackPending = true;
      if (this.stateValue === 'TIME_WAIT') this.timeWaitAt = now + this.cfg.timeWaitMs; // RFC 9293: restart the 2 MSL timeout
    }
    if (this.peerFinSeq !== undefined && this.rcv.nxt === this.peerFinSeq && receivesData(this.stateValue)) {
      this.rcv.nxt += 1;
      this.enter(now, afterPeerFin(this.stateValue, this.finSeq !== undefined && this.sndUna > this.finSeq));
      this.hooks.fin(now);
    }
  }

  private enter(now: number, next: TcpState): void {
    this.stateValue = next;
    if (next === 'TIME_WAIT') {
      this.rtoAt = undefined;
      this.timeWaitAt = now + this.cfg.timeWaitMs;
      this.hooks.timeWait(now);
    } else if (next === 'CLOSED') {
      this.toClosed(now, 'normal');
    }
  }

  private toClosed(now: number, reason: CloseReason): void {
    const wasSyn = this.stateValue === 'SYN_SENT';
    this.stateValue = 'CLOSED';
    this.rtoAt = undefined;
    this.delackAt = undefined;
    this.timeWaitAt = undefined;
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
    if (this.rtoAt === undefined) this.rtoAt = now + this.rtt.rto;
  }

  nextTimeout(): number | undefined {
    let t: number | undefined;
    for (const d of [this.rtoAt, this.delackAt, this.timeWaitAt]) if (d !== undefined && (t === undefined || d < t)) t = d;
    return t;
  }

  handleTimeout(now: number): void {
    if (this.timeWaitAt !== undefined && now >= this.timeWaitAt) {
      this.toClosed(now, 'normal');
      return;
    }
    if (this.delackAt !== undefined && now >= this.delackAt) {
      this.delackAt = undefined;
      this.ackPending = true;
    }
    if (this.rtoAt !== undefined && now >= this.rtoAt) {
      this.rtoAt = undefined;
      this.onRto(now);
    }
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
    const flight = this.sndNxt - this.sndUna;
    if (flight === 0) {
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
    this.cc.onTimeout(flight, this.sndMax);
    this.rtt.onTimeout();
    // Go back N: everything after snd_una is sent again as cwnd opens (RFC 5681 §3.1, RFC 6582 §4).
    this.sndNxt = this.sndUna;
    this.sent = [];
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
          if (this.synRetransmits === 0) {
            this.synSentAt = now;
            this.sent = [{ end: 1, at: now }];
          } else {
            this.rtxHigh = 1;
          }
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
    if (this.fastRtxPending) {
      this.fastRtxPending = false;
      if (this.sndNxt > this.sndUna) this.sendAt(now, this.sndUna, true, out);
    }
    if (this.probePending) {
      this.probePending = false;
      if (this.sndNxt === this.sndUna && this.snd.end > this.sndNxt) this.sendAt(now, this.sndNxt, true, out, 1);
    }
    this.sendNew(now, out);
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

  private sendNew(now: number, out: TcpSegment[]): void {
    const canSend = sendsData(this.stateValue) || this.stateValue === 'FIN_WAIT_1' || this.stateValue === 'CLOSING' || this.stateValue === 'LAST_ACK';
    if (!canSend) return;
    const shared = this.hooks.sharedSendWindow();
    const mss = this.sendMss;
    this.cc.setMss(mss); // the MSS changes when MPTCP falls back (no more DSS to make room for)
    for (let guard = 0; guard < 10_000; guard += 1) {
      const unsent = this.snd.end - this.sndNxt;
      const flight = this.sndNxt - this.sndUna;
      const cwndRoom = this.cc.cwnd - flight;
      if (unsent > 0) {
        const wndRoom = shared ? Number.POSITIVE_INFINITY : this.sndUna + this.sndWnd - this.sndNxt;
        const want = Math.min(mss, unsent);
        // With nothing in flight one segment may always go (the loss window, RFC 5681 §3.1).
        if (wndRoom <= 0 || (cwndRoom < want && flight > 0)) {
          if (wndRoom <= 0 && flight === 0) this.armRto(now); // persist timer
          return;
        }
        this.sendAt(now, this.sndNxt, false, out, Math.min(want, wndRoom));
        continue;
      }
      if (this.finSeq !== undefined && this.sndNxt === this.finSeq) {
        out.push(this.build(now, tcpFlags({ fin: true, ack: true }), this.sndNxt, new Uint8Array(0), undefined, this.sndNxt < this.sndMax));
        this.advance(now, this.sndNxt + 1);
        this.stateValue = afterOwnFin(this.stateValue);
        continue;
      }
      return;
    }
  }

  /** Sends one data segment from `seq`, at most `max` bytes; FIN rides along when it is the last data. */
  private sendAt(now: number, seq: number, rtxOnly: boolean, out: TcpSegment[], max = this.sendMss): void {
    // Filling a hole never runs past snd_nxt: the original segment there may have been shorter (window-limited).
    const limit = rtxOnly && seq < this.sndNxt ? Math.min(max, this.sndNxt - seq) : max;
    const { bytes, tag } = this.snd.peek(seq, Math.min(limit, this.sendMss));
    if (bytes.length === 0) return;
    const end = seq + bytes.length;
    const fin = this.finSeq !== undefined && end === this.finSeq && !rtxOnly;
    const retransmit = seq < this.sndMax;
    out.push(this.build(now, tcpFlags({ ack: true, psh: end === this.snd.end, fin }), seq, bytes, tag, retransmit));
    this.counters.bytesSent += bytes.length;
    if (retransmit) {
      this.counters.bytesRetrans += bytes.length;
      this.rtxHigh = Math.max(this.rtxHigh, end);
    } else {
      this.hooks.count('TCPOrigDataSent');
    }
    if (rtxOnly && seq !== this.sndNxt) return; // a hole filled: sndNxt stays where it is
    this.advance(now, end + (fin ? 1 : 0));
    if (fin) this.stateValue = afterOwnFin(this.stateValue);
  }

  private advance(now: number, to: number): void {
    if (to > this.sndMax) {
      this.sent.push({ end: to, at: now });
      this.sndMax = to;
    }
    this.sndNxt = Math.max(this.sndNxt, to);
    this.armRto(now);
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

  private build(now: number, flags: TcpFlags, seq: number, payload: Uint8Array, tag: S | undefined, retransmit: boolean): TcpSegment {
    const options: TcpOption[] = [];
    if (flags.syn) {
      options.push({ kind: 'mss', mss: this.cfg.mss });
      if (!flags.ack || this.wscaleInSynAck) options.push({ kind: 'wscale', shift: this.cfg.rcvWscale });
      for (const b of this.hooks.synOptions(flags.ack, this.synRetransmits)) options.push({ kind: 'mptcp', bytes: b });
    } else {
      for (const b of this.hooks.options({ now, seq, len: payload.length, flags, tag, retransmit }, MAX_OPTIONS)) options.push({ kind: 'mptcp', bytes: b });
    }
    if (flags.ack) {
      this.ackPending = false;
      this.segsSinceAck = 0;
      this.delackAt = undefined;
    }
    this.counters.segsOut += 1;
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
