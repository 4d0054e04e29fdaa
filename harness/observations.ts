// The one shape that crosses every boundary: what a target saw while running a
// lab. Expectations, the differential comparison and the reporters read only
// this. Kernel backends and the engine simulator both produce it.
import type { PmEventKind } from '../engine/index.js';
import type { StreamDiff } from './integrity/types.js';

/** Kinds printed by `ip mptcp monitor` (include/uapi/linux/mptcp_pm.h; the engine reports the same), and what an older iproute2 cannot name. */
export type PmEventType = PmEventKind | 'UNKNOWN';

export interface PmEvent {
  type: PmEventType;
  /** Milliseconds since the monitor started. */
  atMs: number;
  token?: number;
  family?: 4 | 6;
  saddr?: string;
  daddr?: string;
  sport?: number;
  dport?: number;
  locId?: number;
  remId?: number;
  backup?: boolean;
  ifindex?: number;
  error?: number;
  resetReason?: number;
  resetFlags?: number;
  serverSide?: boolean;
  /** The numeric kind when the tool printed `[UNKNOWN n]`. */
  rawKind?: number;
}

/** One subflow as reported by MPTCP_FULL_INFO / MPTCP_SUBFLOW_ADDRS. */
export interface SubflowObservation {
  saddr: string;
  daddr: string;
  sport: number;
  dport: number;
  /** tcpi_bytes_acked (sender view) from the subflow's tcp_info. */
  bytesAcked?: number;
  /** tcpi_bytes_received from the subflow's tcp_info. */
  bytesReceived?: number;
  rttUs?: number;
  backup?: boolean;
  id?: number;
}

/** The subset of struct mptcp_info a lab reads. */
export interface MptcpInfoObservation {
  subflows: number;
  addAddrSignal: number;
  addAddrAccepted: number;
  subflowsMax: number;
  addAddrSignalMax: number;
  addAddrAcceptedMax: number;
  flags: number;
  token: number;
  writeSeq: string;
  sndUna: string;
  rcvNxt: string;
  localAddrUsed: number;
  localAddrMax: number;
  csumEnabled: boolean;
  retransmits: number;
  bytesRetrans: string;
  bytesSent: string;
  bytesReceived: string;
  bytesAcked: string;
  subflowsTotal: number;
}

export interface EndpointReport {
  bytesSent: number;
  bytesReceived: number;
  sha256Sent: string;
  sha256Received: string;
  fallback: boolean;
  mptcp: boolean;
  info?: MptcpInfoObservation;
  subflows: SubflowObservation[];
  error?: string;
  /** Where what this side received differs from what was sent (integrity/locate.ts); only when it does. */
  diff?: StreamDiff;
}

export interface TransferObservation {
  connection: number;
  direction: 'upload' | 'download' | 'both';
  /** Bytes each way that the workload asked for. */
  sizeBytes: number;
  durationMs: number;
  client: EndpointReport;
  server: EndpointReport;
  /** Every byte sent arrived intact, both ways. */
  intact: boolean;
}

export interface LinkBytes {
  /** Bytes transmitted from side a towards side b. */
  aToB: number;
  bToA: number;
}

export interface Observations {
  /** Counter deltas over the run, per host, by kernel MIB name. */
  counters: Record<string, Record<string, number>>;
  /** PM events per host, in the order they were printed. */
  events: Record<string, PmEvent[]>;
  transfers: TransferObservation[];
  links: Record<string, LinkBytes>;
  /** Wall time of the workload. */
  workloadMs: number;
  /** Share of the machine's CPU time busy over the workload (0..1; kernel targets, from /proc/stat). */
  cpuBusy?: number;
  /** Timed events as they were applied. */
  applied: {
    atMs: number;
    what: string;
    ok: boolean;
    error?: string;
    /** When its command returned, from the event clock's start (kernel targets). */ doneMs?: number;
  }[];
}

export function emptyObservations(): Observations {
  return { counters: {}, events: {}, transfers: [], links: {}, workloadMs: 0, applied: [] };
}
