// What the wrong bytes of a range are: the same stream from elsewhere
// (misplaced), another stream of the workload, zeros, or unknown. Run once,
// only when a difference was found: each candidate stream is regenerated
// and searched for every range's first bytes, and a find counts only when
// the range's last bytes are there too, at the same distance.
import { PayloadStream } from '../workload/payload.js';
import type { Direction, WrongOrigin, WrongRange } from './types.js';

/** One stream the workload sends: connection `connection`'s `direction`, `bytes` long, from `seed`. */
export interface StreamSource {
  connection: number;
  direction: Direction;
  seed: number;
  bytes: number;
}

/** A wrong range as the comparer kept it: where, and its first and last received bytes (up to 64 each). */
export interface KeptRange {
  offset: number;
  length: number;
  head: Buffer;
  tail: Buffer;
  /** Every received byte of the range was 0. */
  zeros: boolean;
}

/** Fewer bytes than this match somewhere by chance in a stream of megabytes (8 bytes: 1 in 2^64 per offset). */
export const MIN_SEARCH_BYTES = 8;

const BLOCK = 64 * 1024;

/** Bytes [start, end) of the stream for `seed` (regenerated from its start: the generator cannot skip). */
export function streamSlice(seed: number, start: number, end: number): Buffer {
  const s = new PayloadStream(seed);
  for (let at = 0; at < start;) at += s.nextPiece(start - at).length;
  return s.next(Math.max(0, end - start));
}

/** The first offset of `source` where each needle occurs (undefined where it does not); one pass over the stream. */
function findAll(source: StreamSource, needles: readonly (Buffer | undefined)[]): (number | undefined)[] {
  const found: (number | undefined)[] = needles.map(() => undefined);
  const longest = Math.max(0, ...needles.map((n) => n?.length ?? 0));
  if (longest === 0) return found;
  const s = new PayloadStream(source.seed);
  // A window is the block read now after the last longest-1 bytes of the one before, so a needle across the cut is found.
  let carry = Buffer.alloc(0);
  for (let at = 0; at < source.bytes;) {
    const block = s.nextPiece(Math.min(BLOCK, source.bytes - at));
    const window = Buffer.concat([carry, block]);
    const windowStart = at - carry.length;
    needles.forEach((needle, i) => {
      if (!needle || found[i] !== undefined) return;
      const idx = window.indexOf(needle);
      if (idx >= 0) found[i] = windowStart + idx;
    });
    at += block.length;
    carry = window.subarray(Math.max(0, window.length - (longest - 1)));
    if (found.every((f, i) => f !== undefined || !needles[i])) break;
  }
  return found;
}

/** Whether `range`, found from `from` in `source`, ends there with its own last bytes. */
function tailMatches(range: KeptRange, source: StreamSource, from: number): boolean {
  const end = from + range.length;
  if (end > source.bytes) return false;
  return streamSlice(source.seed, end - range.tail.length, end).equals(range.tail);
}

function originIn(source: StreamSource, own: StreamSource, from: number): WrongOrigin {
  return source === own
    ? { kind: 'misplaced', from }
    : { kind: 'stream', connection: source.connection, direction: source.direction, from };
}

/**
 * Ranges with their origin, in offset order. Candidates are searched in order, `own` first; a stream
 * with the seed of one before it holds the same bytes (both directions of a connection carry one stream
 * today), so the first one names them.
 */
export function classifyRanges(kept: readonly KeptRange[], own: StreamSource, others: readonly StreamSource[]): WrongRange[] {
  const origins: (WrongOrigin | undefined)[] = kept.map((r) => (r.zeros ? { kind: 'zeros' } : undefined));
  const seeds = new Set<number>();
  for (const source of [own, ...others]) {
    if (seeds.has(source.seed >>> 0)) continue;
    seeds.add(source.seed >>> 0);
    const needles = kept.map((r, i) => (origins[i] || r.head.length < MIN_SEARCH_BYTES ? undefined : r.head));
    if (needles.every((n) => !n)) break;
    findAll(source, needles).forEach((from, i) => {
      // A head found whose tail is not there: the range holds bytes of more than one origin.
      if (from !== undefined) origins[i] = tailMatches(kept[i]!, source, from) ? originIn(source, own, from) : { kind: 'unknown' };
    });
  }
  return kept.map((r, i) => ({ offset: r.offset, length: r.length, origin: origins[i] ?? { kind: 'unknown' } }));
}
