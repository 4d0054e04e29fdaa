// Starting and timing the processes the bench measures: a whole `mptcp-lab
// run`, or a probe script in a fresh Node (so its memory and its cold start
// are its own, not the bench's).
import { spawn } from 'node:child_process';

export interface Timed {
  /** Wall time from spawn to exit. */
  readonly ms: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `argv` to its end and times it; stdout is kept only when asked (a TAP stream is thrown away). */
export function timeProcess(
  argv: readonly string[],
  opts: { keepStdout?: boolean; timeoutMs?: number; cwd?: string } = {},
): Promise<Timed> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('timeProcess: empty command');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, {
      ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
      stdio: ['ignore', opts.keepStdout ? 'pipe' : 'ignore', 'pipe'],
      ...(opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs, killSignal: 'SIGINT' as const } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve({
        ms: performance.now() - t0,
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

/** The last lines of a failed process's stderr, for a one-line reason. */
export function tail(text: string, lines = 3): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}
