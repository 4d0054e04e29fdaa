// A point-to-point link between two interfaces, impaired per direction like
// the kernel target's qdiscs (harness/tools/tc.ts: netem at the root, tbf as
// its child for the rate) — in the simulator as one pipeline per direction:
//
//   link down?      → drop (and everything queued or in flight is lost)
//   loss            → drop, lossPct % of packets (netem `loss random`)
//   duplicate       → duplicatePct % of packets go twice (netem `duplicate`)
//   corrupt         → corruptPct % get one random bit flipped in one random
//                     byte, on a copy (netem `corrupt`; the duplicate is intact)
//   rate + queue    → serialized one after the other at rateBps (wire bytes ×
//                     8 / rate); a packet that finds queuePackets packets
//                     already waiting is dropped at the tail (tbf `limit`)
//   delay + jitter  → delayMs plus jitter: uniform in ±jitterMs (netem's
//                     default without a distribution table), or normal with
//                     σ = jitterMs; never below zero. Each packet is delayed on
//                     its own, so jitter reorders, as netem's tfifo does.
//   reorder         → reorderPct % of packets skip the delay (netem `reorder`
//                     with gap 1, what tc sets; needs a delay to have effect)
//
// Before all of that, a direction may hold a payload rewrite (setPayloadRewrite): a middlebox that
// inverts one byte of the TCP payload of the Nth segment long enough to have it and fixes the TCP
// checksum (mptcp_join.sh's fail tests: tc pedit `munge ... invert` then `csum tcp`), so TCP takes
// the segment and only MPTCP's DSS checksum can tell (RFC 8684 §3.7).
//
// When a packet leaves the sending host (TCP Small Queues, engine/tcp/small-queues.ts): when the
// bottleneck has serialized it (tbf dequeued it); at once when the direction has no rate, or has a
// delay or jitter (netem orphans the skb at enqueue: skb_orphan_partial in netem_enqueue), or when
// it is dropped. A duplicate is not reported again.
//
// Rate is applied before delay, so delay is propagation (a long fat link
// holds more than queuePackets in flight, which netem's own limit would not
// allow). Without rateBps there is no serialization and no queue.
// Randomness: one Prng per direction, named (seed, 'link', name, 'aToB'|'bToA');
// a number is drawn only for an impairment whose percentage is above zero.
import type { Prng } from './prng.js';
import { setTcpChecksum } from '../tcp/segment-checksum.js';

export type LinkDirectionName = 'aToB' | 'bToA';

export interface LinkParams {
  /** Bottleneck rate in bits per second; undefined = no rate limit. */
  readonly rateBps: number | undefined;
  readonly delayMs: number;
  readonly jitterMs: number;
  readonly jitterDistribution: 'uniform' | 'normal';
  readonly lossPct: number;
  readonly reorderPct: number;
  readonly duplicatePct: number;
  readonly corruptPct: number;
  /**
   * Packets that may wait for the bottleneck (drop-tail), not counting the
   * one being serialized. undefined = DEFAULT_QUEUE_MS worth of full-size
   * (1514-byte) frames at the rate, at least 2, like the kernel target's tbf.
   */
  readonly queuePackets: number | undefined;
}

/** What a lab or a test gives: every field optional (the harness's Impairment fits). */
export type LinkParamsInput = Partial<LinkParams>;

/** The queue in time when queuePackets is not given (as harness/tools/tc.ts). */
export const DEFAULT_QUEUE_MS = 100;
const FULL_FRAME_BYTES = 1514;

export const DEFAULT_LINK_PARAMS: LinkParams = Object.freeze({
  rateBps: undefined,
  delayMs: 0,
  jitterMs: 0,
  jitterDistribution: 'uniform',
  lossPct: 0,
  reorderPct: 0,
  duplicatePct: 0,
  corruptPct: 0,
  queuePackets: undefined,
});

function checkParams(p: LinkParams, where: string): void {
  const bad = (what: string, v: unknown): never => {
    throw new RangeError(`${where}: ${what} out of range: ${String(v)}`);
  };
  if (p.rateBps !== undefined && !(p.rateBps > 0 && Number.isFinite(p.rateBps))) bad('rateBps (bits/s, > 0)', p.rateBps);
  if (!(p.delayMs >= 0 && Number.isFinite(p.delayMs))) bad('delayMs (≥ 0)', p.delayMs);
  if (!(p.jitterMs >= 0 && Number.isFinite(p.jitterMs))) bad('jitterMs (≥ 0)', p.jitterMs);
  for (const k of ['lossPct', 'reorderPct', 'duplicatePct', 'corruptPct'] as const) {
    if (!(p[k] >= 0 && p[k] <= 100)) bad(`${k} (0-100)`, p[k]);
  }
  if (p.queuePackets !== undefined && !(Number.isInteger(p.queuePackets) && p.queuePackets >= 0))
    bad('queuePackets (integer ≥ 0)', p.queuePackets);
  if (p.jitterDistribution !== 'uniform' && p.jitterDistribution !== 'normal') bad('jitterDistribution', p.jitterDistribution);
}

/** Fill defaults and check ranges (throws RangeError: a lab with such values never validates). */
export function linkParams(input: LinkParamsInput = {}, base: LinkParams = DEFAULT_LINK_PARAMS, where = 'link'): LinkParams {
  const p: LinkParams = {
    rateBps: 'rateBps' in input ? input.rateBps : base.rateBps,
    delayMs: input.delayMs ?? base.delayMs,
    jitterMs: input.jitterMs ?? base.jitterMs,
    jitterDistribution: input.jitterDistribution ?? base.jitterDistribution,
    lossPct: input.lossPct ?? base.lossPct,
    reorderPct: input.reorderPct ?? base.reorderPct,
    duplicatePct: input.duplicatePct ?? base.duplicatePct,
    corruptPct: input.corruptPct ?? base.corruptPct,
    queuePackets: 'queuePackets' in input ? input.queuePackets : base.queuePackets,
  };
  checkParams(p, where);
  return Object.freeze(p);
}

/** Counters of one direction. Bytes are wire bytes (segment + overhead), as the rate sees them. */
export interface LinkCounters {
  /** Offered to the link by the sending interface. */
  sentPackets: number;
  sentBytes: number;
  /** Put on the link: past link-down, loss and the queue; duplicates count twice. The interface's tx counters. */
  txPackets: number;
  txBytes: number;
  /** Handed to the node at the far end. */
  rxPackets: number;
  rxBytes: number;
  /** Sent while the link was down, or queued / in flight when it went down. */
  dropDown: number;
  dropLoss: number;
  dropQueue: number;
  duplicated: number;
  corrupted: number;
  reordered: number;
  /** Segments whose payload the rewrite changed. */
  rewritten: number;
}

/** One byte of one TCP segment's payload inverted, the TCP checksum fixed (see the top of this file). */
export interface PayloadRewrite {
  /**
   * 1-based: the Nth TCP segment on this direction longer than 61 + offset bytes (header and payload;
   * a TCP header is at most 60, and the kernel target's nft rule writes two bytes). It counts the same.
   */
  readonly nth: number;
  /** Byte offset into the TCP payload (nft's `@ih`: the inner header is the transport payload). */
  readonly offset: number;
}

function zeroCounters(): LinkCounters {
  return {
    sentPackets: 0,
    sentBytes: 0,
    txPackets: 0,
    txBytes: 0,
    rxPackets: 0,
    rxBytes: 0,
    dropDown: 0,
    dropLoss: 0,
    dropQueue: 0,
    duplicated: 0,
    corrupted: 0,
    reordered: 0,
    rewritten: 0,
  };
}

/** A packet in the simulator: addresses as strings, bytes treated as immutable. */
export interface Packet {
  readonly src: string;
  readonly dst: string;
  readonly bytes: Uint8Array;
  /** bytes.length, when the packet knows it without building its bytes (the engine's packets emit them only when read). */
  readonly length?: number;
}

/** Bytes of the packet's segment. */
export function packetLength(packet: Packet): number {
  return packet.length ?? packet.bytes.length;
}

/** Why a packet did not arrive. */
export type DropReason = 'link-down' | 'loss' | 'queue' | 'no-route' | 'not-local' | 'hop-limit';

/** What a link direction needs from the network around it. */
export interface LinkHost {
  readonly now: number;
  /** Schedule the packet's arrival at the far end. */
  arrive(at: number, dir: LinkDirection, packet: Packet, hops: number, epoch: number): void;
  /** Wire size of a packet (segment + link and IP headers). */
  wireBytes(packet: Packet): number;
  /** `left` (a sender's TCP Small Queues callback) runs at `at`, in an event of its own. */
  left(at: number, left: (now: number) => void): void;
  /** Called for drops and impairments, for the trace. */
  note(kind: 'drop' | 'duplicate' | 'corrupt' | 'reorder', dir: LinkDirection, packet: Packet, reason?: DropReason): void;
}

function flipOneBit(bytes: Uint8Array, rng: Prng): Uint8Array {
  const copy = bytes.slice();
  if (copy.length > 0) {
    const i = rng.int(copy.length);
    copy[i] = (copy[i] as number) ^ (1 << rng.int(8));
  }
  return copy;
}

const TCP_MIN_HEADER = 20;

/** The longest TCP header, plus the byte after the one inverted (the kernel target writes a 16-bit word). */
const TCP_MAX_HEADER_AND_WORD = 61;

/** Whether a TCP segment counts for a rewrite at `offset`. */
function rewriteCandidate(packet: Packet, offset: number): boolean {
  return packetLength(packet) > TCP_MAX_HEADER_AND_WORD + offset;
}

/** `packet` (a TCP segment) with payload byte `offset` inverted and its TCP checksum made right again. */
function invertPayloadByte(packet: Packet, offset: number): Uint8Array | undefined {
  const bytes = packet.bytes;
  const header = ((bytes[12] as number) >> 4) * 4;
  if (header < TCP_MIN_HEADER || bytes.length - header <= offset) return undefined;
  const copy = bytes.slice();
  copy[header + offset] = (copy[header + offset] as number) ^ 0xff;
  setTcpChecksum(packet.src, packet.dst, copy);
  return copy;
}

/** One direction of a link: parameters, generator, bottleneck state, counters. */
export class LinkDirection {
  private paramsValue: LinkParams;
  readonly counters: LinkCounters = zeroCounters();
  /** When the bottleneck finishes serializing what it has accepted. */
  private busyUntil = 0;
  /** Start times (ascending) of packets accepted but not yet being serialized. */
  private waiting: number[] = [];
  private waitingHead = 0;
  private rewrite: { readonly rule: PayloadRewrite; seen: number } | undefined;

  constructor(
    readonly link: Link,
    readonly name: LinkDirectionName,
    params: LinkParams,
    readonly rng: Prng,
    private readonly host: LinkHost,
  ) {
    this.paramsValue = params;
  }

  get params(): LinkParams {
    return this.paramsValue;
  }

  /** Change parameters from now on; packets already accepted keep their timing. */
  set(input: LinkParamsInput): void {
    this.paramsValue = linkParams(input, this.paramsValue, `link ${this.link.name} ${this.name}`);
  }

  /** Rewrite one byte of the Nth long enough TCP segment from now on (counting from now), or stop. */
  setPayloadRewrite(rule: PayloadRewrite | undefined): void {
    if (rule !== undefined && !(Number.isInteger(rule.nth) && rule.nth >= 1 && Number.isInteger(rule.offset) && rule.offset >= 0)) {
      throw new RangeError(
        `link ${this.link.name} ${this.name}: payload rewrite needs nth ≥ 1 and offset ≥ 0 (integers), got ${rule.nth}, ${rule.offset}`,
      );
    }
    this.rewrite = rule === undefined ? undefined : { rule, seen: 0 };
  }

  /** The packet as the rewrite leaves it. */
  private rewritten(packet: Packet): Packet {
    const r = this.rewrite;
    if (r === undefined || r.seen >= r.rule.nth || !rewriteCandidate(packet, r.rule.offset)) return packet;
    r.seen += 1;
    if (r.seen < r.rule.nth) return packet;
    const bytes = invertPayloadByte(packet, r.rule.offset);
    if (bytes === undefined) return packet;
    this.counters.rewritten += 1;
    const out = { src: packet.src, dst: packet.dst, bytes };
    this.host.note('corrupt', this, out);
    return out;
  }

  /** The drop-tail limit in effect. */
  get queueLimit(): number {
    const p = this.paramsValue;
    if (p.queuePackets !== undefined) return p.queuePackets;
    if (p.rateBps === undefined) return Infinity;
    return Math.max(2, Math.ceil(((p.rateBps / 8) * (DEFAULT_QUEUE_MS / 1000)) / FULL_FRAME_BYTES));
  }

  /** Packets waiting for the bottleneck right now (not counting the one being serialized). */
  get queued(): number {
    this.expireStarted(this.host.now);
    return this.waiting.length - this.waitingHead;
  }

  /** Forget the queue (the link went down). */
  flush(now: number): void {
    this.waiting = [];
    this.waitingHead = 0;
    this.busyUntil = now;
  }

  /** The interface at this end sends `packet` onto the link; `left` hears when it has left the sending host. */
  transmit(packet: Packet, hops: number, left?: (now: number) => void): void {
    const leftAt = this.transmitAt(packet, hops);
    if (left) this.host.left(leftAt, left);
  }

  /** transmit(); returns when the packet leaves the sending host. */
  private transmitAt(offered: Packet, hops: number): number {
    const c = this.counters;
    const packet = this.rewritten(offered);
    const size = this.host.wireBytes(packet);
    c.sentPackets += 1;
    c.sentBytes += size;
    if (!this.link.up) {
      c.dropDown += 1;
      this.host.note('drop', this, packet, 'link-down');
      return this.host.now;
    }
    const p = this.paramsValue;
    const rng = this.rng;
    if (p.lossPct > 0 && rng.chance(p.lossPct)) {
      c.dropLoss += 1;
      this.host.note('drop', this, packet, 'loss');
      return this.host.now;
    }
    const dup = p.duplicatePct > 0 && rng.chance(p.duplicatePct);
    let first = packet;
    if (p.corruptPct > 0 && rng.chance(p.corruptPct)) {
      first = { src: packet.src, dst: packet.dst, bytes: flipOneBit(packet.bytes, rng) };
      c.corrupted += 1;
      this.host.note('corrupt', this, first);
    }
    const leftAt = this.enqueue(first, size, hops);
    if (dup) {
      c.duplicated += 1;
      this.host.note('duplicate', this, packet);
      this.enqueue(packet, size, hops);
    }
    return leftAt;
  }

  private expireStarted(now: number): void {
    const w = this.waiting;
    let h = this.waitingHead;
    while (h < w.length && (w[h] as number) <= now) h += 1;
    if (h > 1024 && h * 2 > w.length) {
      this.waiting = w.slice(h);
      h = 0;
    }
    this.waitingHead = h;
  }

  /** Queue, serialize and delay one packet; returns when it leaves the sending host. */
  private enqueue(packet: Packet, size: number, hops: number): number {
    const c = this.counters;
    const p = this.paramsValue;
    const now = this.host.now;
    let departure = now;
    if (p.rateBps !== undefined) {
      this.expireStarted(now);
      if (this.waiting.length - this.waitingHead >= this.queueLimit) {
        c.dropQueue += 1;
        this.host.note('drop', this, packet, 'queue');
        return now;
      }
      const start = Math.max(now, this.busyUntil);
      this.busyUntil = start + (size * 8 * 1000) / p.rateBps;
      if (start > now) this.waiting.push(start);
      departure = this.busyUntil;
    }
    c.txPackets += 1;
    c.txBytes += size;
    let arrival = departure;
    const netemDelay = p.delayMs > 0 || p.jitterMs > 0;
    if (netemDelay) {
      if (p.reorderPct > 0 && this.rng.chance(p.reorderPct)) {
        c.reordered += 1;
        this.host.note('reorder', this, packet);
      } else {
        arrival = departure + this.sampleDelay(p);
      }
    }
    this.host.arrive(arrival, this, packet, hops, this.link.epoch);
    return netemDelay ? now : departure;
  }

  private sampleDelay(p: LinkParams): number {
    if (p.jitterMs === 0) return p.delayMs;
    const j = p.jitterDistribution === 'normal' ? p.jitterMs * this.rng.normal() : p.jitterMs * (2 * this.rng.next() - 1);
    return Math.max(0, p.delayMs + j);
  }
}

/** One end of a link: which node and which of its interfaces. */
export interface LinkEnd {
  readonly node: string;
  readonly iface: number;
}

export class Link {
  readonly aToB: LinkDirection;
  readonly bToA: LinkDirection;
  private upValue = true;
  /** Bumped each time the link goes down: packets from an older epoch are lost. */
  private epochValue = 0;

  constructor(
    readonly name: string,
    readonly a: LinkEnd,
    readonly b: LinkEnd,
    params: { aToB: LinkParams; bToA: LinkParams },
    rngs: { aToB: Prng; bToA: Prng },
    private readonly host: LinkHost,
  ) {
    this.aToB = new LinkDirection(this, 'aToB', params.aToB, rngs.aToB, host);
    this.bToA = new LinkDirection(this, 'bToA', params.bToA, rngs.bToA, host);
  }

  get up(): boolean {
    return this.upValue;
  }

  get epoch(): number {
    return this.epochValue;
  }

  /**
   * Bring the link up or down (both directions, like `ip link set down` on
   * either end). Going down loses everything queued or in flight.
   */
  setUp(up: boolean): void {
    if (up === this.upValue) return;
    this.upValue = up;
    if (!up) {
      this.epochValue += 1;
      this.aToB.flush(this.host.now);
      this.bToA.flush(this.host.now);
    }
  }

  /** Change parameters of one or both directions from now on. */
  set(input: LinkParamsInput, dir: LinkDirectionName | 'both' = 'both'): void {
    if (dir !== 'bToA') this.aToB.set(input);
    if (dir !== 'aToB') this.bToA.set(input);
  }

  direction(dir: LinkDirectionName): LinkDirection {
    return dir === 'aToB' ? this.aToB : this.bToA;
  }

  /** Bytes put on the link each way (the Observations' LinkBytes). */
  bytes(): { aToB: number; bToA: number } {
    return { aToB: this.aToB.counters.txBytes, bToA: this.bToA.counters.txBytes };
  }
}
