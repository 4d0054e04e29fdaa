// The normalized lab: what every backend (netns, vm, sim) builds from.
// Addresses are assigned, names resolved, quantities in plain numbers.
import type { EventAction, Expected, ExpectParsed, HostStep, PmEventPattern } from './schema.js';
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

export type EventSpec =
  | { action: 'link-down' | 'link-up'; link: string }
  | { action: 'endpoint-add'; host: string; endpoint: Endpoint }
  | { action: 'endpoint-delete'; host: string; id?: number; address?: string }
  | { action: 'endpoint-flush'; host: string }
  | { action: 'backup'; host: string; id?: number; address?: string; backup: boolean }
  | { action: 'impair'; link: string; from?: string; impairment: Impairment }
  | { action: 'shell'; host: string; command: string | HostStep };

export type TimedEvent = EventSpec & { atMs: number };

export interface Expectations extends Omit<ExpectParsed, 'duration'> {
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
  hosts: Host[];
  links: Link[];
  workload: Workload;
  events: TimedEvent[];
  expect: Expectations;
  /** Tolerances of differential comparisons the lab declares (unset: the comparer's defaults). */
  compare: LabTolerances;
  knownDivergences: { check: string; reason: string }[];
}

/** What a lab may loosen in a comparison; harness/compare's Tolerances has the same fields. */
export interface LabTolerances {
  linkShare?: number | null;
  durationFactor?: number | null;
  durationSlackMs?: number;
  counters?: Record<string, { relative?: number; absolute?: number }>;
}

export type { EventAction, Expected, PmEventPattern };

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
