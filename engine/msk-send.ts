// The msk's send side at the data level (net/mptcp/protocol.c: write_seq,
// snd_nxt, snd_una, wnd_end, the DATA_FIN): what the application wrote, kept
// until DATA_ACKed (RFC 8684 §3.3.2), cut into mappings for the subflows.
// Offsets are relative to our IDSN + 1.

import { dssChecksum } from './crypto.js';
import { SendBuffer } from './tcp/send-buffer.js';
import type { TxMap } from './subflow.js';

/** The most one mapping covers: the DSS data-level length is 16 bits (RFC 8684 §3.3). */
export const MAX_MAPPING = 0xffff - 1;

/** What a DATA_ACK did (shared answers: one comes per ACK received). */
export interface AckOutcome {
  readonly advanced: boolean;
  readonly finAcked: boolean;
}
const NOT_ADVANCED: AckOutcome = Object.freeze({ advanced: false, finAcked: false });
const ADVANCED: AckOutcome = Object.freeze({ advanced: true, finAcked: false });
const FIN_ACKED: AckOutcome = Object.freeze({ advanced: true, finAcked: true });

export class DataSender {
  private readonly buf = new SendBuffer<undefined>(0);
  /** The 64-bit DSN of offset 0 (our IDSN + 1). */
  base = 0n;
  /** Next offset to map; goes back to `una` when everything unacknowledged is reinjected. */
  nxt = 0;
  /** One past the highest offset ever mapped. */
  max = 0;
  /** The peer's receive window, right edge (RFC 8684 §3.3.4). */
  wndEnd = 0;
  /** Offset of our DATA_FIN, once shutdown. */
  finSeq: number | undefined;
  finAcked = false;
  /** The DATA_FIN went out (its octet may then be acknowledged). */
  finAnnounced = false;
  readonly stats = { bytesSent: 0, bytesRetrans: 0, bytesAcked: 0 };

  get una(): number {
    return this.buf.una;
  }

  /** One past the last byte written. */
  get end(): number {
    return this.buf.end;
  }

  dsn(offset: number): bigint {
    return BigInt.asUintN(64, this.base + BigInt(offset));
  }

  write(bytes: Uint8Array): number {
    if (this.finSeq !== undefined) return 0;
    // A copy, as the kernel copies from user space: the caller may reuse its buffer. (A Node Buffer's
    // own slice() is a view; a plain Uint8Array copy also skips the Buffer species constructor.)
    this.buf.push(new Uint8Array(bytes));
    return bytes.length;
  }

  /** Data is waiting and the peer's window has room for some. */
  get sendable(): number {
    return Math.max(0, Math.min(this.buf.end, this.wndEnd) - this.nxt);
  }

  /** Bytes from `offset`, at most `max`, for the next mapping. */
  peek(offset: number, max: number): Uint8Array {
    return this.buf.peek(offset, max).bytes;
  }

  /**
   * A mapping for `bytes` at `dataSeq` that starts at subflow sequence `ssn`
   * (with its DSS checksum when checksums are on); true if it is a
   * retransmission at the data level.
   */
  map(dataSeq: number, ssn: number, bytes: Uint8Array, csum: boolean): { map: TxMap; retransmit: boolean } {
    const checksum = csum ? dssChecksum(this.dsn(dataSeq), ssn, bytes.length, bytes) : undefined;
    const retransmit = dataSeq < this.max;
    this.stats.bytesSent += bytes.length;
    if (retransmit) this.stats.bytesRetrans += bytes.length;
    if (dataSeq === this.nxt) this.nxt += bytes.length;
    this.max = Math.max(this.max, dataSeq + bytes.length);
    return { map: { dataSeq, ssn, len: bytes.length, ...(checksum !== undefined ? { csum: checksum } : {}) }, retransmit };
  }

  /** Plain TCP: the bytes from `nxt` on, handed to the subflow as they are. */
  takePlain(): Uint8Array {
    const bytes = this.buf.peek(this.nxt, 1 << 20).bytes;
    this.nxt += bytes.length;
    this.stats.bytesSent += bytes.length;
    return bytes;
  }

  /**
   * Plain TCP: the subflow has `total` data bytes acknowledged since its start.
   * After a fallback the subflow's stream is the data stream (its first byte
   * is offset 0), so that is also the data-level position.
   */
  ackedPlain(total: number): void {
    this.stats.bytesAcked += this.buf.ackTo(total);
  }

  shutdown(): void {
    if (this.finSeq === undefined) this.finSeq = this.buf.end;
  }

  /** The DSN of the DATA_FIN while it should be on our segments (all data mapped, not yet acknowledged). */
  finToSend(): bigint | undefined {
    if (this.finSeq === undefined || this.finAcked || this.nxt < this.finSeq) return undefined;
    return this.dsn(this.finSeq);
  }

  /** Something is not acknowledged at the data level yet. */
  get outstanding(): boolean {
    return this.buf.una < this.buf.end || (this.finSeq !== undefined && !this.finAcked);
  }

  /**
   * A DATA_ACK, expanded to 64 bits, with the window that came with it.
   * Returns whether it acknowledged new data, and whether it newly
   * acknowledged the DATA_FIN. An ACK for what was never sent is ignored.
   */
  ack(abs: bigint, window: number): AckOutcome {
    const una = this.buf.una;
    const rel = Number(BigInt.asIntN(64, abs - this.base));
    // Up to what was ever sent (nxt may have gone back for a reinjection), the DATA_FIN included.
    if (rel < una || rel > this.max + (this.finAnnounced ? 1 : 0)) return NOT_ADVANCED;
    this.wndEnd = Math.max(this.wndEnd, rel + window);
    if (rel === una) return NOT_ADVANCED;
    this.stats.bytesAcked += this.buf.ackTo(rel);
    if (this.nxt < rel) this.nxt = Math.min(rel, this.buf.end);
    const finAcked = this.finSeq !== undefined && rel > this.finSeq && !this.finAcked;
    if (finAcked) this.finAcked = true;
    return finAcked ? FIN_ACKED : ADVANCED;
  }

  /** __mptcp_retransmit_pending_data: map everything unacknowledged again. */
  rewind(): void {
    if (this.nxt > this.buf.una) this.nxt = this.buf.una;
  }

  /** For MPTCP_INFO: write_seq and snd_una, the DATA_FIN's octet included as the kernel counts it. */
  infoSeqs(): { writeSeq: bigint; sndUna: bigint } {
    return {
      writeSeq: this.dsn(this.buf.end + (this.finSeq !== undefined ? 1 : 0)),
      sndUna: this.dsn(this.buf.una + (this.finAcked ? 1 : 0)),
    };
  }
}
