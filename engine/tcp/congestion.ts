// Reno congestion control (RFC 5681), counted in bytes, with the window
// reduction Linux applies during loss recovery: Proportional Rate Reduction
// (RFC 6937, tcp_cwnd_reduction). Linux counts cwnd in segments; with
// full-sized segments the two agree. The initial window is 10 segments
// (RFC 6928, Linux TCP_INIT_CWND).

export const TCP_INIT_CWND = 10;

export class RenoCongestion {
  cwnd: number;
  ssthresh = Number.POSITIVE_INFINITY;
  /** cwnd when the reduction started (tp->prior_cwnd). */
  private priorCwnd = 0;
  /** Bytes delivered and sent since the reduction started (tp->prr_delivered, tp->prr_out). */
  private prrDelivered = 0;
  prrOut = 0;
  /** Bytes acknowledged in congestion avoidance since cwnd last grew. */
  private acked = 0;

  constructor(private mss: number) {
    this.cwnd = TCP_INIT_CWND * mss;
  }

  /** The segment size changed; an untouched initial window follows it. */
  setMss(mss: number): void {
    if (mss === this.mss) return;
    if (this.cwnd === TCP_INIT_CWND * this.mss) this.cwnd = TCP_INIT_CWND * mss;
    this.mss = mss;
  }

  get inSlowStart(): boolean {
    return this.cwnd < this.ssthresh;
  }

  /**
   * Data delivered outside recovery. Slow start grows cwnd by what was
   * delivered (RFC 5681 §3.1 with appropriate byte counting, as Linux's
   * tcp_slow_start), up to ssthresh; congestion avoidance by one MSS per
   * cwnd delivered.
   */
  onAck(bytes: number): void {
    let left = bytes;
    if (this.cwnd < this.ssthresh) {
      const grow = Math.min(left, this.ssthresh - this.cwnd);
      this.cwnd += grow;
      left -= grow;
      if (left <= 0) return;
    }
    this.acked += left;
    if (this.acked >= this.cwnd) {
      this.acked -= this.cwnd;
      this.cwnd += this.mss;
    }
  }

  /** tcp_reno_ssthresh: half the window, at least two segments. */
  private halve(): number {
    return Math.max(Math.floor(this.cwnd / 2), 2 * this.mss);
  }

  /** tcp_init_cwnd_reduction: a loss episode starts (fast recovery). */
  enterRecovery(): void {
    this.priorCwnd = this.cwnd;
    this.prrDelivered = 0;
    this.prrOut = 0;
    this.ssthresh = this.halve();
    this.acked = 0;
  }

  /**
   * tcp_cwnd_reduction (RFC 6937): on each ACK in recovery, let out in
   * proportion to what was delivered while more than ssthresh is in flight
   * (PRR), then grow back to ssthresh no faster than slow start (SSRB).
   * The first retransmission always goes.
   */
  reduce(delivered: number, inFlight: number, unaAdvanced: boolean, newlyLost: boolean): void {
    if (delivered <= 0 || this.priorCwnd === 0) return;
    this.prrDelivered += delivered;
    const delta = this.ssthresh - inFlight;
    let sndcnt: number;
    if (delta < 0) {
      sndcnt = Math.ceil((this.ssthresh * this.prrDelivered) / this.priorCwnd) - this.prrOut;
    } else {
      sndcnt = Math.max(this.prrDelivered - this.prrOut, delivered);
      if (unaAdvanced && !newlyLost) sndcnt += this.mss;
      sndcnt = Math.min(delta, sndcnt);
    }
    sndcnt = Math.max(sndcnt, this.prrOut > 0 ? 0 : this.mss);
    this.cwnd = inFlight + sndcnt;
  }

  /** tcp_end_cwnd_reduction: recovery is over, cwnd is ssthresh. */
  exitRecovery(): void {
    if (Number.isFinite(this.ssthresh)) this.cwnd = this.ssthresh;
    this.priorCwnd = 0;
    this.acked = 0;
  }

  /** A loss repaired by a tail loss probe (tcp_process_tlp_ack): one reduction, no recovery phase. */
  reduceOnce(): void {
    this.ssthresh = this.halve();
    this.cwnd = this.ssthresh;
    this.acked = 0;
  }

  /**
   * tcp_undo_cwnd_reduction with Reno's undo_cwnd: the reduction was for nothing; cwnd goes back to
   * what it was before (if it is not larger now), ssthresh too, and a PRR reduction in progress ends.
   */
  undo(priorCwnd: number, priorSsthresh: number): void {
    this.cwnd = Math.max(this.cwnd, priorCwnd);
    if (priorSsthresh > this.ssthresh) this.ssthresh = priorSsthresh;
    this.priorCwnd = 0;
    this.acked = 0;
  }

  /**
   * tcp_enter_loss: a retransmission timeout; cwnd drops to the loss window
   * (1 MSS, RFC 5681 §3.1 eq. 4). ssthresh is taken once per loss episode.
   */
  onTimeout(newEpisode: boolean): void {
    if (newEpisode) this.ssthresh = this.halve();
    this.cwnd = this.mss;
    this.priorCwnd = 0;
    this.acked = 0;
  }
}
