// The timers of one TCP connection as one table of optional deadlines
// (the kernel's icsk_retransmit_timer with its pending event, icsk_delack_timer
// and the TIME-WAIT timer): each is a time in ms or unset. The socket decides
// what a due timer does (tcp_timer.c); this only keeps the deadlines.

/** rto: retransmission (RFC 6298); reo: RACK's reordering window; tlp: tail loss probe; delack: delayed ACK; timeWait: 2 MSL. */
export const TCP_TIMERS = ['rto', 'reo', 'tlp', 'delack', 'timeWait'] as const;
export type TcpTimer = (typeof TCP_TIMERS)[number];

/** The three that share the kernel's one retransmission timer slot (ICSK_TIME_RETRANS, _REO_TIMEOUT, _LOSS_PROBE). */
export const RETRANSMIT_TIMERS: readonly TcpTimer[] = ['rto', 'reo', 'tlp'];

export class TcpTimers {
  private readonly at: Record<TcpTimer, number | undefined> = {
    rto: undefined,
    reo: undefined,
    tlp: undefined,
    delack: undefined,
    timeWait: undefined,
  };

  /** The deadline of `t`, if armed. */
  get(t: TcpTimer): number | undefined {
    return this.at[t];
  }

  /** Arm `t` for `deadline`, or stop it (undefined). */
  set(t: TcpTimer, deadline: number | undefined): void {
    this.at[t] = deadline;
  }

  /** Stop every timer named. */
  clear(...ts: readonly TcpTimer[]): void {
    for (const t of ts) this.at[t] = undefined;
  }

  /** Armed, and its time has come. */
  due(t: TcpTimer, now: number): boolean {
    const d = this.at[t];
    return d !== undefined && now >= d;
  }

  /** The earliest deadline among `ts` (all by default), if any is armed. */
  earliest(ts?: readonly TcpTimer[]): number | undefined {
    if (ts === undefined) {
      // All of them, read field by field: asked after every packet.
      const a = this.at;
      return earlier(earlier(earlier(earlier(a.rto, a.reo), a.tlp), a.delack), a.timeWait);
    }
    let first: number | undefined;
    for (const t of ts) {
      const d = this.at[t];
      if (d !== undefined && (first === undefined || d < first)) first = d;
    }
    return first;
  }
}

/** The earlier of two optional deadlines. */
function earlier(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || (b !== undefined && b < a) ? b : a;
}
