// The differential comparison's public surface.
export { compareObservations, knownDivergenceFor, applyKnownDivergences } from './compare.js';
export { formatComparison, comparisonToChecks } from './format.js';
export { EXACT_COUNTERS, LOSS_DEPENDENT_COUNTERS, compareCounters, toleranceFor, withinTolerance } from './counters.js';
export { canonicalAddress, labAddresses, eventKind, eventKey, diffSequences, compareEvents, type DiffLine } from './events.js';
export { subflowPairs, compareSubflows, compareIntegrity, compareFallback, compareDuration } from './transfers.js';
export { shareGroups, linkShares, compareLinkShares } from './links.js';
export { nameMatches, shortCounterName, fullCounterName } from './glob.js';
export {
  DEFAULT_DURATION_FACTOR,
  DEFAULT_DURATION_SLACK_MS,
  DEFAULT_LINK_SHARE_TOLERANCE,
  type ComparedSide,
  type Comparison,
  type ComparisonItem,
  type ComparisonKind,
  type CounterTolerance,
  type Tolerances,
} from './types.js';
