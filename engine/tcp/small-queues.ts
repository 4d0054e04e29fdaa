// TCP Small Queues (Linux net/ipv4/tcp_output.c: tcp_small_queue_check,
// tcp_wfree), sans-IO. A socket may have only so many bytes sitting in its
// own host's qdisc and device at once; past that it keeps further data in its
// send queue until the host tells it (handleTxDone) that a packet has left.
// On the kernel this is why a sender never fills the tbf queue on its own
// egress: the queue holds the socket's budget, not the tbf limit.
//
// The budget (tcp_small_queue_check):
//   limit = min(tcp_limit_output_bytes, max(2 * truesize(next skb), pacing_rate >> sk_pacing_shift)) << factor
// factor 0 for new data (tcp_write_xmit), 1 for retransmissions
// (tcp_xmit_retransmit_queue). A socket with at most one segment not yet
// acknowledged may always send (tcp_rtx_queue_empty_or_single_skb). Pure ACKs
// are not charged (skb_is_tcp_pure_ack in __tcp_transmit_skb).
//
// The "next skb" is a GSO skb: tcp_tso_autosize sizes it to about 1 ms of the
// pacing rate, plus gso_max_size >> (min_rtt / 512 µs) on short paths, at
// least two segments, and tcp_write_xmit cuts it to the congestion window.
// On a short path (a lab link without delay) that is up to 64 KB, so the
// budget is about two 64 KB skbs: the kernel runs measured srtt of 20-30 ms
// at 50 Mbit/s on such links, not the 100 ms the full tbf queue would give.
// The engine sends one packet per segment: each is charged as its own skb
// (what tbf_segment makes of a GSO skb larger than the tbf burst).

// The sysctls below have the values the 6.18 host reads in /proc/sys/net/ipv4/.
/** net.ipv4.tcp_limit_output_bytes (4 MB). */
export const TCP_LIMIT_OUTPUT_BYTES = 4 << 20;
/** sk->sk_pacing_shift: the budget is about 1 ms (2^-10 s) of the pacing rate. */
export const SK_PACING_SHIFT = 10;
/** net.ipv4.tcp_pacing_ss_ratio and tcp_pacing_ca_ratio, percent. */
const PACING_SS_RATIO = 200;
const PACING_CA_RATIO = 120;
/** sk_gso_max_size of a veth (GSO_LEGACY_MAX_SIZE). */
const GSO_MAX_SIZE = 65536;
/** net.ipv4.tcp_tso_rtt_log: min_rtt is counted in units of 2^9 µs for the GSO bonus. */
const TSO_RTT_LOG = 9;
/** net.ipv4.tcp_min_tso_segs. */
const MIN_TSO_SEGS = 2;
/**
 * What an skb costs beyond its payload (struct sk_buff, skb_shared_info and the
 * header room, SKB_TRUESIZE(MAX_TCP_HEADER) on x86-64, rounded): an approximation.
 */
export const SKB_HEAD_TRUESIZE = 1024;

/** The charge of one outgoing segment: its payload plus an skb's own cost. */
export function segmentTruesize(payloadBytes: number): number {
  return payloadBytes + SKB_HEAD_TRUESIZE;
}

/** Whether TSQ counts a segment: everything but pure ACKs, SYNs and RSTs. */
export function chargesSmallQueue(
  payloadBytes: number,
  flags: { readonly syn: boolean; readonly fin: boolean; readonly rst: boolean },
): boolean {
  return !flags.syn && !flags.rst && (payloadBytes > 0 || flags.fin);
}

/** What the budget is computed from: the socket's state when it wants to send. */
export interface SmallQueueInput {
  /** Congestion window, bytes. */
  readonly cwnd: number;
  readonly ssthresh: number;
  /** The MSS data segments are cut to. */
  readonly mss: number;
  /** Bytes sent and not acknowledged (packets_out, in bytes). */
  readonly outBytes: number;
  /** Bytes the congestion window still lets go. */
  readonly cwndRoom: number;
  readonly srttMs: number | undefined;
  readonly minRttMs: number;
}

/**
 * tcp_update_pacing_rate, bytes per second: 200 % of cwnd * mss / srtt in slow
 * start (cwnd below half of ssthresh), 120 % otherwise. Infinite before the
 * first RTT sample (sk_pacing_rate starts at ~0U).
 */
export function pacingRate(p: SmallQueueInput): number {
  if (p.srttMs === undefined || p.srttMs <= 0) return Number.POSITIVE_INFINITY;
  const ratio = p.cwnd < p.ssthresh / 2 ? PACING_SS_RATIO : PACING_CA_RATIO;
  return ((ratio / 100) * Math.max(p.cwnd, p.outBytes)) / (p.srttMs / 1000);
}

/** 2 ** SK_PACING_SHIFT. */
const PACING_DIVISOR = 2 ** SK_PACING_SHIFT;
/** GSO_MAX_SIZE / 2 ** r for r below 32 (the GSO bonus by min_rtt), computed once: this runs before every segment. */
const GSO_BONUS: readonly number[] = Array.from({ length: 32 }, (_, r) => GSO_MAX_SIZE / 2 ** r);

/** tcp_tso_autosize, then cut to the congestion window (tcp_mss_split_point): segments in the next skb. */
export function nextSkbSegments(p: SmallQueueInput): number {
  return skbSegments(p, pacingRate(p) / PACING_DIVISOR);
}

/** nextSkbSegments with the paced bytes per 2^-SK_PACING_SHIFT s already worked out. */
function skbSegments(p: SmallQueueInput, paced: number): number {
  let bytes = paced;
  const minRttUs = Number.isFinite(p.minRttMs) ? Math.floor(p.minRttMs * 1000) : 0;
  const r = minRttUs >> TSO_RTT_LOG;
  if (r < 32) bytes += GSO_BONUS[r] as number;
  bytes = Math.min(bytes, GSO_MAX_SIZE);
  const autosize = Math.max(Math.floor(bytes / p.mss), MIN_TSO_SEGS);
  return Math.max(1, Math.min(autosize, Math.floor(p.cwndRoom / p.mss)));
}

/** The TSQ budget in bytes (before the factor). */
export function smallQueueLimit(p: SmallQueueInput): number {
  const paced = pacingRate(p) / PACING_DIVISOR;
  const skb = segmentTruesize(skbSegments(p, paced) * p.mss);
  return Math.min(TCP_LIMIT_OUTPUT_BYTES, Math.max(2 * skb, paced));
}

/** One socket's bytes in its host's queues (sk_wmem_alloc beyond the socket itself). */
export class SmallQueues {
  private bytesValue = 0;
  private packetsValue = 0;
  /**
   * Segments still to go of the skb the last check let through: the kernel checks once per (GSO)
   * skb, so it can overshoot the budget by one skb; the engine sends that skb as single segments.
   */
  private skbLeft = 0;

  get bytes(): number {
    return this.bytesValue;
  }

  /** Packets sent and not yet out of the host. */
  get packets(): number {
    return this.packetsValue;
  }

  charge(truesize: number): void {
    this.bytesValue += truesize;
    this.packetsValue += 1;
    if (this.skbLeft > 0) this.skbLeft -= 1;
  }

  /** tcp_wfree: a packet left the host (or was dropped in it). */
  release(truesize: number): void {
    this.bytesValue = Math.max(0, this.bytesValue - truesize);
    this.packetsValue = Math.max(0, this.packetsValue - 1);
  }

  /** tcp_small_queue_check: over budget (the caller exempts a socket with at most one segment unacknowledged). */
  throttled(p: SmallQueueInput, factor: 0 | 1): boolean {
    if (this.skbLeft > 0) return false;
    if (this.bytesValue > 0 && this.bytesValue > smallQueueLimit(p) * (factor === 1 ? 2 : 1)) return true;
    this.skbLeft = nextSkbSegments(p);
    return false;
  }
}
