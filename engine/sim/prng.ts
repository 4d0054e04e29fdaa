// A small seeded pseudo-random generator for the simulator: xoshiro128**
// (Blackman & Vigna), seeded through splitmix32 from a run seed and a path of
// labels. Streams are named, not ordered: `Prng.fromSeed(seed, 'link', 'l1',
// 'aToB')` gives the same numbers whatever other streams exist or how many
// numbers they drew, so adding a link to a topology does not change what the
// other links do.
//
// It implements the engine's RandomSource (engine/random.ts), so a stream can
// be handed to engine code too. The simulator uses this 32-bit generator
// rather than random.ts's BigInt xoshiro256** because it draws several
// numbers per packet and BigInt arithmetic allocates.
//
// Not for cryptography. Everything here is pure 32-bit integer arithmetic and
// reproducible bit for bit; only normal() goes through Math.log/Math.sqrt/
// Math.cos, which are deterministic for a given Node version.

import type { RandomSource } from '../random.js';

const TWO_POW_32 = 4294967296;

/** splitmix32 step: a well-mixed u32 from any u32. */
function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** FNV-1a over the UTF-16 code units of s, continuing from h. */
function fnv1a(s: string, h: number): number {
  let x = h >>> 0;
  for (let i = 0; i < s.length; i += 1) {
    const c = s.charCodeAt(i);
    x = Math.imul(x ^ (c & 0xff), 0x01000193);
    x = Math.imul(x ^ (c >>> 8), 0x01000193);
  }
  return x >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export class Prng implements RandomSource {
  /** The run seed this stream derives from. */
  readonly seed: number;
  /** The label path that names this stream. */
  readonly labels: readonly string[];
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  private constructor(seed: number, labels: readonly string[]) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`Prng: seed must be a safe integer, got ${seed}`);
    this.seed = seed;
    this.labels = labels;
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    // Two independent 32-bit digests of (seed, labels), each label closed by a
    // separator so ("ab") and ("a", "b") differ.
    let a = mix32(lo ^ mix32(hi));
    let b = mix32(hi ^ mix32(lo ^ 0x5bd1e995));
    for (const label of labels) {
      a = mix32(fnv1a(label, a) ^ 0x2f);
      b = mix32(fnv1a(label, b ^ 0x85ebca6b) ^ 0x1f);
    }
    this.s0 = mix32(a);
    this.s1 = mix32(b ^ 0x27d4eb2f);
    this.s2 = mix32(a ^ 0x165667b1);
    this.s3 = mix32(b ^ 0xd3a2646c);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the one forbidden state
  }

  /** The stream named `labels` under `seed` (any safe integer; run seeds are u32). */
  static fromSeed(seed: number, ...labels: string[]): Prng {
    return new Prng(seed, labels);
  }

  /**
   * A generator in the given xoshiro128** state (four u32, not all zero), for
   * replaying a snapshot or checking against the reference vectors. Its
   * seed is 0 and its labels are empty, so fork() does not continue it.
   */
  static fromState(state: readonly [number, number, number, number]): Prng {
    if (state.every((w) => w >>> 0 === 0)) throw new RangeError('Prng.fromState: the all-zero state is not allowed');
    const p = new Prng(0, []);
    [p.s0, p.s1, p.s2, p.s3] = state.map((w) => w >>> 0) as [number, number, number, number];
    return p;
  }

  /** The current xoshiro128** state, for snapshots (a pending second normal() deviate is not part of it). */
  state(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** A child stream: same seed, this stream's labels plus `labels`. Independent of how much this one drew. */
  fork(...labels: string[]): Prng {
    return new Prng(this.seed, [...this.labels, ...labels]);
  }

  /** The next unsigned 32-bit integer. */
  nextU32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = s1 ^ n2;
    this.s0 = s0 ^ n3;
    this.s2 = n2 ^ t;
    this.s3 = rotl(n3, 11);
    return result;
  }

  /** An unsigned 64-bit integer from two draws (high word first). */
  nextU64(): bigint {
    const hi = this.nextU32();
    const lo = this.nextU32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** A float in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextU32() / TWO_POW_32;
  }

  /** An integer in [0, n) for 1 ≤ n ≤ 2^32 (bias below 2^-32 · n, negligible here). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability pct/100. pct ≤ 0 never draws a number and is false. */
  chance(pct: number): boolean {
    if (pct <= 0) return false;
    return this.next() * 100 < pct;
  }

  /** A float uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** A standard normal deviate (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return v;
    }
    // 1 - next() is in (0, 1], so the log is finite.
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}
