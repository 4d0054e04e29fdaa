// Loss recovery of a TCP connection, after Linux tcp_recovery.c and the
// recovery parts of tcp_input.c: SACK (RFC 2018) onto the scoreboard and
// D-SACK (RFC 2883) checks, RACK loss detection and tail loss probes (RFC
// 8985), Reno with PRR (RFC 6937) in recovery, NewReno (RFC 6582) on
// duplicate ACKs when the peer has no SACK, entering loss on a timeout, and
// the undo of a needless cwnd reduction.
//
// Reordering (Linux tcp_input.c / tcp_recovery.c): a segment sent once that
// arrives across a hole is reordering (tp->reordering, reord_seen,
// TCPSACKReorder); once seen, RACK always waits min_rtt/4 times
// reo_wnd_steps, and a D-SACK for a retransmission widens it by a step (RFC
// 8985 §6.2) for 16 recoveries; D-SACKs for every retransmission of an
// episode undo its cwnd reduction (tcp_try_undo_dsack, tcp_try_undo_recovery).
// No timestamps, so no Eifel undo, and no F-RTO.

import { seqAdd, seqDiff } from './seq.js';
import type { TcpSegment } from './segment.js';
import type { Delivery } from './scoreboard.js';
import { sendsOrClosing } from './state.js';
import { TcpSock } from './sock.js';

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

/** Linux icsk_ca_state, the states that matter here: Open (incl. Disorder), Recovery, Loss. */
type CaState = 'open' | 'recovery' | 'loss';

interface SeqRange {
  left: number;
  right: number;
}

/** What the first SACK block said: a D-SACK to believe, and whether it reports a loss probe (FLAG_DSACK_TLP). */
export interface DsackResult {
  readonly valid: boolean;
  readonly tlp: boolean;
}

export const NO_DSACK: DsackResult = { valid: false, tlp: false };

/** The loss-recovery layer of a TCP connection: its state (tp->rack, undo, reordering, TLP) and what it decides. */
export class TcpRecovery<S, R> extends TcpSock<S, R> {
  protected caState: CaState = 'open';
  /** snd_nxt when recovery or loss started: the episode ends once it is acknowledged (tp->high_seq). */
  protected highSeq = 0;
  /** snd_nxt when a tail loss probe went out, and whether it was a retransmission (tp->tlp_high_seq, tlp_retrans). */
  protected tlpHigh: number | undefined;
  protected tlpRetrans = false;
  protected dupAcks = 0;
  /** tp->reordering (segments), tp->reord_seen, tp->dsack_dups. */
  protected reordering = DUP_THRESH;
  protected reordSeen = 0;
  protected dsackDups = 0;
  /** tp->rack: reo_wnd_steps, reo_wnd_persist, dsack_seen, last_delivered. */
  protected reoWndSteps = 1;
  protected reoWndPersist = 0;
  protected rackDsackSeen = false;
  protected rackLastDelivered = 0;
  /** Undo of a cwnd reduction: snd_una when the episode began (undefined: nothing to undo), retransmissions not yet D-SACKed (-1: none sent). */
  protected undoMarker: number | undefined;
  protected undoRetrans = 0;
  /** ssthresh and cwnd before the reduction (tp->prior_ssthresh, 0: none; tp->prior_cwnd). */
  protected priorSsthresh = 0;
  protected priorCwnd = 0;
  /** The largest window the peer offered (tp->max_window): a longer D-SACK is dubious. */
  protected maxSndWnd = 0;
  /** The head's retransmission after a timeout goes from the timer, not counted as TCPSlowStartRetrans. */
  protected rtoHeadPending = false;
  protected lostRetransmitsCounted = 0;
  protected tlpProbePending = false;

  /**
   * tcp_check_sack_reordering: a segment sent once arrived below the highest SACK, `low` its start:
   * reordering, as far as the SACKs reach (tp->reordering grows to cover it).
   */
  protected checkSackReordering(low: number): void {
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
  protected rackUpdateReoWnd(d: Delivery): void {
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
  protected readSack(now: number, seg: TcpSegment, ack: number, d: Delivery): DsackResult {
    const opt = seg.options.find((o) => o.kind === 'sack');
    if (!opt || opt.kind !== 'sack') return NO_DSACK;
    const base = seqAdd(this.iss, this.sndUna);
    const blocks = opt.blocks.map((b) => ({ left: this.sndUna + seqDiff(b.left, base), right: this.sndUna + seqDiff(b.right, base) }));
    const first = blocks[0];
    const dsack = first === undefined ? NO_DSACK : this.checkDsack(first, blocks[1], ack);
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
  protected checkDsack(first: SeqRange, second: SeqRange | undefined, ack: number): DsackResult {
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

  protected dubiousDsack(): DsackResult {
    this.hooks.count('TCPDSACKIgnoredDubious');
    return NO_DSACK;
  }

  /** tcp_process_tlp_ack: the ACK that covers a tail loss probe tells whether it repaired a loss. */
  protected processTlpAck(ack: number, d: Delivery, dsackTlp: boolean): void {
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
  protected recover(now: number, unaAdvanced: boolean, d: Delivery): void {
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
  protected newRenoLoss(unaAdvanced: boolean): number {
    if (this.caState === 'recovery' && unaAdvanced && this.sndUna < this.highSeq) return this.sb.markHeadLost();
    // RFC 6582 §3.2 step 2: only when the ACK covers more than `recover` (no false retransmit after a timeout).
    if (this.caState === 'open' && this.dupAcks === DUP_THRESH && this.sndUna >= this.highSeq) return this.sb.markHeadLost();
    return 0;
  }

  /** TCPLostRetransmit: retransmissions the scoreboard found lost again since the last look. */
  protected countLostRetransmits(): void {
    for (; this.lostRetransmitsCounted < this.sb.lostRetransmits; this.lostRetransmitsCounted += 1) this.hooks.count('TCPLostRetransmit');
  }

  /** tcp_enter_recovery: remember what to undo to, then the PRR reduction starts. */
  protected enterRecovery(): void {
    this.initUndo();
    this.priorSsthresh = this.currentSsthresh();
    this.priorCwnd = this.cc.cwnd;
    this.caState = 'recovery';
    this.highSeq = this.sndMax;
    this.tlpHigh = undefined;
    this.cc.enterRecovery();
  }

  /** tcp_current_ssthresh: in a reduction ssthresh, else ssthresh or 3/4 of cwnd if more. */
  protected currentSsthresh(): number {
    if (this.caState === 'recovery') return this.cc.ssthresh;
    return Math.max(this.cc.ssthresh, Math.floor(this.cc.cwnd / 2) + Math.floor(this.cc.cwnd / 4));
  }

  /** tcp_init_undo: the retransmissions still in flight (a retransmitted loss probe too) may yet be D-SACKed. */
  protected initUndo(): void {
    this.undoMarker = this.sndUna;
    this.undoRetrans = this.sb.retransSegsOut + (this.tlpHigh !== undefined && this.tlpRetrans ? 1 : 0);
    if (this.undoRetrans === 0) this.undoRetrans = -1; // 0 would mean "undo now"
  }

  /** tcp_try_undo_recovery (no timestamps: only when D-SACKs covered every retransmission); else the wide RACK window wears off. */
  protected tryUndoRecovery(): boolean {
    if (this.undoMarker !== undefined && this.undoRetrans === 0) {
      this.undoCwndReduction();
      this.hooks.count(this.caState === 'loss' ? 'TCPLossUndo' : 'TCPFullUndo');
      return true;
    }
    if (this.reoWndPersist > 0) this.reoWndPersist -= 1;
    return false;
  }

  /** tcp_undo_cwnd_reduction: cwnd and ssthresh back to what they were before the episode (Reno's undo_cwnd). */
  protected undoCwndReduction(): void {
    if (this.priorSsthresh > 0) this.cc.undo(this.priorCwnd, this.priorSsthresh);
    this.undoMarker = undefined;
  }

  /**
   * tcp_rack_reo_wnd: before any reordering was seen, no settling time in recovery or after a
   * timeout, nor once tp->reordering segments are SACKed; else min_rtt / 4 per step, at most SRTT.
   */
  protected reoWnd(): number {
    if (this.reordSeen === 0 && (this.caState !== 'open' || this.sb.sackedOut >= this.reordering * this.sendMss)) return 0;
    return Math.min((this.minRtt / 4) * this.reoWndSteps, this.rtt.srtt ?? 0);
  }

  /**
   * tcp_schedule_loss_probe: while open with data in flight, a probe goes
   * after 2 SRTT (plus 200 ms when only one segment is out, for a delayed
   * ACK), never later than the RTO.
   */
  protected scheduleTlp(now: number): void {
    if (!this.sackOk || this.caState !== 'open' || this.sb.empty || !sendsOrClosing(this.stateValue)) {
      this.timers.set('tlp', undefined);
      return;
    }
    const srtt = this.rtt.srtt;
    let timeout =
      srtt === undefined
        ? this.rtt.rto
        : Math.ceil((2 * srtt) / JIFFY_MS) * JIFFY_MS + (this.sb.outBytes <= this.sendMss ? this.cfg.minRtoMs : TIMEOUT_MIN_MS);
    const rtoAt = this.timers.get('rto');
    if (rtoAt !== undefined) timeout = Math.min(timeout, Math.max(rtoAt - now, 0));
    this.timers.set('tlp', now + timeout);
  }

  /** tcp_rack_reo_timeout: segments waited out their reordering window: lost; recovery starts if it had not. */
  protected onReoTimeout(now: number): void {
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
  protected onLossProbe(now: number): void {
    if (this.caState !== 'open' || this.sb.empty) return;
    if (this.tlpHigh === undefined) this.tlpProbePending = true;
    this.timers.set('rto', now + this.rtt.rto); // tcp_rearm_rto
  }

  /**
   * tcp_enter_loss: ssthresh once per episode, cwnd to one segment, what was not SACKed is lost and goes
   * again in order as cwnd opens (RFC 5681 §3.1, RFC 6675 §5.1); the episode lasts until snd_nxt is acknowledged.
   */
  protected enterLoss(now: number): void {
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
  }
}
