// The connection-token table, after Linux net/mptcp/token.c, sans-IO.
//
// A token (32 bits of SHA-256 of the local key) names an MPTCP connection;
// an MP_JOIN SYN carries the peer's token so the listener can find the
// connection the new subflow belongs to. The kernel keeps two kinds of
// entries: request sockets (an MP_CAPABLE SYN seen, handshake not finished)
// and established connections (msk). A token in use by either is busy, and so
// is token 0. New keys are drawn from the injected RandomSource until the
// token is free, at most TOKEN_MAX_RETRIES times; then the caller falls back
// to plain TCP (the kernel counts MPTcpExtTokenFallbackInit).
//
// Not modelled: the kernel's hash buckets and their TOKEN_MAX_CHAIN_LEN limit
// (a bucket with 4 entries counts as busy), which only matter with millions
// of connections; network namespaces (one table per engine instance).
import { keyGenSha, keyToTokenAndIdsn, type KeyMaterial } from './crypto.js';
import type { RandomSource } from './random.js';

/** Attempts to find a free token before giving up (TOKEN_MAX_RETRIES). */
export const TOKEN_MAX_RETRIES = 4;

export type TokenResult = ({ ok: true } & KeyMaterial) | { ok: false; error: 'EBUSY'; attempts: number };

export class TokenTable<Msk, Req = Msk> {
  private readonly reqs = new Map<number, Req>();
  private readonly msks = new Map<number, Msk>();

  constructor(private readonly random: RandomSource) {}

  /** Entries of both kinds. */
  get size(): number {
    return this.reqs.size + this.msks.size;
  }

  private busy(token: number): boolean {
    return token === 0 || this.reqs.has(token) || this.msks.has(token);
  }

  private allocate(insert: (token: number) => void): TokenResult {
    for (let attempt = 1; attempt <= TOKEN_MAX_RETRIES; attempt++) {
      const km = keyGenSha(this.random);
      if (this.busy(km.token)) continue;
      insert(km.token);
      return { ok: true, ...km };
    }
    return { ok: false, error: 'EBUSY', attempts: TOKEN_MAX_RETRIES };
  }

  /**
   * mptcp_token_new_request: a listener got an MP_CAPABLE SYN; draw the local
   * key for the SYN/ACK and park `req` under its token.
   */
  newRequest(req: Req): TokenResult {
    return this.allocate((token) => this.reqs.set(token, req));
  }

  /**
   * subflow_check_req with a SYN cookie: draw a local key for the SYN/ACK whose token no connection
   * holds, without keeping anything (the cookie ACK brings the key back). Undefined after
   * TOKEN_MAX_RETRIES busy tokens (the caller falls back to TCP).
   */
  cookieKey(): KeyMaterial | undefined {
    for (let attempt = 1; attempt <= TOKEN_MAX_RETRIES; attempt++) {
      const km = keyGenSha(this.random);
      if (!this.exists(km.token)) return km;
    }
    return undefined;
  }

  /**
   * mptcp_token_new_request for a cookie ACK (mptcp_subflow_init_cookie_req): the local key is the one
   * the ACK's MP_CAPABLE echoes; park `req` under its token unless that token is busy.
   */
  newRequestKey(req: Req, key: bigint): TokenResult {
    const km = { key, ...keyToTokenAndIdsn(key) };
    if (this.busy(km.token)) return { ok: false, error: 'EBUSY', attempts: 1 };
    this.reqs.set(km.token, req);
    return { ok: true, ...km };
  }

  /**
   * mptcp_token_new_connect: an active opener needs its local key for the
   * MP_CAPABLE handshake; register `msk` under the token so MP_JOINs find it.
   */
  newConnect(msk: Msk): TokenResult {
    return this.allocate((token) => this.msks.set(token, msk));
  }

  /**
   * mptcp_token_accept: the handshake of a request completed; replace the
   * request entry with the connection. False if no request had that token.
   */
  accept(token: number, msk: Msk): boolean {
    if (!this.reqs.delete(token)) return false;
    this.msks.set(token, msk);
    return true;
  }

  /** mptcp_token_get_sock: the connection an MP_JOIN SYN's token names, if any. */
  getSock(token: number): Msk | undefined {
    return this.msks.get(token);
  }

  /** mptcp_token_exists: whether a connection (not a pending request) holds the token. */
  exists(token: number): boolean {
    return this.msks.has(token);
  }

  /** mptcp_token_destroy_request: drop a request that will not complete. */
  destroyRequest(token: number): boolean {
    return this.reqs.delete(token);
  }

  /** mptcp_token_destroy: the connection is gone; its token may be handed out again. */
  destroy(token: number): boolean {
    return this.msks.delete(token);
  }
}
