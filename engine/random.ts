// Seeded randomness for the sans-IO engine. The engine never draws a random
// number by itself (DESIGN.md, "Sans-IO engine"): keys, nonces and initial
// sequence numbers come from a RandomSource that the caller injects, so a run
// with the same seed is reproducible bit for bit.
//
// The generator is xoshiro256** 1.0 (Blackman & Vigna), its 256-bit state
// filled from the seed by splitmix64, as the authors recommend.

/** Where the engine gets its random numbers from (kernel: get_random_bytes). */
export interface RandomSource {
  /** A uniformly distributed unsigned 64-bit integer, 0 <= n < 2^64. */
  nextU64(): bigint;
  /** A uniformly distributed unsigned 32-bit integer, 0 <= n < 2^32. */
  nextU32(): number;
}

const MASK64 = (1n << 64n) - 1n;

function rotl(x: bigint, k: bigint): bigint {
  return ((x << k) | (x >> (64n - k))) & MASK64;
}

function toSeed(seed: bigint | number): bigint {
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    return BigInt.asUintN(64, BigInt(seed));
  }
  return BigInt.asUintN(64, seed);
}

/** splitmix64: a tiny generator, used here to expand a seed into state. */
export class SplitMix64 implements RandomSource {
  private state: bigint;

  constructor(seed: bigint | number) {
    this.state = toSeed(seed);
  }

  nextU64(): bigint {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  }

  nextU32(): number {
    return Number(this.nextU64() >> 32n);
  }
}

/** xoshiro256**: the engine's default RandomSource, deterministic per seed. */
export class Xoshiro256StarStar implements RandomSource {
  private s0: bigint;
  private s1: bigint;
  private s2: bigint;
  private s3: bigint;

  constructor(seed: bigint | number) {
    const sm = new SplitMix64(seed);
    this.s0 = sm.nextU64();
    this.s1 = sm.nextU64();
    this.s2 = sm.nextU64();
    this.s3 = sm.nextU64();
  }

  nextU64(): bigint {
    const result = (rotl((this.s1 * 5n) & MASK64, 7n) * 9n) & MASK64;
    const t = (this.s1 << 17n) & MASK64;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 45n);
    return result;
  }

  /** The upper 32 bits of the next 64-bit output (the better-mixed half). */
  nextU32(): number {
    return Number(this.nextU64() >> 32n);
  }

  /**
   * A new, independent generator seeded from this one, e.g. one per
   * connection or per link direction, so adding a consumer later does not
   * shift the numbers the others see.
   */
  split(): Xoshiro256StarStar {
    return new Xoshiro256StarStar(this.nextU64());
  }
}
