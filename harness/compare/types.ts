// The differential comparison's vocabulary: two targets' Observations of the
// same lab, compared item by item (counters, PM events, subflows, integrity,
// fallback, duration, link shares).
import type { Observations } from '../observations.js';

/** One target's Observations, with the label used in reports ("kernel", "engine", "kernel 6.12"). */
export interface ComparedSide {
  label: string;
  obs: Observations;
}

export type ComparisonKind = 'counter' | 'events' | 'subflows' | 'integrity' | 'fallback' | 'duration' | 'link_share';

/**
 * What an item is a fact about. A protocol fact (a counter the protocol
 * fixes, the PM events, the final subflows, integrity, fallback) must agree
 * exactly. A timing quantity (a link share, a completion time, a loss- or
 * timing-dependent counter) is judged against the kernel's measured spread
 * (a calibration), and only warned about where there is none.
 */
export type ComparisonNature = 'protocol' | 'timing';

export interface ComparisonItem {
  /** e.g. "counters.server.MPTcpExtMPJoinSynRx", "events.client", "subflows", "link_share.l1". */
  name: string;
  kind: ComparisonKind;
  nature: ComparisonNature;
  /** The value seen by side a, as text. */
  a: string;
  /** The value seen by side b, as text. */
  b: string;
  /** The two agree (exactly, or within the tolerance). */
  ok: boolean;
  /** Set when the item diverged and the lab lists it in known-divergences: the reason given there. */
  knownDivergence?: string;
  /** Set when a timing item diverged but cannot be judged (no calibration, a CPU-bound host): reported, not failed. */
  warning?: string;
  /** A timing item's values as numbers, for judging them against a calibration. */
  values?: { a: number; b: number };
  /** What differs, or how the values were compared (tolerance, event diff). */
  detail?: string;
}

export interface Comparison {
  /** The labels of side a and side b. */
  labels: { a: string; b: string };
  items: ComparisonItem[];
  /** Some item diverged that is neither a known divergence nor a warning. */
  divergent: boolean;
}

/**
 * A loss-dependent counter compares when |a - b| <= max(absolute,
 * relative * max(|a|, |b|)). Give one or both.
 */
export interface CounterTolerance {
  /** Allowed difference as a fraction of the larger value (0.5 = 50 %). */
  relative?: number;
  /** Allowed difference in counts. */
  absolute?: number;
}

export interface Tolerances {
  /**
   * Counters compared within a tolerance, by name. A key is a counter name
   * with or without the MPTcpExt prefix ("MPTCPRetrans", "TcpRetransSegs"),
   * optionally scoped to a host ("server.MPTCPRetrans"), and may use * and ?
   * ("TcpExt*"). A tolerance also applies to (and loosens) an exact counter.
   * Counters that are neither exact nor listed here are not compared.
   */
  counters?: Record<string, CounterTolerance>;
  /** Replace the list of counters compared exactly (full or short names). Default EXACT_COUNTERS. */
  exact?: readonly string[];
  /** Completion times agree when the slower is at most this many times the faster. Default 2; null turns it off. */
  durationFactor?: number | null;
  /** Added to the allowed slower time, so that very short transfers do not diverge on noise. Default 20 ms. */
  durationSlackMs?: number;
  /** Largest absolute difference of a link's byte share (0..1). Default 0.15; null turns it off. */
  linkShare?: number | null;
}

export const DEFAULT_DURATION_FACTOR = 2;
export const DEFAULT_DURATION_SLACK_MS = 20;
export const DEFAULT_LINK_SHARE_TOLERANCE = 0.15;
