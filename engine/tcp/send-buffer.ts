// The send side of one TCP connection: bytes the application (or the MPTCP
// layer) handed over, kept until they are acknowledged, addressed by
// relative sequence number (the SYN is 0, the first data byte 1). Each write
// is a chunk with an optional tag; the MPTCP layer tags a chunk with its DSS
// mapping so that every segment cut from it, sent or resent, carries the
// same mapping (like the kernel's mptcp_ext on an skb).

import { concat } from '../bytes.js';

export interface SendChunk<T> {
  readonly start: number;
  readonly bytes: Uint8Array;
  readonly tag: T | undefined;
}

export class SendBuffer<T> {
  private chunks: SendChunk<T>[] = [];
  private head = 0;
  /** Relative sequence number of the first byte not yet acknowledged. */
  private unaValue: number;
  private endValue: number;

  constructor(start = 1) {
    this.unaValue = start;
    this.endValue = start;
  }

  /** One past the last byte queued. */
  get end(): number {
    return this.endValue;
  }

  get una(): number {
    return this.unaValue;
  }

  /** Bytes queued and not yet acknowledged. */
  get length(): number {
    return this.endValue - this.unaValue;
  }

  push(bytes: Uint8Array, tag?: T): void {
    if (bytes.length === 0) return;
    this.chunks.push({ start: this.endValue, bytes, tag });
    this.endValue += bytes.length;
  }

  /** The index of the chunk holding `offset` (which must be in [una, end)). */
  private find(offset: number): number {
    let lo = this.head;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.chunks[mid] as SendChunk<T>).start <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * Up to `max` bytes from `offset`. A tagged chunk is never mixed with
   * another chunk (a segment carries one mapping); untagged chunks are
   * joined. Empty when offset is at or past the end.
   */
  peek(offset: number, max: number): { bytes: Uint8Array; tag: T | undefined } {
    if (offset < this.unaValue || offset >= this.endValue || max <= 0) return { bytes: new Uint8Array(0), tag: undefined };
    let i = this.find(offset);
    const first = this.chunks[i] as SendChunk<T>;
    const from = offset - first.start;
    const take = Math.min(max, first.bytes.length - from);
    if (first.tag !== undefined || take === max || i === this.chunks.length - 1) {
      return { bytes: first.bytes.subarray(from, from + take), tag: first.tag };
    }
    const parts = [first.bytes.subarray(from, from + take)];
    let got = take;
    for (i += 1; i < this.chunks.length && got < max; i += 1) {
      const c = this.chunks[i] as SendChunk<T>;
      if (c.tag !== undefined) break;
      const part = c.bytes.subarray(0, Math.min(c.bytes.length, max - got));
      parts.push(part);
      got += part.length;
    }
    return { bytes: concat(parts), tag: undefined };
  }

  /** The tag of the chunk holding `offset`, if any. */
  tagAt(offset: number): T | undefined {
    if (offset < this.unaValue || offset >= this.endValue) return undefined;
    return (this.chunks[this.find(offset)] as SendChunk<T>).tag;
  }

  /** Everything before `offset` is acknowledged; returns how many bytes that freed. */
  ackTo(offset: number): number {
    const to = Math.min(offset, this.endValue);
    if (to <= this.unaValue) return 0;
    const freed = to - this.unaValue;
    this.unaValue = to;
    while (this.head < this.chunks.length) {
      const c = this.chunks[this.head] as SendChunk<T>;
      if (c.start + c.bytes.length > to) break;
      this.head += 1;
    }
    if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
    return freed;
  }

  /** Unacknowledged chunks from `offset` on (for handing data back to the MPTCP layer). */
  *chunksFrom(offset: number): Generator<SendChunk<T>> {
    for (let i = this.head; i < this.chunks.length; i += 1) {
      const c = this.chunks[i] as SendChunk<T>;
      if (c.start + c.bytes.length > offset) yield c;
    }
  }
}
