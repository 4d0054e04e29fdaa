// What an MptcpEndpoint reports through poll(): application events (a
// connection is usable, has data, ended) and path-manager events with the
// kinds and attributes of `ip mptcp monitor` (include/uapi/linux/mptcp_pm.h,
// net/mptcp/pm_netlink.c mptcp_event_*), so they compare with the kernel's.

export type ConnectionId = number;

export type PmEventKind =
  | 'CREATED'
  | 'ESTABLISHED'
  | 'CLOSED'
  | 'ANNOUNCED'
  | 'REMOVED'
  | 'SF_ESTABLISHED'
  | 'SF_CLOSED'
  | 'SF_PRIORITY'
  | 'LISTENER_CREATED'
  | 'LISTENER_CLOSED';

/** One `ip mptcp monitor` line. Attributes are present when the kernel puts them in that event. */
export interface PmEvent {
  readonly type: PmEventKind;
  /** Engine time (ms). */
  readonly atMs: number;
  readonly token: number;
  readonly family?: 4 | 6;
  readonly saddr?: string;
  readonly daddr?: string;
  readonly sport?: number;
  readonly dport?: number;
  readonly locId?: number;
  readonly remId?: number;
  readonly backup?: boolean;
  readonly serverSide?: boolean;
  readonly error?: number;
  readonly resetReason?: number;
  readonly resetFlags?: number;
}

export type EngineEvent =
  /** The connection can carry data: the client got the SYN/ACK, or the server accepted it. */
  | {
      readonly kind: 'connected';
      readonly conn: ConnectionId;
      readonly serverSide: boolean;
      readonly mptcp: boolean;
      readonly localPort: number;
    }
  /** read() has bytes, or the peer finished sending (read() then returns what is left, and eof is true). */
  | { readonly kind: 'readable'; readonly conn: ConnectionId }
  /** The connection is over; `error` names why if it did not end with both sides' FINs. */
  | { readonly kind: 'closed'; readonly conn: ConnectionId; readonly error?: 'reset' | 'timeout' | 'refused' | 'aborted' }
  /** A PM event; LISTENER_* events belong to no connection and carry conn 0. */
  | { readonly kind: 'pm'; readonly conn: ConnectionId; readonly event: PmEvent };

/** ECONNRESET etc. as `ip mptcp monitor` prints in SF_CLOSED's error attribute. */
export const ERRNO = { ECONNRESET: 104, ETIMEDOUT: 110, ECONNREFUSED: 111 } as const;
