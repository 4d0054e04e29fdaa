// A normalized Lab as a simulated network (engine/sim), with the kernel's
// routing decisions and the lab's link events.
export { buildSimNetwork, compileRoutes, useFibRouting, impairmentToLinkParams, type SimLab, type BuildOptions } from './build.js';
export { applySimEvent, scheduleSimEvents, simEventLabel, simLinkBytes, type SimEventOutcome, type AppliedSimEvent } from './events.js';
export {
  HostFib,
  prefixText,
  RT_TABLE_MAIN,
  RT_TABLE_DEFAULT,
  type FibAddress,
  type FibRoute,
  type FibRule,
  type RouteDecision,
} from './fib.js';
export { simRoute, predictPath, type PathHop, type PredictedPath } from './path.js';
