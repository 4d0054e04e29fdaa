// The normalized lab: what every backend (netns, vm, sim) builds from.
// Addresses are assigned, names resolved, quantities in plain numbers.
// These types are the model's own: the file format's zod schema
// (schema.ts) is checked against them, and this file does not import it.
import type { PmEventType as ObservedPmEventType } from '../observations.js';
import type { Direction } from '../workload/spec.js';

export type { Direction };

export interface Impairment {
  rateBps?: number;
  delayMs?: number;
  jitterMs?: number;
  lossPct?: number;
  reorderPct?: number;
  duplicatePct?: number;
  corruptPct?: number;
  queuePackets?: number;
  /** Invert payload byte `offset` of the `packet`-th TCP segment longer than 61 + offset bytes (a middlebox TCP does not see). */
  rewrite?: PayloadRewrite;
}

export interface PayloadRewrite {
  packet: number;
  offset: number;
}

export interface IfAddress {
  family: 4 | 6;
  address: string;
  prefixLen: number;
}

export interface Interface {
  host: string;
  /** Name inside the host's namespace: eth0, eth1, ... in link order. */
  name: string;
  link: string;
  addresses: IfAddress[];
  /** The host at the other end, and its address(es) on this link. */
  peer: { host: string; name: string; addresses: IfAddress[] };
  /** Impairment of what this interface sends. */
  egress: Impairment;
}

export type EndpointFlag = 'signal' | 'subflow' | 'backup' | 'fullmesh' | 'implicit' | 'laminar';

export interface Endpoint {
  address: string;
  id?: number;
  flags: EndpointFlag[];
  port?: number;
  dev?: string;
}

export interface Route {
  family: 4 | 6;
  /** Destination prefix, or "default". */
  to: string;
  via?: string;
  dev: string;
  /** Policy routing table; undefined = main. */
  table?: number;
}

export interface Rule {
  family: 4 | 6;
  from: string;
  table: number;
  /** ip rule preference; undefined = the kernel picks one before main. */
  priority?: number;
}

export interface Host {
  name: string;
  forward: boolean;
  sysctls: Record<string, string>;
  limits?: { subflows?: number; addAddrAccepted?: number };
  endpoints: Endpoint[];
  interfaces: Interface[];
  routes: Route[];
  rules: Rule[];
}

export interface Link {
  name: string;
  a: { host: string; ifname: string };
  b: { host: string; ifname: string };
  v4?: string;
  v6?: string;
}

export interface Workload {
  client: string;
  server: string;
  connect: string;
  family: 4 | 6;
  direction: Direction;
  sizeBytes: number;
  connections: number;
  write: { chunkBytes: number; pauseMs: number };
  clientMptcp: boolean;
  serverMptcp: boolean;
  port?: number;
  bind?: string;
  abortAfterBytes?: number;
}

/** The actions of a timed event, one key each in the lab file, in the order they are listed. */
export const EVENT_ACTIONS = [
  'link-down',
  'link-up',
  'endpoint-add',
  'endpoint-delete',
  'endpoint-flush',
  'backup',
  'impair',
  'shell',
] as const;
export type EventAction = (typeof EVENT_ACTIONS)[number];

/** A zx-style tagged template that runs inside one host's namespace. */
export type HostShell = (
  pieces: TemplateStringsArray,
  ...args: unknown[]
) => Promise<{ stdout: string; stderr: string; exitCode: number | null }>;
/** A step of a TypeScript lab: receives the host-scoped $. */
export type HostStep = ($: HostShell) => Promise<unknown>;

export type EventSpec =
  | { action: 'link-down' | 'link-up'; link: string }
  | { action: 'endpoint-add'; host: string; endpoint: Endpoint }
  | { action: 'endpoint-delete'; host: string; id?: number; address?: string }
  | { action: 'endpoint-flush'; host: string }
  | { action: 'backup'; host: string; id?: number; address?: string; backup: boolean }
  | { action: 'impair'; link: string; from?: string; impairment: Impairment }
  | { action: 'shell'; host: string; command: string | HostStep };

export type TimedEvent = EventSpec & { atMs: number };

/** Expected value of a counter: an exact number, or a comparison such as ">=1", "<=3", ">0", "<2", "1..3". */
export type Expected = number | string;

/** A side of the connection: ns2 (client) and ns1 (server) of the kernel selftests. */
export type Role = 'client' | 'server';

/** A counter pair of the selftests' chk_*_nr: sent (tx) by `by`, received (rx) by the other side. */
export interface TxRxExpectation {
  tx?: Expected;
  rx?: Expected;
  by: Role;
}

/** The event kinds an expectation can name: every kind the monitor names. */
export type PmEventType = Exclude<ObservedPmEventType, 'UNKNOWN'>;

/** Path-manager events a host must have seen (`ip mptcp monitor`); unset fields match anything. */
export interface PmEventPattern {
  host: string;
  type: PmEventType;
  /** How many such events (default: at least one). */
  count?: Expected;
  saddr?: string;
  daddr?: string;
  locId?: number;
  remId?: number;
  backup?: boolean;
  dport?: number;
}

/** What a lab expects; the field names and meanings are the lab file's `expect` (schema.ts describes each). */
export interface Expectations {
  join?: { syn: Expected; synack: Expected; ack: Expected; syn_tx?: Expected; rejected?: Expected };
  join_backup?: { syn: Expected; synack: Expected };
  add_addr?: { rx?: Expected; echo?: Expected; tx?: Expected; port?: Expected; by: Role };
  rm?: { addr?: Expected; subflow?: Expected; tx?: Expected; by: Role; simult: boolean };
  mp_prio?: { tx?: Expected; rx?: Expected; host: Role };
  fastclose?: TxRxExpectation;
  rst?: TxRxExpectation;
  fail?: TxRxExpectation;
  infinite_map?: TxRxExpectation;
  checksum_errors?: Expected;
  checksum?: boolean;
  fallback?: boolean;
  subflows?: Expected;
  events?: PmEventPattern[];
  /** Share (0..1) of the client's payload traffic, by link name. */
  link_share?: Record<string, Expected>;
  /** Counter values, by host and counter name. */
  counters?: Record<string, Record<string, Expected>>;
  integrity: boolean;
  /** Completion bound in ms, computed from the rates when the lab said "auto". */
  durationMaxMs?: number;
}

export interface Lab {
  name: string;
  file: string;
  description: string;
  group: string;
  tags: string[];
  requires: string[];
  timeoutMs: number;
  /** Runs the lab asks for (`repeat:`, harness/lab/repeat.ts); --repeat overrides it. */
  repeat?: number;
  hosts: Host[];
  links: Link[];
  workload: Workload;
  events: TimedEvent[];
  expect: Expectations;
  /** Tolerances of differential comparisons the lab declares (unset: the comparer's defaults). */
  compare: LabTolerances;
  knownDivergences: { check: string; reason: string }[];
  /** Kernel bugs the lab is known to hit (harness/expect/known-bugs.ts). */
  knownBugs: KnownBug[];
  /** The kernel's measured spread of the lab's timing quantities, from the calibration file beside the lab, if any. */
  calibration?: Calibration;
}

/** A kernel bug a lab declares: on kernels in `kernels`, a failure of `check` is reported as this bug. */
export interface KnownBug {
  /** Check name, dotted prefix or glob, as in known-divergences. */
  check: string;
  /** Version ranges as written (harness/lab/kernel-range.ts); a kernel in any of them has the bug. */
  kernels: string[];
  description: string;
  reference: string;
}

/** What a lab may loosen in a comparison; harness/compare's Tolerances has the same fields. */
export interface LabTolerances {
  linkShare?: number | null;
  durationFactor?: number | null;
  durationSlackMs?: number;
  counters?: Record<string, { relative?: number; absolute?: number }>;
}

/** One quantity over the calibration runs. */
export interface Spread {
  min: number;
  median: number;
  max: number;
  /** Every run's value, in run order. */
  values: number[];
}

export interface Calibration {
  lab: string;
  /** The kernel release the runs were made on, e.g. "6.18.44". */
  kernel: string;
  runs: number;
  /** When and how: ISO time, the command line, the machine. */
  created: string;
  command: string;
  machine: { cpus: number; arch: string };
  /** By comparison item name: "link_share.l1", "duration", "counters.server.MPTcpExtMPTCPRetrans". */
  quantities: Record<string, Spread>;
}

export function hostByName(lab: Lab, name: string): Host {
  const h = lab.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`lab ${lab.name}: no host ${name}`);
  return h;
}

/** Impairments that need sch_netem (the rest has fallbacks). */
export function netemNeeds(i: Impairment): string[] {
  const needs: string[] = [];
  if (i.delayMs) needs.push('delay');
  if (i.jitterMs) needs.push('jitter');
  if (i.reorderPct) needs.push('reorder');
  if (i.duplicatePct) needs.push('duplicate');
  if (i.corruptPct) needs.push('corrupt');
  return needs;
}
