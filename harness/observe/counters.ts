// Which kernel MIB counters a lab reads: pure rules, shared by the targets
// that read counters from a kernel (nstat.ts) and the engine target, which
// must not load the process-running code nstat.ts needs.

export type Counters = Record<string, number>;

/** TCP counters outside MPTcpExt* that explain what MPTCP did. */
export const TCP_COUNTERS: readonly string[] = [
  'TcpActiveOpens',
  'TcpPassiveOpens',
  'TcpAttemptFails',
  'TcpEstabResets',
  'TcpInSegs',
  'TcpOutSegs',
  'TcpRetransSegs',
  'TcpOutRsts',
  'TcpExtSyncookiesSent',
  'TcpExtSyncookiesRecv',
  'TcpExtSyncookiesFailed',
  'TcpExtListenOverflows',
  'TcpExtListenDrops',
  'TcpExtTCPSynRetrans',
  'TcpExtTCPTimeouts',
  'TcpExtTCPLossProbes',
  'TcpExtTCPLossProbeRecovery',
  'TcpExtTCPFastRetrans',
  'TcpExtTCPSlowStartRetrans',
  'TcpExtTCPLostRetransmit',
  'TcpExtTCPAbortOnData',
  'TcpExtTCPAbortOnClose',
  'TcpExtTCPAbortOnTimeout',
  'TcpExtTCPBacklogDrop',
  'TcpExtTCPOFOQueue',
  'TcpExtTCPOFODrop',
  'TcpExtTCPZeroWindowDrop',
  'TcpExtTCPRcvQDrop',
  'TcpExtTCPOrigDataSent',
  'TcpExtTCPSACKReorder',
  'TcpExtTCPDSACKRecv',
  'TcpExtTCPDSACKOldSent',
  'TcpExtTCPDSACKUndo',
];

const TCP_SET = new Set(TCP_COUNTERS);

/** Whether a counter is one a lab may read: every MPTcpExt*, plus TCP_COUNTERS. */
export function isRelevantCounter(name: string): boolean {
  return name.startsWith('MPTcpExt') || TCP_SET.has(name);
}

/** Keep only the counters that matter to MPTCP labs. */
export function filterCounters(counters: Counters): Counters {
  const out: Counters = {};
  for (const [name, value] of Object.entries(counters)) if (isRelevantCounter(name)) out[name] = value;
  return out;
}
