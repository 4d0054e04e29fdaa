// What both path managers do, after the kernel's net/mptcp/pm.c: the
// retransmission of what they announced (the anno_list and
// mptcp_pm_add_timer: sent again after add_addr_timeout until echoed, at most
// ADD_ADDR_RETRANS_MAX times), taking in an ADD_ADDR (HMAC check, counters,
// ANNOUNCED, echo) and its echo, RM_ADDR and MP_PRIO reception, the counting
// of the signals sent, and an announced address as text. The in-kernel PM
// (pm-kernel.ts, pm_kernel.c) and the userspace PM (pm-userspace.ts,
// pm_userspace.c) keep only what differs: which addresses they announce and
// which subflows they make.
import { be64Bytes, bytesEqual } from './bytes.js';
import { formatIpv4, formatIpv6, ipBytes } from './addr.js';
import { addAddrHmac } from './crypto.js';
import type { MptcpOption } from './options.js';
import type { PmConnection, PmSubflow } from './pm-hooks.js';
import { OPTION_MPTCP_ADD_ADDR, OPTION_MPTCP_PRIO, OPTION_MPTCP_RM_ADDR, type ReceivedOptions } from './protocol.js';

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
export function acceptAddAddr(now: number, msk: PmConnection, rx: ReceivedOptions, addr: string): boolean {
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
  msk.queueSignal({
    kind: 'add_addr',
    echo: true,
    addressId: rx.addr.id,
    address: { family: rx.addr.family === 6 ? 6 : 4, bytes: rx.addr.bytes },
    ...(rx.addr.port ? { port: rx.addr.port } : {}),
  });
  return true;
}

/** An address from an ADD_ADDR as text (IPv6 in RFC 5952 form, as iproute2 prints it). */
export function addrText(family: 0 | 4 | 6, bytes: Uint8Array): string {
  return family === 4 ? formatIpv4(bytes) : formatIpv6(bytes);
}

/** The ADD_ADDR announcing local address `address` with ID `id` (and a port), HMAC included (mptcp_pm_announce_addr). */
export function addAddrSignal(msk: PmConnection, id: number, address: string, port: number | undefined): MptcpOption {
  const bytes = ipBytes(address);
  const hmac = addAddrHmac(msk.localKey, msk.remoteKey ?? 0n, id, bytes, port);
  return {
    kind: 'add_addr',
    echo: false,
    addressId: id,
    address: { family: bytes.length === 4 ? 4 : 6, bytes },
    ...(port ? { port } : {}),
    hmac: be64Bytes(hmac),
  };
}

/**
 * A signal went out (options.c counts it there): AddAddrTx / EchoAddTx, RmAddrTx, MPPrioTx; an ADD_ADDR's
 * retransmission timer (`announced`, its anno_list entry) is armed.
 */
export function signalSent(now: number, msk: PmConnection, o: MptcpOption, announced: Announced | undefined, timeoutMs: number): void {
  if (o.kind === 'add_addr') {
    msk.count(o.echo ? 'EchoAddTx' : 'AddAddrTx');
    if (!o.echo) armAnnounceTimer(now, announced, timeoutMs);
  } else if (o.kind === 'remove_addr') msk.count('RmAddrTx');
  else if (o.kind === 'mp_prio') msk.count('MPPrioTx');
}

/** What a PM does with each PM option it receives; MP_PRIO is the same for both and handled here. */
export interface PmOptionHandlers {
  addAddr(rx: ReceivedOptions): void;
  rmAddr(ids: readonly number[]): void;
}

/** mptcp_pm_add_addr_received / mptcp_pm_rm_addr_received / mptcp_pm_mp_prio_received, for an MPTCP connection. */
export function optionsReceived(now: number, msk: PmConnection, sf: PmSubflow, rx: ReceivedOptions, on: PmOptionHandlers): void {
  if (rx.suboptions & OPTION_MPTCP_ADD_ADDR) on.addAddr(rx);
  if (rx.suboptions & OPTION_MPTCP_RM_ADDR) on.rmAddr(rx.rmList);
  if (rx.suboptions & OPTION_MPTCP_PRIO) {
    msk.count('MPPrioRx');
    sf.peerBackup = rx.backup;
    msk.subflowEvent(now, 'SF_PRIORITY', sf);
  }
}

/**
 * mptcp_pm_add_addr_echoed: an ADD_ADDR echo, counted (EchoAdd, PortAdd). The retransmission of `entry`
 * stops when the echo names the address it announced (`announcedAddr`); true when it did.
 */
export function addAddrEchoed(
  msk: PmConnection,
  rx: ReceivedOptions,
  addr: string,
  entry: Announced | undefined,
  announcedAddr: string | undefined,
): boolean {
  msk.count('EchoAdd');
  if (rx.addr.port) msk.count('PortAdd');
  if (!entry || announcedAddr !== addr) return false;
  entry.echoed = true;
  entry.timerAt = undefined;
  return true;
}

/**
 * mptcp_pm_rm_addr_received: per ID, REMOVED, the subflows to that remote ID closed (never the last one)
 * and RmAddr counted; `removed(id)` is told when subflows went.
 */
export function rmAddrReceived(now: number, msk: PmConnection, ids: readonly number[], removed?: (id: number) => void): void {
  for (const id of ids) {
    msk.addrEvent(now, 'REMOVED', id);
    let any = false;
    for (const sf of [...msk.subflows]) {
      if (sf.remoteId !== id || msk.subflows.length === 1) continue;
      msk.removeSubflow(now, sf);
      any = true;
    }
    msk.count('RmAddr');
    if (any) removed?.(id);
  }
}
