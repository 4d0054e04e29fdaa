// The results port of a booted kernel (run-labs.ts): what the run inside the
// guest sends back before the guest powers off and its tmpfs is gone.
// results.json first, then each lab's log.txt behind a LOG_MARK line, then
// each kept pcap behind a PCAP_MARK line, base64 (the port is read as text;
// base64 never holds a mark or a newline run that could be taken for one).
// A PCAP_MARK line says how many bytes follow and how large the file was in
// the guest: the bytes brought back are capped (maxPcapBytes), and a file
// cut there is trimmed here to its last whole packet record.
import { readPcap } from '../../observe/pcap.js';

/** Starts a line naming a guest log file (relative to the guest's results folder). */
export const LOG_MARK = '==> mptcp-lab guest log: ';
/** Starts a line `<relative path> <bytes sent> <bytes in the guest>` before a pcap's base64. */
export const PCAP_MARK = '==> mptcp-lab guest pcap: ';
/** Bytes of pcaps one guest brings back, all labs together; what is past it is cut (and said so). */
export const GUEST_PCAP_BYTES = 64 * 1024 * 1024;

const PCAP_FILE_HEADER = 24;
const PCAP_RECORD_HEADER = 16;

export interface GuestPcap {
  /** What came back, trimmed to whole packet records. */
  data: Buffer;
  /** The file's size in the guest. */
  size: number;
  /** Why not all of it came back (the cap, a stream cut short); undefined when whole. */
  cut?: string;
}

export interface GuestOutput {
  /** results.json of the run inside. */
  json: string;
  /** Lab logs by path relative to the guest's results folder. */
  logs: Map<string, string>;
  /** Kept pcaps by path relative to the guest's results folder. */
  pcaps: Map<string, GuestPcap>;
}

/**
 * The sh loop that sends the pcaps below `dir` (labs/LAB/LINK.pcap) after the logs, at most
 * `maxBytes` of them in all: a file past the cap is sent cut (its PCAP_MARK line says so).
 */
export function sendPcapsScript(dir: string, maxBytes = GUEST_PCAP_BYTES): string {
  return [
    `left=${maxBytes}`,
    `for f in ${dir}/labs/*/*.pcap; do [ -f "$f" ] || continue`,
    `size=$(wc -c < "$f"); n=$size; [ "$n" -gt "$left" ] && n=$left`,
    `printf '\\n${PCAP_MARK}%s %s %s\\n' "\${f#${dir}/}" "$n" "$size"`,
    `head -c "$n" "$f" | base64`,
    `left=$((left - n)); done`,
  ].join('; ');
}

/** A path that stays inside the results folder it is joined to. */
function safeName(name: string): boolean {
  return !name.startsWith('/') && !name.split('/').some((p) => p === '..' || p === '' || p === '.');
}

/** The results port's stream → results.json text, the guest's logs and its pcaps, by relative path. */
export function splitGuestOutput(stdout: string): GuestOutput {
  const marks = new RegExp(`\\n(?=${escape(LOG_MARK)}|${escape(PCAP_MARK)})`);
  const [json, ...parts] = stdout.split(marks);
  const logs = new Map<string, string>();
  const pcaps = new Map<string, GuestPcap>();
  for (const part of parts) {
    const nl = part.indexOf('\n');
    const line = nl < 0 ? part : part.slice(0, nl);
    const body = nl < 0 ? '' : part.slice(nl + 1);
    if (line.startsWith(LOG_MARK)) {
      const name = line.slice(LOG_MARK.length);
      if (safeName(name)) logs.set(name, body);
      continue;
    }
    const m = /^(.+) (\d+) (\d+)$/.exec(line.slice(PCAP_MARK.length));
    if (!m || !safeName(m[1]!)) continue;
    pcaps.set(m[1]!, pcapOf(Buffer.from(body.replace(/\s+/g, ''), 'base64'), Number(m[2]), Number(m[3])));
  }
  return { json: json!, logs, pcaps };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function pcapOf(bytes: Buffer, sent: number, size: number): GuestPcap {
  if (bytes.length === size) return { data: bytes, size };
  const why =
    sent < size
      ? `cut at ${sent} of ${size} bytes (a guest brings back at most ${GUEST_PCAP_BYTES / 1024 / 1024} MiB of pcaps)`
      : `${bytes.length} of ${size} bytes came back (the stream ended early)`;
  const data = wholeRecords(bytes);
  return { data, size, cut: `${why}; kept ${data.length} bytes, up to the last whole packet` };
}

/** The file header and the packet records that are whole; nothing when not even the header is. */
export function wholeRecords(bytes: Buffer): Buffer {
  const read = readPcap(bytes);
  if (!read.header) return Buffer.alloc(0);
  const end = read.packets.reduce((n, p) => n + PCAP_RECORD_HEADER + p.capturedLength, PCAP_FILE_HEADER);
  return bytes.subarray(0, end);
}
