// What both path managers do with ADD_ADDR (pm.c): the retransmission of
// what they announced (the anno_list and mptcp_pm_add_timer: sent again after
// add_addr_timeout until echoed, at most ADD_ADDR_RETRANS_MAX times), and the
// common part of taking one in (HMAC check, counters, ANNOUNCED, echo).
import { be64Bytes, bytesEqual } from './bytes.js';
import { addAddrHmac } from './crypto.js';
import type { Msk } from './msk.js';
import type { ReceivedOptions } from './protocol.js';

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

/**
 * A received ADD_ADDR (not an echo) whose HMAC checks out: counted (AddAddr,
 * PortAdd), reported as ANNOUNCED and echoed. False, counted as AddAddrDrop,
 * when the HMAC is wrong; what the PM then does with the address is its own.
 */
export function acceptAddAddr(now: number, msk: Msk, rx: ReceivedOptions, addr: string): boolean {
  const expected = be64Bytes(addAddrHmac(msk.remoteKey ?? 0n, msk.localKey, rx.addr.id, rx.addr.bytes, rx.addr.port || undefined));
  if (!bytesEqual(expected, rx.ahmac)) {
    msk.count('AddAddrDrop');
    return false;
  }
  msk.count('AddAddr');
  if (rx.addr.port) msk.count('PortAdd');
  // The kernel's ANNOUNCED carries the connection's port when the ADD_ADDR has none.
  msk.addrEvent(now, 'ANNOUNCED', rx.addr.id, { addr, port: rx.addr.port || msk.remote.port });
  // The echo goes out whether or not the address is used.
  msk.queueSignal({ kind: 'add_addr', echo: true, addressId: rx.addr.id, address: { family: rx.addr.family === 6 ? 6 : 4, bytes: rx.addr.bytes }, ...(rx.addr.port ? { port: rx.addr.port } : {}) });
  return true;
}
