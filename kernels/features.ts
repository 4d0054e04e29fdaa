// Which MPTCP capability arrived in which upstream kernel version (from the
// MPTCP ChangeLog: multiple active subflows 5.10, MP_PRIO 5.12, MP_FASTCLOSE
// received 5.13 and sent 5.17, DSS checksum 5.14, fullmesh 5.15, MPTCP_INFO
// 5.16, userspace PM 5.19, mixed IPv4/IPv6 subflows 6.3, MPTCP_FULL_INFO
// 6.5). Used to SKIP a lab with a reason on older kernels (the host's, or a
// guest's: inside a guest the running kernel is the guest's) when a probe
// cannot tell.

export interface Feature {
  name: string;
  since: string;
  what: string;
  /** PM event types (as `ip mptcp monitor` names them) that kernels before `since` never report. */
  events?: readonly string[];
}

export const FEATURES: readonly Feature[] = [
  { name: 'mptcp', since: '5.6', what: 'MPTCP v1 sockets' },
  { name: 'multiple-subflows', since: '5.10', what: 'more than one active subflow, ADD_ADDR' },
  { name: 'add-addr-port', since: '5.11', what: 'ADD_ADDR with port' },
  { name: 'mp-prio', since: '5.12', what: 'MP_PRIO and backup changes' },
  { name: 'fastclose-rx', since: '5.13', what: 'MP_FASTCLOSE received' },
  { name: 'fastclose', since: '5.17', what: 'MP_FASTCLOSE sent on abort' },
  { name: 'checksum', since: '5.14', what: 'DSS checksum (net.mptcp.checksum_enabled)' },
  { name: 'fullmesh', since: '5.15', what: 'fullmesh endpoints' },
  { name: 'mptcp-info', since: '5.16', what: 'getsockopt MPTCP_INFO' },
  { name: 'mp-fail', since: '5.17', what: 'MP_FAIL and infinite mapping' },
  { name: 'userspace-pm', since: '5.19', what: 'userspace path manager' },
  {
    name: 'listener-events',
    since: '6.2',
    what: 'LISTENER_CREATED / LISTENER_CLOSED path-manager events',
    events: ['LISTENER_CREATED', 'LISTENER_CLOSED'],
  },
  { name: 'mixed-v4v6', since: '6.3', what: 'IPv4 subflows on IPv6 connections and vice versa' },
  { name: 'full-info', since: '6.5', what: 'getsockopt MPTCP_FULL_INFO' },
  { name: 'laminar', since: '6.18', what: 'laminar endpoints' },
];

export function parseVersion(v: string): number[] {
  return (/^[0-9]+(?:\.[0-9]+)*/.exec(v)?.[0] ?? '0').split('.').map(Number);
}

export function versionAtLeast(have: string, want: string): boolean {
  const a = parseVersion(have);
  const b = parseVersion(want);
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

export function featureByName(name: string): Feature | undefined {
  return FEATURES.find((f) => f.name === name);
}

/** Event types one of two kernel versions cannot report, so comparing them says nothing about the protocol. */
export function eventsNotOnBoth(versionA: string, versionB: string): string[] {
  return FEATURES.filter((f) => f.events && !(versionAtLeast(versionA, f.since) && versionAtLeast(versionB, f.since))).flatMap(
    (f) => f.events ?? [],
  );
}
