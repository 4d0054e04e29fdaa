// The receiver's side of a located integrity failure: it regenerates the
// stream it expects (the payload is deterministic) and compares each chunk as
// it arrives. The common case costs one regeneration and one memcmp per
// chunk; only where bytes differ does it walk byte by byte, merging wrong
// bytes into ranges and keeping a few bytes of each (O(1) memory). What the
// wrong bytes are is found once, at the end (classify.ts).
import { PayloadStream } from '../workload/payload.js';
import { classifyRanges, type KeptRange, type StreamSource } from './classify.js';
import type { StreamDiff } from './types.js';

export type { StreamSource } from './classify.js';

/** Ranges kept; a difference beyond them only sets `truncated`. */
export const MAX_RANGES = 16;
/**
 * Equal bytes tolerated inside a wrong range: a block of other bytes matches the expected ones by
 * chance (1 in 256 per byte), and such a match must not cut a 376-byte misplaced block in pieces.
 */
export const MAX_EQUAL_RUN = 4;
/** Received bytes kept from each end of a range, to find where they come from. */
export const SAMPLE_BYTES = 64;
/** Holds the bytes of an open range back to SAMPLE_BYTES before its end, plus the equal run after it. */
const RING_BYTES = 128;

/** A wrong range still growing. */
interface OpenRange {
  offset: number;
  /** One past its last wrong byte. */
  end: number;
  head: Buffer;
  /** The first non-zero received byte's offset, -1 while every byte was zero. */
  firstNonZero: number;
}

export class StreamComparer {
  private readonly expected: PayloadStream;
  private received = 0;
  private readonly kept: KeptRange[] = [];
  private open: OpenRange | undefined;
  private ring: Buffer | undefined;
  private truncated = false;
  private result: StreamDiff | undefined;

  /** `own` is the stream this side should receive; `others` where wrong bytes may come from besides it. */
  constructor(
    private readonly own: StreamSource,
    private readonly others: readonly StreamSource[] = [],
  ) {
    this.expected = new PayloadStream(own.seed);
  }

  /** Every received byte so far was the expected one (a short or long stream aside). */
  get clean(): boolean {
    return this.kept.length === 0 && this.open === undefined && !this.truncated;
  }

  update(chunk: Buffer): void {
    const start = this.received;
    this.received += chunk.length;
    // Bytes past the expected end are counted, not compared: receivedBytes says there were more.
    const limit = Math.max(0, Math.min(chunk.length, this.own.bytes - start));
    let i = 0;
    while (i < limit && !this.truncated) {
      const want = this.expected.nextPiece(limit - i);
      const got = chunk.subarray(i, i + want.length);
      if (this.open || !got.equals(want)) this.scan(got, want, start + i);
      i += want.length;
    }
  }

  /** How the stream arrived; call once everything was received. */
  finish(): StreamDiff {
    if (this.result) return this.result;
    if (this.open) this.close();
    const diff: StreamDiff = {
      connection: this.own.connection,
      direction: this.own.direction,
      expectedBytes: this.own.bytes,
      receivedBytes: this.received,
      wrong: classifyRanges(this.kept, this.own, this.others),
    };
    if (this.truncated) diff.truncated = true;
    this.result = diff;
    return diff;
  }

  /**
   * The diff when the stream was wrong: a byte differs, or more came than was sent; else undefined. A
   * stream that only ended short keeps the error its receiver has always reported (an abort ends it
   * short on purpose), so a transfer whose bytes were right is reported as before.
   */
  located(): StreamDiff | undefined {
    const diff = this.finish();
    return diff.wrong.length > 0 || diff.truncated || diff.receivedBytes > diff.expectedBytes ? diff : undefined;
  }

  /** Byte by byte over a piece that differs (or continues an open range); back to memcmp once a range closes. */
  private scan(got: Buffer, want: Buffer, base: number): void {
    for (let k = 0; k < got.length; k++) {
      const b = got[k]!;
      const pos = base + k;
      const wrong = b !== want[k];
      let open = this.open;
      if (!open) {
        if (!wrong) continue;
        if (this.kept.length === MAX_RANGES) {
          this.truncated = true;
          return;
        }
        open = this.open = { offset: pos, end: pos + 1, head: Buffer.alloc(SAMPLE_BYTES), firstNonZero: -1 };
      } else if (wrong) open.end = pos + 1;
      else if (pos - open.end >= MAX_EQUAL_RUN) {
        this.close();
        if (got.subarray(k + 1).equals(want.subarray(k + 1))) return;
        continue;
      }
      this.record(open, pos, b);
    }
  }

  private record(open: OpenRange, pos: number, b: number): void {
    if (pos - open.offset < SAMPLE_BYTES) open.head[pos - open.offset] = b;
    (this.ring ??= Buffer.alloc(RING_BYTES))[pos % RING_BYTES] = b;
    if (b !== 0 && open.firstNonZero < 0) open.firstNonZero = pos;
  }

  private close(): void {
    const open = this.open!;
    this.open = undefined;
    const length = open.end - open.offset;
    const n = Math.min(SAMPLE_BYTES, length);
    const tail = Buffer.alloc(n);
    for (let j = 0; j < n; j++) tail[j] = this.ring![(open.end - n + j) % RING_BYTES]!;
    this.kept.push({
      offset: open.offset,
      length,
      head: open.head.subarray(0, n),
      tail,
      zeros: open.firstNonZero < 0 || open.firstNonZero >= open.end,
    });
  }
}
