// Who sends what on connection i, from the spec both agents were given.
import type { AgentSpec } from './spec.js';
import type { TransferPlan } from './transfer.js';

export function planFor(spec: AgentSpec, i: number): TransferPlan {
  const clientSends = spec.direction !== 'download';
  const serverSends = spec.direction !== 'upload';
  const sends = spec.role === 'client' ? clientSends : serverSends;
  const receives = spec.role === 'client' ? serverSends : clientSends;
  const plan: TransferPlan = {
    mptcp: spec.mptcp,
    sendBytes: sends ? spec.sizeBytes : 0,
    expectBytes: receives ? spec.sizeBytes : 0,
    // Both directions of a connection use the same stream; connections differ (seed + i).
    seed: (spec.seed + i) >>> 0,
    write: spec.write,
  };
  if (receives)
    plan.locate = {
      connection: i,
      // What this side receives: the client the server's stream, the server the client's.
      direction: spec.role === 'client' ? 'download' : 'upload',
      streams: { seed: spec.seed, connections: spec.connections, direction: spec.direction, sizeBytes: spec.sizeBytes },
    };
  if (spec.role === 'client' && spec.abortAfterBytes !== undefined) plan.abortAfterBytes = spec.abortAfterBytes;
  return plan;
}
