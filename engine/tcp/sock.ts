// The state of one TCP connection, sans-IO (the kernel's struct tcp_sock):
// sequence numbers, windows, the send and receive buffers, the RTT estimator,
// congestion control, the scoreboard of what is in flight, the timers and what
// is pending to go out, and the state changes every part makes. The code that
// works on it is split the way Linux splits it, each file a layer of the
// class: loss recovery in recovery.ts (tcp_recovery.c and the recovery parts
// of tcp_input.c), output in output.ts (tcp_output.c), and the socket calls,
// input and timer handling in socket.ts (tcp.c, tcp_input.c, tcp_timer.c).
//
// Sequence numbers are kept relative to the ISS/IRS (the SYN is 0, the first
// data byte 1, our FIN comes after the last data byte) as plain numbers, so a
// long transfer never wraps; they go modulo 2^32 only on the wire.

import { RenoCongestion } from './congestion.js';
import { Scoreboard } from './scoreboard.js';
import { RttEstimator } from './rtt.js';
import { SmallQueues } from './small-queues.js';
import { SendBuffer } from './send-buffer.js';
import { ReceiveBuffer } from './receive-buffer.js';
import type { TcpState } from './state.js';
import type { CloseReason, TcpAddr, TcpConfig, TcpHooks } from './config.js';
import { TcpTimers } from './timers.js';

/** RFC 9293 §3.7.1: the MSS assumed when the peer sends none. */
const DEFAULT_PEER_MSS = 536;

/** What every layer of a TCP connection shares; TcpSocket (socket.ts) is the class to use. */
export class TcpSock<S, R> {
  stateValue: TcpState = 'CLOSED';
  protected irs = 0;
  protected sndUna = 0;
  protected sndNxt = 0;
  /** The highest sequence ever sent plus one; sndNxt falls below it after a timeout. */
  protected sndMax = 0;
  protected sndWnd = 0;
  protected sndWl1 = 0;
  protected sndWl2 = 0;
  protected sndWscale = 0;
  protected rcvWscale = 0;
  protected peerMss = DEFAULT_PEER_MSS;
  protected rcvAdvEdge = 1;
  protected finSeq: number | undefined;
  protected peerFinSeq: number | undefined;
  protected readonly snd = new SendBuffer<S>(1);
  protected readonly rcv = new ReceiveBuffer<R>(1);
  protected readonly rtt: RttEstimator;
  protected readonly cc: RenoCongestion;
  /** Every segment sent and not cumulatively acknowledged. */
  protected readonly sb = new Scoreboard();
  /** TCP Small Queues: bytes of ours still in the host (cfg.smallQueues). */
  readonly smallQueues = new SmallQueues();
  /** Both ends offered SACK. */
  protected sackOk = false;
  protected minRtt = Number.POSITIVE_INFINITY;
  /** The receiver's SACK blocks, most recent first (relative sequence numbers). */
  protected rcvSack: { left: number; right: number }[] = [];
  /** A duplicate segment to report once in a D-SACK block (RFC 2883). */
  protected dsack: { left: number; right: number } | undefined;
  protected retransmitsValue = 0;
  protected synRetransmits = 0;
  protected ackPending = false;
  protected pureAckPending = false;
  protected segsSinceAck = 0;
  protected quickAcksLeft: number;
  protected synPending = false;
  protected rstPending = false;
  /** tcp_close set SHUTDOWN_MASK: new data from the peer is no longer taken (RCV_SHUTDOWN). */
  protected rcvShutdown = false;
  /** Our pending RST answers data that came after tcp_close (tcp_v4_send_reset, not tcp_send_active_reset). */
  protected rstInReply = false;
  protected probePending = false;
  /** RTO, RACK reordering, loss probe, delayed ACK and TIME-WAIT deadlines. */
  protected readonly timers = new TcpTimers();
  protected closedNotified = false;
  protected synSentAt = 0;
  protected wscaleInSynAck = false;
  protected counters = {
    bytesSent: 0,
    bytesRetrans: 0,
    bytesAcked: 0,
    bytesReceived: 0,
    segsOut: 0,
    segsIn: 0,
    retransSegs: 0,
    timeouts: 0,
    fastRetrans: 0,
  };

  constructor(
    readonly local: TcpAddr,
    readonly remote: TcpAddr,
    /** Initial send sequence number (from the caller's RandomSource). */
    readonly iss: number,
    protected readonly cfg: TcpConfig,
    protected readonly hooks: TcpHooks<S, R>,
  ) {
    this.rtt = new RttEstimator(cfg.minRtoMs, cfg.maxRtoMs);
    this.cc = new RenoCongestion(cfg.mss);
    this.quickAcksLeft = cfg.quickAcks;
  }

  get state(): TcpState {
    return this.stateValue;
  }

  /** The MSS data segments are cut to. */
  get sendMss(): number {
    return Math.max(64, Math.min(this.peerMss, this.cfg.mss) - this.hooks.optionReserve());
  }

  protected rttSample(ms: number): void {
    this.rtt.sample(ms);
    this.minRtt = Math.min(this.minRtt, Math.max(ms, 0));
  }

  protected enter(now: number, next: TcpState): void {
    this.stateValue = next;
    if (next === 'TIME_WAIT') {
      this.timers.clear('rto', 'reo', 'tlp');
      this.timers.set('timeWait', now + this.cfg.timeWaitMs);
      this.hooks.timeWait(now);
    } else if (next === 'CLOSED') {
      this.toClosed(now, 'normal');
    }
  }

  protected toClosed(now: number, reason: CloseReason): void {
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

  protected armRto(now: number): void {
    if (this.timers.get('rto') === undefined) this.timers.set('rto', now + this.rtt.rto);
  }
}
