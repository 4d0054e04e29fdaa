// The receive side's reassembly: segments may arrive out of order or twice;
// bytes leave in order, each with the tag (MPTCP mapping) of the segment that
// carried it. Relative sequence numbers: the peer's SYN is 0.

export interface RecvChunk<T> {
  readonly start: number;
  readonly bytes: Uint8Array;
  readonly tag: T | undefined;
}

export interface InsertResult<T> {
  /** In-order bytes now ready, in order. */
  readonly delivered: RecvChunk<T>[];
  /** The segment went to the out-of-order queue. */
  readonly queued: boolean;
  /** Some of the segment had been received before. */
  readonly duplicate: boolean;
}

export class ReceiveBuffer<T> {
  /** Next in-order relative sequence number expected. */
  nxt: number;
  /** Out-of-order segments, sorted by start, not overlapping each other. */
  private ooo: RecvChunk<T>[] = [];
  private oooBytesValue = 0;

  constructor(nxt = 1) {
    this.nxt = nxt;
  }

  get oooBytes(): number {
    return this.oooBytesValue;
  }

  /** One past the last out-of-order byte, if any. */
  get oooEnd(): number | undefined {
    const last = this.ooo[this.ooo.length - 1];
    return last ? last.start + last.bytes.length : undefined;
  }

  get hasGaps(): boolean {
    return this.ooo.length > 0;
  }

  /** The contiguous out-of-order range [left, right) holding `seq` (a SACK block, RFC 2018 §3), if any. */
  rangeAround(seq: number): { left: number; right: number } | undefined {
    const o = this.ooo;
    let i = 0;
    while (i < o.length && (o[i] as RecvChunk<T>).start + (o[i] as RecvChunk<T>).bytes.length <= seq) i += 1;
    const at = o[i];
    if (!at || at.start > seq) return undefined;
    let lo = i;
    while (lo > 0 && (o[lo - 1] as RecvChunk<T>).start + (o[lo - 1] as RecvChunk<T>).bytes.length === (o[lo] as RecvChunk<T>).start)
      lo -= 1;
    let hi = i;
    while (hi + 1 < o.length && (o[hi] as RecvChunk<T>).start + (o[hi] as RecvChunk<T>).bytes.length === (o[hi + 1] as RecvChunk<T>).start)
      hi += 1;
    const last = o[hi] as RecvChunk<T>;
    return { left: (o[lo] as RecvChunk<T>).start, right: last.start + last.bytes.length };
  }

  insert(start: number, bytes: Uint8Array, tag: T | undefined): InsertResult<T> {
    let s = start;
    let b = bytes;
    let duplicate = false;
    if (s < this.nxt) {
      duplicate = true;
      const cut = this.nxt - s;
      if (cut >= b.length) return { delivered: [], queued: false, duplicate };
      b = b.subarray(cut);
      s = this.nxt;
    }
    if (s > this.nxt) {
      const dup = this.queue(s, b, tag);
      return { delivered: [], queued: true, duplicate: duplicate || dup };
    }
    const delivered: RecvChunk<T>[] = [{ start: s, bytes: b, tag }];
    this.nxt = s + b.length;
    while (this.ooo.length > 0) {
      const c = this.ooo[0] as RecvChunk<T>;
      if (c.start > this.nxt) break;
      this.ooo.shift();
      this.oooBytesValue -= c.bytes.length;
      const end = c.start + c.bytes.length;
      if (end <= this.nxt) {
        duplicate = true;
        continue;
      }
      const cut = this.nxt - c.start;
      delivered.push({ start: this.nxt, bytes: c.bytes.subarray(cut), tag: c.tag });
      this.nxt = end;
    }
    return { delivered, queued: false, duplicate };
  }

  /** Puts a segment in the out-of-order queue, trimming what is already there. True if it overlapped. */
  private queue(start: number, bytes: Uint8Array, tag: T | undefined): boolean {
    let s = start;
    let b = bytes;
    let overlap = false;
    let i = 0;
    while (i < this.ooo.length && (this.ooo[i] as RecvChunk<T>).start + (this.ooo[i] as RecvChunk<T>).bytes.length <= s) i += 1;
    const pieces: RecvChunk<T>[] = [];
    while (b.length > 0) {
      const next = this.ooo[i];
      if (!next || next.start >= s + b.length) {
        pieces.push({ start: s, bytes: b, tag });
        break;
      }
      if (next.start > s) pieces.push({ start: s, bytes: b.subarray(0, next.start - s), tag });
      overlap = true;
      const nextEnd = next.start + next.bytes.length;
      const skip = nextEnd - s;
      if (skip >= b.length) break;
      b = b.subarray(skip);
      s = nextEnd;
      i += 1;
    }
    for (const p of pieces) {
      let at = 0;
      while (at < this.ooo.length && (this.ooo[at] as RecvChunk<T>).start < p.start) at += 1;
      this.ooo.splice(at, 0, p);
      this.oooBytesValue += p.bytes.length;
    }
    return overlap;
  }
}
