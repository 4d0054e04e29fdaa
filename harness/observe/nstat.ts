// Kernel MIB counters from `nstat -asz --json` inside a namespace.
// -a: absolute values (ignore nstat's history file), -s: don't update the
// history file, -z: include zero counters, so a baseline has every name.
import { run } from '../../lib/exec.js';

import type { Counters } from './counters.js';

export { TCP_COUNTERS, filterCounters, isRelevantCounter, type Counters } from './counters.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parse `nstat --json` output. Accepts the usual `{"kernel":{...}}` layout and
 * a flat `{"Name":n,...}` object. Non-numeric values are ignored.
 */
export function parseNstatJson(text: string): Counters {
  const parsed: unknown = JSON.parse(text.trim() || '{}');
  if (!isRecord(parsed)) throw new Error('nstat --json: expected a JSON object');
  const source = isRecord(parsed.kernel) ? parsed.kernel : parsed;
  const out: Counters = {};
  for (const [name, value] of Object.entries(source)) {
    if (typeof value === 'number' && Number.isFinite(value)) out[name] = value;
    else if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) out[name] = Number(value);
  }
  return out;
}

/** after - before for every counter in either; a missing counter counts as 0. */
export function counterDelta(before: Counters, after: Counters): Counters {
  const out: Counters = {};
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    out[name] = (after[name] ?? 0) - (before[name] ?? 0);
  }
  return out;
}

/** Read every counter of a namespace (absolute values, zeros included). */
export async function readCounters(netns: string): Promise<Counters> {
  const r = await run(['nstat', '-asz', '--json'], { netns });
  return parseNstatJson(r.stdout);
}
