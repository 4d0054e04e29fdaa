// The engine's MIB counters, after Linux net/mptcp/mib.c and mib.h: one
// table, the kernel's names in the kernel's order, a one-line meaning each
// (the comment from mib.h), and one way to change a counter: inc(). The
// MPTcpExt list is the one a 6.18 kernel prints in /proc/net/netstat. A few
// TCP counters (net/ipv4/proc.c) sit beside them, because labs read them
// with `nstat` too (harness/observe/nstat.ts, TCP_COUNTERS).
//
// snapshot() gives nstat's names ("MPTcpExtMPJoinSynRx", "TcpRetransSegs"),
// which is what Observations.counters holds for kernel targets.

type Group = 'MPTcpExt' | 'Tcp' | 'TcpExt';

const MPTCP_EXT = [
  ['MPCapableSYNRX', 'Received SYN with MP_CAPABLE'],
  ['MPCapableSYNTX', 'Sent SYN with MP_CAPABLE'],
  ['MPCapableSYNACKRX', 'Received SYN/ACK with MP_CAPABLE'],
  ['MPCapableACKRX', 'Received third ACK with MP_CAPABLE'],
  ['MPCapableFallbackACK', 'Server-side fallback during 3-way handshake'],
  ['MPCapableFallbackSYNACK', 'Client-side fallback during 3-way handshake'],
  ['MPCapableSYNTXDrop', 'Client-side fallback due to a MPC drop'],
  ['MPCapableSYNTXDisabled', 'Client-side disabled due to past issues'],
  ['MPCapableEndpAttempt', 'Prohibited MPC to port-based endp'],
  ['MPFallbackTokenInit', 'Could not init/allocate token'],
  ['MPTCPRetrans', 'Segments retransmitted at the MPTCP-level'],
  ['MPJoinNoTokenFound', 'Received MP_JOIN but the token was not found'],
  ['MPJoinSynRx', 'Received a SYN + MP_JOIN'],
  ['MPJoinSynBackupRx', 'Received a SYN + MP_JOIN + backup flag'],
  ['MPJoinSynAckRx', 'Received a SYN/ACK + MP_JOIN'],
  ['MPJoinSynAckBackupRx', 'Received a SYN/ACK + MP_JOIN + backup flag'],
  ['MPJoinSynAckHMacFailure', 'HMAC was wrong on SYN/ACK + MP_JOIN'],
  ['MPJoinAckRx', 'Received an ACK + MP_JOIN'],
  ['MPJoinAckHMacFailure', 'HMAC was wrong on ACK + MP_JOIN'],
  ['MPJoinRejected', 'The PM rejected the JOIN request'],
  ['MPJoinSynTx', 'Sending a SYN + MP_JOIN'],
  ['MPJoinSynTxCreatSkErr', 'Not able to create a socket when sending a SYN + MP_JOIN'],
  ['MPJoinSynTxBindErr', 'Not able to bind() the address when sending a SYN + MP_JOIN'],
  ['MPJoinSynTxConnectErr', 'Not able to connect() when sending a SYN + MP_JOIN'],
  ['DSSNotMatching', 'Received a new mapping that did not match the previous one'],
  ['DSSCorruptionFallback', 'DSS corruption detected, fallback'],
  ['DSSCorruptionReset', 'DSS corruption detected, MPJ subflow reset'],
  ['InfiniteMapTx', 'Sent an infinite mapping'],
  ['InfiniteMapRx', 'Received an infinite mapping'],
  ['DSSNoMatchTCP', "DSS-mapping did not map with TCP's sequence numbers"],
  ['DataCsumErr', 'The data checksum fail'],
  ['OFOQueueTail', 'Segments inserted into OoO queue tail'],
  ['OFOQueue', 'Segments inserted into OoO queue'],
  ['OFOMerge', 'Segments merged in OoO queue'],
  ['NoDSSInWindow', 'Segments not in MPTCP windows'],
  ['DuplicateData', 'Segments discarded due to duplicate DSS'],
  ['AddAddr', 'Received ADD_ADDR with echo-flag=0'],
  ['AddAddrTx', 'Sent ADD_ADDR with echo-flag=0'],
  ['AddAddrTxDrop', 'ADD_ADDR with echo-flag=0 not send due to resource exhaustion'],
  ['EchoAdd', 'Received ADD_ADDR with echo-flag=1'],
  ['EchoAddTx', 'Send ADD_ADDR with echo-flag=1'],
  ['EchoAddTxDrop', 'ADD_ADDR with echo-flag=1 not send due to resource exhaustion'],
  ['PortAdd', 'Received ADD_ADDR with a port-number'],
  ['AddAddrDrop', 'Dropped incoming ADD_ADDR'],
  ['MPJoinPortSynRx', 'Received a SYN MP_JOIN with a different port-number'],
  ['MPJoinPortSynAckRx', 'Received a SYNACK MP_JOIN with a different port-number'],
  ['MPJoinPortAckRx', 'Received an ACK MP_JOIN with a different port-number'],
  ['MismatchPortSynRx', 'Received a SYN MP_JOIN with a mismatched port-number'],
  ['MismatchPortAckRx', 'Received an ACK MP_JOIN with a mismatched port-number'],
  ['RmAddr', 'Received RM_ADDR'],
  ['RmAddrDrop', 'Dropped incoming RM_ADDR'],
  ['RmAddrTx', 'Sent RM_ADDR'],
  ['RmAddrTxDrop', 'RM_ADDR not sent due to resource exhaustion'],
  ['RmSubflow', 'Remove a subflow'],
  ['MPPrioTx', 'Transmit a MP_PRIO'],
  ['MPPrioRx', 'Received a MP_PRIO'],
  ['MPFailTx', 'Transmit a MP_FAIL'],
  ['MPFailRx', 'Received a MP_FAIL'],
  ['MPFastcloseTx', 'Transmit a MP_FASTCLOSE'],
  ['MPFastcloseRx', 'Received a MP_FASTCLOSE'],
  ['MPRstTx', 'Transmit a MP_RST'],
  ['MPRstRx', 'Received a MP_RST'],
  ['SubflowStale', "Subflows entered 'stale' status"],
  ['SubflowRecover', 'Subflows returned to active status after being stale'],
  ['SndWndShared', "Subflow snd wnd is overridden by msk's one"],
  ['RcvWndShared', "Subflow rcv wnd is overridden by msk's one"],
  ['RcvWndConflictUpdate', "subflow rcv wnd is overridden by msk's one due to conflict with another subflow while updating msk rcv wnd"],
  ['RcvWndConflict', 'Conflict with while updating msk rcv wnd'],
  ['MPCurrEstab', 'Current established MPTCP connections'],
  ['Blackhole', 'A blackhole has been detected'],
  ['MPCapableDataFallback', 'Missing DSS/MPC+data on first established packet'],
  ['MD5SigFallback', 'Conflicting TCP option enabled'],
  ['DssFallback', 'Bad or missing DSS'],
  ['SimultConnectFallback', 'Simultaneous connect'],
  ['FallbackFailed', "Can't fallback due to msk status"],
  ['WinProbe', 'MPTCP-level zero window probe'],
] as const;

const TCP = [
  ['ActiveOpens', 'Tcp', 'Connections that went SYN-SENT from CLOSED'],
  ['PassiveOpens', 'Tcp', 'Connections that went SYN-RCVD from LISTEN'],
  ['AttemptFails', 'Tcp', 'SYN-SENT or SYN-RCVD connections that went to CLOSED (or SYN-RCVD to LISTEN)'],
  ['EstabResets', 'Tcp', 'ESTABLISHED or CLOSE-WAIT connections that went to CLOSED'],
  ['InSegs', 'Tcp', 'Segments received'],
  ['OutSegs', 'Tcp', 'Segments sent, not counting retransmissions'],
  ['RetransSegs', 'Tcp', 'Segments retransmitted'],
  ['OutRsts', 'Tcp', 'Segments sent with RST'],
  ['TCPSynRetrans', 'TcpExt', 'SYN and SYN/ACK retransmissions'],
  ['TCPTimeouts', 'TcpExt', 'Retransmission timeouts'],
  ['TCPFastRetrans', 'TcpExt', 'Fast retransmissions'],
  ['TCPOFOQueue', 'TcpExt', 'Segments put in the out-of-order queue'],
  ['TCPOrigDataSent', 'TcpExt', 'Segments with new data sent (not retransmissions)'],
  ['SyncookiesSent', 'TcpExt', 'SYN cookies sent (a SYN/ACK whose sequence number is a cookie)'],
  ['SyncookiesRecv', 'TcpExt', 'ACKs with a valid SYN cookie'],
  ['SyncookiesFailed', 'TcpExt', 'ACKs checked for a SYN cookie that was not valid'],
  ['TCPLossProbes', 'TcpExt', 'Tail loss probes sent'],
  ['TCPLossProbeRecovery', 'TcpExt', 'Losses repaired by a tail loss probe'],
  ['TCPSlowStartRetrans', 'TcpExt', 'Retransmissions after a timeout (the one from the timer itself aside)'],
  ['TCPLostRetransmit', 'TcpExt', 'Retransmissions found lost again'],
  ['TCPSACKReorder', 'TcpExt', 'Reordering detected from SACKs'],
  ['TCPDSACKOldSent', 'TcpExt', 'D-SACKs sent for data below rcv_nxt'],
  ['TCPDSACKOfoSent', 'TcpExt', 'D-SACKs sent for out-of-order data already queued'],
  ['TCPDSACKRecv', 'TcpExt', 'D-SACKs received for data below the ACK'],
  ['TCPDSACKOfoRecv', 'TcpExt', 'D-SACKs received for out-of-order data'],
  ['TCPDSACKIgnoredDubious', 'TcpExt', 'D-SACKs ignored: longer than the window, or more duplicates than retransmissions'],
  ['TCPDSACKUndo', 'TcpExt', 'Congestion window reductions undone by D-SACKs'],
  ['TCPFullUndo', 'TcpExt', 'Recoveries undone when they ended'],
  ['TCPLossUndo', 'TcpExt', 'Timeouts undone when their episode ended'],
  ['TCPAbortOnData', 'TcpExt', 'Connections reset because new data came after close'],
  ['TCPAbortOnClose', 'TcpExt', 'Connections reset at close because data was unread'],
] as const;

export type MptcpMibName = (typeof MPTCP_EXT)[number][0];
export type TcpMibName = (typeof TCP)[number][0];
export type MibName = MptcpMibName | TcpMibName;

export interface MibEntry {
  /** The kernel's name inside its group, as in /proc/net/netstat or /proc/net/snmp. */
  readonly name: MibName;
  readonly group: Group;
  /** nstat's name: group + name. */
  readonly nstat: string;
  readonly meaning: string;
}

/** Every counter, MPTcpExt first, in the kernel's order. */
export const MIB_TABLE: readonly MibEntry[] = [
  ...MPTCP_EXT.map(([name, meaning]) => ({ name, group: 'MPTcpExt' as const, nstat: `MPTcpExt${name}`, meaning })),
  ...TCP.map(([name, group, meaning]) => ({ name, group, nstat: `${group}${name}`, meaning })),
];

const INDEX = new Map<string, number>(MIB_TABLE.map((e, i) => [e.name, i]));

/** One host's counters (a network namespace's, in kernel terms). */
export class Mib {
  private readonly values = new Float64Array(MIB_TABLE.length);

  /** MPTCP_INC_STATS / TCP_INC_STATS. */
  inc(name: MibName, by = 1): void {
    this.values[INDEX.get(name) as number] += by;
  }

  /** MPTCP_DEC_STATS: only MPCurrEstab goes down. */
  dec(name: 'MPCurrEstab'): void {
    this.values[INDEX.get(name) as number] -= 1;
  }

  get(name: MibName): number {
    return this.values[INDEX.get(name) as number];
  }

  /** Every counter by nstat name (zeros included, like `nstat -asz`). */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    MIB_TABLE.forEach((e, i) => {
      out[e.nstat] = this.values[i];
    });
    return out;
  }
}
