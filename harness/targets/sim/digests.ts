// The sha256 of what an engine side sent and received, as the traffic agent
// reports them, with one hash per transfer instead of two. Hashing is a tenth
// of a bulk run's time: the sender hashes what it writes, and the receiver,
// whose comparer checks every byte against the expected stream anyway, hashes
// nothing while every byte is the expected one. Its digest is then that of
// the expected stream's prefix: the sender's own digest when the sender wrote
// that same stream and as many bytes, else the prefix hashed again. From the
// first chunk that is not all expected bytes on, it hashes as it goes (the
// clean prefix first), so the digest is always that of the bytes received.
// Pieces that lie one after the other in the same memory are hashed and
// compared as one: in the simulator a segment's payload is a view of the
// sender's buffer, so a whole write usually arrives as one such run.
import { createHash, type Hash } from 'node:crypto';
import { PayloadStream } from '../../workload/payload.js';
import type { StreamComparer } from '../../integrity/locate.js';

/** What a side wrote: the bytes of the payload stream of `seed`, counted and hashed. */
export class SentDigest {
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private hex: string | undefined;

  constructor(readonly seed: number) {}

  update(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
  }

  /** Hex sha256 of everything so far; the same answer on every call (no update after the first). */
  digest(): string {
    return (this.hex ??= this.hash.digest('hex'));
  }
}

/** The sha256 of the first `n` bytes of the payload stream of `seed`. */
function prefixHash(seed: number, n: number): Hash {
  const h = createHash('sha256');
  const s = new PayloadStream(seed);
  for (let left = n; left > 0;) {
    const piece = s.nextPiece(left);
    h.update(piece);
    left -= piece.length;
  }
  return h;
}

/** What a side received: counted, compared by `comparer`, hashed only once it differs from the expected stream. */
export class ReceivedDigest {
  /** Bytes received so far. */
  bytes = 0;
  /** Bytes compared (and hashed, if hashing) so far: the rest is the pending run. */
  private consumed = 0;
  private hash: Hash | undefined;
  /** The run of received bytes not compared yet: [start, end) of `buf`. */
  private buf: ArrayBufferLike | undefined;
  private start = 0;
  private end = 0;

  /** `expected`: the stream `comparer` expects (its seed and length); without a comparer every byte is hashed. */
  constructor(
    readonly comparer: StreamComparer | undefined,
    private readonly expected: { readonly seed: number; readonly bytes: number },
  ) {}

  /** Bytes that arrived, in order (only viewed: nothing writes into received data). */
  update(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.bytes += chunk.length;
    if (chunk.buffer === this.buf && chunk.byteOffset === this.end) {
      this.end += chunk.length;
      return;
    }
    this.flush();
    this.buf = chunk.buffer;
    this.start = chunk.byteOffset;
    this.end = this.start + chunk.length;
  }

  /** The comparer's diff (StreamComparer.located) of everything received. */
  located(): ReturnType<StreamComparer['located']> | undefined {
    this.flush();
    return this.comparer?.located();
  }

  /** Compares (and hashes, if hashing) the pending run. */
  private flush(): void {
    if (this.buf === undefined) return;
    const chunk = Buffer.from(this.buf, this.start, this.end - this.start);
    this.buf = undefined;
    const c = this.comparer;
    c?.update(chunk);
    // Clean and within the expected length: every byte so far is the expected stream's.
    if (!this.hash && c !== undefined && c.clean && this.consumed + chunk.length <= this.expected.bytes) {
      this.consumed += chunk.length;
      return;
    }
    this.hash ??= prefixHash(this.expected.seed, this.consumed);
    this.hash.update(chunk);
    this.consumed += chunk.length;
  }

  /** Hex sha256 of everything received; call once. `sender`: the peer's digest, equal when it wrote the same prefix. */
  digest(sender?: SentDigest): string {
    this.flush();
    if (this.hash) return this.hash.digest('hex');
    if (sender && sender.seed >>> 0 === this.expected.seed >>> 0 && sender.bytes === this.bytes) return sender.digest();
    return prefixHash(this.expected.seed, this.bytes).digest('hex');
  }
}
