// Every random choice of a run (ports, payload bytes, the order of nothing
// else) derives from the run's seed and stable names, so a lab's choices do
// not depend on which other labs ran with it.
import { createHash, randomInt } from 'node:crypto';

export function deriveSeed(seed: number, ...parts: string[]): number {
  return createHash('sha256')
    .update([String(seed), ...parts].join('\0'))
    .digest()
    .readUInt32BE(0);
}

export function newSeed(): number {
  return randomInt(1, 2 ** 31);
}

/** The payload seed of a lab's workload: connection i sends the stream of seed + i, both ways (workload/plan.ts). */
export function payloadSeed(runSeed: number, lab: string): number {
  return deriveSeed(runSeed, lab, 'payload');
}

/** The seed of connection i's payload stream in a run of `lab` with `runSeed`. */
export function connectionPayloadSeed(runSeed: number, lab: string, connection: number): number {
  return (payloadSeed(runSeed, lab) + connection) >>> 0;
}
