// Retransmission timeout (RFC 6298), with Linux's floor: the kernel keeps
// the variance term at least tcp_rto_min (200 ms), so RTO >= SRTT + 200 ms
// rather than RFC 6298's flat 1 s minimum (__tcp_set_rto, tcp_rtt_estimator).
// Times are milliseconds.

/** RFC 6298 §2.1: RTO before the first sample (Linux TCP_TIMEOUT_INIT). */
export const TCP_TIMEOUT_INIT_MS = 1000;
/** Linux TCP_RTO_MIN. */
export const TCP_RTO_MIN_MS = 200;
/** Linux TCP_RTO_MAX (RFC 6298 §2.5 allows an upper bound of at least 60 s). */
export const TCP_RTO_MAX_MS = 120_000;

export class RttEstimator {
  /** Smoothed RTT; undefined until the first sample. */
  srtt: number | undefined;
  rttvar = 0;
  /** Latest sample. */
  latest: number | undefined;
  /** Consecutive timeouts without progress: the RTO doubles each time (RFC 6298 §5.5). */
  backoff = 0;

  constructor(
    private readonly minRto = TCP_RTO_MIN_MS,
    private readonly maxRto = TCP_RTO_MAX_MS,
  ) {}

  /** RFC 6298 §2.2-2.3, with alpha = 1/8 and beta = 1/4. Only samples from segments sent once (Karn). */
  sample(rtt: number): void {
    const r = Math.max(rtt, 0);
    this.latest = r;
    if (this.srtt === undefined) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
  }

  /** The RTO without backoff. */
  get baseRto(): number {
    if (this.srtt === undefined) return TCP_TIMEOUT_INIT_MS;
    return Math.min(this.maxRto, this.srtt + Math.max(4 * this.rttvar, this.minRto));
  }

  /** The RTO in force, backed off exponentially and capped. */
  get rto(): number {
    return Math.min(this.maxRto, this.baseRto * 2 ** this.backoff);
  }

  /** A timeout fired (RFC 6298 §5.5). */
  onTimeout(): void {
    if (this.baseRto * 2 ** this.backoff < this.maxRto) this.backoff += 1;
  }

  /** New data was acknowledged: the backed-off RTO is dropped (RFC 6298 §5.7, as Linux does on progress). */
  onProgress(): void {
    this.backoff = 0;
  }
}
