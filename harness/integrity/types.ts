// What an integrity failure is, located: the receiver regenerates the
// expected stream (the payload is deterministic) and keeps only where the
// bytes it got differ, with what the wrong bytes are. The pcap explanation
// (harness/integrity/explain) ties such a range to the wire.

/** One direction of one connection: upload = client → server, download = server → client. */
export type Direction = 'upload' | 'download';

/** What the wrong bytes of a range turned out to be. */
export type WrongOrigin =
  /** The same stream's bytes from offset `from` (e.g. a mapping placed at the wrong data sequence number). */
  | { kind: 'misplaced'; from: number }
  /** Another stream's bytes (another connection, or the other direction), from offset `from`. */
  | { kind: 'stream'; connection: number; direction: Direction; from: number }
  | { kind: 'zeros' }
  | { kind: 'unknown' };

/** A run of received bytes that differ from the expected stream at the same offset. */
export interface WrongRange {
  offset: number;
  length: number;
  origin: WrongOrigin;
}

/** How one direction of one connection arrived, compared with what was sent. */
export interface StreamDiff {
  connection: number;
  direction: Direction;
  expectedBytes: number;
  receivedBytes: number;
  /** In offset order; empty when every received byte was right. */
  wrong: WrongRange[];
  /** True when more differences were seen than kept (the list is capped). */
  truncated?: boolean;
}
