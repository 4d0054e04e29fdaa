// Deterministic payload: the same seed gives the same byte stream, however it
// is cut into writes, so a receiver (or a test) can regenerate what was sent.
// xorshift32 is fast enough to outrun a veth (hundreds of MB/s in JS) and
// needs no dependency; it is not meant to be unpredictable.
import { createHash, type Hash } from 'node:crypto';

const BLOCK = 64 * 1024;

/** splitmix32-style finalizer so nearby seeds start far apart (and never at 0, xorshift's fixed point). */
function mixSeed(seed: number): number {
  let z = (seed + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  z = (z ^ (z >>> 16)) >>> 0;
  return z === 0 ? 0x6d2b79f5 : z;
}

/**
 * Fills `words` with the xorshift32 sequence after `state` and returns the last word. In int32 (the same
 * bits as uint32), and in a function of its own: an optimized loop then ends in a plain return, where
 * the code after it, never run before, made V8 throw the optimized code away at the end of every block.
 */
function xorshiftFill(words: Int32Array, state: number): number {
  let x = state | 0;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return x;
}

export class PayloadStream {
  private state: number;
  private block = Buffer.alloc(BLOCK);
  private pos = BLOCK;

  constructor(seed: number) {
    this.state = mixSeed(seed >>> 0);
  }

  private refill(): void {
    // Words are stored little endian (Uint32Array on x86/arm), so bytes match across those hosts.
    const words = new Int32Array(this.block.buffer, this.block.byteOffset, BLOCK / 4);
    this.state = xorshiftFill(words, this.state) >>> 0;
    this.pos = 0;
  }

  /**
   * The next `n` bytes of the stream, as a view of the stream's own block when they lie in it (no
   * copy): valid only until the next call. For a caller that copies them at once (a socket's write).
   */
  nextView(n: number): Buffer {
    if (this.pos === BLOCK) this.refill();
    if (n > BLOCK - this.pos) return this.next(n);
    const view = this.block.subarray(this.pos, this.pos + n);
    this.pos += n;
    return view;
  }

  /**
   * The next bytes of the stream up to `max` (at least 1 when max > 0), as a view that never crosses a
   * block, so never a copy: valid only until the next call. For a reader comparing what arrived.
   */
  nextPiece(max: number): Buffer {
    if (this.pos === BLOCK) this.refill();
    return this.nextView(Math.min(max, BLOCK - this.pos));
  }

  /** The next `n` bytes of the stream, in a fresh Buffer the caller may keep. */
  next(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      if (this.pos === BLOCK) this.refill();
      const take = Math.min(n - filled, BLOCK - this.pos);
      this.block.copy(out, filled, this.pos, this.pos + take);
      this.pos += take;
      filled += take;
    }
    return out;
  }
}

/** The first `n` bytes of the stream for `seed`. */
export function payloadBytes(seed: number, n: number): Buffer {
  return new PayloadStream(seed).next(n);
}

/** Counts and hashes a byte stream as it passes (what was sent, or what arrived). */
export class StreamDigest {
  bytes = 0;
  private hash: Hash = createHash('sha256');

  update(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
  }

  /** Hex sha256 of everything so far; call once. */
  digest(): string {
    return this.hash.digest('hex');
  }
}
