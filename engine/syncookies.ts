// SYN cookies, after Linux net/ipv4/syncookies.c (RFC 4987 §3.6) and
// net/mptcp/syncookies.c: a listener answers a SYN without keeping any state,
// the initial sequence number of its SYN/ACK (the cookie) encodes what it
// needs, and the connection is created from the ACK that echoes it.
//
// The cookie, as the kernel builds it: hash(tuple) + the peer's ISN +
// (minutes << 24) + ((hash(tuple, minutes) + data) mod 2^24), where data is
// the index of the MSS in a small table. It is valid for MAX_SYNCOOKIE_AGE
// minutes. The kernel keeps window scaling and SACK in the TCP timestamp of a
// cookie connection; the engine has no timestamps, so its data carries the
// peer's window scale shift too (as the kernel's timestamp bits would).
//
// MP_JOIN cannot be rebuilt from its ACK (the token and our nonce are not in
// it), so, like the kernel, a small best-effort table indexed by a hash of the
// SYN's sequence number and ports keeps the join state, and the cookie ACK
// takes it back (subflow_init_req_cookie_join_save /
// mptcp_token_join_cookie_init_state). A slot can be overwritten by another
// SYN: that join then fails.
import { createHmac } from 'node:crypto';
import { be32Bytes, concat, getBe32, putBe16, putBe32 } from './bytes.js';
import { ipBytes } from './addr.js';
import { joinHmac } from './crypto.js';
import type { Mib } from './mib.js';
import type { Msk } from './msk.js';
import { encodeOption } from './options.js';
import { DEFAULT_SUBFLOWS_MAX } from './pm-hooks.js';
import { MPTCP_RST_EMPTCP, MPTCP_RST_EPROHIBIT, type ReceivedOptions } from './protocol.js';
import type { RandomSource } from './random.js';
import type { Subflow } from './subflow.js';
import type { TcpAddr } from './tcp/config.js';
import type { TcpSegment } from './tcp/segment.js';
import { seqAdd } from './tcp/seq.js';

const COOKIEBITS = 24;
const COOKIEMASK = (1 << COOKIEBITS) - 1;
/** A cookie is accepted up to this many minutes after it was made (MAX_SYNCOOKIE_AGE). */
const MAX_SYNCOOKIE_AGE = 2;
const MINUTE_MS = 60_000;
const TWO32 = 2 ** 32;
/** msstab: the MSS values a cookie can carry, by 2-bit index. */
export const COOKIE_MSS = [536, 1300, 1440, 1460] as const;
/** TCP_SYNCOOKIE_VALID: a listener checks ACKs for cookies only this long after it last sent one (tcp_synq_no_recent_overflow). */
export const SYNCOOKIE_VALID_MS = MAX_SYNCOOKIE_AGE * MINUTE_MS;

/** The connection as the client sees it: its address and port first. */
export interface CookieTuple {
  readonly saddr: string;
  readonly daddr: string;
  readonly sport: number;
  readonly dport: number;
}

/** What a cookie remembers of the SYN. */
export interface CookieOptions {
  /** The MSS the connection uses (one of COOKIE_MSS, at most the peer's). */
  readonly mss: number;
  /** The peer's window scale shift, when its SYN asked for scaling. */
  readonly wscale?: number;
}

export class SynCookies {
  private secret: Uint8Array | undefined;

  constructor(private readonly random: RandomSource) {}

  /** cookie_v4_init_sequence: the ISN of a cookie SYN/ACK for a SYN with sequence number `isn`. */
  make(now: number, t: CookieTuple, isn: number, peerMss: number, wscale: number | undefined): { cookie: number; mss: number } {
    let index = COOKIE_MSS.length - 1;
    while (index > 0 && peerMss < COOKIE_MSS[index]!) index -= 1;
    const data = index | ((wscale === undefined ? 0 : Math.min(wscale, 14) + 1) << 2);
    const count = minutes(now);
    const cookie = this.hash(t, 0, 0) + isn + ((count * 2 ** COOKIEBITS) % TWO32) + ((this.hash(t, count, 1) + data) & COOKIEMASK);
    return { cookie: cookie % TWO32, mss: COOKIE_MSS[index]! };
  }

  /**
   * __cookie_v4_check: what the cookie `cookie` (the ACK's acknowledgment number - 1) carried for the
   * SYN with sequence number `isn` (the ACK's sequence number - 1), or undefined when it is not ours or too old.
   */
  check(now: number, t: CookieTuple, isn: number, cookie: number): CookieOptions | undefined {
    const count = minutes(now);
    const stripped = mod32(cookie - this.hash(t, 0, 0) - isn);
    const diff = (count - Math.floor(stripped / 2 ** COOKIEBITS)) & 0xff;
    if (diff >= MAX_SYNCOOKIE_AGE) return undefined;
    const data = mod32(stripped - this.hash(t, count - diff, 1)) & COOKIEMASK;
    const index = data & 3;
    const ws = data >> 2;
    if (ws > 15) return undefined; // not a value make() writes: a forged or mistaken ACK
    return { mss: COOKIE_MSS[index]!, ...(ws > 0 ? { wscale: ws - 1 } : {}) };
  }

  /** cookie_hash: a keyed hash of the tuple, the minute count and which of the two hashes (32 bits). */
  private hash(t: CookieTuple, count: number, c: number): number {
    // The secret is drawn on first use, so endpoints that never send a cookie draw the same numbers as before.
    this.secret ??= concat(Array.from({ length: 8 }, () => be32Bytes(this.random.nextU32())));
    const msg = new Uint8Array(12);
    putBe16(msg, 0, t.sport);
    putBe16(msg, 2, t.dport);
    putBe32(msg, 4, count >>> 0);
    putBe32(msg, 8, c);
    const h = createHmac('sha256', this.secret).update(ipBytes(t.saddr)).update(ipBytes(t.daddr)).update(msg).digest();
    return getBe32(h, 0);
  }
}

function minutes(now: number): number {
  return Math.floor(now / MINUTE_MS);
}

function mod32(n: number): number {
  return ((n % TWO32) + TWO32) % TWO32;
}

/** What a cookie MP_JOIN needs back from its SYN (struct join_entry). */
export interface JoinCookieState {
  /** The connection the SYN named. */
  readonly token: number;
  readonly remoteNonce: number;
  readonly localNonce: number;
  /** The peer's address ID and B flag from its SYN. */
  readonly remoteId: number;
  readonly remoteBackup: boolean;
  /** Our address ID and B flag, as our SYN/ACK said. */
  readonly localId: number;
  readonly localBackup: boolean;
}

/** COOKIE_JOIN_SLOTS. */
const JOIN_SLOTS = 1024;

/** The kernel's join_entries: one slot per hash of (SYN sequence number, ports); taking a slot empties it. */
export class JoinCookieTable {
  private readonly slots: (JoinCookieState | undefined)[] = new Array<JoinCookieState | undefined>(JOIN_SLOTS);

  /** subflow_init_req_cookie_join_save: `synSeq` is the SYN's sequence number. */
  save(synSeq: number, sport: number, dport: number, state: JoinCookieState): void {
    this.slots[slot(synSeq, sport, dport)] = state;
  }

  /** mptcp_token_join_cookie_init_state: `synSeq` is the ACK's sequence number - 1. */
  take(synSeq: number, sport: number, dport: number): JoinCookieState | undefined {
    const i = slot(synSeq, sport, dport);
    const state = this.slots[i];
    this.slots[i] = undefined;
    return state;
  }
}

/** A 32-bit mix of the SYN's sequence number and ports (the kernel uses jhash with a secret). */
function slot(seq: number, sport: number, dport: number): number {
  let h = Math.imul((seq >>> 0) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ (((sport << 16) | dport) >>> 0), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % JOIN_SLOTS;
}

/** What the MP_JOIN cookie path needs of its endpoint. */
export interface JoinCookieEnv {
  readonly mib: Mib;
  readonly random: RandomSource;
  /** mptcp_token_get_sock: the connection a token names. */
  connection(token: number): Msk | undefined;
}

/**
 * The MP_JOIN part of SYN cookies (net/mptcp/syncookies.c and subflow_check_req's cookie branch): the
 * SYN's join state saved for the ACK, and the subflow made from a cookie ACK that takes it back.
 */
export class JoinCookies {
  private readonly table = new JoinCookieTable();

  constructor(private readonly env: JoinCookieEnv) {}

  /**
   * The MP_JOIN of a cookie SYN/ACK: the connection must exist and take another subflow now; its state
   * is saved for the ACK. The option bytes, or the MP_TCPRST reason the SYN is to be reset with.
   */
  synAck(syn: TcpSegment, rx: ReceivedOptions, local: TcpAddr): { readonly option: Uint8Array } | { readonly reset: number } {
    const mib = this.env.mib;
    mib.inc('MPJoinSynRx');
    if (rx.backup) mib.inc('MPJoinSynBackupRx');
    const owner = this.env.connection(rx.token);
    if (!owner) {
      mib.inc('MPJoinNoTokenFound');
      return { reset: MPTCP_RST_EMPTCP };
    }
    if (local.port !== owner.local.port) mib.inc('MPJoinPortSynRx');
    // subflow_check_req: a cookie join must be acceptable now
    if (!canAcceptSubflow(owner)) return { reset: MPTCP_RST_EPROHIBIT };
    const state = {
      token: rx.token,
      remoteNonce: rx.nonce,
      localNonce: this.env.random.nextU32(),
      remoteId: rx.joinId,
      remoteBackup: rx.backup,
      localId: owner.localIdFor(local.addr),
      localBackup: owner.joinBackup(local.addr),
    };
    this.table.save(syn.seq, syn.srcPort, syn.dstPort, state);
    // RFC 8684 §3.2: HMAC-B = HMAC(Key=(Key-B + Key-A), Msg=(R-B + R-A)), leftmost 64 bits.
    const hmac = joinHmac(owner.localKey, owner.remoteKey ?? 0n, state.localNonce, state.remoteNonce).hmac.slice(0, 8);
    return {
      option: encodeOption({
        kind: 'mp_join',
        form: 'synack',
        backup: state.localBackup,
        addressId: state.localId,
        hmac,
        nonce: state.localNonce,
      }),
    };
  }

  /**
   * mptcp_token_join_cookie_init_state: the join subflow a cookie ACK (with MP_JOIN) stands for, made
   * from the saved state and `syn` (the SYN the cookie stands for); undefined when the state is gone.
   */
  subflow(
    now: number,
    syn: TcpSegment,
    ack: TcpSegment,
    rx: ReceivedOptions,
    local: TcpAddr,
    remote: TcpAddr,
    iss: number,
  ): Subflow | undefined {
    const st = this.table.take(seqAdd(ack.seq, -1), ack.srcPort, ack.dstPort);
    const owner = st === undefined ? undefined : this.env.connection(st.token);
    if (!st || !owner) return undefined;
    const joinRx: ReceivedOptions = { ...rx, nonce: st.remoteNonce, joinId: st.remoteId, backup: st.remoteBackup, token: st.token };
    return owner.acceptJoin(now, syn, joinRx, local, remote, iss, { nonce: st.localNonce, localId: st.localId, backup: st.localBackup });
  }
}

/** mptcp_can_accept_new_subflow: a fully established MPTCP connection whose PM takes one more subflow (a question only). */
function canAcceptSubflow(msk: Msk): boolean {
  if (msk.mode !== 'mptcp' || !msk.isFullyEstablished || msk.state !== 'ESTABLISHED') return false;
  return (
    msk.env.pm.acceptsSubflow?.(msk) ?? msk.subflows.filter((s) => s.kind === 'join' && s.everEstablished).length < DEFAULT_SUBFLOWS_MAX
  );
}
