// Every external command goes through here: arguments are arrays, never
// formatted strings, and a failure throws a CommandError carrying the
// command, its exit code, its stderr and how long it ran (execa's result shape).
import { execa, type ResultPromise } from 'execa';
import { forgetPid, registerPid } from './pids.js';

export interface CommandResult<Stdout extends string | Buffer = string> {
  command: string;
  cwd: string;
  durationMs: number;
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: Stdout;
  stderr: string;
  timedOut: boolean;
  /** Why the process did not start (e.g. "spawn xz ENOENT"); exitCode is then undefined. */
  spawnError?: string;
}

/** How a command ended, for a message: "exit 1", "timed out", "killed by SIGKILL", "spawn xz ENOENT". */
function howItEnded(r: CommandResult<string | Buffer>): string | undefined {
  if (r.timedOut) return 'timed out';
  if (r.signal) return `killed by ${r.signal}`;
  if (r.spawnError) return r.spawnError;
  return r.exitCode === undefined ? undefined : `exit ${r.exitCode}`;
}

export class CommandError extends Error {
  /** `what` names a failure that is not the exit itself, e.g. "ended" for a process that should still run. */
  constructor(
    readonly result: CommandResult<string | Buffer>,
    what?: string,
  ) {
    const ended = howItEnded(result);
    const why = what && ended ? `${what} (${ended})` : (what ?? ended);
    super([result.command, why, result.stderr.trim()].filter(Boolean).join(': '));
    this.name = 'CommandError';
  }
  get command(): string {
    return this.result.command;
  }
  get exitCode(): number | undefined {
    return this.result.exitCode;
  }
  get stderr(): string {
    return this.result.stderr;
  }
  get durationMs(): number {
    return this.result.durationMs;
  }
}

/** A failure of something that is not one whole process, e.g. one line of a long-lived `ip -batch`. */
export function commandFailure(
  fields: Pick<CommandResult, 'command' | 'stderr' | 'durationMs'> & Partial<Pick<CommandResult, 'exitCode' | 'signal' | 'spawnError'>>,
  what?: string,
): CommandError {
  const result: CommandResult = { cwd: process.cwd(), exitCode: undefined, signal: undefined, stdout: '', timedOut: false, ...fields };
  return new CommandError(result, what);
}

export interface RunOptions {
  /** Run inside this network namespace (ip netns exec). */
  netns?: string;
  input?: string;
  /** Default 30 s; 0 for no limit. */
  timeoutMs?: number;
  /** Return the result instead of throwing on a non-zero exit. */
  reject?: boolean;
  env?: Record<string, string>;
  /** How the result and errors name the command, when the argv is not what a reader knows it by (a lab's shell step). */
  label?: string;
  /** Working directory (default: ours). */
  cwd?: string;
}

/** Prefix argv so it runs inside a named network namespace. */
export function inNetns(netns: string | undefined, argv: readonly string[]): string[] {
  return netns ? ['ip', 'netns', 'exec', netns, ...argv] : [...argv];
}

function fileAndArgs(argv: readonly string[], what: string): [string, string[]] {
  const [file, ...args] = argv;
  if (!file) throw new Error(`${what}: empty command`);
  return [file, args];
}

/** What execa reports of a finished process, whatever the output encoding. */
export interface Finished {
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
  failed: boolean;
  stderr: unknown;
  cause?: unknown;
  shortMessage?: string;
}

function resultOf<Stdout extends string | Buffer>(
  command: string | readonly string[],
  startedMs: number,
  r: Finished,
  stdout: Stdout,
): CommandResult<Stdout> {
  const result: CommandResult<Stdout> = {
    command: typeof command === 'string' ? command : command.join(' '),
    cwd: process.cwd(),
    durationMs: performance.now() - startedMs,
    exitCode: r.exitCode,
    signal: r.signal ?? undefined,
    stdout,
    stderr: r.stderr instanceof Uint8Array ? Buffer.from(r.stderr).toString() : String(r.stderr ?? ''),
    timedOut: r.timedOut === true,
  };
  const notStarted = whyNotStarted(r);
  if (notStarted) result.spawnError = notStarted;
  return result;
}

/** Why a process did not start at all (missing program...), from execa's result; undefined when it ran. */
export function whyNotStarted(r: Finished): string | undefined {
  if (!r.failed || r.exitCode !== undefined || r.signal || r.timedOut) return undefined;
  return r.cause instanceof Error ? r.cause.message : (r.shortMessage ?? 'did not start');
}

function settle<Stdout extends string | Buffer>(result: CommandResult<Stdout>, reject: boolean | undefined): CommandResult<Stdout> {
  const failed = result.exitCode !== 0 || result.timedOut || result.signal !== undefined;
  if (failed && reject !== false) throw new CommandError(result);
  return result;
}

export async function run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return execute(argv, options, 'run', { input: options.input }, (out) => String(out ?? ''));
}

export interface BinaryRunOptions extends Omit<RunOptions, 'input'> {
  input?: Buffer;
  /** Largest stdout kept, in bytes (default 100 MB, execa's). */
  maxBytes?: number;
}

/** Like run(), for bytes in and out (a decompressor's stdin and stdout). */
export async function runBinary(argv: readonly string[], options: BinaryRunOptions = {}): Promise<CommandResult<Buffer>> {
  const extra = {
    input: options.input,
    encoding: 'buffer' as const,
    ...(options.maxBytes !== undefined ? { maxBuffer: options.maxBytes } : {}),
  };
  return execute(argv, options, 'runBinary', extra, (out) => Buffer.from((out as Uint8Array | undefined) ?? new Uint8Array()));
}

/** The one place run() and runBinary() start a process: same limits, same result and error. */
async function execute<Stdout extends string | Buffer>(
  argv: readonly string[],
  options: Omit<RunOptions, 'input'>,
  what: string,
  extra: { input?: string | Buffer; encoding?: 'buffer'; maxBuffer?: number },
  stdoutOf: (out: unknown) => Stdout,
): Promise<CommandResult<Stdout>> {
  const full = inNetns(options.netns, argv);
  const [file, args] = fileAndArgs(full, what);
  const started = performance.now();
  const r = await execa(file, args, {
    reject: false,
    timeout: options.timeoutMs ?? 30_000,
    env: options.env,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    stripFinalNewline: false,
    ...extra,
  });
  return settle(resultOf(options.label ?? full, started, r, stdoutOf(r.stdout)), options.reject);
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
  const [file, args] = fileAndArgs(inNetns(netns, argv), 'spawnLong');
  return execa(file, args, { reject: false, buffer: false, stdin: 'ignore', env: { [RUN_MARK]: String(process.pid) } });
}

/** Like spawnLong(), for a process the caller feeds through its stdin (a long-lived `ip -batch -`). */
export function spawnLongWithStdin(
  argv: readonly string[],
  netns?: string,
): ResultPromise<{ reject: false; buffer: false; stdin: 'pipe' }> {
  const [file, args] = fileAndArgs(inNetns(netns, argv), 'spawnLongWithStdin');
  return execa(file, args, { reject: false, buffer: false, stdin: 'pipe', env: { [RUN_MARK]: String(process.pid) } });
}

export interface ForegroundProcess {
  kill(signal: NodeJS.Signals): boolean;
  /** How it ended (no output is captured: it went to our terminal). Never rejects. */
  done: Promise<CommandResult>;
}

/**
 * Start a process that takes over our terminal (stdin, stdout and stderr
 * inherited) and ends when it wants: signals the caller forwards are not
 * followed by a SIGKILL, so it can clean up.
 */
export function spawnForeground(argv: readonly string[], env: Record<string, string>): ForegroundProcess {
  const [file, args] = fileAndArgs(argv, 'spawnForeground');
  const started = performance.now();
  const child = execa(file, args, { reject: false, stdio: 'inherit', forceKillAfterDelay: false, env });
  return { kill: (signal) => child.kill(signal), done: child.then((r) => resultOf(argv, started, r, '')) };
}

export interface StreamingOptions {
  cwd?: string;
  /** Default 30 s; 0 for no limit. */
  timeoutMs?: number;
  /** Each chunk of output as it comes, stdout and stderr apart. */
  onOutput: (chunk: string, stream: 'stdout' | 'stderr') => void;
}

/**
 * Run a process whose output is read as it comes (a selftest script's log
 * and TAP), not buffered: the result's stdout and stderr are empty. Its PID
 * is registered while it runs, so a signal to us ends it (SIGTERM: its own
 * traps clean up).
 */
export async function runStreaming(argv: readonly string[], options: StreamingOptions): Promise<CommandResult> {
  const [file, args] = fileAndArgs(argv, 'runStreaming');
  const started = performance.now();
  const child = execa(file, args, {
    reject: false,
    buffer: false,
    stdin: 'ignore',
    timeout: options.timeoutMs ?? 30_000,
    env: { [RUN_MARK]: String(process.pid) },
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
  registerPid(child.pid);
  // Decoded by the stream, so a character split between chunks stays whole.
  child.stdout.setEncoding('utf8').on('data', (s: string) => options.onOutput(s, 'stdout'));
  child.stderr.setEncoding('utf8').on('data', (s: string) => options.onOutput(s, 'stderr'));
  try {
    const r = await child;
    return { ...resultOf(argv, started, r, ''), stderr: '', ...(options.cwd !== undefined ? { cwd: options.cwd } : {}) };
  } finally {
    forgetPid(child.pid);
  }
}
