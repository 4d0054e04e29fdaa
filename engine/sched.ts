// The packet scheduler, after the kernel's default one (net/mptcp/sched.c,
// mptcp_subflow_get_send / mptcp_subflow_get_retrans in protocol.c).
//
// Sending: among the active non-backup subflows that have room in their
// congestion window, the one with the lowest smoothed RTT; backup subflows
// only when no non-backup subflow is active at all (the kernel's nr_active
// test). Note: since Linux 5.19 the kernel ranks by "linger time" (queued
// bytes / pacing rate, a BLEST-like estimate) rather than by SRTT; with
// nothing queued and equal windows the two agree.
//
// Retransmitting at the MPTCP level: the first active subflow whose TCP
// queues are empty, non-backup first (data still queued at TCP level would
// wait behind that queue).

export interface SchedCandidate {
  /** Established (and, for MP_JOIN, fully established), not stale, not closing. */
  readonly active: boolean;
  /** Either end flagged the subflow as backup (MP_JOIN B flag or MP_PRIO). */
  readonly backup: boolean;
  readonly srttMs: number | undefined;
  /** Bytes cwnd lets it take now. */
  readonly sendSpace: number;
  /** Bytes queued or in flight at TCP level. */
  readonly unacked: number;
}

/** mptcp_subflow_get_send: the subflow to put the next mapping on, or undefined. */
export function selectSend<C extends SchedCandidate>(subflows: readonly C[]): C | undefined {
  // One pass, nothing allocated (it runs for every mapping): the best of the non-backup subflows and
  // the best of all, the first of equals; the pool is the non-backup ones if any is active.
  let anyNonBackup = false;
  let bestNonBackup: C | undefined;
  let bestAny: C | undefined;
  for (let i = 0; i < subflows.length; i++) {
    const s = subflows[i] as C;
    if (!s.active) continue;
    if (!s.backup) anyNonBackup = true;
    if (s.sendSpace <= 0) continue;
    const srtt = s.srttMs ?? 0;
    if (bestAny === undefined || srtt < (bestAny.srttMs ?? 0)) bestAny = s;
    if (!s.backup && (bestNonBackup === undefined || srtt < (bestNonBackup.srttMs ?? 0))) bestNonBackup = s;
  }
  return anyNonBackup ? bestNonBackup : bestAny;
}

/**
 * mptcp_subflow_get_retrans: where to reinject data that is unacknowledged at
 * the MPTCP level. A backup subflow only when `allowBackup`: the kernel waits
 * until no subflow with data queued made progress for two periods.
 */
export function selectRetransmit<C extends SchedCandidate>(subflows: readonly C[], allowBackup = true): C | undefined {
  let backup: C | undefined;
  for (const s of subflows) {
    if (!s.active || s.unacked > 0) continue;
    if (s.backup) {
      backup ??= s;
      continue;
    }
    return s;
  }
  return allowBackup ? backup : undefined;
}
