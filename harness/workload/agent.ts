// The traffic agent, run inside the harness process: its sockets are made in
// a host's namespace (the caller's `makeSocket` enters it, e.g. inNamespace)
// and then driven by Node's event loop like any other socket. It reports the
// AgentMessages of spec.ts through `onMessage`, ends with one result, and
// never throws: whatever goes wrong becomes a failed result.
import { Milestones } from './milestones.js';
import net, { type Socket } from 'node:net';
import { openClientSocket, openListeningSocket } from './mptcp-socket.js';
import type { AgentMessage, AgentResult, AgentSpec, ClientSpec, ServerSpec } from './spec.js';
import { planFor } from './plan.js';
import { runTransfer, type TransferOutcome } from './transfer.js';

/** Runs a synchronous socket constructor where the agent's sockets must live (inside a namespace). */
export type SocketMaker = <T>(fn: () => T) => T;

export interface AgentOptions {
  makeSocket: SocketMaker;
  /** Every message but the result, as it happens. */
  onMessage?: (msg: AgentMessage) => void;
}

export interface Agent {
  readonly spec: AgentSpec;
  /** Resolves on the first message of that kind; rejects after timeoutMs or when the agent ends without it. */
  waitFor(kind: 'listening' | 'connected' | 'accepted', timeoutMs: number): Promise<void>;
  /** The port the server listens on (spec.port, or the one the kernel chose for 0); set once "listening". */
  readonly port: number | undefined;
  /** Lets a held client (ClientSpec.holdStart) send its first byte. */
  release(): void;
  /** Ends the agent now: a failed result with `reason` unless it had already finished; every socket closed. */
  stop(reason: string): void;
  /** Always resolves, once every socket of the agent is closed. */
  readonly result: Promise<AgentResult>;
}

type Done = AgentResult['connections'][number];

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Sockets of all agents not yet finished, so a signal handler can close them (closeAllAgentSockets). */
const running = new Set<AgentRun>();

/** Agents of this process run elsewhere too (a thread per lab): who else to tell. */
const elsewhere = new Set<(reason: string) => void>();

export function onCloseAllAgents(close: (reason: string) => void): void {
  elsewhere.add(close);
}

/** Closes the sockets of every agent still running (SIGINT, SIGTERM, exit): their results say so. */
export function closeAllAgentSockets(reason: string): void {
  for (const a of [...running]) a.finish(false, reason);
  for (const close of elsewhere) close(reason);
}

class AgentRun implements Agent {
  readonly result: Promise<AgentResult>;
  port: number | undefined;
  private readonly sockets = new Set<Socket>();
  private server: net.Server | undefined;
  private readonly done: Done[] = [];
  private failed = false;
  private finished = false;
  private readonly milestones: Milestones;
  private resolveResult!: (r: AgentResult) => void;
  private releaseHeld!: () => void;
  private readonly released = new Promise<void>((r) => (this.releaseHeld = r));
  private readonly startedAt = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly spec: AgentSpec,
    private readonly opts: AgentOptions,
  ) {
    this.result = new Promise((r) => (this.resolveResult = r));
    this.milestones = new Milestones(spec.role);
    running.add(this);
    this.timer = setTimeout(() => this.finish(false, `timeout after ${spec.timeoutMs} ms`), spec.timeoutMs);
    // Deferred, so the caller holds the agent before its first message; an exception is a failed result.
    setImmediate(() => {
      const run = spec.role === 'server' ? this.runServer(spec) : this.runClient(spec);
      run.then(
        () => this.finish(this.done.length === spec.connections),
        (e: unknown) => this.finish(false, errorText(e)),
      );
    });
  }

  private emit(msg: AgentMessage): void {
    if (this.finished) return;
    this.milestones.saw(msg.kind);
    try {
      this.opts.onMessage?.(msg);
    } catch {
      /* a logging problem is not the transfer's */
    }
  }

  waitFor(kind: 'listening' | 'connected' | 'accepted', timeoutMs: number): Promise<void> {
    return this.milestones.waitFor(kind, timeoutMs);
  }

  release(): void {
    this.releaseHeld();
  }

  stop(reason: string): void {
    this.finish(false, reason);
  }

  /** The one result: every socket closed first, so nothing of the agent outlives it. */
  finish(ok: boolean, error?: string): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    running.delete(this);
    const msg: AgentResult = { kind: 'result', ok: ok && !this.failed, connections: [...this.done] };
    if (error !== undefined) msg.error = error;
    this.milestones.end(error);
    const closing = [...this.sockets].map((s) => closed(s));
    for (const s of this.sockets) s.destroy();
    if (this.server) closing.push(new Promise((r) => this.server?.close(() => r())));
    void Promise.all(closing).then(() => this.resolveResult(msg));
  }

  private record(i: number, out: TransferOutcome): void {
    if (this.finished) return;
    if (!out.ok) this.failed = true;
    const entry: Done = { connection: i, durationMs: out.durationMs, report: out.report };
    this.done.push(entry);
    this.emit({ kind: 'done', ...entry });
  }

  /** A socket of this agent: closed when the agent finishes; its errors go to the transfer, never to the process. */
  private adopt(socket: Socket): Socket {
    socket.on('error', () => undefined);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    return socket;
  }

  private async runServer(spec: ServerSpec): Promise<void> {
    const fd = this.opts.makeSocket(() => openListeningSocket({ mptcp: spec.mptcp, family: spec.family, port: spec.port }));
    const server = net.createServer({ allowHalfOpen: true });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ fd }, () => resolve());
    });
    server.on('error', (e) => this.finish(false, `server: ${errorText(e)}`));
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : spec.port;
    this.emit({ kind: 'listening', port: this.port });
    let accepted = 0;
    const transfers: Promise<void>[] = [];
    await new Promise<void>((resolve) => {
      server.on('connection', (socket: Socket) => {
        // Extra connections (or any after the end) are refused; the listener stays open for MP_JOINs of the ones we serve.
        if (accepted >= spec.connections || this.finished) return void socket.on('error', () => undefined).destroy();
        const i = accepted++;
        this.adopt(socket);
        this.emit({ kind: 'accepted', connection: i, atMs: this.sinceStart() });
        transfers.push(runTransfer(socket, planFor(spec, i), performance.now()).then((out) => this.record(i, out)));
        if (accepted === spec.connections) resolve();
      });
    });
    await Promise.all(transfers);
  }

  private async runClient(spec: ClientSpec): Promise<void> {
    for (let i = 0; i < spec.connections && !this.finished; i++) {
      const fdOptions: { mptcp: boolean; address: string; bind?: string } = { mptcp: spec.mptcp, address: spec.address };
      if (spec.bind !== undefined) fdOptions.bind = spec.bind;
      const socket = this.adopt(new net.Socket({ fd: this.opts.makeSocket(() => openClientSocket(fdOptions)), allowHalfOpen: true }));
      try {
        await connect(socket, spec);
        this.emit({ kind: 'connected', connection: i, atMs: this.sinceStart() });
        if (spec.holdStart && i === 0) {
          await this.released;
          this.emit({ kind: 'started', connection: i, atMs: this.sinceStart() });
        }
        if (this.finished) return;
        this.record(i, await runTransfer(socket, planFor(spec, i), performance.now()));
      } catch (e) {
        socket.destroy();
        throw new Error(`connection ${i}: ${errorText(e)}`);
      }
    }
  }

  private sinceStart(): number {
    return Math.round(performance.now() - this.startedAt);
  }
}

function connect(socket: Socket, spec: ClientSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    socket.once('error', onError);
    socket.connect({ host: spec.address, port: spec.port }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

function closed(socket: Socket): Promise<void> {
  return socket.closed ? Promise.resolve() : new Promise((r) => socket.once('close', () => r()));
}

/**
 * Starts an agent in this process. The server listens, then accepts spec.connections
 * connections and transfers on each; the client connects and transfers one connection after
 * another. Its sockets are made by opts.makeSocket, so they live where it says.
 */
export function startAgent(spec: AgentSpec, opts: AgentOptions): Agent {
  return new AgentRun(spec, opts);
}
