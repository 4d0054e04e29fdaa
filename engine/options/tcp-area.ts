// A whole TCP options area (the bytes between the fixed TCP header and the
// payload), walked like the kernel's mptcp_get_options: EOL ends the walk,
// NOP is one byte, every other option has a length byte; a length below 2
// ("silly options") or past the end of the area stops the walk. Every byte
// lands in exactly one TcpOption, so emitTcpOptions gives back an area of
// the same length, and the same bytes whenever the MPTCP options in it are
// in canonical form (reserved bits zero).

import { MPTCPOPT_DSS, TCPOLEN_MPTCP_DSS_BASE, TCPOPT_EOL, TCPOPT_MPTCP, TCPOPT_NOP, type ReceivedOptions } from '../protocol.js';
import { encodeOption, parseOption } from './codec.js';
import { emptyReceivedOptions, receiveDss, receiveOption, type SegmentFlags } from './received.js';
import type { MptcpOption } from './repr.js';
import { copy } from './wire.js';
import { concat } from '../bytes.js';

export type TcpOption =
  /** End of option list, with the bytes after it (padding the kernel does not read). */
  | { readonly kind: 'eol'; readonly padding: Uint8Array }
  | { readonly kind: 'nop' }
  | { readonly kind: 'mptcp'; readonly option: MptcpOption }
  /** Kind 30 that parseOption refused: the receiver ignores it. */
  | { readonly kind: 'mptcp-invalid'; readonly bytes: Uint8Array; readonly error: string }
  /** Any other TCP option (MSS, SACK, timestamps, ...), kind and length included. */
  | { readonly kind: 'other'; readonly bytes: Uint8Array }
  /** The rest of the area from where the walk had to stop (bad length byte). */
  | { readonly kind: 'unparsed'; readonly bytes: Uint8Array };

export interface ParsedOptions {
  readonly received: ReceivedOptions;
  readonly options: readonly TcpOption[];
}

/**
 * Walks a TCP options area and fills a ReceivedOptions record from its
 * MPTCP options like the kernel does. `segment` gives the TCP flags that
 * decide which MP_CAPABLE form is acceptable and whether MP_TCPRST counts;
 * without it the MP_CAPABLE form comes from the option's length and
 * MP_TCPRST is taken as if RST were set. Never throws.
 */
export function parseMptcpOptions(area: Uint8Array, segment?: SegmentFlags): ParsedOptions {
  const received = emptyReceivedOptions();
  const options: TcpOption[] = [];
  let at = 0;
  while (at < area.length) {
    const kind = area[at];
    if (kind === TCPOPT_EOL) {
      options.push({ kind: 'eol', padding: copy(area, at + 1, area.length) });
      break;
    }
    if (kind === TCPOPT_NOP) {
      options.push({ kind: 'nop' });
      at += 1;
      continue;
    }
    const size = at + 1 < area.length ? area[at + 1] : 0;
    if (size < 2 || at + size > area.length) {
      options.push({ kind: 'unparsed', bytes: copy(area, at, area.length) });
      break;
    }
    const bytes = copy(area, at, at + size);
    if (kind === TCPOPT_MPTCP) {
      const parsed = parseOption(bytes);
      receiveOption(received, area, at, parsed, segment);
      options.push(parsed.ok ? { kind: 'mptcp', option: parsed.option } : { kind: 'mptcp-invalid', bytes, error: parsed.error });
    } else {
      options.push({ kind: 'other', bytes });
    }
    at += size;
  }
  return { received, options };
}

/**
 * parseMptcpOptions(area, segment).received without the list of options: what a receiver
 * needs for every segment. Each MPTCP option is parsed from a view of `area` (the parsers
 * copy what they keep), and nothing else is built.
 */
export function receiveMptcpOptions(area: Uint8Array, segment?: SegmentFlags): ReceivedOptions {
  const received = emptyReceivedOptions();
  let at = 0;
  while (at < area.length) {
    const kind = area[at];
    if (kind === TCPOPT_EOL) break;
    if (kind === TCPOPT_NOP) {
      at += 1;
      continue;
    }
    const size = at + 1 < area.length ? area[at + 1] : 0;
    if (size < 2 || at + size > area.length) break;
    if (kind === TCPOPT_MPTCP) {
      if (size >= TCPOLEN_MPTCP_DSS_BASE && area[at + 2] >> 4 === MPTCPOPT_DSS) receiveDss(received, area, at, size);
      else receiveOption(received, area, at, parseOption(area.subarray(at, at + size)), segment);
    }
    at += size;
  }
  return received;
}

/** The options area for a list of options, in order, with nothing added. */
export function emitTcpOptions(options: readonly TcpOption[]): Uint8Array {
  const parts = options.map((o): Uint8Array => {
    switch (o.kind) {
      case 'eol':
        return Uint8Array.of(TCPOPT_EOL, ...o.padding);
      case 'nop':
        return Uint8Array.of(TCPOPT_NOP);
      case 'mptcp':
        return encodeOption(o.option);
      case 'mptcp-invalid':
      case 'other':
      case 'unparsed':
        return o.bytes;
    }
  });
  return concat(parts);
}
