// One connection's transfer, the same on client and server.
//
// Close ordering: once an msk has seen both DATA_FINs it tears its subflows
// down (the first one is tcp_disconnect()ed, which zeroes its tcp_info and
// addresses), often before Node delivers 'end' or 'finish'. So each side
// reads the kernel's view BEFORE it sends its own FIN: when everything it
// wrote is acked and every byte it expects (sizeBytes, known to both sides)
// has arrived. Only then end() (half-close), read to EOF, and close.
import type { Socket } from 'node:net';
import type { EndpointReport } from '../observations.js';
import type { WritePattern } from './spec.js';
import type { Direction } from '../integrity/types.js';
import { comparerFor, workloadStreams, type WorkloadStreams } from '../integrity/sources.js';
import { setLingerZero, socketFd } from './mptcp-socket.js';
import { PayloadStream, StreamDigest } from './payload.js';
import { allAcked, readEndpointState, type Addresses, type EndpointState } from './read-info.js';

export interface TransferPlan {
  /** The socket was opened with IPPROTO_MPTCP. */
  mptcp: boolean;
  sendBytes: number;
  /** Bytes the peer will send; reaching it (or EOF) ends the receive side. */
  expectBytes: number;
  seed: number;
  write: WritePattern;
  /** Abort with SO_LINGER 0 once this many bytes are sent (received, when sending nothing). */
  abortAfterBytes?: number;
  /** When this side receives: which stream it expects, among those of the workload, to locate wrong bytes. */
  locate?: { connection: number; direction: Direction; streams: WorkloadStreams };
}

export interface TransferOutcome {
  report: EndpointReport;
  /** From the start given to runTransfer to both directions delivered and acked. */
  durationMs: number;
  ok: boolean;
}

const ACK_POLL_MS = 2;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * While the kernel takes every write (a large send buffer on a fast veth), the loop above
 * would write megabytes in one turn of the event loop, which the agent shares with the other
 * labs and the timed events: let them run after this many bytes.
 */
const YIELD_BYTES = 64 * 1024;
const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Socket events folded into flags, and a way to wait for a condition over them. */
class SocketWatch {
  eof = false;
  finished = false;
  closed = false;
  error: Error | undefined;
  private waiters = new Set<() => void>();

  constructor(socket: Socket, onData: (chunk: Buffer) => void, onEof: () => void) {
    socket.on('data', (chunk: Buffer) => {
      this.guard(() => onData(chunk));
      this.notify();
    });
    // Runs before Node auto-destroys a socket that is ended both ways, so the fd is still open here.
    socket.on('end', () => {
      this.eof = true;
      this.guard(onEof);
      this.notify();
    });
    socket.on('finish', () => {
      this.finished = true;
      this.notify();
    });
    socket.on('drain', () => this.notify());
    socket.on('error', (e: Error) => {
      this.error ??= e;
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  /** The agent runs in the harness's process: an exception in a handler fails this transfer, not the run. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.error ??= e instanceof Error ? e : new Error(String(e));
    }
  }

  notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves when `cond` holds; rejects on a socket error or close first. */
  until(cond: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (cond()) {
          this.waiters.delete(check);
          resolve();
        } else if (this.error || this.closed) {
          this.waiters.delete(check);
          reject(this.error ?? new Error('connection closed early'));
        }
      };
      this.waiters.add(check);
      check();
    });
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}

function addressesOf(socket: Socket): Addresses {
  return {
    saddr: socket.localAddress ?? '',
    daddr: socket.remoteAddress ?? '',
    sport: socket.localPort ?? 0,
    dport: socket.remotePort ?? 0,
  };
}

export async function runTransfer(socket: Socket, plan: TransferPlan, startedAt: number): Promise<TransferOutcome> {
  const sent = new StreamDigest();
  const received = new StreamDigest();
  const comparer = plan.locate && comparerFor(workloadStreams(plan.locate.streams), plan.locate.connection, plan.locate.direction);
  const addrs = addressesOf(socket); // Node forgets them once the socket closes
  let state: EndpointState | undefined;
  const snapshot = (): void => {
    try {
      state = readEndpointState(socketFd(socket), plan.mptcp, addrs);
    } catch (e) {
      state = { fallback: false, subflows: [], error: `reading socket info: ${describe(e)}` };
    }
  };
  const watch = new SocketWatch(
    socket,
    (chunk) => {
      received.update(chunk);
      comparer?.update(chunk);
    },
    // The peer stopped early: read now, the last chance before its teardown.
    () => {
      if (!state && received.bytes < plan.expectBytes) snapshot();
    },
  );
  const abortAt = plan.abortAfterBytes;
  const sendLimit = abortAt !== undefined && plan.sendBytes > 0 ? Math.min(abortAt, plan.sendBytes) : plan.sendBytes;

  const sendAll = async (): Promise<void> => {
    const payload = new PayloadStream(plan.seed);
    const chunk = Math.max(1, plan.write.chunkBytes);
    let sinceYield = 0;
    while (sent.bytes < sendLimit) {
      const buf = payload.next(Math.min(chunk, sendLimit - sent.bytes));
      sent.update(buf);
      const last = sent.bytes === sendLimit;
      let flushed: Promise<void> | undefined;
      if (last) flushed = new Promise((res, rej) => socket.write(buf, (e) => (e ? rej(e) : res())));
      else if (!socket.write(buf)) {
        await watch.until(() => !socket.writableNeedDrain);
        sinceYield = 0; // 'drain' came in a later turn of the loop
      } else sinceYield += buf.length;
      if (flushed) await Promise.race([flushed, watch.until(() => false)]);
      else if (plan.write.pauseMs > 0) await sleep(plan.write.pauseMs);
      else if (sinceYield >= YIELD_BYTES) {
        sinceYield = 0;
        await yieldToLoop();
      }
    }
  };

  const waitAcked = async (): Promise<void> => {
    const fd = socketFd(socket);
    while (!allAcked(fd, plan.mptcp)) {
      if (watch.error || watch.closed) throw watch.error ?? new Error('connection closed early');
      await sleep(ACK_POLL_MS);
    }
  };

  let error: string | undefined;
  let ok = true;
  let durationMs = 0;
  try {
    if (abortAt !== undefined) {
      await Promise.all([sendAll(), watch.until(() => plan.sendBytes > 0 || received.bytes >= abortAt || watch.eof)]);
      durationMs = performance.now() - startedAt;
      snapshot();
      setLingerZero(socketFd(socket));
      socket.destroy();
      error = `aborted after ${plan.sendBytes > 0 ? `${sent.bytes} bytes sent` : `${received.bytes} bytes received`} (SO_LINGER 0: RST / MP_FASTCLOSE)`;
    } else {
      await Promise.all([sendAll().then(waitAcked), watch.until(() => received.bytes >= plan.expectBytes || watch.eof)]);
      durationMs = performance.now() - startedAt;
      if (!state) snapshot();
      socket.end();
      await watch.until(() => watch.eof && watch.finished);
      socket.destroy();
    }
  } catch (e) {
    ok = false;
    error = describe(e);
    durationMs = performance.now() - startedAt;
    socket.destroy();
  }
  if (!watch.closed) await watch.until(() => watch.closed).catch(() => undefined);

  const report: EndpointReport = {
    bytesSent: sent.bytes,
    bytesReceived: received.bytes,
    sha256Sent: sent.digest(),
    sha256Received: received.digest(),
    fallback: state?.fallback ?? false,
    mptcp: plan.mptcp,
    subflows: state?.subflows ?? [],
  };
  if (state?.info) report.info = state.info;
  const diff = comparer?.located();
  if (diff) report.diff = diff;
  const errors = [error, state?.error].filter((x): x is string => x !== undefined);
  if (errors.length > 0) report.error = errors.join('; ');
  if (ok && abortAt === undefined && received.bytes !== plan.expectBytes) {
    ok = false;
    report.error = [report.error, `received ${received.bytes} bytes, expected ${plan.expectBytes}`].filter(Boolean).join('; ');
  }
  return { report, durationMs, ok };
}
