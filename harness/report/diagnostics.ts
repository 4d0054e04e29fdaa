// What every reporter says about a lab result: its name, why it failed, the
// counters behind the failed checks, and how to replay it.
import { resolve, sep } from 'node:path';
import { CATALOGUE_DIR } from '../lab/catalogue.js';
import { targetLabel, type CheckResult, type LabResult } from '../result.js';

/** `<lab> [<target>]`, plus the repetition when --repeat made more than one. */
export function labTitle(r: LabResult): string {
  const rep = r.repeat > 0 ? ` (repeat ${r.repeat})` : '';
  return `${r.lab} [${targetLabel(r.target)}]${rep}`;
}

export function failedChecks(r: LabResult): CheckResult[] {
  return r.checks.filter((c) => !c.ok && c.skip === undefined);
}

/** One line: why the lab failed. */
export function failureMessage(r: LabResult): string {
  if (r.error) return r.error;
  const failed = failedChecks(r).length;
  if (failed > 0) return `${failed} of ${r.checks.length} check${r.checks.length === 1 ? '' : 's'} failed`;
  return 'failed';
}

/** Times a flaky lab failed before it passed. */
export function flakyFailures(r: LabResult): number {
  return Math.max(1, r.attempts - 1);
}

export function flakyNote(r: LabResult): string {
  const n = flakyFailures(r);
  return `flaky: failed ${n} time${n === 1 ? '' : 's'} then passed`;
}

/** "expected X, actual Y" for one check. */
export function checkLine(c: CheckResult): string {
  const from = c.source ? ` (${c.source})` : '';
  return `${c.name}: expected ${c.expected}, actual ${c.actual}${from}`;
}

const SAFE_ARG = /^[A-Za-z0-9_@%+=:,./-]+$/;

function shellQuote(arg: string): string {
  return SAFE_ARG.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

export function replayCommand(lab: string, seed: number): string {
  return `mptcp-lab run ${shellQuote(lab)} --seed ${seed}`;
}

/** A kernel selftest suite's result (harness/targets/selftests/suite-result.ts), not a lab's. */
export function isSelftest(r: Pick<LabResult, 'target'>): boolean {
  return r.target.kind === 'kernel' && r.target.backend === 'selftests';
}

/** How to run a result again: a lab with `run` and its seed; a selftest suite with `selftests` (it has no seed). */
export function replayOf(r: LabResult, seed: number): string {
  if (isSelftest(r)) return `mptcp-lab selftests ${shellQuote(r.lab)} --kernel ${shellQuote(r.target.spec)}`;
  return replayCommand(labArgument(r), seed);
}

/** How to name a lab on the command line: its catalogue name, or its file when it is not in the catalogue. */
export function labArgument(r: Pick<LabResult, 'lab' | 'file'>): string {
  return resolve(r.file).startsWith(`${CATALOGUE_DIR}${sep}`) ? r.lab : r.file;
}

/**
 * Counters behind the failed checks, per host: every counter whose name
 * appears in a failed check's `source` (restricted to the hosts that source
 * names, if it names any). When no source names a counter, the non-zero
 * MPTcpExt* counters of every host.
 */
export function relevantCounters(r: LabResult): Record<string, Record<string, number>> | undefined {
  const counters = r.observations?.counters;
  if (!counters || Object.keys(counters).length === 0) return undefined;
  const hosts = Object.keys(counters);
  const out: Record<string, Record<string, number>> = {};
  const put = (host: string, name: string, value: number): void => {
    (out[host] ??= {})[name] = value;
  };
  for (const check of failedChecks(r)) {
    if (!check.source) continue;
    const words = new Set(check.source.split(/[^A-Za-z0-9_.-]+/).filter((w) => w !== ''));
    const named = hosts.filter((h) => words.has(h));
    for (const host of named.length > 0 ? named : hosts) {
      const own = counters[host] ?? {};
      for (const w of words) {
        const value = own[w];
        if (value !== undefined) put(host, w, value);
      }
    }
  }
  if (Object.keys(out).length > 0) return out;
  for (const host of hosts) {
    for (const [name, value] of Object.entries(counters[host] ?? {})) {
      if (name.startsWith('MPTcpExt') && value !== 0) put(host, name, value);
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
