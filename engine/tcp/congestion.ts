// Reno congestion control (RFC 5681) with NewReno fast recovery (RFC 6582),
// counted in bytes. Linux counts cwnd in segments; with full-sized segments
// the two agree. The initial window is 10 segments (RFC 6928, Linux
// TCP_INIT_CWND).

export const TCP_INIT_CWND = 10;

export class RenoCongestion {
  cwnd: number;
  ssthresh = Number.POSITIVE_INFINITY;
  /** In fast recovery until snd_una reaches `recover` (RFC 6582 §3.2). */
  inRecovery = false;
  /** The highest sequence (relative) sent when recovery started, or when an RTO hit. */
  recover = 0;
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
   * New data acknowledged outside recovery. Slow start grows cwnd by what
   * was acked (RFC 5681 §3.1 with appropriate byte counting, as Linux's
   * tcp_slow_start); congestion avoidance by one MSS per cwnd acked.
   */
  onAck(bytes: number): void {
    if (this.cwnd < this.ssthresh) {
      this.cwnd = Math.min(this.cwnd + bytes, Math.max(this.ssthresh, this.cwnd));
      return;
    }
    this.acked += bytes;
    if (this.acked >= this.cwnd) {
      this.acked -= this.cwnd;
      this.cwnd += this.mss;
    }
  }

  /** RFC 5681 §3.2 steps 2-3: the third duplicate ACK. */
  enterRecovery(flight: number, sndNxt: number): void {
    this.ssthresh = Math.max(flight / 2, 2 * this.mss);
    this.cwnd = this.ssthresh + 3 * this.mss;
    this.inRecovery = true;
    this.recover = sndNxt;
  }

  /** RFC 5681 §3.2 step 4: each further duplicate ACK inflates the window. */
  onDupAckInRecovery(): void {
    this.cwnd += this.mss;
  }

  /** RFC 6582 §3.2 step 5, partial ACK: deflate by what was acked, add back one MSS. */
  onPartialAck(bytes: number): void {
    this.cwnd = Math.max(this.cwnd - bytes + this.mss, this.mss);
  }

  /** RFC 6582 §3.2 step 5, full ACK: leave recovery with cwnd = min(ssthresh, flight + MSS). */
  exitRecovery(flight: number): void {
    this.cwnd = Math.min(this.ssthresh, Math.max(flight, 0) + this.mss);
    this.inRecovery = false;
    this.acked = 0;
  }

  /** RFC 5681 §3.1 eq. 4: a retransmission timeout; cwnd drops to the loss window (1 MSS). */
  onTimeout(flight: number, sndNxt: number): void {
    this.ssthresh = Math.max(flight / 2, 2 * this.mss);
    this.cwnd = this.mss;
    this.inRecovery = false;
    this.recover = sndNxt;
    this.acked = 0;
  }
}
