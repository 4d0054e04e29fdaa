// Several commands through one `sh`: this process forks once for all of them
// instead of once per command. A fork of a large Node process (plus execa's
// own work) costs it several ms of CPU per command, more than the small
// processes themselves on a busy machine; sh forks cheaply. Each command
// keeps its own stdin, exit code and stderr, and a failure throws the same
// CommandError a run() of that command alone would.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { commandFailure, inNetns, spawnLongWithStdin } from './exec.js';
import { forgetPid, registerPid } from './pids.js';

export interface ConcurrentCommand {
  readonly argv: readonly string[];
  /** Run inside this network namespace (ip netns exec), as run()'s option. */
  readonly netns?: string;
  /** What the command reads on its stdin (nothing when undefined). */
  readonly input?: string;
}

/** A command that runs alone first, and what this process does once it succeeded, before the others start. */
export interface FirstStep {
  readonly command: ConcurrentCommand;
  /** Throwing stops the others from starting; runConcurrently then throws that. */
  readonly then: () => void;
}

/** One argument for sh: bare when the shell reads nothing special in it, else in POSIX single quotes. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_/.,:=@%+-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Index of the first step's command in the script's files and lines. */
const FIRST = 'first';

function commandLine(c: ConcurrentCommand, name: string, dir: string): string {
  const argv = inNetns(c.netns, c.argv).map(shellQuote).join(' ');
  const stdin = c.input === undefined ? '/dev/null' : shellQuote(join(dir, `in-${name}`));
  return `${argv} <${stdin} >/dev/null 2>${shellQuote(join(dir, `err-${name}`))}`;
}

/**
 * The script: the first step's command alone, its exit code as "first CODE", and unless this
 * process answers "go" on stdin, nothing more; then every command in the background, each
 * exit code as "i CODE".
 */
export function concurrentScript(commands: readonly ConcurrentCommand[], dir: string, first?: ConcurrentCommand): string {
  const head = first ? [`${commandLine(first, FIRST, dir)}; echo "${FIRST} $?"`, 'read go; [ "$go" = go ] || exit 0'] : [];
  const starts = commands.map((c, i) => `${commandLine(c, String(i), dir)} & p${i}=$!`);
  const waits = commands.map((_, i) => `wait $p${i}; echo "${i} $?"`);
  return [...head, ...starts, ...waits].join('\n') + '\n';
}

function readStderr(dir: string, name: string): string {
  try {
    return readFileSync(join(dir, `err-${name}`), 'utf8');
  } catch {
    return ''; // the shell never got to start it
  }
}

function failure(c: ConcurrentCommand, dir: string, name: string, code: number | undefined, started: number): Error {
  const command = inNetns(c.netns, c.argv).join(' ');
  const fields = { command, stderr: readStderr(dir, name), durationMs: performance.now() - started, exitCode: code };
  return commandFailure(fields, code === undefined ? 'did not report its exit' : undefined);
}

/**
 * Runs `first` alone (when given) and its `then`, then every command at once, and waits for all
 * of them; throws the CommandError of the first step, or of the first command (in the order
 * given) that did not exit 0.
 */
export async function runConcurrently(commands: readonly ConcurrentCommand[], first?: FirstStep, timeoutMs = 30_000): Promise<void> {
  if (!commands.length && !first) return;
  const dir = mkdtempSync(join(tmpdir(), 'mptcp-lab-sh-'));
  const started = performance.now();
  try {
    commands.forEach((c, i) => c.input !== undefined && writeFileSync(join(dir, `in-${i}`), c.input));
    if (first?.command.input !== undefined) writeFileSync(join(dir, `in-${FIRST}`), first.command.input);
    const child = spawnLongWithStdin(['sh', '-c', concurrentScript(commands, dir, first?.command)]);
    registerPid(child.pid);
    if (!first) child.stdin!.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const codes = new Map<string, number>();
    let stop: unknown;
    try {
      for await (const line of createInterface({ input: child.stdout! })) {
        const m = /^(\w+) (\d+)$/.exec(line.trim());
        if (!m) continue;
        codes.set(m[1]!, Number(m[2]));
        if (m[1] !== FIRST || !first) continue;
        if (codes.get(FIRST) === 0) {
          try {
            first.then();
          } catch (e) {
            stop = e;
          }
        }
        child.stdin!.end(codes.get(FIRST) === 0 && stop === undefined ? 'go\n' : 'stop\n');
      }
      await child;
    } finally {
      clearTimeout(timer);
      forgetPid(child.pid);
    }
    if (first && codes.get(FIRST) !== 0) throw failure(first.command, dir, FIRST, codes.get(FIRST), started);
    if (stop !== undefined) throw stop;
    const failed = commands.findIndex((_, i) => codes.get(String(i)) !== 0);
    if (failed >= 0) throw failure(commands[failed]!, dir, String(failed), codes.get(String(failed)), started);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
