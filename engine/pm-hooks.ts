// The seam between a connection (msk) and the path manager, after the
// kernel's net/mptcp/pm.c: the msk tells the PM what happened (connection
// created / established / closed, subflow established / closed, PM options
// received) and asks it two questions (may the peer add a subflow, which
// local address ID is this). The PM acts back through the msk: createSubflow()
// ("connect from local address A to remote address B"), closeSubflow(), and
// queueSignal(), which only raises a pending signal; the option writer
// (engine/subflow.ts) puts it on the next segment that has room, as the
// kernel's PM does with its pending flags. The PM never builds packets.
// Two PMs implement it, one per host as net.mptcp.pm_type chooses: KernelPm
// (pm-kernel.ts) and UserspacePm (pm-userspace.ts, driven by commands), with
// what both do in pm.ts. A PM sees a connection only through PmConnection
// (and its subflows through PmSubflow): what it may read and ask of it, so
// the PMs do not depend on the msk's implementation.

import type { MptcpCtrl } from './ctrl.js';
import type { PmEventKind } from './events.js';
import type { MibName } from './mib.js';
import type { MskMode, MskState } from './msk-info.js';
import type { MptcpOption } from './options.js';
import type { ReceivedOptions } from './protocol.js';
import type { SubflowKind } from './subflow.js';
import type { TcpAddr } from './tcp/config.js';

/** What a path manager may read and set of a subflow. */
export interface PmSubflow {
  readonly kind: SubflowKind;
  /** We opened it (an MP_JOIN we sent, or the first subflow of a client). */
  readonly active: boolean;
  readonly local: TcpAddr;
  readonly remote: TcpAddr;
  readonly localId: number;
  readonly remoteId: number;
  /** Our B flag; MP_PRIO changes it. */
  backup: boolean;
  /** The peer's B flag, from its MP_JOIN or MP_PRIO. */
  peerBackup: boolean;
}

/** What the PM asks for with createSubflow (__mptcp_subflow_connect). */
export interface PmSubflowRequest {
  readonly localAddr: string;
  readonly remoteAddr: string;
  /** Default: the port of the first subflow. */
  readonly remotePort?: number;
  readonly backup?: boolean;
  /** Default: the PM's answer, or the msk numbers local addresses itself. */
  readonly localId?: number;
}

/** What a path manager may use of a connection (the msk as pm.c sees it). */
export interface PmConnection {
  readonly mode: MskMode;
  readonly state: MskState;
  readonly token: number;
  readonly localKey: bigint;
  readonly remoteKey: bigint | undefined;
  readonly isFullyEstablished: boolean;
  /** The peer's MP_CAPABLE said it takes no MP_JOIN to its initial address and port. */
  readonly remoteDenyJoinId0: boolean;
  readonly ctrl: MptcpCtrl;
  /** The first subflow's addresses. */
  readonly local: TcpAddr;
  readonly remote: TcpAddr;
  /** The subflows that are not gone. */
  readonly subflows: readonly PmSubflow[];
  count(name: MibName): void;
  /** Raise a signal (ADD_ADDR, RM_ADDR, MP_PRIO on `on`) for the option writer. */
  queueSignal(option: MptcpOption, on?: PmSubflow): void;
  /** A new MP_JOIN subflow, or why not. */
  createSubflow(now: number, o: PmSubflowRequest): PmSubflow | string;
  /** Close a subflow (RST / FIN as the kernel does) and report SF_CLOSED. */
  removeSubflow(now: number, sf: PmSubflow): void;
  subflowEvent(now: number, type: PmEventKind, sf: PmSubflow): void;
  addrEvent(now: number, type: 'ANNOUNCED' | 'REMOVED', remId: number, addr?: { readonly addr: string; readonly port: number }): void;
}

export interface PathManager {
  /** mptcp_pm_new_connection. */
  created?(now: number, msk: PmConnection): void;
  /** mptcp_pm_fully_established. */
  established?(now: number, msk: PmConnection): void;
  /** mptcp_pm_subflow_established. */
  subflowEstablished?(now: number, msk: PmConnection, sf: PmSubflow): void;
  /** mptcp_pm_subflow_check_next / the subflow is gone. */
  subflowClosed?(now: number, msk: PmConnection, sf: PmSubflow): void;
  /** mptcp_pm_connection_closed. */
  closed?(now: number, msk: PmConnection): void;
  /** mptcp_pm_allow_new_subflow: may one more MP_JOIN be accepted? (Takes the slot when it says yes.) */
  allowNewSubflow?(msk: PmConnection): boolean;
  /** msk->pm.accept_subflow: would one more MP_JOIN be accepted now (asks only; a cookie MP_JOIN SYN)? */
  acceptsSubflow?(msk: PmConnection): boolean;
  /** ADD_ADDR, RM_ADDR or MP_PRIO arrived on `sf` (mptcp_pm_add_addr_received and friends). */
  options?(now: number, msk: PmConnection, sf: PmSubflow, rx: ReceivedOptions): void;
  /** A queued signal went out on `sf` (count AddAddrTx, arm the ADD_ADDR timer, ...). */
  signalSent?(now: number, msk: PmConnection, sf: PmSubflow, option: MptcpOption): void;
  /** The PM's own next deadline for this connection (the ADD_ADDR retransmission timer). */
  nextTimeout?(msk: PmConnection): number | undefined;
  /** That deadline came. */
  timeout?(now: number, msk: PmConnection): void;
  /** mptcp_pm_is_backup: is this local address a backup endpoint (the B flag of an MP_JOIN SYN/ACK)? */
  isBackup?(msk: PmConnection, addr: string): boolean;
  /** mptcp_pm_get_local_id: the address ID of a local address; undefined lets the msk number it. */
  localId?(msk: PmConnection, addr: string): number | undefined;
}

/** The in-kernel PM's default limit: 2 extra subflows (`ip mptcp limits`, subflows 2). */
export const DEFAULT_SUBFLOWS_MAX = 2;
