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
// (pm-kernel.ts) and UserspacePm (pm-userspace.ts, driven by commands).

import type { MptcpOption } from './options.js';
import type { ReceivedOptions } from './protocol.js';
import type { Msk } from './msk.js';
import type { Subflow } from './subflow.js';

export interface PathManager {
  /** mptcp_pm_new_connection. */
  created?(now: number, msk: Msk): void;
  /** mptcp_pm_fully_established. */
  established?(now: number, msk: Msk): void;
  /** mptcp_pm_subflow_established. */
  subflowEstablished?(now: number, msk: Msk, sf: Subflow): void;
  /** mptcp_pm_subflow_check_next / the subflow is gone. */
  subflowClosed?(now: number, msk: Msk, sf: Subflow): void;
  /** mptcp_pm_connection_closed. */
  closed?(now: number, msk: Msk): void;
  /** mptcp_pm_allow_new_subflow: may one more MP_JOIN be accepted? (Takes the slot when it says yes.) */
  allowNewSubflow?(msk: Msk): boolean;
  /** msk->pm.accept_subflow: would one more MP_JOIN be accepted now (asks only; a cookie MP_JOIN SYN)? */
  acceptsSubflow?(msk: Msk): boolean;
  /** ADD_ADDR, RM_ADDR or MP_PRIO arrived on `sf` (mptcp_pm_add_addr_received and friends). */
  options?(now: number, msk: Msk, sf: Subflow, rx: ReceivedOptions): void;
  /** A queued signal went out on `sf` (count AddAddrTx, arm the ADD_ADDR timer, ...). */
  signalSent?(now: number, msk: Msk, sf: Subflow, option: MptcpOption): void;
  /** The PM's own next deadline for this connection (the ADD_ADDR retransmission timer). */
  nextTimeout?(msk: Msk): number | undefined;
  /** That deadline came. */
  timeout?(now: number, msk: Msk): void;
  /** mptcp_pm_is_backup: is this local address a backup endpoint (the B flag of an MP_JOIN SYN/ACK)? */
  isBackup?(msk: Msk, addr: string): boolean;
  /** mptcp_pm_get_local_id: the address ID of a local address; undefined lets the msk number it. */
  localId?(msk: Msk, addr: string): number | undefined;
}

/** The in-kernel PM's default limit: 2 extra subflows (`ip mptcp limits`, subflows 2). */
export const DEFAULT_SUBFLOWS_MAX = 2;
