// TCP sequence-number arithmetic modulo 2^32 (RFC 9293 section 3.4, RFC 1982
// serial-number arithmetic), like the kernel's before()/after() in
// include/net/tcp.h.
//
// Sequence numbers are plain numbers holding an unsigned 32-bit value
// (0 ≤ n < 2^32). Comparison looks at the signed 32-bit difference, so it is
// meaningful only for numbers less than 2^31 apart; at exactly 2^31 apart the
// answer is arbitrary (both seqLt(a, b) and seqLt(b, a) are true), as in the
// kernel.

/** An unsigned 32-bit TCP (or 32-bit MPTCP subflow) sequence number. */
export type SeqNum = number;

/** a + n modulo 2^32; n may be negative or larger than 2^32 (any safe integer). */
export function seqAdd(a: SeqNum, n: number): SeqNum {
  return (a + n) >>> 0;
}

/** a - n modulo 2^32. */
export function seqSub(a: SeqNum, n: number): SeqNum {
  return (a - n) >>> 0;
}

/**
 * The signed distance a - b in [-2^31, 2^31): how far a is ahead of b
 * (negative: behind). seqDiff(seqAdd(b, n), b) === n for -2^31 ≤ n < 2^31.
 */
export function seqDiff(a: SeqNum, b: SeqNum): number {
  return (a - b) | 0;
}

/** a comes before b (the kernel's before(a, b)). */
export function seqLt(a: SeqNum, b: SeqNum): boolean {
  return ((a - b) | 0) < 0;
}

/** a comes before b or is b. */
export function seqLeq(a: SeqNum, b: SeqNum): boolean {
  return ((a - b) | 0) <= 0;
}

/** a comes after b (the kernel's after(a, b)). */
export function seqGt(a: SeqNum, b: SeqNum): boolean {
  return ((a - b) | 0) > 0;
}

/** a comes after b or is b. */
export function seqGeq(a: SeqNum, b: SeqNum): boolean {
  return ((a - b) | 0) >= 0;
}

/** The later of a and b. */
export function seqMax(a: SeqNum, b: SeqNum): SeqNum {
  return seqLt(a, b) ? b : a;
}

/** The earlier of a and b. */
export function seqMin(a: SeqNum, b: SeqNum): SeqNum {
  return seqLt(a, b) ? a : b;
}

/** lo ≤ x < hi in sequence space (the half-open window [lo, hi)). */
export function seqInWindow(x: SeqNum, lo: SeqNum, hi: SeqNum): boolean {
  return seqLeq(lo, x) && seqLt(x, hi);
}

/** Whether n is a valid sequence number: an integer in [0, 2^32). */
export function isSeqNum(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff;
}
