// Name patterns for known divergences and counter tolerances: an exact name,
// a dotted prefix ("counters.server" covers "counters.server.MPTcpExtRmAddr"),
// or a glob where * is any run of characters (dots included) and ? one.

const MIB_PREFIX = 'MPTcpExt';

function globRegExp(pattern: string): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether `pattern` names `name`: equal, a dotted prefix of it, or a glob matching it (or a dotted prefix of it). */
export function nameMatches(pattern: string, name: string): boolean {
  const p = pattern.trim();
  if (p === '') return false;
  if (p === name || name.startsWith(`${p}.`)) return true;
  if (!/[*?]/.test(p)) return false;
  const re = globRegExp(p);
  if (re.test(name)) return true;
  const parts = name.split('.');
  for (let n = parts.length - 1; n > 0; n -= 1) if (re.test(parts.slice(0, n).join('.'))) return true;
  return false;
}

/** The counter name without the MPTcpExt prefix, which lab files may leave out. */
export function shortCounterName(name: string): string {
  return name.startsWith(MIB_PREFIX) ? name.slice(MIB_PREFIX.length) : name;
}

/** A counter name as nstat prints it: MPTcpExt* unless it is a Tcp / TcpExt / Ip counter. */
export function fullCounterName(name: string): string {
  return name.startsWith(MIB_PREFIX) || name.startsWith('Tcp') || name.startsWith('Ip') ? name : `${MIB_PREFIX}${name}`;
}

/** Item name spellings a pattern may use: as is, and with the counter's MPTcpExt prefix dropped. */
export function nameVariants(name: string): string[] {
  const parts = name.split('.');
  const last = parts[parts.length - 1] ?? '';
  const short = shortCounterName(last);
  return short === last ? [name] : [name, [...parts.slice(0, -1), short].join('.')];
}
