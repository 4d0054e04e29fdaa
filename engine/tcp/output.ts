// What a TCP connection sends, after Linux tcp_output.c: SYN and SYN/ACK,
// lost segments first (tcp_xmit_retransmit_queue), new data as cwnd, the
// peer's window and TCP Small Queues allow, the FIN, a tail loss probe,
// RSTs and pure ACKs; each segment built with its options (MSS, SACK
// permitted, window scale on a SYN; MPTCP from the hooks and SACK blocks
// after) and the window field. Nagle is not modelled: segments go out as soon
// as cwnd and window allow, like TCP_NODELAY.

import { seqAdd } from './seq.js';
import { TCP_FLAG, flagsFromByte, optionLen, tcpFlags, type TcpFlags, type TcpOption, type TcpSegment } from './segment.js';
import type { TxSegment } from './scoreboard.js';
import { chargesSmallQueue, segmentTruesize, type SmallQueueInput } from './small-queues.js';
import { afterOwnFin, sendsData } from './state.js';
import { TcpRecovery } from './recovery.js';
import type { SegmentInfo } from './config.js';

const MAX_OPTIONS = 40;
/** The payload of a segment without data (shared: payloads are never written to). */
const NO_PAYLOAD = new Uint8Array(0);
const RST_ACK = tcpFlags({ rst: true, ack: true });
const ACK = tcpFlags({ ack: true });
const FIN_ACK = tcpFlags({ fin: true, ack: true });

/** ACK with PSH and FIN as given: one of the shared flag records, nothing built per segment. */
function dataFlags(psh: boolean, fin: boolean): TcpFlags {
  return flagsFromByte(TCP_FLAG.ACK | (psh ? TCP_FLAG.PSH : 0) | (fin ? TCP_FLAG.FIN : 0));
}

/** The output layer of a TCP connection: transmit() and the segments it builds. */
export class TcpOutput<S, R> extends TcpRecovery<S, R> {
  /** What hooks.options() is told of the segment being built, refilled for each (valid during the call). */
  private readonly segInfo: { -readonly [K in keyof SegmentInfo<S>]: SegmentInfo<S>[K] } = {
    now: 0,
    seq: 0,
    len: 0,
    flags: ACK,
    tag: undefined,
    retransmit: false,
  };
  /** smallQueueInput()'s record, refilled at each check: the check runs before every segment. */
  private readonly sqInput: { -readonly [K in keyof SmallQueueInput]: SmallQueueInput[K] } = {
    cwnd: 0,
    ssthresh: 0,
    mss: 0,
    outBytes: 0,
    cwndRoom: 0,
    srttMs: undefined,
    minRttMs: 0,
  };

  /** The segments to send now. */
  transmit(now: number): TcpSegment[] {
    const out: TcpSegment[] = [];
    if (this.rstPending) {
      this.rstPending = false;
      out.push(this.build(now, RST_ACK, this.sndMax, NO_PAYLOAD, undefined, false));
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
          out.push(this.build(now, tcpFlags({ syn: true, ack: synAck }), 0, NO_PAYLOAD, undefined, this.synRetransmits > 0));
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
      out.push(this.build(now, ACK, this.sndMax, NO_PAYLOAD, undefined, false));
    }
    if (this.sndNxt > this.sndUna || this.hooks.awaitingAck()) this.armRto(now);
    return out;
  }

  /**
   * tcp_small_queue_check: too much of ours still sits in the host's queues (engine/tcp/small-queues.ts).
   * A socket with at most one segment unacknowledged may always send.
   */
  protected smallQueueThrottled(factor: 0 | 1): boolean {
    if (!this.cfg.smallQueues || this.sb.empty || this.sb.first() === this.sb.last()) return false;
    return this.smallQueues.throttled(this.smallQueueInput(), factor);
  }

  /** The socket's state for the small-queue budget (one record, refilled: valid until the next call). */
  protected smallQueueInput(): SmallQueueInput {
    const p = this.sqInput;
    p.cwnd = this.cc.cwnd;
    p.ssthresh = this.cc.ssthresh;
    p.mss = this.sendMss;
    p.outBytes = this.sb.outBytes;
    p.cwndRoom = Math.max(0, this.cc.cwnd - this.sb.inFlight);
    p.srttMs = this.rtt.srtt;
    p.minRttMs = this.minRtt;
    return p;
  }

  /** tcp_wfree: a segment of ours (payload bytes) left the host; more may go at the next transmit(). */
  txDone(payloadBytes: number): void {
    this.smallQueues.release(segmentTruesize(payloadBytes));
  }

  /** May new data (or our FIN) go out in this state? */
  protected get canSendData(): boolean {
    return (
      sendsData(this.stateValue) || this.stateValue === 'FIN_WAIT_1' || this.stateValue === 'CLOSING' || this.stateValue === 'LAST_ACK'
    );
  }

  /** tcp_xmit_retransmit_queue: lost segments first, in order, as far as cwnd allows. */
  protected retransmitLost(now: number, out: TcpSegment[]): void {
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

  protected sendNew(now: number, out: TcpSegment[]): void {
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
        out.push(this.build(now, FIN_ACK, this.sndNxt, NO_PAYLOAD, undefined, false));
        this.sb.add(this.sndNxt, this.sndNxt + 1, true, now);
        this.advance(now, this.sndNxt + 1);
        this.stateValue = afterOwnFin(this.stateValue);
        continue;
      }
      return;
    }
  }

  /** Sends one new segment from snd_nxt, at most `max` bytes; FIN rides along when it is the last data. */
  protected sendSegment(now: number, out: TcpSegment[], max: number): void {
    const seq = this.sndNxt;
    const { bytes, tag } = this.snd.peek(seq, Math.min(max, this.sendMss));
    if (bytes.length === 0) return;
    const end = seq + bytes.length;
    const fin = this.finSeq !== undefined && end === this.finSeq;
    out.push(this.build(now, dataFlags(end === this.snd.end, fin), seq, bytes, tag, false));
    this.counters.bytesSent += bytes.length;
    this.hooks.count('TCPOrigDataSent');
    this.sb.add(seq, end + (fin ? 1 : 0), fin, now);
    if (this.caState === 'recovery') this.cc.prrOut += bytes.length;
    this.advance(now, end + (fin ? 1 : 0));
    if (fin) this.stateValue = afterOwnFin(this.stateValue);
  }

  /** tcp_retransmit_skb: one segment of the scoreboard again, cut to the current MSS (`probe`: a loss probe's __tcp_retransmit_skb). */
  protected retransmitSegment(now: number, seg: TxSegment, index: number, out: TcpSegment[], probe = false): void {
    this.sb.split(index, this.sendMss);
    const dataEnd = seg.fin ? seg.end - 1 : seg.end;
    const { bytes, tag } = this.snd.peek(seg.start, dataEnd - seg.start);
    out.push(this.build(now, dataFlags(dataEnd === this.snd.end, seg.fin), seg.start, bytes, tag, true));
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
  protected sendLossProbe(now: number, out: TcpSegment[]): void {
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

  protected advance(now: number, to: number): void {
    if (to > this.sndMax) this.sndMax = to;
    this.sndNxt = Math.max(this.sndNxt, to);
    this.armRto(now);
    this.scheduleTlp(now);
  }

  protected freeWindow(): number {
    return Math.max(0, this.hooks.receiveWindow() - this.rcv.oooBytes);
  }

  /** The window field, never moving the right edge left (RFC 9293 §3.8.6.2.1). */
  protected windowField(flags: TcpFlags): number {
    if (flags.syn) {
      // RFC 7323 §2.2: the window of a SYN is never scaled.
      const w = Math.min(0xffff, this.freeWindow());
      if (flags.ack) this.rcvAdvEdge = Math.max(this.rcvAdvEdge, this.rcv.nxt + w);
      return w;
    }
    const shift = this.rcvWscale;
    const scale = shift < 31 ? 1 << shift : 2 ** shift; // 2 ** shift, without a pow for every segment
    let field = Math.min(0xffff, Math.floor(this.freeWindow() / scale));
    if (this.rcv.nxt + field * scale < this.rcvAdvEdge) field = Math.min(0xffff, Math.ceil((this.rcvAdvEdge - this.rcv.nxt) / scale));
    this.rcvAdvEdge = Math.max(this.rcvAdvEdge, this.rcv.nxt + field * scale);
    return field;
  }

  /**
   * tcp_established_options: SACK blocks (a D-SACK first, once) in what the
   * MPTCP options left of the 40 bytes: 4 bytes of header and NOPs, 8 a block.
   */
  protected sackOption(options: TcpOption[], used: number): void {
    if (!this.sackOk) return;
    const blocks = this.dsack ? [this.dsack, ...this.rcvSack] : this.rcvSack;
    const fit = Math.min(blocks.length, Math.floor((MAX_OPTIONS - used - 4) / 8));
    if (fit <= 0) return;
    this.dsack = undefined;
    const base = seqAdd(this.irs, this.rcv.nxt);
    const abs = (rel: number): number => seqAdd(base, rel - this.rcv.nxt);
    options.push({ kind: 'sack', blocks: blocks.slice(0, fit).map((b) => ({ left: abs(b.left), right: abs(b.right) })) });
  }

  protected build(now: number, flags: TcpFlags, seq: number, payload: Uint8Array, tag: S | undefined, retransmit: boolean): TcpSegment {
    const options: TcpOption[] = [];
    if (flags.syn) {
      options.push({ kind: 'mss', mss: this.cfg.mss });
      // RFC 2018 §2: offered on the SYN, answered on the SYN/ACK only if the SYN offered it.
      if (flags.ack ? this.sackOk : this.cfg.sack !== false) options.push({ kind: 'sackPermitted' });
      if (!flags.ack || this.wscaleInSynAck) options.push({ kind: 'wscale', shift: this.cfg.rcvWscale });
      for (const b of this.hooks.synOptions(flags.ack, this.synRetransmits)) options.push({ kind: 'mptcp', bytes: b });
    } else {
      let used = 0;
      const info = this.segInfo;
      info.now = now;
      info.seq = seq;
      info.len = payload.length;
      info.flags = flags;
      info.tag = tag;
      info.retransmit = retransmit;
      for (const b of this.hooks.options(info, MAX_OPTIONS)) {
        const o: TcpOption = b instanceof Uint8Array ? { kind: 'mptcp', bytes: b } : b;
        options.push(o);
        used += (optionLen(o) + 3) & ~3;
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
