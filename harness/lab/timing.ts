// The completion-time bound of a transfer, computed from the link rates the
// way the kernel's simult_flows.sh does: payload bits over the aggregate
// rate, 10% for headers, 400 ms for the MP_JOIN handshakes, then a margin.
import type { Lab } from './model.js';

/** Headers add 10/9 to the payload bits (kept as a fraction so the integer arithmetic matches the script). */
const HEADER_OVERHEAD_NUM = 10;
const HEADER_OVERHEAD_DEN = 9;
const JOIN_SLACK_MS = 400;

/** Aggregate rate (bit/s) the client's links offer in the direction of the transfer. */
export function aggregateRateBps(lab: Lab, towardServer: boolean): number | undefined {
  const client = lab.hosts.find((h) => h.name === lab.workload.client);
  const peers = new Map(lab.hosts.map((h) => [h.name, h]));
  let total = 0;
  for (const i of client?.interfaces ?? []) {
    const far = peers.get(i.peer.host)?.interfaces.find((x) => x.link === i.link);
    const rate = towardServer ? i.egress.rateBps : far?.egress.rateBps;
    if (rate === undefined) return undefined;
    total += rate;
  }
  return total || undefined;
}

export function completionBoundMs(lab: Lab, margin: number): number | undefined {
  const w = lab.workload;
  const directions = w.direction === 'both' ? [true, false] : [w.direction === 'upload'];
  let worst = 0;
  for (const up of directions) {
    const rate = aggregateRateBps(lab, up);
    if (rate === undefined) return undefined;
    const maxDelay = Math.max(0, ...lab.hosts.flatMap((h) => h.interfaces.map((i) => i.egress.delayMs ?? 0)));
    // simult_flows.sh truncates the transfer time (shell integer division) before adding the slack.
    const ms = Math.floor((1000 * w.sizeBytes * 8 * HEADER_OVERHEAD_NUM) / (rate * HEADER_OVERHEAD_DEN)) + JOIN_SLACK_MS + 4 * maxDelay;
    worst = Math.max(worst, ms);
  }
  return Math.round(worst * w.connections * margin);
}
