// ADD_ADDR (RFC 8684 §3.4.1):
//
//   kind=30 | length | subtype=0x3 (rsv) E | Address ID
//   Address (IPv4: 4 octets / IPv6: 16 octets)
//   Port (2 octets, optional)
//   Truncated HMAC (8 octets) — absent on an echo (E=1)
//
// Nothing in the option says which family it carries: E tells whether an
// HMAC follows, and then the length leaves one reading only, exactly the
// eight lengths the kernel accepts (TCPOLEN_MPTCP_ADD_ADDR*).

import { MPTCPOPT_ADD_ADDR, MPTCP_ADDR_ECHO, TCPOLEN_MPTCP_ADD_ADDR_HMAC, TCPOLEN_MPTCP_PORT_LEN } from '../protocol.js';
import type { AddAddr, ParseResult } from './repr.js';
import { getBe16, putBe16 } from '../bytes.js';
import { checkBytes, checkUint, copy, fail, ok, putHeader } from './wire.js';

/** Kind, length, subtype byte, address ID. */
const HEAD = 4;

export function parseAddAddr(b: Uint8Array): ParseResult<AddAddr> {
  const echo = (b[2] & MPTCP_ADDR_ECHO) !== 0;
  const hmacLen = echo ? 0 : TCPOLEN_MPTCP_ADD_ADDR_HMAC;
  const addrAndPort = b.length - HEAD - hmacLen;
  const family = addrAndPort === 4 || addrAndPort === 6 ? 4 : addrAndPort === 16 || addrAndPort === 18 ? 6 : 0;
  if (family === 0) {
    const lengths = echo ? '8 or 10 (IPv4), 20 or 22 (IPv6)' : '16 or 18 (IPv4), 28 or 30 (IPv6)';
    return fail(`ADD_ADDR${echo ? ' echo' : ''}: length ${b.length} is none of ${lengths}`);
  }
  const addrLen = family === 4 ? 4 : 16;
  const hasPort = addrAndPort > addrLen;
  const end = HEAD + addrAndPort;
  return ok({
    kind: 'add_addr',
    echo,
    addressId: b[3],
    address: { family, bytes: copy(b, HEAD, HEAD + addrLen) },
    ...(hasPort ? { port: getBe16(b, HEAD + addrLen) } : {}),
    ...(echo ? {} : { hmac: copy(b, end, end + TCPOLEN_MPTCP_ADD_ADDR_HMAC) }),
  });
}

export function addAddrLen(o: AddAddr): number {
  if (o.echo === (o.hmac !== undefined)) {
    throw new RangeError('ADD_ADDR: an echo carries no hmac, and a non-echo must carry one');
  }
  const addrLen = o.address.family === 4 ? 4 : 16;
  return HEAD + addrLen + (o.port !== undefined ? TCPOLEN_MPTCP_PORT_LEN : 0) + (o.hmac ? TCPOLEN_MPTCP_ADD_ADDR_HMAC : 0);
}

export function emitAddAddr(o: AddAddr, out: Uint8Array, at: number, len: number): void {
  const addrLen = o.address.family === 4 ? 4 : 16;
  if (o.address.family !== 4 && o.address.family !== 6) throw new RangeError('ADD_ADDR: family must be 4 or 6');
  checkBytes(`ADD_ADDR IPv${o.address.family} address`, o.address.bytes, addrLen);
  checkUint('ADD_ADDR addressId', o.addressId, 8);
  if (o.port !== undefined) checkUint('ADD_ADDR port', o.port, 16);
  if (o.hmac) checkBytes('ADD_ADDR hmac', o.hmac, TCPOLEN_MPTCP_ADD_ADDR_HMAC);

  putHeader(out, at, len, MPTCPOPT_ADD_ADDR, o.echo ? MPTCP_ADDR_ECHO : 0);
  out[at + 3] = o.addressId;
  let p = at + HEAD;
  out.set(o.address.bytes, p);
  p += addrLen;
  if (o.port !== undefined) {
    putBe16(out, p, o.port);
    p += TCPOLEN_MPTCP_PORT_LEN;
  }
  if (o.hmac) out.set(o.hmac, p);
}
