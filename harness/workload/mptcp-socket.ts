// Real MPTCP sockets for Node. Node's `net` cannot ask for IPPROTO_MPTCP, so
// the socket is made here with libc (koffi) and then handed to Node: a
// listening fd to `net.Server.listen({ fd })`, an unconnected fd to
// `new net.Socket({ fd })` + `.connect()`. Node owns the fd after that.
import koffi from 'koffi';
import { cBind, cClose, cGetsockopt, cIoctl, cSetsockopt, cSocket } from '../../lib/libc.js';
import { isIP, type Socket } from 'node:net';

export const AF_INET = 2;
export const AF_INET6 = 10;
const SOCK_STREAM = 1;
/** Without it the fd leaks into every child process the agent spawns. */
const SOCK_CLOEXEC = 0o2000000;
export const IPPROTO_MPTCP = 262;
export const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const SO_LINGER = 13;
const IPPROTO_IPV6 = 41;
const IPV6_V6ONLY = 26;
export const SOL_TCP = 6;
export const SOL_MPTCP = 284;

/** SIOCOUTQ (= TIOCOUTQ): bytes written but not yet acked; on an msk, write_seq - snd_una at the MPTCP level. */
const SIOCOUTQ = 0x5411;

const errnoNames = new Map<number, string>(Object.entries(koffi.os.errno).map(([name, n]) => [n, name]));

export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

/** A failed libc call; `code` is the errno name (EOPNOTSUPP, ...). */
export class SyscallError extends Error {
  constructor(
    readonly syscall: string,
    readonly errno: number,
    readonly code: string,
    hint?: string,
  ) {
    super(`${syscall}: ${code}${hint ? ` (${hint})` : ''}`);
    this.name = 'SyscallError';
  }
}

function fail(syscall: string, hint?: (code: string) => string | undefined): never {
  const errno = koffi.errno();
  const code = errnoName(errno);
  throw new SyscallError(syscall, errno, code, hint?.(code));
}

function socketHint(code: string): string | undefined {
  // Measured on 6.18: the sysctl gives ENOPROTOOPT; a kernel without MPTCP gives EPROTONOSUPPORT.
  if (code === 'ENOPROTOOPT') return 'MPTCP not enabled: net.mptcp.enabled=0 in this namespace';
  if (code === 'EPROTONOSUPPORT') return 'MPTCP not supported: kernel built without CONFIG_MPTCP';
  if (code === 'EAFNOSUPPORT') return 'address family not supported (IPv6 disabled?)';
  return undefined;
}

function openStream(family: number, mptcp: boolean): number {
  const fd = cSocket(family, SOCK_STREAM | SOCK_CLOEXEC, mptcp ? IPPROTO_MPTCP : 0) as number;
  if (fd < 0) fail(mptcp ? 'socket(IPPROTO_MPTCP)' : 'socket', socketHint);
  return fd;
}

function setInt(fd: number, level: number, name: number, value: number, what: string): void {
  const val = Buffer.alloc(4);
  val.writeInt32LE(value);
  if ((cSetsockopt(fd, level, name, val, 4) as number) < 0) fail(`setsockopt(${what})`);
}

/** struct sockaddr_in / sockaddr_in6; sin_family is host order (x86/arm little endian), port and address network order. */
export function encodeSockaddr(address: string, port: number): Buffer {
  const v = isIP(address);
  if (v === 4) {
    const sa = Buffer.alloc(16);
    sa.writeUInt16LE(AF_INET, 0);
    sa.writeUInt16BE(port, 2);
    address.split('.').forEach((octet, i) => sa.writeUInt8(Number(octet), 4 + i));
    return sa;
  }
  if (v === 6) {
    const sa = Buffer.alloc(28);
    sa.writeUInt16LE(AF_INET6, 0);
    sa.writeUInt16BE(port, 2);
    ipv6Bytes(address).copy(sa, 8);
    return sa;
  }
  throw new Error(`not an IP address: ${JSON.stringify(address)}`);
}

/** The 16 bytes of an IPv6 address in text form (with :: and an optional dotted IPv4 tail). */
function ipv6Bytes(text: string): Buffer {
  let s = text.replace(/%.*$/, '');
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail?.[1]) {
    const o = tail[1].split('.').map(Number);
    s =
      s.slice(0, -tail[1].length) + `${(((o[0] ?? 0) << 8) | (o[1] ?? 0)).toString(16)}:${(((o[2] ?? 0) << 8) | (o[3] ?? 0)).toString(16)}`;
  }
  const [head = '', rest] = s.split('::');
  const a = head ? head.split(':') : [];
  const b = rest ? rest.split(':') : [];
  const groups = rest === undefined ? a : [...a, ...Array<string>(8 - a.length - b.length).fill('0'), ...b];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function bindTo(fd: number, address: string, port: number): void {
  const sa = encodeSockaddr(address, port);
  if ((cBind(fd, sa, sa.length) as number) < 0) fail(`bind(${address}:${port})`);
}

function closeQuietly(fd: number): void {
  cClose(fd);
}

export interface ListenOptions {
  mptcp: boolean;
  family: 4 | 6;
  port: number;
}

/**
 * A socket bound to the wildcard of `family` (6 = dual-stack), ready for
 * `net.Server.listen({ fd })`, which calls listen() itself: calling it here
 * too would make the kernel announce the listener twice (LISTENER_CREATED).
 * The wildcard matters: MP_JOINs arrive at the server's other addresses.
 */
export function openListeningSocket(o: ListenOptions): number {
  const fd = openStream(o.family === 6 ? AF_INET6 : AF_INET, o.mptcp);
  try {
    setInt(fd, SOL_SOCKET, SO_REUSEADDR, 1, 'SO_REUSEADDR');
    if (o.family === 6) setInt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0, 'IPV6_V6ONLY');
    bindTo(fd, o.family === 6 ? '::' : '0.0.0.0', o.port);
    return fd;
  } catch (e) {
    closeQuietly(fd);
    throw e;
  }
}

/** An unconnected socket of the family of `address`, bound to `bind` if given. */
export function openClientSocket(o: { mptcp: boolean; address: string; bind?: string }): number {
  const v6 = isIP(o.address) === 6;
  const fd = openStream(v6 ? AF_INET6 : AF_INET, o.mptcp);
  try {
    if (o.bind !== undefined) bindTo(fd, o.bind, 0);
    return fd;
  } catch (e) {
    closeQuietly(fd);
    throw e;
  }
}

/** getsockopt into `buf`; returns the length the kernel wrote (optlen). */
export function getsockoptInto(fd: number, level: number, name: number, buf: Buffer, what: string): number {
  const len = [buf.length];
  if ((cGetsockopt(fd, level, name, buf, len) as number) < 0) fail(`getsockopt(${what})`);
  return len[0] ?? 0;
}

/**
 * Native memory the kernel can write to through a pointer inside a struct
 * (MPTCP_FULL_INFO carries user pointers to its two arrays).
 */
export interface NativeBuffer {
  address: bigint;
  /** A copy of the bytes, as they are now. */
  read(): Buffer;
  free(): void;
}

export function allocNative(size: number): NativeBuffer {
  const ptr: unknown = koffi.alloc('uint8_t', size);
  new Uint8Array(koffi.view(ptr, size)).fill(0);
  return {
    address: koffi.address(ptr),
    read: () => Buffer.from(new Uint8Array(koffi.view(ptr, size)).slice()),
    free: () => koffi.free(ptr),
  };
}

/** Bytes in the send queue not yet acknowledged by the peer (SIOCOUTQ). */
export function unackedBytes(fd: number): number {
  const out = Buffer.alloc(4);
  if ((cIoctl(fd, SIOCOUTQ, 'void *', out) as number) < 0) fail('ioctl(SIOCOUTQ)');
  return out.readInt32LE(0);
}

/** SO_LINGER {on, 0}: close() then sends RST (TCP) or MP_FASTCLOSE (MPTCP) instead of FIN. */
export function setLingerZero(fd: number): void {
  const linger = Buffer.alloc(8); // struct linger { int l_onoff; int l_linger; }
  linger.writeInt32LE(1, 0);
  linger.writeInt32LE(0, 4);
  if ((cSetsockopt(fd, SOL_SOCKET, SO_LINGER, linger, 8) as number) < 0) fail('setsockopt(SO_LINGER)');
}

/** The kernel fd behind a connected net.Socket (libuv keeps it in `_handle.fd`). */
export function socketFd(socket: Socket): number {
  const handle: unknown = (socket as unknown as { _handle?: unknown })._handle;
  if (typeof handle === 'object' && handle !== null && 'fd' in handle && typeof handle.fd === 'number' && handle.fd >= 0) {
    return handle.fd;
  }
  throw new Error('socket has no file descriptor (already closed?)');
}
