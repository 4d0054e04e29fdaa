// Reads what the kernel knows about a connected socket: MPTCP_INFO, the
// subflows (MPTCP_FULL_INFO, or MPTCP_SUBFLOW_ADDRS + MPTCP_TCPINFO on
// kernels before 6.5), or TCP_INFO for plain TCP and fallback. Must run
// while the fd is still open: after close() there is nothing to ask.
import type { MptcpInfoObservation, SubflowObservation } from '../observations.js';
import {
  MPTCP_FULL_INFO,
  MPTCP_INFO,
  MPTCP_INFO_FLAG_FALLBACK,
  MPTCP_INFO_SIZE,
  MPTCP_SUBFLOW_ADDRS,
  MPTCP_TCPINFO,
  SUBFLOW_ADDRS_SIZE,
  SUBFLOW_INFO_SIZE,
  TCP_INFO_REQUEST_SIZE,
  buildFullInfoRequest,
  buildSubflowDataRequest,
  decodeFullInfoHeader,
  decodeFullInfoSubflows,
  decodeMptcpInfo,
  decodeSubflowData,
  decodeTcpInfo,
  decodeTcpSendQueue,
  subflowObservation,
} from './mptcp-info.js';
import { SOL_MPTCP, SOL_TCP, SyscallError, allocNative, getsockoptInto, unackedBytes } from './mptcp-socket.js';

const TCP_INFO = 11;
/** More subflows than any in-kernel PM limit (MPTCP_PM_ADDR_MAX is 8). */
const MAX_SUBFLOWS = 16;

export interface EndpointState {
  /** Opened as MPTCP but running as plain TCP (MPTCP_INFO says EOPNOTSUPP). */
  fallback: boolean;
  info?: MptcpInfoObservation;
  subflows: SubflowObservation[];
  /** Why some of it could not be read. */
  error?: string;
}

/** The one TCP connection of a plain or fallen-back socket; addresses come from Node. */
export interface Addresses {
  saddr: string;
  daddr: string;
  sport: number;
  dport: number;
}

function isCode(e: unknown, ...codes: string[]): boolean {
  return e instanceof SyscallError && codes.includes(e.code);
}

function tcpSubflow(fd: number, addrs: Addresses): SubflowObservation {
  const buf = Buffer.alloc(TCP_INFO_REQUEST_SIZE);
  // On a fallen-back msk, SOL_TCP options pass through to its one subflow.
  const len = getsockoptInto(fd, SOL_TCP, TCP_INFO, buf, 'TCP_INFO');
  return { ...addrs, ...decodeTcpInfo(buf.subarray(0, len)) };
}

function readFullInfo(fd: number): { info?: MptcpInfoObservation; subflows: SubflowObservation[] } {
  const sf = allocNative(SUBFLOW_INFO_SIZE * MAX_SUBFLOWS);
  const ti = allocNative(TCP_INFO_REQUEST_SIZE * MAX_SUBFLOWS);
  try {
    const req = buildFullInfoRequest({
      max: MAX_SUBFLOWS,
      subflowInfoAddr: sf.address,
      tcpInfoAddr: ti.address,
      tcpInfoSize: TCP_INFO_REQUEST_SIZE,
    });
    const len = getsockoptInto(fd, SOL_MPTCP, MPTCP_FULL_INFO, req, 'MPTCP_FULL_INFO');
    const h = decodeFullInfoHeader(req, len);
    const out: { info?: MptcpInfoObservation; subflows: SubflowObservation[] } = {
      subflows: decodeFullInfoSubflows(h, sf.read(), ti.read()),
    };
    if (h.info) out.info = h.info;
    return out;
  } finally {
    sf.free();
    ti.free();
  }
}

/** Kernels 5.16..6.4: two calls, zipped by position in the subflow list. */
export function readSubflowsLegacy(fd: number): SubflowObservation[] {
  const addrReq = buildSubflowDataRequest(SUBFLOW_ADDRS_SIZE, MAX_SUBFLOWS);
  const addrs = decodeSubflowData(addrReq, getsockoptInto(fd, SOL_MPTCP, MPTCP_SUBFLOW_ADDRS, addrReq, 'MPTCP_SUBFLOW_ADDRS'));
  const tcpReq = buildSubflowDataRequest(TCP_INFO_REQUEST_SIZE, MAX_SUBFLOWS);
  const tcp = decodeSubflowData(tcpReq, getsockoptInto(fd, SOL_MPTCP, MPTCP_TCPINFO, tcpReq, 'MPTCP_TCPINFO'));
  const n = Math.max(addrs.elements.length, tcp.elements.length);
  return Array.from({ length: n }, (_, i) => subflowObservation(addrs.elements[i], tcp.elements[i]));
}

export function readEndpointState(fd: number, mptcp: boolean, addrs: Addresses): EndpointState {
  if (!mptcp) return { fallback: false, subflows: [tcpSubflow(fd, addrs)] };
  const infoBuf = Buffer.alloc(MPTCP_INFO_SIZE);
  let info: MptcpInfoObservation;
  try {
    info = decodeMptcpInfo(infoBuf.subarray(0, getsockoptInto(fd, SOL_MPTCP, MPTCP_INFO, infoBuf, 'MPTCP_INFO')));
  } catch (e) {
    // A fallen-back socket (or the plain TCP socket an MPTCP listener may hand out) rejects SOL_MPTCP.
    if (isCode(e, 'EOPNOTSUPP', 'ENOPROTOOPT')) return { fallback: true, subflows: [tcpSubflow(fd, addrs)] };
    return { fallback: false, subflows: [], error: String(e instanceof Error ? e.message : e) };
  }
  const state: EndpointState = { fallback: (info.flags & MPTCP_INFO_FLAG_FALLBACK) !== 0, info, subflows: [] };
  try {
    const full = readFullInfo(fd);
    state.subflows = full.subflows;
    if (full.info) state.info = full.info;
  } catch (e) {
    if (!isCode(e, 'EOPNOTSUPP', 'ENOPROTOOPT', 'EINVAL')) {
      state.error = String(e instanceof Error ? e.message : e);
      return state;
    }
    try {
      state.subflows = readSubflowsLegacy(fd);
    } catch (e2) {
      state.error = String(e2 instanceof Error ? e2.message : e2);
    }
  }
  return state;
}

/** An msk that fell back to TCP answers MPTCP_INFO with EOPNOTSUPP. */
function fellBack(fd: number): boolean {
  try {
    getsockoptInto(fd, SOL_MPTCP, MPTCP_INFO, Buffer.alloc(MPTCP_INFO_SIZE), 'MPTCP_INFO');
    return false;
  } catch (e) {
    if (isCode(e, 'EOPNOTSUPP')) return true;
    throw e;
  }
}

/**
 * True when the peer has acknowledged everything written. SIOCOUTQ covers
 * TCP and the MPTCP level (DATA_ACK). A fallen-back msk counts data as acked
 * once it is on the subflow, so only then is the subflow's tcp_info asked as
 * well. (A real msk answers SOL_TCP/TCP_INFO with its first subflow's
 * tcp_info, which may be a dead subflow that will never drain.)
 */
export function allAcked(fd: number, mptcp: boolean): boolean {
  if (unackedBytes(fd) > 0) return false;
  if (!mptcp || !fellBack(fd)) return true;
  const buf = Buffer.alloc(TCP_INFO_REQUEST_SIZE);
  try {
    const q = decodeTcpSendQueue(buf.subarray(0, getsockoptInto(fd, SOL_TCP, TCP_INFO, buf, 'TCP_INFO')));
    return q.unackedSegs === 0 && q.notsentBytes === 0;
  } catch (e) {
    if (isCode(e, 'EOPNOTSUPP', 'ENOPROTOOPT')) return true;
    throw e;
  }
}
