// Compiles a link impairment into tc commands (argv arrays, never strings).
// With sch_netem: netem at the root carries delay/jitter/loss/reorder/
// duplicate/corrupt, with tbf as its child for the rate. Without netem: tbf
// alone for the rate, and loss goes to nft (see nft.ts).
import type { Impairment } from '../lab/model.js';

export interface QdiscCaps {
  netem: boolean;
  tbf: boolean;
}

const MTU_BYTES = 1514;
/** Default queue in time when the lab gives no limit: enough for a few RTTs at the rate. */
const DEFAULT_QUEUE_MS = 100;

function tbfArgs(rateBps: number, queuePackets: number | undefined): string[] {
  const bytesPerSec = rateBps / 8;
  // At least two MTUs of burst, or 4 ms worth at the rate (one jiffy at HZ=250).
  const burst = Math.max(2 * MTU_BYTES, Math.round(bytesPerSec * 0.004));
  // tbf needs room for at least one packet beyond the burst, whatever queue the lab asked for.
  const queueBytes = queuePackets !== undefined ? queuePackets * MTU_BYTES : Math.round((bytesPerSec * DEFAULT_QUEUE_MS) / 1000);
  const limit = Math.max(burst + MTU_BYTES, queueBytes);
  return ['tbf', 'rate', `${Math.round(rateBps)}bit`, 'burst', String(burst), 'limit', String(limit)];
}

function pct(n: number): string {
  return `${Number(n.toFixed(4))}%`;
}

export function netemArgs(i: Impairment, withLoss: boolean): string[] {
  const args = ['netem'];
  if (i.queuePackets !== undefined) args.push('limit', String(i.queuePackets));
  if (i.delayMs) {
    args.push('delay', `${i.delayMs}ms`);
    if (i.jitterMs) args.push(`${i.jitterMs}ms`);
  }
  if (withLoss && i.lossPct) args.push('loss', 'random', pct(i.lossPct));
  if (i.reorderPct) args.push('reorder', pct(i.reorderPct));
  if (i.duplicatePct) args.push('duplicate', pct(i.duplicatePct));
  if (i.corruptPct) args.push('corrupt', pct(i.corruptPct));
  return args;
}

function needsNetem(i: Impairment, caps: QdiscCaps): boolean {
  return Boolean(i.delayMs || i.jitterMs || i.reorderPct || i.duplicatePct || i.corruptPct || (caps.netem && i.lossPct));
}

/** Whether loss must be done by nft because netem is not there. */
export function lossByNft(i: Impairment, caps: QdiscCaps): boolean {
  return Boolean(i.lossPct) && !caps.netem;
}

/**
 * tc argv lists (without "ip netns exec") to impair what `dev` sends.
 * `verb` is "add" when building, "replace" when an event changes it.
 */
export function compileQdiscs(dev: string, i: Impairment, caps: QdiscCaps, verb: 'add' | 'replace' = 'add'): string[][] {
  const cmds: string[][] = [];
  const netem = needsNetem(i, caps);
  if (netem) {
    cmds.push(['tc', 'qdisc', verb, 'dev', dev, 'root', 'handle', '1:', ...netemArgs(i, true)]);
    if (i.rateBps) cmds.push(['tc', 'qdisc', verb, 'dev', dev, 'parent', '1:1', 'handle', '10:', ...tbfArgs(i.rateBps, i.queuePackets)]);
  } else if (i.rateBps) {
    cmds.push(['tc', 'qdisc', verb, 'dev', dev, 'root', 'handle', '1:', ...tbfArgs(i.rateBps, i.queuePackets)]);
  }
  return cmds;
}

/**
 * True when `after` needs the same qdiscs as `before` (netem or not, tbf or not, and at least one):
 * then `tc qdisc replace` changes them in place and keeps the packets they hold, where deleting
 * the root would drop them (a netem delay queue holds a whole delay's worth).
 */
export function sameQdiscShape(before: Impairment, after: Impairment, caps: QdiscCaps): boolean {
  const netem = needsNetem(before, caps);
  // netem keeps its reordering and corruption when a change leaves them out: removing them needs a new qdisc.
  const removes = (before.reorderPct && !after.reorderPct) || (before.corruptPct && !after.corruptPct);
  return (
    !removes &&
    netem === needsNetem(after, caps) &&
    Boolean(before.rateBps) === Boolean(after.rateBps) &&
    (netem || Boolean(before.rateBps))
  );
}

/** Removes whatever root qdisc mptcp-lab put on dev (the kernel default comes back). */
export function clearQdiscs(dev: string): string[] {
  return ['tc', 'qdisc', 'del', 'dev', dev, 'root'];
}
