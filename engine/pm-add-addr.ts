// The ADD_ADDR retransmission both path managers share (pm.c: the anno_list
// and mptcp_pm_add_timer): an announced address is sent again after
// add_addr_timeout until the peer echoes it, at most ADD_ADDR_RETRANS_MAX
// times.

/** pm.c: ADD_ADDR_RETRANS_MAX. */
export const ADD_ADDR_RETRANS_MAX = 3;

/** An anno_list entry: what the PM announced, and its timer. */
export interface Announced {
  retrans: number;
  timerAt: number | undefined;
  echoed: boolean;
}

/** The earliest ADD_ADDR timer, if any. */
export function nextAnnounceTimeout(announced: Iterable<Announced>): number | undefined {
  let t: number | undefined;
  for (const a of announced) if (a.timerAt !== undefined && (t === undefined || a.timerAt < t)) t = a.timerAt;
  return t;
}

/** mptcp_pm_add_timer: the entries whose timer is due and that go again (their retransmission counted). */
export function dueAnnouncements<T extends Announced>(now: number, announced: Iterable<T>): T[] {
  const again: T[] = [];
  for (const a of announced) {
    if (a.timerAt === undefined || a.timerAt > now) continue;
    a.timerAt = undefined;
    if (a.echoed || a.retrans >= ADD_ADDR_RETRANS_MAX) continue;
    a.retrans += 1;
    again.push(a);
  }
  return again;
}

/** An ADD_ADDR (not an echo) went out: arm its timer unless echoed, out of retransmissions, or the timeout is 0. */
export function armAnnounceTimer(now: number, a: Announced | undefined, timeoutMs: number): void {
  if (a && !a.echoed && a.retrans < ADD_ADDR_RETRANS_MAX && timeoutMs > 0) a.timerAt = now + timeoutMs;
}
