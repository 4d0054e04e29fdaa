// The explanation of a lab run's integrity failures from what the run left
// in its results folder: the pcaps of --capture (RESULTS/labs/LAB[.rN]/LINK.pcap, a booted
// kernel's under RESULTS/kernels/KERNEL/labs/LAB[.rN]/),
// the run's seed (which gives every connection's payload) and the located
// failures (StreamDiff) of results.json — or ranges given by hand.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../exit.js';
import type { TransferObservation } from '../observations.js';
import { readPcap } from '../observe/pcap.js';
import { connectionPayloadSeed } from '../seed.js';
import { payloadBytes } from '../workload/payload.js';
import { explainStreamDiff, type Explanation } from './explain.js';
import type { Direction, StreamDiff } from './types.js';
import { endOf, rebuildConnections, type CaptureFile } from './wire-stream.js';

/** Reads pcap files; a file that cannot be read whole is an error naming it. */
export function readCaptures(files: readonly string[]): CaptureFile[] {
  return files.map((f) => {
    let buf: Buffer;
    try {
      buf = readFileSync(f);
    } catch (e) {
      throw new UsageError(`${f}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
    }
    const r = readPcap(buf);
    if (r.error && r.packets.length === 0) throw new UsageError(`${f}: ${r.error}`);
    return { file: basename(f), packets: r.packets };
  });
}

/**
 * Explains each StreamDiff with the captures: `payloadSeed(connection)` gives the seed of that
 * connection's payload (both directions carry the same stream); `clientEnds(connection)`, when
 * known, the client's subflow ends (address:port) the run reported, which find the connection in
 * captures that hold only some connections (else the n-th MP_CAPABLE SYN is connection n). What a
 * failing lab's diagnostics call when the lab ran with --capture.
 */
export function explainCaptures(
  pcaps: readonly string[],
  diffs: readonly StreamDiff[],
  payloadSeed: (connection: number) => number,
  clientEnds: (connection: number) => readonly string[] = () => [],
): Explanation[] {
  const connections = rebuildConnections(readCaptures(pcaps));
  return diffs.map((d) => {
    const ends = clientEnds(d.connection);
    const conn = ends.length ? connections.find((c) => c.subflows.some((s) => ends.includes(s.clientEnd))) : connections[d.connection];
    if (!conn)
      throw new UsageError(
        `the captures (${pcaps.map((p) => basename(p)).join(', ')}) hold ${connections.length} MPTCP connection(s), none of them connection ${d.connection}${ends.length ? ` (${ends.join(', ')})` : ''}`,
      );
    return explainStreamDiff(d, conn, payloadBytes(payloadSeed(d.connection), d.expectedBytes));
  });
}

/**
 * The explanation of a failing lab run from its LabResult: its pcaps, the run's seed and the
 * StreamDiffs located by the receiver. What a failing lab's TAP diagnostics call when it has
 * captures (explanationLines of each).
 */
export function explainLabResult(
  r: { lab: string; pcaps?: string[]; observations?: { transfers?: readonly TransferObservation[] } },
  runSeed: number,
  diffs: readonly StreamDiff[],
): Explanation[] {
  if (!r.pcaps?.length || !diffs.length) return [];
  const transfers = r.observations?.transfers ?? [];
  const ends = (c: number): string[] =>
    (transfers.find((t) => t.connection === c)?.client.subflows ?? []).map((s) => endOf(s.saddr, s.sport));
  return explainCaptures(r.pcaps, diffs, (c) => connectionPayloadSeed(runSeed, r.lab, c), ends);
}

/** What `explain` needs of results.json for one lab run. */
export interface LabRun {
  resultsFile: string;
  /** Where in results.json, for messages: `results[3]`. */
  place: string;
  lab: string;
  runSeed: number;
  pcaps: string[];
  diffs: StreamDiff[];
  /** Bytes each connection sends each way, from the run's transfers. */
  sizeBytes: (connection: number) => number | undefined;
  /** The client's subflow ends of each connection, from the run's transfers. */
  clientEnds: (connection: number) => string[];
}

/** results.json of the results folder above `labDir` (RESULTS/labs/LAB[.rN][/...], or a booted kernel's RESULTS/kernels/KERNEL/labs/LAB[.rN]). */
export function findResultsFile(labDir: string): string {
  let d = resolve(labDir);
  for (let i = 0; i < 5; i++) {
    const f = join(d, 'results.json');
    if (existsSync(f)) return f;
    d = dirname(d);
  }
  throw new UsageError(
    `${labDir}: no results.json in it or up to 4 folders above (give a lab folder of a results folder: RESULTS/labs/LAB, or RESULTS/kernels/KERNEL/labs/LAB for a booted kernel)`,
  );
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The run of results.json whose files are in `labDir`. */
export function loadLabRun(labDir: string): LabRun {
  const resultsFile = findResultsFile(labDir);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(resultsFile, 'utf8'));
  } catch (e) {
    throw new UsageError(`${resultsFile}: not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const run = isObject(doc) && isObject(doc.run) ? doc.run : undefined;
  const results = isObject(doc) && Array.isArray(doc.results) ? doc.results : undefined;
  if (!run || typeof run.seed !== 'number' || !results) throw new UsageError(`${resultsFile}: expected { run: { seed }, results: [...] }`);
  const { index, dir } = entryIn(results, resultsFile, labDir);
  if (index < 0) throw new UsageError(`${resultsFile}: no entry of results[] has its log or pcaps in ${labDir}`);
  const r = results[index] as Json;
  const place = `results[${index}]`;
  if (typeof r.lab !== 'string') throw new UsageError(`${resultsFile}: ${place}.lab: expected the lab's name`);
  const pcaps = pcapsOf(r, dir, resultsFile);
  if (!pcaps.length) throw new UsageError(`${resultsFile}: ${place} (${r.lab}) has no pcaps: run the lab with --capture`);
  const transfers = isObject(r.observations) && Array.isArray(r.observations.transfers) ? r.observations.transfers : [];
  return {
    resultsFile,
    place,
    lab: r.lab,
    runSeed: run.seed,
    pcaps,
    diffs: findStreamDiffs(r),
    sizeBytes: (c) => {
      const t = transferOf(transfers, c);
      return typeof t?.sizeBytes === 'number' ? t.sizeBytes : undefined;
    },
    clientEnds: (c) => {
      const client = transferOf(transfers, c)?.client;
      const subflows = isObject(client) && Array.isArray(client.subflows) ? client.subflows : [];
      return subflows.flatMap((s) =>
        isObject(s) && typeof s.saddr === 'string' && typeof s.sport === 'number' ? [endOf(s.saddr, s.sport)] : [],
      );
    },
  };
}

/**
 * The entry of results[] whose files are in `labDir` or a folder above it (a pcap or a folder
 * inside the lab's folder names it too); one with pcaps there first (a comparison's entry may
 * share the kernel run's folder).
 */
function entryIn(results: readonly unknown[], resultsFile: string, labDir: string): { index: number; dir: string } {
  const top = dirname(resultsFile);
  // A results folder moved elsewhere still names its old absolute paths: the lab folder's name decides then.
  const sameDir = (f: string, dir: string): boolean => {
    const d = dirname(resolve(top, f));
    return d === dir || (!d.startsWith(top) && basename(d) === basename(dir));
  };
  const inDir = (r: unknown, dir: string, pcapsOnly: boolean): boolean =>
    isObject(r) && filesOf(r).some((f) => (!pcapsOnly || f.endsWith('.pcap')) && sameDir(f, dir));
  for (let dir = resolve(labDir); dir.startsWith(top) && dir !== top; dir = dirname(dir)) {
    for (const pcapsOnly of [true, false]) {
      const index = results.findIndex((r) => inDir(r, dir, pcapsOnly));
      if (index >= 0) return { index, dir };
    }
  }
  return { index: -1, dir: resolve(labDir) };
}

function transferOf(transfers: readonly unknown[], connection: number): Json | undefined {
  const t = transfers.find((x) => isObject(x) && x.connection === connection);
  return isObject(t) ? t : undefined;
}

function filesOf(r: Json): string[] {
  const pcaps = Array.isArray(r.pcaps) ? r.pcaps.filter((p): p is string => typeof p === 'string') : [];
  return [...pcaps, ...(typeof r.log === 'string' ? [r.log] : [])];
}

/** The pcaps results.json names, or (results moved elsewhere) the ones in the lab's folder. */
function pcapsOf(r: Json, dir: string, resultsFile: string): string[] {
  const named = filesOf(r)
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => resolve(dirname(resultsFile), f));
  if (named.length && named.every((f) => existsSync(f))) return named;
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.pcap'))
        .sort()
        .map((f) => join(dir, f))
    : [];
}

/** Every StreamDiff with wrong ranges in a result, wherever the receiver's report put it. */
export function findStreamDiffs(v: unknown, out: StreamDiff[] = []): StreamDiff[] {
  if (Array.isArray(v)) for (const x of v) findStreamDiffs(x, out);
  else if (isObject(v)) {
    if (isStreamDiff(v)) {
      if (v.wrong.length) out.push(v);
    } else for (const x of Object.values(v)) findStreamDiffs(x, out);
  }
  return out;
}

function isStreamDiff(v: Json): v is Json & StreamDiff {
  return (
    typeof v.connection === 'number' &&
    (v.direction === 'upload' || v.direction === 'download') &&
    typeof v.expectedBytes === 'number' &&
    typeof v.receivedBytes === 'number' &&
    Array.isArray(v.wrong) &&
    v.wrong.every((w) => isObject(w) && typeof w.offset === 'number' && typeof w.length === 'number' && isObject(w.origin))
  );
}

/** `--range CONN:DIR:OFFSET:LEN[:FROM]` (FROM: the wrong bytes are the stream's own bytes from there). */
export function parseRange(text: string, sizeBytes: (connection: number) => number | undefined): StreamDiff {
  const m = /^(\d+):(upload|download):(\d+):(\d+)(?::(\d+))?$/.exec(text);
  if (!m)
    throw new UsageError(
      `--range: expected CONN:DIR:OFFSET:LEN[:FROM] with DIR upload or download (e.g. 2:upload:14200:376:65160), got "${text}"`,
    );
  const [connection, offset, length] = [Number(m[1]), Number(m[3]), Number(m[4])];
  const direction = m[2] as Direction;
  if (length === 0) throw new UsageError(`--range ${text}: LEN must be at least 1`);
  const size = sizeBytes(connection) ?? offset + length;
  if (offset + length > size) throw new UsageError(`--range ${text}: ends past the ${size} bytes connection ${connection} sends each way`);
  const origin = m[5] !== undefined ? { kind: 'misplaced' as const, from: Number(m[5]) } : { kind: 'unknown' as const };
  return { connection, direction, expectedBytes: size, receivedBytes: size, wrong: [{ offset, length, origin }] };
}

/** Explains the run whose files are in `labDir`: its StreamDiffs, or the given ranges. */
export function explainLabRun(labDir: string, ranges: readonly string[]): Explanation[] {
  const run = loadLabRun(labDir);
  const diffs = ranges.length ? ranges.map((r) => parseRange(r, run.sizeBytes)) : run.diffs;
  if (!diffs.length)
    throw new UsageError(
      `${run.resultsFile}: ${run.place} (${run.lab}) holds no located integrity failure (StreamDiff): give --range CONN:DIR:OFFSET:LEN`,
    );
  return explainCaptures(run.pcaps, diffs, (c) => connectionPayloadSeed(run.runSeed, run.lab, c), run.clientEnds);
}
