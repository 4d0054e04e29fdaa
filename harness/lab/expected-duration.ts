// How long a lab is expected to take, before it has ever run here: used to
// balance `run --shard` and to size a CI matrix (`mptcp-lab matrix`) when no
// earlier run's timings are given. An estimate for planning, never a
// verdict: the constants below are measured on the catalogue (2 CPUs, host
// kernel; README "Performance") and only need to rank labs about right.
import { repeatsOf } from './repeat.js';
import type { Lab } from './model.js';
import { aggregateRateBps } from './timing.js';

/** A run's cost beyond its transfer: namespaces, agents, observers, checks, teardown (~35 ms harness share and ~23 ms set-up/teardown in the README). */
export const RUN_OVERHEAD_MS = 60;
/** A link without a rate: on the host 1 MB took 6–21 ms in the calibrations of plain-tcp-client and routed-chain, about 1 Gbit/s. */
export const UNLIMITED_RATE_BPS = 1e9;
/** Headers add about 10/9 to the payload bits (as in timing.ts). */
const HEADER_OVERHEAD = 10 / 9;
/**
 * A link going down or an address removed mid-transfer costs a recovery on
 * top of the transfer: the calibrated durations of link-failure,
 * flush-endpoints and backup-used-after-link-failure exceed their rate-based
 * transfer time by 0.8–1 s (retransmission timeouts on the lost path).
 */
export const RECOVERY_MS = 800;
const DISRUPTIVE: ReadonlySet<string> = new Set(['link-down', 'endpoint-delete', 'endpoint-flush']);
/** The engine simulates a transfer about 26× faster than real time (README), plus a fixed cost per run and its comparison. */
export const ENGINE_SPEEDUP = 20;
export const ENGINE_OVERHEAD_MS = 40;

/** The transfer's time on the wire from the rates, sizes and delays; both directions at once take the slower one. */
export function transferEstimateMs(lab: Lab): number {
  const w = lab.workload;
  const directions = w.direction === 'both' ? [true, false] : [w.direction === 'upload'];
  const maxDelay = Math.max(0, ...lab.hosts.flatMap((h) => h.interfaces.map((i) => i.egress.delayMs ?? 0)));
  const perConnection = Math.max(
    ...directions.map((up) => (1000 * w.sizeBytes * 8 * HEADER_OVERHEAD) / (aggregateRateBps(lab, up) ?? UNLIMITED_RATE_BPS)),
  );
  return perConnection * w.connections + 4 * maxDelay;
}

/** One run on the host kernel: the calibrated median duration when the lab has one, else the estimate from its size, rates, delays and events. */
export function kernelRunEstimateMs(lab: Lab): number {
  const calibrated = lab.calibration?.quantities.duration?.median;
  if (calibrated !== undefined) return calibrated + RUN_OVERHEAD_MS;
  const lastEvent = Math.max(0, ...lab.events.map((e) => e.atMs));
  const recovery = lab.events.some((e) => DISRUPTIVE.has(e.action)) ? RECOVERY_MS : 0;
  const run = Math.max(transferEstimateMs(lab), lastEvent) + recovery + RUN_OVERHEAD_MS;
  return Math.min(run, lab.timeoutMs);
}

export interface EstimateOptions {
  /** --repeat; undefined: the lab's own `repeat:`. */
  repeat?: number;
  /** Whether each run is also run on the engine and compared (--engine sim). */
  engine: boolean;
}

/** Expected milliseconds of a lab on one kernel as fast as the host's, all its repeats, with the engine when asked. */
export function expectedDurationMs(lab: Lab, options: EstimateOptions): number {
  const kernel = kernelRunEstimateMs(lab);
  const engine = options.engine ? ENGINE_OVERHEAD_MS + kernel / ENGINE_SPEEDUP : 0;
  return repeatsOf(lab, options.repeat) * (kernel + engine);
}
