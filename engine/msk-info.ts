// MPTCP_INFO for the engine (struct mptcp_info, include/uapi/linux/mptcp.h,
// filled by mptcp_diag_fill_info) plus MPTCP_FULL_INFO's per-subflow
// addresses and tcp_info bytes: what the harness puts in a TransferObservation.

import type { Subflow } from './subflow.js';
import type { TcpState } from './tcp/state.js';

/** mptcp: MPTCP in use; fallback: asked for MPTCP, runs as TCP; plain: a TCP connection from the start. */
export type MskMode = 'mptcp' | 'fallback' | 'plain';

/** The connection's state, in TCP's words, as the kernel keeps it in msk->sk_state. */
export type MskState =
  'SYN_SENT' | 'SYN_RCVD' | 'ESTABLISHED' | 'FIN_WAIT_1' | 'FIN_WAIT_2' | 'CLOSING' | 'CLOSE_WAIT' | 'LAST_ACK' | 'CLOSED';

export interface SubflowInfo {
  readonly id: number;
  readonly kind: 'mpc' | 'join' | 'plain';
  readonly state: TcpState;
  readonly saddr: string;
  readonly sport: number;
  readonly daddr: string;
  readonly dport: number;
  readonly localId: number;
  readonly remoteId: number;
  readonly backup: boolean;
  readonly fullyEstablished: boolean;
  /** The PM took it off the connection (its TCP may still be closing); MPTCP_FULL_INFO no longer lists it. */
  readonly detached: boolean;
  readonly stale: boolean;
  /** tcpi_bytes_sent: payload bytes put on the wire, retransmissions included. */
  readonly bytesSent: number;
  readonly bytesRetrans: number;
  /** tcpi_bytes_acked. */
  readonly bytesAcked: number;
  /** tcpi_bytes_received. */
  readonly bytesReceived: number;
  readonly segsOut: number;
  readonly segsIn: number;
  readonly retransSegs: number;
  readonly srttMs: number | undefined;
  readonly rtoMs: number;
  readonly cwnd: number;
}

export interface MptcpConnectionInfo {
  readonly mode: MskMode;
  /** MPTCP is in use (not fallen back, not plain TCP). */
  readonly mptcp: boolean;
  readonly fallback: boolean;
  readonly state: MskState;
  readonly serverSide: boolean;
  /** mptcpi_token: our token (0 when not MPTCP). */
  readonly token: number;
  readonly remoteToken: number;
  readonly localKey: bigint;
  readonly remoteKey: bigint | undefined;
  readonly localIdsn: bigint;
  readonly remoteIdsn: bigint;
  readonly csumEnabled: boolean;
  /** mptcpi_subflows: subflows besides the first that are alive. */
  readonly subflows: number;
  /** mptcpi_subflows_total: alive ones, the first included. */
  readonly subflowsTotal: number;
  readonly writeSeq: bigint;
  readonly sndUna: bigint;
  readonly rcvNxt: bigint;
  readonly bytesSent: number;
  readonly bytesRetrans: number;
  readonly bytesReceived: number;
  readonly bytesAcked: number;
  /** mptcpi_retransmits: data-level retransmission rounds. */
  readonly retransmits: number;
  /** Every subflow the connection had, closed ones included. */
  readonly subflowList: readonly SubflowInfo[];
}

export interface MskInternals {
  readonly writeSeq: bigint;
  readonly sndUna: bigint;
  readonly rcvNxt: bigint;
  readonly localIdsn: bigint;
  readonly remoteIdsn: bigint;
  readonly bytesSent: number;
  readonly bytesRetrans: number;
  readonly bytesAcked: number;
  readonly bytesReceived: number;
  readonly retransmits: number;
}

/** What mskInfo reads of a connection. */
export interface MskInfoSource {
  readonly mode: MskMode;
  readonly state: MskState;
  readonly serverSide: boolean;
  readonly token: number;
  readonly remoteToken: number;
  readonly localKey: bigint;
  readonly remoteKey: bigint | undefined;
  readonly csumEnabled: boolean;
  /** The subflows not gone, and every subflow the connection had. */
  readonly subflows: readonly Subflow[];
  readonly allSubflows: readonly Subflow[];
}

export function mskInfo(msk: MskInfoSource, i: MskInternals): MptcpConnectionInfo {
  const mptcp = msk.mode === 'mptcp';
  const alive = msk.subflows.filter((s) => s.state !== 'CLOSED');
  return {
    mode: msk.mode,
    mptcp,
    fallback: msk.mode === 'fallback',
    state: msk.state,
    serverSide: msk.serverSide,
    token: mptcp ? msk.token : 0,
    remoteToken: msk.remoteToken,
    localKey: msk.localKey,
    remoteKey: msk.remoteKey,
    csumEnabled: msk.csumEnabled,
    subflows: Math.max(0, alive.length - 1),
    subflowsTotal: alive.length,
    ...i,
    subflowList: msk.allSubflows.map((sf): SubflowInfo => {
      const t = sf.tcpInfo();
      return {
        id: sf.id,
        kind: sf.kind,
        state: t.state,
        saddr: sf.local.addr,
        sport: sf.local.port,
        daddr: sf.remote.addr,
        dport: sf.remote.port,
        localId: sf.localId,
        remoteId: sf.remoteId,
        backup: sf.isBackup,
        fullyEstablished: sf.fullyEstablished,
        stale: sf.stale,
        detached: sf.detached,
        bytesSent: t.bytesSent,
        bytesRetrans: t.bytesRetrans,
        bytesAcked: t.bytesAcked,
        bytesReceived: t.bytesReceived,
        segsOut: t.segsOut,
        segsIn: t.segsIn,
        retransSegs: t.retransSegs,
        srttMs: t.srttMs,
        rtoMs: t.rtoMs,
        cwnd: t.cwnd,
      };
    }),
  };
}
