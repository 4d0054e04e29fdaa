// Kernel MIB counters of a namespace, named and valued as `nstat -asz`
// prints them (-a: absolute values, -s: no history file, -z: zeros too, so a
// baseline has every name). They are read from the namespace's own
// /proc/thread-self/net files with the thread entered into it (enter.ts), not
// by starting nstat: the same files nstat reads, parsed as nstat does
// (iproute2 misc/nstat.c): two-line tables ("TcpExt: A B" over "TcpExt: 1 2")
// give TcpExtA..., name-value lines (snmp6) are names already, and the
// constants nstat calls useless are left out.
import { existsSync, readFileSync } from 'node:fs';
import { inNamespace } from '../targets/netns/enter.js';

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

/** Settings and gauges in snmp, not counters: nstat drops them (useless_number in nstat.c). */
const NOT_COUNTERS = new Set(['IpForwarding', 'IpDefaultTTL', 'TcpRtoAlgorithm', 'TcpRtoMin', 'TcpRtoMax', 'TcpMaxConn', 'TcpCurrEstab']);

function add(out: Counters, name: string, value: string): void {
  if (NOT_COUNTERS.has(name)) return;
  const n = Number(value);
  if (Number.isFinite(n)) out[name] = n;
}

/**
 * /proc/net/netstat and /proc/net/snmp: per protocol a line of names and a
 * line of values, both starting with the same "Proto:" (TcpExt, MPTcpExt,
 * IpExt, Ip, Icmp, IcmpMsg, Tcp, Udp, UdpLite); the counter is Proto+name.
 */
export function parseTwoLineTables(text: string, out: Counters = {}): Counters {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  for (let k = 0; k + 1 < lines.length; k += 2) {
    const [names, values] = [lines[k]!.trim().split(/\s+/), lines[k + 1]!.trim().split(/\s+/)];
    const proto = names[0]!;
    if (!proto.endsWith(':') || values[0] !== proto) throw new Error(`MIB table: "${proto}" names without their values`);
    const prefix = proto.slice(0, -1);
    for (let i = 1; i < names.length && i < values.length; i += 1) add(out, prefix + names[i]!, values[i]!);
  }
  return out;
}

/** /proc/net/snmp6 (and sctp/snmp): one "Name value" per line, names already as nstat prints them. */
export function parseNameValueLines(text: string, out: Counters = {}): Counters {
  for (const line of text.split('\n')) {
    const [name, value] = line.trim().split(/\s+/);
    if (name && value !== undefined) add(out, name, value);
  }
  return out;
}

/** The files nstat reads, in its order (so the names come in its order too); snmp6 exists only with IPv6, sctp/snmp with sctp loaded. */
const MIB_FILES: readonly { file: string; parse: (text: string, out: Counters) => Counters }[] = [
  { file: 'snmp', parse: parseTwoLineTables },
  { file: 'snmp6', parse: parseNameValueLines },
  { file: 'netstat', parse: parseTwoLineTables },
  { file: 'sctp/snmp', parse: parseNameValueLines },
];

/** Every counter of the calling thread's namespace, as `nstat -asz` gives them. */
export function readOwnCounters(): Counters {
  const out: Counters = {};
  for (const { file, parse } of MIB_FILES) {
    const path = `/proc/thread-self/net/${file}`;
    if (file === 'snmp' || file === 'netstat' || existsSync(path)) parse(readFileSync(path, 'utf8'), out);
  }
  return out;
}

/** Read every counter of a namespace (absolute values, zeros included), without a process. */
export function readCounters(netns: string): Counters {
  return inNamespace(netns, readOwnCounters);
}
