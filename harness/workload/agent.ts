// The traffic agent, run inside a host's namespace:
//   ip netns exec NS node dist/harness/workload/agent.js '<AgentSpec JSON>'
// Prints AgentMessage JSON lines on stdout (spec.ts). Exit 0 when every
// connection went fine, 1 otherwise, 2 for a bad spec.
import net, { type Socket } from 'node:net';
import { parseAgentSpec, SpecError } from './parse-spec.js';
import { openClientSocket, openListeningSocket } from './mptcp-socket.js';
import type { AgentMessage, AgentSpec, ClientSpec, ServerSpec } from './spec.js';
import { planFor } from './plan.js';
import { runTransfer, type TransferOutcome } from './transfer.js';

type Done = { connection: number; durationMs: number; report: TransferOutcome['report'] };

function emit(msg: AgentMessage): void {
  // stdout to a pipe or file is synchronous in Node on Linux, so nothing is lost on exit.
  process.stdout.write(`${JSON.stringify(msg)}\n`);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Everything that must go away when the agent ends, whatever the reason. */
const live = { sockets: new Set<Socket>(), server: undefined as net.Server | undefined };
const done: Done[] = [];
let failed = false;
let finished = false;

/** Prints the one result line and ends; `now` exits at once (timeout, signal, crash). */
function finish(ok: boolean, error?: string, now = false): void {
  if (finished) return;
  finished = true;
  const msg: AgentMessage = { kind: 'result', ok: ok && !failed, connections: done };
  if (error !== undefined) msg.error = error;
  emit(msg);
  for (const s of live.sockets) s.destroy();
  live.server?.close();
  process.exitCode = msg.ok ? 0 : 1;
  if (now) process.exit();
  // Normally the loop is empty now and Node exits; never linger if something still holds it.
  setTimeout(() => process.exit(), 2000).unref();
}

function record(i: number, out: TransferOutcome): void {
  if (finished) return;
  if (!out.ok) failed = true;
  const entry: Done = { connection: i, durationMs: out.durationMs, report: out.report };
  done.push(entry);
  emit({ kind: 'done', ...entry });
}

async function runServer(spec: ServerSpec): Promise<void> {
  const fd = openListeningSocket({ mptcp: spec.mptcp, family: spec.family, port: spec.port });
  const server = net.createServer({ allowHalfOpen: true });
  live.server = server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ fd }, () => resolve());
  });
  server.on('error', (e) => finish(false, `server: ${errorText(e)}`));
  const address = server.address();
  emit({ kind: 'listening', port: typeof address === 'object' && address ? address.port : spec.port });
  let accepted = 0;
  const transfers: Promise<void>[] = [];
  await new Promise<void>((resolve) => {
    server.on('connection', (socket: Socket) => {
      // Extra connections are refused; the listener stays open for MP_JOINs of the ones we serve.
      if (accepted >= spec.connections) return void socket.destroy();
      const i = accepted++;
      live.sockets.add(socket);
      const started = performance.now();
      transfers.push(
        runTransfer(socket, planFor(spec, i), started)
          .then((out) => record(i, out))
          .finally(() => live.sockets.delete(socket)),
      );
      if (accepted === spec.connections) resolve();
    });
  });
  await Promise.all(transfers);
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

/** The harness sends SIGUSR2 once the events due at 0 ms are in place (ClientSpec.holdStart). */
const released = new Promise<void>((resolve) => process.once('SIGUSR2', () => resolve()));

async function runClient(spec: ClientSpec): Promise<void> {
  for (let i = 0; i < spec.connections && !finished; i++) {
    const fdOptions: { mptcp: boolean; address: string; bind?: string } = { mptcp: spec.mptcp, address: spec.address };
    if (spec.bind !== undefined) fdOptions.bind = spec.bind;
    const socket = new net.Socket({ fd: openClientSocket(fdOptions), allowHalfOpen: true });
    live.sockets.add(socket);
    try {
      await connect(socket, spec);
      emit({ kind: 'connected', connection: i, atMs: Math.round(performance.now()) });
      if (spec.holdStart && i === 0) {
        await released;
        emit({ kind: 'started', connection: i, atMs: Math.round(performance.now()) });
      }
      const started = performance.now();
      record(i, await runTransfer(socket, planFor(spec, i), started));
    } catch (e) {
      socket.destroy();
      throw new Error(`connection ${i}: ${errorText(e)}`);
    } finally {
      live.sockets.delete(socket);
    }
  }
}

function main(): void {
  let spec: AgentSpec;
  try {
    spec = parseAgentSpec(process.argv[2]);
  } catch (e) {
    process.stderr.write(`agent: ${e instanceof SpecError ? e.message : errorText(e)}\n`);
    process.exit(2);
  }
  process.on('uncaughtException', (e) => finish(false, `uncaught: ${errorText(e)}`, true));
  process.on('unhandledRejection', (e) => finish(false, `unhandled rejection: ${errorText(e)}`, true));
  process.once('SIGTERM', () => finish(false, 'terminated by SIGTERM', true));
  process.once('SIGINT', () => finish(false, 'interrupted by SIGINT', true));
  const timer = setTimeout(() => finish(false, `timeout after ${spec.timeoutMs} ms`, true), spec.timeoutMs);
  const run = spec.role === 'server' ? runServer(spec) : runClient(spec);
  run
    .then(
      () => finish(done.length === spec.connections),
      (e: unknown) => finish(false, errorText(e)),
    )
    .finally(() => clearTimeout(timer));
}

main();
