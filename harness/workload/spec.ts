// The contract between the harness and the traffic agent (agent.ts), whose
// sockets live inside a host's namespace. The agent reports progress
// messages, then one result.
import type { EndpointReport } from '../observations.js';

export type Direction = 'upload' | 'download' | 'both';

export interface WritePattern {
  /** Bytes per write() call. */
  chunkBytes: number;
  /** Pause between writes, like mptcp_connect -r/-j. 0 = no pause. */
  pauseMs: number;
}

interface CommonSpec {
  /** IPPROTO_MPTCP when true, plain TCP when false (to test fallback). */
  mptcp: boolean;
  port: number;
  /** Number of connections; they run one after another on the client side. */
  connections: number;
  direction: Direction;
  /** Bytes to send each way that the direction asks for, per connection. */
  sizeBytes: number;
  /** Seed for the payload bytes; connection i uses seed + i. */
  seed: number;
  write: WritePattern;
  /** Give up after this long, reporting an error. */
  timeoutMs: number;
}

export interface ServerSpec extends CommonSpec {
  role: 'server';
  /** Listen on the wildcard of this family; 6 listens dual-stack. */
  family: 4 | 6;
}

export interface ClientSpec extends CommonSpec {
  role: 'client';
  address: string;
  /** Optional local address to bind before connecting. */
  bind?: string;
  /** Instead of closing normally, abort with SO_LINGER 0 (MP_FASTCLOSE) after this many bytes sent. */
  abortAfterBytes?: number;
  /**
   * Hold the first connection after "connected" until Agent.release() before sending a byte, so the
   * harness can apply the events due at 0 ms first and start its event clock at the first data
   * byte (a command takes up to seconds to start on an emulated CPU).
   */
  holdStart?: boolean;
}

export type AgentSpec = ServerSpec | ClientSpec;

/** What the agent reports (the harness logs each as a JSON line). */
export type AgentMessage =
  | { kind: 'listening'; port: number }
  | { kind: 'connected'; connection: number; atMs: number }
  /** The server took a connection from its listener: its handshake is complete there. */
  | { kind: 'accepted'; connection: number; atMs: number }
  /** Sent once release() let a held connection go: its first byte goes out now. */
  | { kind: 'started'; connection: number; atMs: number }
  | { kind: 'done'; connection: number; report: EndpointReport; durationMs: number }
  | { kind: 'result'; ok: boolean; connections: { connection: number; durationMs: number; report: EndpointReport }[]; error?: string };

export type AgentResult = Extract<AgentMessage, { kind: 'result' }>;
