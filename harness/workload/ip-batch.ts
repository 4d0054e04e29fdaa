// A long-lived `ip -n NS -force -batch -` per namespace, started before the
// transfer, that runs the `ip` lines of timed events (link up/down) when they
// are due. Starting a process from Node forks the whole Node process: on an
// emulated CPU (qemu TCG) under a transfer's load that took 0.5-0.8 s per
// command, so a "link-down at 300 ms" took effect at 1.1 s. A process that
// is already running only has to read a line.
import { createInterface } from 'node:readline';
import { forgetPid, killPid, registerPid } from '../../lib/pids.js';
import { commandFailure, spawnLongWithStdin, whyNotStarted, type CommandError } from '../../lib/exec.js';

/** After each command, a query whose answer marks that the command before it finished. */
const MARK_COMMAND = 'link show dev lo';
const MARK_LINE = /^\d+: lo: /;

export interface IpBatch {
  /** Runs one `ip` command line (without "ip -n NS"); rejects with ip's error text when it failed. */
  run(line: string): Promise<void>;
  close(): Promise<void>;
}

interface Pending {
  resolve: () => void;
  reject: (e: CommandError) => void;
  stderrAt: number;
  line: string;
  writtenMs: number;
}

/** Starts the batch process; commands run one after another in the order given. */
export function startIpBatch(ns: string): IpBatch {
  // stdbuf: ip's stdout is a pipe, fully buffered, so the mark would wait for ip to exit.
  const child = spawnLongWithStdin(['stdbuf', '-oL', 'ip', '-n', ns, '-force', '-batch', '-']);
  const startedMs = performance.now();
  registerPid(child.pid);
  const queue: Pending[] = [];
  let stderr = '';
  let ended: CommandError | undefined;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout }).on('line', (text) => {
    if (!MARK_LINE.test(text)) return;
    const p = queue.shift();
    if (!p) return;
    const error = stderr.slice(p.stderrAt).trim();
    if (error) p.reject(commandFailure({ command: `ip -n ${ns} ${p.line}`, stderr: error, durationMs: performance.now() - p.writtenMs }));
    else p.resolve();
  });
  const fail = (how: { exitCode?: number; signal?: string; spawnError?: string }) => {
    if (ended) return;
    ended = commandFailure({ command: `ip -n ${ns} -batch`, stderr, durationMs: performance.now() - startedMs, ...how }, 'ended');
    for (const p of queue.splice(0)) p.reject(ended);
  };
  child.on('exit', (code, signal) => fail({ exitCode: code ?? undefined, signal: signal ?? undefined }));
  // A process that did not start emits no 'exit'; its result says why.
  void child.then((r) => fail({ exitCode: r.exitCode, signal: r.signal, spawnError: whyNotStarted(r) }));
  child.stdin.on('error', () => undefined);
  return {
    run: (line) =>
      new Promise<void>((resolve, reject) => {
        if (ended) return reject(ended);
        if (/[\n\r]/.test(line)) return reject(new Error(`ip batch line must be one line: ${JSON.stringify(line)}`));
        queue.push({ resolve, reject, stderrAt: stderr.length, line, writtenMs: performance.now() });
        child.stdin.write(`${line}\n${MARK_COMMAND}\n`);
      }),
    close: async () => {
      const exited = new Promise<void>((resolve) =>
        child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
      );
      child.stdin.end();
      // End of input ends ip; a stuck one is ended by PID.
      await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
      if (child.pid !== undefined) await killPid(child.pid, 500);
      forgetPid(child.pid);
    },
  };
}
