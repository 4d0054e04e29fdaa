// The streams a workload sends, where a receiver looks for the origin of
// wrong bytes: connection i carries the payload of seed + i (plan.ts, and
// the engine's run), each direction the workload asks for.
import { StreamComparer } from './locate.js';
import type { StreamSource } from './classify.js';
import type { Direction } from './types.js';

export interface WorkloadStreams {
  /** Connection 0's seed; connection i uses seed + i. */
  seed: number;
  connections: number;
  direction: Direction | 'both';
  /** Bytes each way that the direction asks for, per connection. */
  sizeBytes: number;
}

export function workloadStreams(w: WorkloadStreams): StreamSource[] {
  const directions: Direction[] = w.direction === 'both' ? ['upload', 'download'] : [w.direction];
  return Array.from({ length: w.connections }, (_, connection) =>
    directions.map((direction) => ({ connection, direction, seed: (w.seed + connection) >>> 0, bytes: w.sizeBytes })),
  ).flat();
}

/** The comparer for what connection `connection` receives in `direction`: its own stream first, then the same direction of the others, then the rest. */
export function comparerFor(all: readonly StreamSource[], connection: number, direction: Direction): StreamComparer {
  const own = all.find((s) => s.connection === connection && s.direction === direction);
  if (!own) throw new Error(`connection ${connection} receives no ${direction} stream`);
  const rank = (s: StreamSource): number => (s.connection === connection ? 0 : s.direction === direction ? 1 : 2);
  const others = all.filter((s) => s !== own).sort((a, b) => rank(a) - rank(b) || a.connection - b.connection);
  return new StreamComparer(own, others);
}
