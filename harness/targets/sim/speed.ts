// How fast the engine target runs a lab: wall time of the first run in this
// process (cold: modules loaded, nothing compiled yet) and of later runs
// (warm), against the simulated time and the segments the simulator carried.
// `npm run bench` and /work/tools-style scripts call engineSpeed so the
// figures mean the same everywhere.
import type { Lab } from '../../lab/model.js';
import { simulateLab, type EngineRunStats } from './run-lab.js';

export interface EngineSpeed {
  readonly lab: string;
  /** Wall milliseconds of the first run of the lab in this call (cold only if nothing ran on the engine before in the process). */
  readonly coldMs: number;
  /** Median wall milliseconds of the runs after the first. */
  readonly warmMs: number;
  readonly warmRuns: readonly number[];
  /** Simulated seconds of one run. */
  readonly simSeconds: number;
  /** Packets put on links in one run: every link, both directions, each hop and duplicate counted (the links' txPackets). */
  readonly segments: number;
  /** Simulator events in one run. */
  readonly events: number;
  /** Simulated time per wall time, warm. */
  readonly realTimeFactor: number;
  /** Segments per wall second, warm. */
  readonly segmentsPerSecond: number;
  /** Cold over warm. */
  readonly coldOverWarm: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Run `lab` on the engine 1 + `warmRuns` times with `seed` and report its speed; throws if the lab does not run or fails. */
export function engineSpeed(lab: Lab, warmRuns = 10, seed = 2026): EngineSpeed {
  const times: number[] = [];
  let stats: EngineRunStats | undefined;
  for (let i = 0; i <= warmRuns; i++) {
    const t0 = performance.now();
    const r = simulateLab(lab, { seed });
    times.push(performance.now() - t0);
    if (!r.stats || r.result.status !== 'pass') throw new Error(`engineSpeed: ${lab.name} did not pass on the engine (${r.result.status})`);
    stats = r.stats;
  }
  const s = stats as EngineRunStats;
  const coldMs = times[0] as number;
  const warm = times.slice(1);
  const warmMs = warm.length ? median(warm) : coldMs;
  return {
    lab: lab.name,
    coldMs,
    warmMs,
    warmRuns: warm,
    simSeconds: s.simMs / 1000,
    segments: s.segments,
    events: s.events,
    realTimeFactor: s.simMs / warmMs,
    segmentsPerSecond: (s.segments * 1000) / warmMs,
    coldOverWarm: coldMs / warmMs,
  };
}
