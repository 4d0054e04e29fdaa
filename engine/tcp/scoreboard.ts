// The sender's view of what it has sent and not yet seen cumulatively
// acknowledged: one record per transmitted segment, in sequence order, with
// what SACK (RFC 2018) said about it, whether it is deemed lost, and when it
// last went out. On top of it:
//
// - the RFC 6675 counts Linux keeps (sacked_out, lost_out, retrans_out) and
//   the bytes in flight, tcp_packets_in_flight(): sent - SACKed - lost +
//   retransmitted;
// - RACK loss detection (RFC 8985 §6.2, Linux tcp_recovery.c): a segment is
//   lost once a segment sent after it was delivered and more than the latest
//   RTT plus a reordering window went by since it was sent. That also finds
//   lost retransmissions, which RFC 6675 alone leaves to the RTO;
// - what the reordering detection of tcp_input.c needs: segments delivered
//   so far (tp->delivered), the highest SACKed sequence, and which segments
//   sent once arrived across a hole (a sign of reordering, not loss).
//
// Sequence numbers are the socket's relative ones (plain numbers, no wrap).

export interface TxSegment {
  start: number;
  /** One past the last sequence number, the FIN's included. */
  end: number;
  fin: boolean;
  /** When it was last (re)transmitted, and the rank of that transmission among all (the tie-break in one instant). */
  xmitAt: number;
  xmitOrder: number;
  sacked: boolean;
  lost: boolean;
  /** A retransmission of it is in flight (Linux TCPCB_SACKED_RETRANS). */
  retrans: boolean;
  /** Sent more than once (Karn: no RTT sample from it; RACK: ambiguous). */
  everRetrans: boolean;
  /** Segments delivered when it last went out (tx.delivered, for rs->prior_delivered). */
  deliveredAtSend: number;
}

/** What one ACK changed on the scoreboard. */
export interface Delivery {
  /** Bytes newly acknowledged or SACKed (Linux's acked_sacked). */
  delivered: number;
  /** Send time of the oldest newly delivered segment sent once: an RTT sample (tcp_clean_rtx_queue, Karn). */
  sampleAt: number | undefined;
  /** The same among the segments newly SACKed (used when the cumulative ACK gives none). */
  sackSampleAt: number | undefined;
  /** A SACK block covered something new. */
  sackedNew: boolean;
  /**
   * tx.delivered of the most recently sent segment among those newly delivered (rs->prior_delivered);
   * undefined when nothing was newly delivered.
   */
  priorDelivered?: number;
  /** That segment's transmission (time, rank), to find the most recent one. */
  lastSentAt?: number;
  lastSentOrder?: number;
  /** The lowest start of a segment sent once and SACKed below the highest SACK already seen (state->reord). */
  sackReord?: number;
  /** The lowest start of a segment sent once and never SACKed that the cumulative ACK covered (tcp_clean_rtx_queue's reord). */
  ackReord?: number;
}

const len = (s: TxSegment): number => s.end - s.start;

export class Scoreboard {
  private segs: TxSegment[] = [];
  private head = 0;
  /** Lowest index that may hold a lost segment not yet retransmitted. */
  private lostHint = 0;
  outBytes = 0;
  sackedOut = 0;
  lostOut = 0;
  retransOut = 0;
  /** Retransmissions in flight, in segments (tp->retrans_out). */
  retransSegsOut = 0;
  /** Segments delivered (cumulatively ACKed or SACKed, each once) since the start (tp->delivered). */
  delivered = 0;
  /** One past the highest SACKed sequence (tcp_highest_sack_seq while anything is SACKed). */
  private highestSackEnd = 0;
  /**
   * The delivered segment sent last (RACK.xmit_ts) and the RTT measured on it (RACK.rtt). Linux breaks
   * ties of its microsecond clock by end_seq; the simulator sends whole bursts in one instant, so the
   * order of transmission breaks them here.
   */
  private rackAt = -Infinity;
  private rackOrder = -1;
  private xmits = 0;
  rackRtt = 0;
  /** Lost retransmissions found (TCPLostRetransmit). */
  lostRetransmits = 0;

  get empty(): boolean {
    return this.head >= this.segs.length;
  }

  get inFlight(): number {
    return this.outBytes - this.sackedOut - this.lostOut + this.retransOut;
  }

  /** The highest segment (TLP retransmits it when no new data can go). */
  last(): TxSegment | undefined {
    return this.empty ? undefined : this.segs[this.segs.length - 1];
  }

  indexOfLast(): number {
    return this.segs.length - 1;
  }

  first(): TxSegment | undefined {
    return this.empty ? undefined : this.segs[this.head];
  }

  /** tcp_highest_sack_seq: one past the highest SACKed segment, or snd_una when nothing is SACKed. */
  highestSackSeq(sndUna: number): number {
    return this.sackedOut > 0 ? this.highestSackEnd : sndUna;
  }

  add(start: number, end: number, fin: boolean, now: number): void {
    this.segs.push({
      start,
      end,
      fin,
      xmitAt: now,
      xmitOrder: this.xmits++,
      sacked: false,
      lost: false,
      retrans: false,
      everRetrans: false,
      deliveredAtSend: this.delivered,
    });
    this.outBytes += end - start;
  }

  /** Everything below `ack` is acknowledged; each segment newly acknowledged moves RACK (tcp_clean_rtx_queue). */
  ackTo(ack: number, d: Delivery, now: number, minRtt: number): void {
    const s = this.segs;
    while (this.head < s.length) {
      const seg = s[this.head] as TxSegment;
      if (seg.start >= ack) break;
      if (seg.end > ack) {
        // Part of a segment (the peer took less than was sent, or an MSS change split it).
        const cut = ack - seg.start;
        if (!seg.sacked) d.delivered += cut;
        this.adjust(seg, -1);
        seg.start = ack;
        this.adjust(seg, 1);
        this.outBytes -= cut;
        break;
      }
      if (!seg.sacked) {
        d.delivered += len(seg);
        if (!seg.everRetrans && d.sampleAt === undefined) d.sampleAt = seg.xmitAt;
        // A hole filled by a segment sent only once: it was late, not lost.
        if (!seg.everRetrans && (d.ackReord === undefined || seg.start < d.ackReord)) d.ackReord = seg.start;
        this.countDelivered(seg, d);
        this.rackAdvance(seg, now, minRtt);
      }
      this.adjust(seg, -1);
      this.outBytes -= len(seg);
      this.head += 1;
    }
    if (this.head > 256 && this.head * 2 > s.length) {
      this.segs = s.slice(this.head);
      this.lostHint = Math.max(0, this.lostHint - this.head);
      this.head = 0;
    }
    if (this.lostHint < this.head) this.lostHint = this.head;
  }

  /** Segments fully inside SACK blocks are SACKed (RFC 6675 §4: only whole segments count). */
  sack(blocks: readonly { left: number; right: number }[], d: Delivery, now: number, minRtt: number): void {
    // tcp_sacktag_one: a segment sent once, newly SACKed below what was SACKed before, arrived out of order.
    const fack = this.sackedOut > 0 ? this.highestSackEnd : -Infinity;
    for (const b of blocks) {
      for (let i = this.indexAtOrAfter(b.left); i < this.segs.length; i += 1) {
        const seg = this.segs[i] as TxSegment;
        if (seg.start >= b.right) break;
        if (seg.sacked || seg.end > b.right) continue;
        this.adjust(seg, -1);
        seg.sacked = true;
        this.adjust(seg, 1);
        d.delivered += len(seg);
        d.sackedNew = true;
        if (!seg.everRetrans && (d.sackSampleAt === undefined || seg.xmitAt < d.sackSampleAt)) d.sackSampleAt = seg.xmitAt;
        if (!seg.everRetrans && seg.start < fack && (d.sackReord === undefined || seg.start < d.sackReord)) d.sackReord = seg.start;
        if (seg.end > this.highestSackEnd) this.highestSackEnd = seg.end;
        this.countDelivered(seg, d);
        this.rackAdvance(seg, now, minRtt);
      }
    }
  }

  /**
   * tcp_sacktag_one for a D-SACK block above snd_una: the retransmitted segments inside it were
   * delivered twice. Returns how many were retransmitted and end after `undoMarker` (they no longer
   * count against undo), and moves d.sackReord to a SACKed one (its original arrived, late).
   */
  dsack(block: { left: number; right: number }, undoMarker: number | undefined, d: Delivery): number {
    let undone = 0;
    for (let i = this.indexAtOrAfter(block.left); i < this.segs.length; i += 1) {
      const seg = this.segs[i] as TxSegment;
      if (seg.start >= block.right) break;
      if (!seg.everRetrans || seg.start < block.left || seg.end > block.right) continue;
      if (undoMarker !== undefined && seg.end > undoMarker) undone += 1;
      if (seg.sacked && (d.sackReord === undefined || seg.start < d.sackReord)) d.sackReord = seg.start;
    }
    return undone;
  }

  /** tcp_count_delivered and tcp_rate_skb_delivered: one more segment delivered; remember the most recently sent one's tx.delivered. */
  private countDelivered(seg: TxSegment, d: Delivery): void {
    this.delivered += 1;
    if (d.priorDelivered === undefined || sentAfter(seg.xmitAt, seg.xmitOrder, d.lastSentAt ?? -Infinity, d.lastSentOrder ?? -1)) {
      d.priorDelivered = seg.deliveredAtSend;
      d.lastSentAt = seg.xmitAt;
      d.lastSentOrder = seg.xmitOrder;
    }
  }

  /** The first index whose segment ends after `seq` (binary search over the sequence-ordered records). */
  private indexAtOrAfter(seq: number): number {
    let lo = this.head;
    let hi = this.segs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.segs[mid] as TxSegment).end <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** tcp_rack_advance: remember the most recently sent segment known delivered. */
  private rackAdvance(seg: TxSegment, now: number, minRtt: number): void {
    const rtt = now - seg.xmitAt;
    // A retransmission ACKed sooner than the minimum RTT was probably the original's ACK.
    if (seg.everRetrans && rtt < minRtt) return;
    this.rackRtt = rtt;
    if (sentAfter(seg.xmitAt, seg.xmitOrder, this.rackAt, this.rackOrder)) {
      this.rackAt = seg.xmitAt;
      this.rackOrder = seg.xmitOrder;
    }
  }

  /**
   * tcp_rack_detect_loss: mark lost what was sent before the RACK segment
   * and waited longer than RACK.rtt + reoWnd. Returns the bytes newly marked
   * and how long until the next segment would time out (0: none pending).
   */
  detectLoss(now: number, reoWnd: number): { newlyLost: number; reoTimeout: number } {
    let newlyLost = 0;
    let reoTimeout = 0;
    for (let i = this.head; i < this.segs.length; i += 1) {
      const seg = this.segs[i] as TxSegment;
      if (seg.sacked || (seg.lost && !seg.retrans)) continue;
      if (!sentAfter(this.rackAt, this.rackOrder, seg.xmitAt, seg.xmitOrder)) continue;
      const remaining = this.rackRtt + reoWnd - (now - seg.xmitAt);
      if (remaining <= 0) newlyLost += this.markLost(i);
      else reoTimeout = Math.max(reoTimeout, remaining);
    }
    return { newlyLost, reoTimeout };
  }

  /** tcp_mark_skb_lost. Returns the bytes newly counted lost. */
  markLost(i: number): number {
    const seg = this.segs[i] as TxSegment;
    if (seg.sacked) return 0;
    this.adjust(seg, -1);
    if (seg.retrans) {
      // Only a segment lost before (a retransmission goes only for one) is a lost retransmission.
      seg.retrans = false;
      if (seg.lost) this.lostRetransmits += 1;
    }
    const newly = seg.lost ? 0 : len(seg);
    seg.lost = true;
    this.adjust(seg, 1);
    if (i < this.lostHint) this.lostHint = i;
    return newly;
  }

  /** Without SACK (RFC 6582 style): the first unacknowledged segment is lost. */
  markHeadLost(): number {
    return this.empty ? 0 : this.markLost(this.head);
  }

  /**
   * tcp_timeout_mark_lost: after an RTO the first segment and every segment
   * sent at least RACK.rtt ago is lost; a retransmission in flight no longer counts.
   */
  markTimeoutLost(now: number): void {
    for (let i = this.head; i < this.segs.length; i += 1) {
      const seg = this.segs[i] as TxSegment;
      if (seg.sacked) continue;
      if (i !== this.head && now - seg.xmitAt < this.rackRtt) continue;
      this.adjust(seg, -1);
      if (seg.retrans && seg.lost) this.lostRetransmits += 1;
      seg.retrans = false;
      seg.lost = true;
      this.adjust(seg, 1);
    }
    this.lostHint = this.head;
  }

  /** The first segment lost and not yet retransmitted, with its index. */
  nextLost(): { seg: TxSegment; index: number } | undefined {
    if (this.lostOut === 0) return undefined;
    for (let i = Math.max(this.lostHint, this.head); i < this.segs.length; i += 1) {
      const seg = this.segs[i] as TxSegment;
      if (seg.lost && !seg.retrans && !seg.sacked) {
        this.lostHint = i;
        return { seg, index: i };
      }
    }
    this.lostHint = this.segs.length;
    return undefined;
  }

  /**
   * The segment was sent again now. A tail loss probe (`probe`) goes through __tcp_retransmit_skb only:
   * it is marked ever retransmitted but not counted in retrans_out (nor in flight twice).
   */
  retransmitted(seg: TxSegment, now: number, probe = false): void {
    this.adjust(seg, -1);
    if (!probe) seg.retrans = true;
    seg.everRetrans = true;
    seg.xmitAt = now;
    seg.xmitOrder = this.xmits++;
    seg.deliveredAtSend = this.delivered;
    this.adjust(seg, 1);
  }

  /** Cut segment `index` so that it is at most `max` long (the MSS shrank); the rest becomes its own record. */
  split(index: number, max: number): void {
    const seg = this.segs[index] as TxSegment;
    if (len(seg) <= max) return;
    const rest: TxSegment = { ...seg, start: seg.start + max };
    seg.fin = false;
    this.adjust(seg, -1);
    seg.end = seg.start + max;
    this.adjust(seg, 1);
    this.adjust(rest, 1);
    this.segs.splice(index + 1, 0, rest);
  }

  /** Add (+1) or take out (-1) a segment's share of the counts. */
  private adjust(seg: TxSegment, sign: 1 | -1): void {
    const n = len(seg) * sign;
    if (seg.sacked) {
      this.sackedOut += n;
      return;
    }
    if (seg.lost) this.lostOut += n;
    if (seg.retrans) {
      this.retransOut += n;
      this.retransSegsOut += sign;
    }
  }
}

/** tcp_skb_sent_after: sent later, or in the same instant after. */
function sentAfter(t1: number, order1: number, t2: number, order2: number): boolean {
  return t1 > t2 || (t1 === t2 && order1 > order2);
}
