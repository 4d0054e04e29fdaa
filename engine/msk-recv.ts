// The msk's receive side at the data level (net/mptcp/protocol.c:
// __mptcp_move_skb, mptcp_data_queue_ofo, mptcp_check_data_fin): data from
// every subflow, put in order by DSN with an out-of-order queue, the
// DATA_ACK to send, the shared receive window, and the peer's DATA_FIN.
// Offsets are relative to the peer's IDSN + 1.

import type { MibName } from './mib.js';
import { ReceiveBuffer } from './tcp/receive-buffer.js';
import { concat } from './bytes.js';

/**
 * __mptcp_expand_seq: a 32-bit sequence number made 64-bit, the one closest to `old`: `old` moved by
 * the signed 32-bit distance from its low half to `cur32` (the distance in numbers: a 32-bit DATA_ACK
 * is expanded for every segment that carries one).
 */
export function expandSeq(old: bigint, cur32: bigint): bigint {
  const diff = (Number(cur32 & 0xffffffffn) - Number(old & 0xffffffffn)) | 0;
  return BigInt.asUintN(64, old + BigInt(diff));
}

export class DataReceiver {
  private readonly rcv = new ReceiveBuffer<undefined>(0);
  private queue: Uint8Array[] = [];
  /** In order and not read yet. */
  queued = 0;
  /** The 64-bit DSN of offset 0 (the peer's IDSN + 1). */
  base = 0n;
  private finSeq: number | undefined;
  /** The peer's DATA_FIN has been taken in order. */
  finished = false;
  /** Answer with 64-bit DATA_ACKs (msk->use_64bit_ack: the peer sent 64-bit DSNs). */
  use64BitAck = false;
  bytesReceived = 0;
  /** ackToSend()'s last answer and what it was made from. */
  private lastAck: { nxt: number; base: bigint; wide: boolean; ack: { readonly value: bigint; readonly bits: 32 | 64 } } | undefined;
  /** The highest right edge announced (msk->rcv_wnd_sent): the window never shrinks below it. */
  private wndEdge = 0;

  constructor(
    private readonly rcvBuf: number,
    private readonly count: (name: MibName) => void,
  ) {}

  /** Offset of the next byte expected (the DATA_FIN's octet included once taken). */
  get nxt(): number {
    return this.rcv.nxt;
  }

  dsn(offset: number): bigint {
    return BigInt.asUintN(64, this.base + BigInt(offset));
  }

  /**
   * The window both levels announce: buffer minus what waits to be read or
   * sits out of order, but never moving the right edge left (__mptcp_set_rwin:
   * a sender may already be using the edge it saw, RFC 8684 §3.3.4).
   */
  freeWindow(): number {
    const free = Math.max(0, this.rcvBuf - this.queued - this.rcv.oooBytes);
    const nxt = this.rcv.nxt;
    this.wndEdge = Math.max(this.wndEdge, nxt + free);
    return this.wndEdge - nxt;
  }

  ackToSend(): { readonly value: bigint; readonly bits: 32 | 64 } {
    // Asked for every segment sent; it changes only when data arrives in order: kept until then.
    const c = this.lastAck;
    const nxt = this.rcv.nxt;
    if (c !== undefined && c.nxt === nxt && c.base === this.base && c.wide === this.use64BitAck) return c.ack;
    const dsn = this.dsn(nxt);
    const ack = this.use64BitAck ? { value: dsn, bits: 64 as const } : { value: BigInt.asUintN(32, dsn), bits: 32 as const };
    this.lastAck = { nxt, base: this.base, wide: this.use64BitAck, ack };
    return ack;
  }

  expand(seq32: bigint): bigint {
    return expandSeq(this.dsn(this.rcv.nxt), seq32);
  }

  /** Data at a DSN; returns true if the queue for the application went from empty to not empty. */
  data(dsn: bigint, bytes: Uint8Array): boolean {
    const rel = Number(BigInt.asIntN(64, dsn - this.base));
    const nxt = this.rcv.nxt;
    if (rel + bytes.length <= nxt) {
      this.count('DuplicateData');
      return false;
    }
    // mptcp_data_queue_ofo: beyond the right edge ever announced is out of window.
    if (rel >= nxt + Math.max(this.freeWindow(), 1) + bytes.length) {
      this.count('NoDSSInWindow');
      return false;
    }
    const tail = this.rcv.oooEnd;
    const r = this.rcv.insert(rel, bytes, undefined);
    if (r.queued) {
      this.count('OFOQueue');
      if (tail === undefined || rel >= tail) this.count('OFOQueueTail');
    }
    return this.append(r.delivered.map((c) => c.bytes));
  }

  /** Plain TCP: bytes in order. */
  append(parts: Uint8Array[]): boolean {
    const wasEmpty = this.queued === 0;
    for (const p of parts) {
      this.queue.push(p);
      this.queued += p.length;
      this.bytesReceived += p.length;
    }
    return wasEmpty && this.queued > 0;
  }

  /** The peer's DATA_FIN is at `dsn`. */
  fin(dsn: bigint): void {
    const rel = Number(BigInt.asIntN(64, dsn - this.base));
    if (rel >= this.rcv.nxt - 1) this.finSeq = rel;
  }

  /** mptcp_check_data_fin: if the DATA_FIN is next, take its octet; true the one time that happens. */
  takeFin(): boolean {
    if (this.finished || this.finSeq === undefined || this.rcv.nxt !== this.finSeq) return false;
    this.rcv.nxt += 1; // RFC 8684 §3.3.3: the DATA_FIN takes one octet of data sequence space
    this.finished = true;
    return true;
  }

  read(): Uint8Array {
    if (this.queued === 0) return new Uint8Array(0);
    // One chunk (the common case when the reader keeps up) goes as it is: nothing writes into received data.
    const parts = this.readChunks();
    return parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts);
  }

  /** read() as the pieces the data arrived in, in order (no copy): for a reader that only looks at them. */
  readChunks(): Uint8Array[] {
    if (this.queued === 0) return [];
    const out = this.queue;
    this.queue = [];
    this.queued = 0;
    return out;
  }
}
