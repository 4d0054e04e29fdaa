// A located integrity failure in one line, for the integrity check's message
// (TAP, summary.md, the comparison): "connection 2 upload: 1000000 of 1000000
// bytes; wrong at 14200–14575 (376 bytes): misplaced, the stream's bytes
// 65160–65535".
import type { TransferObservation } from '../observations.js';
import type { StreamDiff, WrongOrigin, WrongRange } from './types.js';

/** Inclusive, as a person counts bytes: 14200–14575. */
function span(from: number, length: number): string {
  return length === 1 ? `${from}` : `${from}–${from + length - 1}`;
}

function bytes(n: number): string {
  return `${n} byte${n === 1 ? '' : 's'}`;
}

function originText(o: WrongOrigin, length: number): string {
  switch (o.kind) {
    case 'misplaced':
      return `misplaced, the stream's bytes ${span(o.from, length)}`;
    case 'stream':
      return `connection ${o.connection} ${o.direction}'s bytes ${span(o.from, length)}`;
    case 'zeros':
      return 'zeros';
    case 'unknown':
      return 'unknown bytes';
  }
}

function rangeText(r: WrongRange): string {
  return `wrong at ${span(r.offset, r.length)} (${bytes(r.length)}): ${originText(r.origin, r.length)}`;
}

function lengthText(d: StreamDiff): string {
  const counts = `${d.receivedBytes} of ${d.expectedBytes} bytes`;
  if (d.receivedBytes < d.expectedBytes) return `${counts} (ends ${bytes(d.expectedBytes - d.receivedBytes)} short)`;
  if (d.receivedBytes > d.expectedBytes) return `${counts} (${bytes(d.receivedBytes - d.expectedBytes)} too many)`;
  return counts;
}

export function describeDiff(d: StreamDiff): string {
  const parts = [`connection ${d.connection} ${d.direction}: ${lengthText(d)}`, ...d.wrong.map(rangeText)];
  if (d.truncated) parts.push(`more wrong ranges after these ${d.wrong.length} not kept`);
  else if (d.wrong.length === 0 && d.receivedBytes === d.expectedBytes) parts.push('every byte right');
  return parts.join('; ');
}

/** Why a transfer is not intact: an endpoint's error, each receiver's located diff (upload first), else a sha256 mismatch. */
export function notIntactText(t: TransferObservation): string {
  const error = t.client.error ?? t.server.error;
  const located = [t.server.diff, t.client.diff].flatMap((d) => (d ? [describeDiff(d)] : []));
  return [
    ...(error !== undefined || located.length === 0 ? [`connection ${t.connection}: ${error ?? 'sha256 mismatch'}`] : []),
    ...located,
  ].join('; ');
}
