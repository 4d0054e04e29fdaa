// One TCP connection, sans-IO (RFC 9293): what the owner calls (connect,
// accept, send, close, abort), the input side (the state machine, ACK
// processing, reassembly, SACK blocks and D-SACKs to send, delayed ACKs,
// RSTs) and the timers (RTO, persist, SYN retries, TIME-WAIT). handle() takes
// a parsed segment, transmit() returns the segments to send now,
// nextTimeout()/handleTimeout() drive the timers. No clock, no randomness:
// `now` and the ISS come from outside. The connection's state is in sock.ts,
// loss recovery in recovery.ts, output in output.ts.
//
// Not modelled: timestamps (so no Eifel undo), F-RTO, Nagle, urgent data,
// simultaneous open, PMTU.

import { seqAdd, seqDiff } from './seq.js';
import type { TcpSegment } from './segment.js';
import type { Delivery } from './scoreboard.js';
import { afterFinAcked, afterPeerFin, isSynchronized, receivesData, sendsData, sendsOrClosing, type TcpState } from './state.js';
import { RETRANSMIT_TIMERS } from './timers.js';
import { NO_DSACK } from './recovery.js';
import { TcpOutput } from './output.js';

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

export class TcpSocket<S = undefined, R = undefined> extends TcpOutput<S, R> {
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

  /**
   * tcp_close (__tcp_close): a FIN after the queued data, and reading ends too (SHUTDOWN_MASK), so new
   * data that still comes is answered with a RST (abortOnData). The kernel sends a RST at once instead
   * when the receive queue holds data the owner has not read (TCPAbortOnClose); the engine's owner takes
   * every in-order byte as it arrives, so `unread` is what the owner says it still holds.
   */
  closeAll(now: number, unread = 0): void {
    this.rcvShutdown = true;
    if (unread > 0 && isSynchronized(this.stateValue) && this.stateValue !== 'TIME_WAIT') {
      this.hooks.count('TCPAbortOnClose');
      this.rstPending = true;
      return;
    }
    this.close(now);
  }

  /** The RST about to go out (or gone) answers data that came after tcp_close: the kernel's is a stateless one. */
  get resetInReply(): boolean {
    return this.rstInReply;
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

  /** RFC 9293 §3.10.7.4 "first": the segment is in the receive window (a RST that passes it is acted on). */
  inWindow(seg: TcpSegment): boolean {
    return isSynchronized(this.stateValue) && this.acceptable(seg);
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
    if (this.abortOnData(seg)) return;
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
   * tcp_rcv_state_process, step 7 (RFC 1122 §4.2.2.13): after tcp_close, new data in FIN_WAIT_1 or
   * FIN_WAIT_2 resets the connection (TCPAbortOnData); tcp_v4_do_rcv answers it with a RST.
   */
  private abortOnData(seg: TcpSegment): boolean {
    if (!this.rcvShutdown || (this.stateValue !== 'FIN_WAIT_1' && this.stateValue !== 'FIN_WAIT_2')) return false;
    if (seg.payload.length === 0) return false;
    const start = this.rcv.nxt + seqDiff(seg.seq, seqAdd(this.irs, this.rcv.nxt));
    if (start + seg.payload.length <= this.rcv.nxt) return false;
    this.hooks.count('TCPAbortOnData');
    this.rstInReply = true;
    this.rstPending = true;
    return true;
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

  // --- timers ---

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
    this.enterLoss(now);
    this.armRto(now);
  }
}
