// Where in a lab file the expectation behind a check is written: the check
// names of checks.ts mapped back to a path in the lab's YAML, so a failure
// can point at the line (report github's ::error line=N). A check whose own
// key is not written (a default, like integrity) points at the nearest key
// that is: the reader walks the path as far as the file goes.

export type LabPath = (string | number)[];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The index in the lab's expect.events of the pattern an `events.<host>.<TYPE>[ {attrs}]` check counted. */
function eventIndex(name: string, events: unknown): number | undefined {
  const m = /^events\.([^.]+)\.([A-Z_]+)(?: (\{.*\}))?$/.exec(name);
  if (!m || !Array.isArray(events)) return undefined;
  const [, host, type, attrs] = m;
  const candidates = events.map((e, i) => ({ e, i })).filter(({ e }) => isObject(e) && e.host === host && e.type === type);
  const sameAttrs = candidates.find(({ e }) => {
    const { host: _h, type: _t, count: _c, ...rest } = e as Record<string, unknown>;
    return JSON.stringify(rest) === (attrs ?? '{}');
  });
  return (sameAttrs ?? candidates[0])?.i;
}

/** The path in the lab file of the expectation a check (by name) comes from; `expect` is the file's expect section. */
export function expectationPath(check: string, expect: unknown): LabPath {
  if (check === 'timed_events') return ['events'];
  if (check === 'duration_ms') return ['expect', 'duration', 'max'];
  if (check.startsWith('events.')) {
    const i = eventIndex(check, isObject(expect) ? expect.events : undefined);
    return i === undefined ? ['expect', 'events'] : ['expect', 'events', i];
  }
  const [head = '', ...rest] = check.split('.');
  // Checks read beside the written ones: the port counters come from add_addr.port.
  if (head === 'add_addr' && rest[0] !== undefined && /port/.test(rest[0])) return ['expect', 'add_addr', 'port'];
  if (head === 'checksum_errors') return ['expect', 'checksum_errors'];
  return ['expect', head, ...rest];
}
