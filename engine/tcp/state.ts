// TCP connection states (RFC 9293 §3.3.2), named as the kernel prints them
// (include/net/tcp_states.h). TIME_WAIT is kept short in the engine: its
// length is a setting (TcpConfig.timeWaitMs), not 2*MSL.

export type TcpState =
  | 'CLOSED'
  | 'LISTEN'
  | 'SYN_SENT'
  | 'SYN_RCVD'
  | 'ESTABLISHED'
  | 'FIN_WAIT_1'
  | 'FIN_WAIT_2'
  | 'CLOSING'
  | 'TIME_WAIT'
  | 'CLOSE_WAIT'
  | 'LAST_ACK';

/** States in which the peer's data is still taken (RFC 9293 §3.10.7.4, "seventh"). */
export function receivesData(s: TcpState): boolean {
  return s === 'ESTABLISHED' || s === 'FIN_WAIT_1' || s === 'FIN_WAIT_2';
}

/** States in which our own data (and then our FIN) may still go out. */
export function sendsData(s: TcpState): boolean {
  return s === 'ESTABLISHED' || s === 'CLOSE_WAIT';
}

/** States in which segments of ours may still be in flight. */
export function sendsOrClosing(s: TcpState): boolean {
  return s === 'ESTABLISHED' || s === 'CLOSE_WAIT' || s === 'FIN_WAIT_1' || s === 'FIN_WAIT_2' || s === 'CLOSING' || s === 'LAST_ACK';
}

/** Synchronized states: after the handshake, before CLOSED. */
export function isSynchronized(s: TcpState): boolean {
  return s !== 'CLOSED' && s !== 'LISTEN' && s !== 'SYN_SENT' && s !== 'SYN_RCVD';
}

/** The state after our FIN goes out (RFC 9293 §3.10.4 CLOSE). */
export function afterOwnFin(s: TcpState): TcpState {
  if (s === 'ESTABLISHED' || s === 'SYN_RCVD') return 'FIN_WAIT_1';
  if (s === 'CLOSE_WAIT') return 'LAST_ACK';
  return s;
}

/** The state after the peer's FIN is taken in order (RFC 9293 §3.10.7.4, "eighth"). */
export function afterPeerFin(s: TcpState, ownFinAcked: boolean): TcpState {
  switch (s) {
    case 'SYN_RCVD':
    case 'ESTABLISHED':
      return 'CLOSE_WAIT';
    case 'FIN_WAIT_1':
      return ownFinAcked ? 'TIME_WAIT' : 'CLOSING';
    case 'FIN_WAIT_2':
      return 'TIME_WAIT';
    default:
      return s;
  }
}

/** The state once our FIN is acknowledged. */
export function afterFinAcked(s: TcpState): TcpState {
  switch (s) {
    case 'FIN_WAIT_1':
      return 'FIN_WAIT_2';
    case 'CLOSING':
      return 'TIME_WAIT';
    case 'LAST_ACK':
      return 'CLOSED';
    default:
      return s;
  }
}
