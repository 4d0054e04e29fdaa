// One direction's data stream as seen on the wire, by stream offset: the
// bytes, which of them were seen, where retransmissions disagreed, and how
// far the stream was on the wire without a hole (what a DATA_ACK may cover).

/** Past this a stream is not rebuilt further (a capture of a bulk transfer, not an explanation). */
export const MAX_STREAM_BYTES = 256 * 1024 * 1024;

/** Bytes at one offset that arrived twice with different contents. */
export interface ByteConflict {
  offset: number;
  length: number;
}

export class StreamBuffer {
  private buf = Buffer.alloc(0);
  private seen = new Uint8Array(0);
  /** One past the highest byte seen. */
  end = 0;
  /** The lowest offset not seen yet: every byte below it was on the wire. */
  frontier = 0;
  /** Bytes seen (each offset counted once). */
  seenBytes = 0;
  conflicts: ByteConflict[] = [];

  /**
   * Records `bytes` at `offset`. Bytes seen before are compared instead: a difference is a
   * conflict (a retransmission with other contents). Returns false past MAX_STREAM_BYTES.
   */
  place(offset: number, bytes: Buffer): boolean {
    const last = offset + bytes.length;
    if (offset < 0 || last > MAX_STREAM_BYTES) return false;
    this.grow(last);
    let conflictAt = -1;
    for (let i = 0; i < bytes.length; i++) {
      const at = offset + i;
      const b = bytes[i] ?? 0;
      if (this.seen[at]) {
        if (this.buf[at] !== b) {
          if (conflictAt < 0) conflictAt = at;
          continue;
        }
      } else {
        this.seen[at] = 1;
        this.buf[at] = b;
        this.seenBytes++;
      }
      if (conflictAt >= 0) this.addConflict(conflictAt, at);
      conflictAt = -1;
    }
    if (conflictAt >= 0) this.addConflict(conflictAt, last);
    this.end = Math.max(this.end, last);
    while (this.frontier < this.end && this.seen[this.frontier]) this.frontier++;
    return true;
  }

  /** Whether byte `offset` was seen. */
  has(offset: number): boolean {
    return offset >= 0 && offset < this.end && this.seen[offset] === 1;
  }

  /** Byte at `offset` (meaningful only when has(offset)). */
  at(offset: number): number {
    return this.buf[offset] ?? 0;
  }

  private addConflict(from: number, to: number): void {
    const prev = this.conflicts.at(-1);
    if (prev && prev.offset + prev.length === from) prev.length += to - from;
    else this.conflicts.push({ offset: from, length: to - from });
  }

  private grow(size: number): void {
    if (size <= this.buf.length) return;
    const cap = Math.min(MAX_STREAM_BYTES, Math.max(size, this.buf.length * 2, 64 * 1024));
    const buf = Buffer.alloc(cap);
    this.buf.copy(buf);
    const seen = new Uint8Array(cap);
    seen.set(this.seen);
    this.buf = buf;
    this.seen = seen;
  }
}
