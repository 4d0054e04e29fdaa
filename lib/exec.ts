// Every external command goes through here: arguments are arrays, never
// formatted strings, and a failure throws a CommandError carrying the
// command, its exit code and its stderr (execa's result shape).
import { execa, type ResultPromise } from 'execa';

export interface CommandResult {
  command: string;
  cwd: string;
  durationMs: number;
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export class CommandError extends Error {
  constructor(readonly result: CommandResult) {
    const why = result.timedOut ? 'timed out' : result.signal ? `killed by ${result.signal}` : `exit ${result.exitCode}`;
    super(`${result.command}: ${why}${result.stderr ? `: ${result.stderr.trim()}` : ''}`);
    this.name = 'CommandError';
  }
}

export interface RunOptions {
  /** Run inside this network namespace (ip netns exec). */
  netns?: string;
  input?: string;
  timeoutMs?: number;
  /** Return the result instead of throwing on a non-zero exit. */
  reject?: boolean;
  env?: Record<string, string>;
}

/** Prefix argv so it runs inside a named network namespace. */
export function inNetns(netns: string | undefined, argv: readonly string[]): string[] {
  return netns ? ['ip', 'netns', 'exec', netns, ...argv] : [...argv];
}

export async function run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const full = inNetns(options.netns, argv);
  const [file, ...args] = full;
  if (!file) throw new Error('run: empty command');
  const started = performance.now();
  const child = execa(file, args, {
    reject: false,
    input: options.input,
    timeout: options.timeoutMs ?? 30_000,
    env: options.env,
    stripFinalNewline: false,
  });
  const r = await child;
  const result: CommandResult = {
    command: full.join(' '),
    cwd: process.cwd(),
    durationMs: performance.now() - started,
    exitCode: r.exitCode,
    signal: r.signal ?? undefined,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    timedOut: r.timedOut === true,
  };
  const failed = result.exitCode !== 0 || result.timedOut || result.signal !== undefined;
  if (failed && options.reject !== false) throw new CommandError(result);
  return result;
}

/** Like run(), but returns stdout parsed as JSON. */
export async function runJson<T>(argv: readonly string[], options: RunOptions = {}): Promise<T> {
  const r = await run(argv, options);
  const text = r.stdout.trim();
  return (text ? JSON.parse(text) : []) as T;
}

/** Marks every long-running child with the run's PID, so tests and `clean` can tell ours apart. */
export const RUN_MARK = 'MPTCP_LAB_RUN';

/** Start a long-running process (monitor, tcpdump, agent); the caller ends it by PID. */
export function spawnLong(argv: readonly string[], netns?: string): ResultPromise<{ reject: false; buffer: false; stdin: 'ignore' }> {
  const [file, ...args] = inNetns(netns, argv);
  if (!file) throw new Error('spawnLong: empty command');
  return execa(file, args, { reject: false, buffer: false, stdin: 'ignore', env: { [RUN_MARK]: String(process.pid) } });
}
