// What a TCP socket is set up with, and the hooks through which the MPTCP
// layer (engine/subflow.ts) rides on it: options on every outgoing segment,
// a look at every incoming one, the shared receive window, and the events of
// the connection's life. A plain TCP connection uses plainHooks().

import type { TcpMibName } from '../mib.js';
import type { MptcpTcpOption, TcpFlags, TcpSegment } from './segment.js';
import type { TcpState } from './state.js';
import { TCP_RTO_MAX_MS, TCP_RTO_MIN_MS } from './rtt.js';

export interface TcpConfig {
  /** MSS we announce and never exceed (1460 for IPv4 over Ethernet, 1440 for IPv6). */
  readonly mss: number;
  /** Our window scale shift (RFC 7323 §2); Linux picks 7 for its default buffers. */
  readonly rcvWscale: number;
  /** Delayed ACK timeout (Linux TCP_DELACK_MIN is 40 ms). */
  readonly delayedAckMs: number;
  /** TIME_WAIT length; the engine keeps it short (Linux: 60 s). */
  readonly timeWaitMs: number;
  /** net.ipv4.tcp_syn_retries. */
  readonly synRetries: number;
  /** net.ipv4.tcp_synack_retries. */
  readonly synAckRetries: number;
  /** net.ipv4.tcp_retries2: timeouts before an established connection is given up. */
  readonly retries2: number;
  readonly minRtoMs: number;
  readonly maxRtoMs: number;
  /** Segments acknowledged one by one at the start (Linux's quickack mode, TCP_MAX_QUICKACKS). */
  readonly quickAcks: number;
  /** Offer SACK (RFC 2018; net.ipv4.tcp_sack, on by default). Off: NewReno recovery on duplicate ACKs. */
  readonly sack?: boolean;
  /**
   * TCP Small Queues (engine/tcp/small-queues.ts): hold data back while too much of ours is still in
   * the host. Only for a driver that reports each packet leaving (MptcpEndpoint.handleTxDone). Default off.
   */
  readonly smallQueues?: boolean;
}

export const DEFAULT_TCP_CONFIG: TcpConfig = Object.freeze({
  mss: 1460,
  rcvWscale: 7,
  delayedAckMs: 40,
  timeWaitMs: 2000,
  synRetries: 6,
  synAckRetries: 5,
  retries2: 15,
  minRtoMs: TCP_RTO_MIN_MS,
  maxRtoMs: TCP_RTO_MAX_MS,
  quickAcks: 16,
});

export interface TcpAddr {
  readonly addr: string;
  readonly port: number;
}

export type CloseReason = 'normal' | 'reset' | 'timeout' | 'refused' | 'aborted';

/** An outgoing segment, as the option writer sees it. Sequence numbers are relative (the SYN is 0). */
export interface SegmentInfo<T> {
  readonly now: number;
  readonly seq: number;
  readonly len: number;
  readonly flags: TcpFlags;
  /** The tag of the chunk the payload was cut from. */
  readonly tag: T | undefined;
  readonly retransmit: boolean;
}

/** What to do with an incoming segment; `tag` goes with its payload. */
export type Verdict<R> = { readonly action: 'accept'; readonly tag?: R } | { readonly action: 'reset' } | { readonly action: 'drop' };

/** S tags the chunks we send (our mappings), R the payload we receive (the peer's). */
export interface TcpHooks<S, R> {
  /** Extra options (whole MPTCP options) for our SYN or SYN/ACK; `retransmits` SYNs went before. */
  synOptions(synAck: boolean, retransmits: number): Uint8Array[];
  /**
   * Extra options for any other segment, in at most `room` bytes (`info` is valid during the call only: it is
   * reused): whole MPTCP options, as bytes or as option records that write their bytes when read.
   */
  options(info: SegmentInfo<S>, room: number): readonly (Uint8Array | MptcpTcpOption)[];
  /** Sees each acceptable incoming segment of a synchronized or half-open connection before TCP acts on it. */
  incoming(now: number, seg: TcpSegment, state: TcpState): Verdict<R>;
  /** Bytes of option space to keep free in data segments (shrinks the MSS, like tcp_current_mss). */
  optionReserve(): number;
  /** Bytes the owner can still take in (the receive window before out-of-order data). */
  receiveWindow(): number;
  /** The peer's window does not limit this socket (an MPTCP subflow: the msk applies the data-level window). */
  sharedSendWindow(): boolean;
  /** Keep a retransmission timer for the third ACK until the peer answers it (MP_JOIN, RFC 8684 §3.2). */
  awaitingAck(): boolean;
  established(now: number): void;
  data(now: number, start: number, bytes: Uint8Array, tag: R | undefined): void;
  fin(now: number): void;
  acked(now: number, bytes: number): void;
  timeout(now: number, retransmits: number): void;
  /** Both FINs are through and the socket waits in TIME_WAIT: the connection is over for the application. */
  timeWait(now: number): void;
  closed(now: number, reason: CloseReason): void;
  count(name: TcpMibName): void;
}

/** Hooks for a plain TCP socket whose owner keeps `window` bytes of buffer. */
export function plainHooks<S = undefined, R = undefined>(over: Partial<TcpHooks<S, R>> = {}): TcpHooks<S, R> {
  return {
    synOptions: () => [],
    options: () => [],
    incoming: () => ({ action: 'accept' }),
    optionReserve: () => 0,
    receiveWindow: () => 1 << 20,
    sharedSendWindow: () => false,
    awaitingAck: () => false,
    established: () => undefined,
    data: () => undefined,
    fin: () => undefined,
    acked: () => undefined,
    timeout: () => undefined,
    timeWait: () => undefined,
    closed: () => undefined,
    count: () => undefined,
    ...over,
  };
}
