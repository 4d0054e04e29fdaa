// `mptcp-lab export LAB --sh`: a self-contained bash script that reproduces a
// lab without Node. The set-up is the netns backend's own plan (setup-plan.ts)
// written out, with namespace names that get a random suffix at each run; the
// workload is workload-sh.ts; cleanup runs on exit, INT and TERM.
import type { Lab } from '../lab/model.js';
import { planSetup, sysctlPath, type SetupPlan } from '../targets/netns/setup-plan.js';
import { agentSpecs } from '../targets/netns/run-lab.js';
import type { QdiscCaps } from '../tools/tc.js';
import { comment, eventsText } from './events-sh.js';
import { commandText, hereDoc, nsVar, varRef, word } from './shell.js';
import { mptcpConnectWorkload, pythonWorkload, type WorkloadParts } from './workload-sh.js';

export interface ExportOptions {
  /** The run seed: the payload seed and port are derived from it as `mptcp-lab run --seed` does. */
  seed: number;
  /** Whether the kernel the script is for has sch_netem (it decides how loss is made: netem or nft). */
  caps: QdiscCaps;
  /** Path of the selftests' mptcp_connect binary, to use instead of the Python workload. */
  mptcpConnect?: string;
  /** mptcp-lab's version, for the header. */
  version: string;
}

/** What of the lab the script cannot express, one reason each; empty when it can export it. */
export function unsupportedFeatures(lab: Lab, opts: Pick<ExportOptions, 'mptcpConnect'>): string[] {
  const out: string[] = [];
  for (const e of lab.events) {
    if (e.action === 'shell' && typeof e.command !== 'string')
      out.push(`the event at ${e.atMs} ms is a TypeScript step (a function), which a shell script cannot run`);
  }
  if (opts.mptcpConnect !== undefined) {
    if (lab.workload.bind) out.push('workload.bind: mptcp_connect cannot bind a local address (use the Python workload)');
    if (lab.workload.abortAfterBytes !== undefined)
      out.push('workload.abort-after: not expressed with mptcp_connect (use the Python workload)');
  }
  return out;
}

const PRELUDE = String.raw`set -eu
PIDS=""
VERIFIED=0
WORK=$(mktemp -d "${'$'}{TMPDIR:-/tmp}/mptcp-lab-export.XXXXXX")

fail() { echo "$LAB: $*" >&2; exit 1; }

# Ends what this script started (by PID), then deletes its namespaces. Exit status: 0 verified, 1 not.
cleanup() {
  status=$?
  set +e
  trap - EXIT INT TERM
  for pid in $PIDS $SLEEP_PID; do kill "$pid" 2>/dev/null; done
  for pid in $PIDS $SLEEP_PID; do wait "$pid" 2>/dev/null; done
  for ns in $NAMESPACES; do
    # Anything a shell event left running inside is ours too.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  rm -rf "$WORK"
  [ "$status" = 0 ] && [ "$VERIFIED" = 1 ] && exit 0
  exit 1
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Sleeps in a child process the script can end: wait (unlike read -t, which crashed bash 5.2 on a signal) lets a trap run at once.
SLEEP_PID=""
sleep_s() { sleep "$1" & SLEEP_PID=$!; wait "$SLEEP_PID"; SLEEP_PID=""; }

# Waits up to 10 s for a file to appear.
wait_file() {
  n=0
  while [ ! -e "$1" ]; do
    n=$((n + 1)); [ "$n" -le 2000 ] || return 1
    sleep_s 0.005
  done
}

# Waits up to 10 s for a TCP listener on a port in a namespace.
wait_listen() {
  n=0
  while [ -z "$(ip netns exec "$1" ss -Hltn "sport = :$2" 2>/dev/null)" ]; do
    n=$((n + 1)); [ "$n" -le 1000 ] || return 1
    sleep_s 0.01
  done
}

# Writes a sysctl inside a namespace (its /proc/sys/net is the namespace's own).
set_sysctl() { ip netns exec "$1" sh -c 'printf "%s\n" "$2" >"$1"' sh "$2" "$3"; }

# The id the kernel gave the MPTCP endpoint with this address.
endpoint_id() {
  ip -n "$1" mptcp endpoint show | awk -v a="$2" '$1 == a { for (i = 1; i < NF; i++) if ($i == "id") print $(i + 1) }'
}`;

/** Programs the script runs, from its own commands. */
function programsNeeded(plan: SetupPlan, events: string, opts: ExportOptions): string[] {
  const used = new Set(['ip', 'awk', 'sleep', 'mktemp', opts.mptcpConnect ? 'cmp' : 'python3']);
  if (opts.mptcpConnect) used.add('ss');
  const text = [...plan.hosts.map(commandText), events].join('\n');
  for (const p of ['tc', 'nft', 'ethtool']) if (new RegExp(`(^|[\\s"])${p} `, 'm').test(text)) used.add(p);
  return [...used];
}

function header(lab: Lab, opts: ExportOptions, programs: string[]): string {
  return [
    '#!/bin/bash',
    comment(`Reproducer of the mptcp-lab lab "${lab.name}" (${lab.file}), exported by mptcp-lab ${opts.version}:`),
    comment(`mptcp-lab export ${lab.name} --sh --seed ${opts.seed}${opts.mptcpConnect ? ` --mptcp-connect ${opts.mptcpConnect}` : ''}`),
    comment(lab.description),
    '#',
    '# Run as root on a kernel with MPTCP: bash THIS_FILE. It builds the lab in its own network namespaces',
    '# (never the initial one), runs the workload, checks every byte, and removes everything on exit.',
    '# Exit status 0: the transfer verified; 1: it did not (or the set-up failed).',
    comment(`Needs: ${programs.join(', ')}.`),
    comment(
      `The seed ${opts.seed} gives the same payload and port as \`mptcp-lab run ${lab.name} --seed ${opts.seed}\`. Loss, when the lab has some, is made ${opts.caps.netem ? 'by sch_netem' : 'by nft (planned for a kernel without sch_netem)'}.`,
    ),
    ...(lab.requires.length ? [comment(`The lab requires: ${lab.requires.join(', ')}.`)] : []),
  ].join('\n');
}

function namespaces(lab: Lab): string {
  return [
    '# One namespace per host; the random suffix lets two copies run at once (`mptcp-lab clean` knows the prefix).',
    'SUFFIX=$(od -An -N3 -tx1 /dev/urandom | tr -d " \\n")',
    ...lab.hosts.map((h) => `${nsVar(h.name)}="mptcplab-$$-sh$SUFFIX-${h.name}"`),
    `NAMESPACES="${lab.hosts.map((h) => `$${nsVar(h.name)}`).join(' ')}"`,
  ].join('\n');
}

function checks(programs: string[]): string {
  return [
    '[ "$(id -u)" = 0 ] || fail "run as root (it makes network namespaces)"',
    '[ -e /proc/sys/net/mptcp/enabled ] || fail "this kernel has no MPTCP (CONFIG_MPTCP)"',
    `for p in ${programs.join(' ')}; do command -v "$p" >/dev/null || fail "$p not found on PATH"; done`,
  ].join('\n');
}

function setup(lab: Lab, plan: SetupPlan): string {
  const make = hereDoc(plan.make.join('\n'));
  const sysctls = lab.hosts.flatMap((h) =>
    Object.entries(plan.sysctls[h.name] ?? {}).map(
      ([k, v]) => `set_sysctl ${word(varRef(nsVar(h.name)))} ${word(sysctlPath(k))} ${word(v)}`,
    ),
  );
  return [
    '# The namespaces and the veth pairs.',
    `ip -batch - ${make.redirect}`,
    make.body,
    '# Sysctls.',
    ...sysctls,
    '# Addresses, routes and rules (source routing), the MPTCP limits and endpoints, qdiscs, offloads, nft.',
    ...plan.hosts.map(commandText),
  ].join('\n');
}

/** The whole script. Throws (the caller reports it) when unsupportedFeatures() is not empty. */
export function exportScript(lab: Lab, opts: ExportOptions): string {
  const refused = unsupportedFeatures(lab, opts);
  if (refused.length) throw new Error(`lab ${lab.name} cannot be exported: ${refused.join('; ')}`);
  const ns = Object.fromEntries(lab.hosts.map((h) => [h.name, varRef(nsVar(h.name))]));
  const plan = planSetup(lab, ns, opts.caps);
  const events = eventsText(lab, opts.caps);
  const programs = programsNeeded(plan, events, opts);
  const { server, client } = agentSpecs(lab, opts.seed, lab.timeoutMs);
  const parts: WorkloadParts = {
    server,
    client,
    serverHost: lab.workload.server,
    clientHost: lab.workload.client,
    events: lab.events.length > 0,
  };
  const workload = opts.mptcpConnect ? mptcpConnectWorkload(parts, opts.mptcpConnect) : pythonWorkload(parts);
  const what = `${server.connections} connection(s), ${server.direction} of ${server.sizeBytes} bytes each`;
  return [
    header(lab, opts, programs),
    `LAB=${word(lab.name)}`,
    namespaces(lab),
    PRELUDE,
    checks(programs),
    setup(lab, plan),
    ...(events ? ['# Timed events (ip/tc/nft commands), on the clock that starts at the first data byte.', events] : []),
    'set +e',
    workload,
    `if [ "$VERIFIED" = 1 ]; then echo "VERIFIED: lab $LAB: ${what}, intact"; else echo "NOT VERIFIED: lab $LAB: ${what}"; fi`,
    '',
  ].join('\n\n');
}
