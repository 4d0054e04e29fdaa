// Several commands through one `sh`: this process forks once for all of them
// instead of once per command. A fork of a large Node process (plus execa's
// own work) costs it several ms of CPU per command, more than the small
// processes themselves on a busy machine; sh forks cheaply. The shell is
// started ahead (keepShellsWarm) and reads its script on stdin as it is
// written, so even that one fork is off the caller's path. Each command keeps
// its own stdin, exit code and stderr, and a failure throws the same
// CommandError a run() of that command alone would.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
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

/** The first step's command alone, then its exit code as "first CODE". */
export function firstScript(first: ConcurrentCommand, dir: string): string {
  return `${commandLine(first, FIRST, dir)}; echo "${FIRST} $?"\n`;
}

/** Every command in the background, then each exit code as "i CODE", then the shell ends. */
export function concurrentScript(commands: readonly ConcurrentCommand[], dir: string): string {
  const starts = commands.map((c, i) => `${commandLine(c, String(i), dir)} & p${i}=$!`);
  const waits = commands.map((_, i) => `wait $p${i}; echo "${i} $?"`);
  return [...starts, ...waits, 'exit 0'].join('\n') + '\n';
}

/** A `sh -s` reading its script from stdin; its handles are unref'd while it is idle, so it keeps nothing alive. */
interface Shell {
  readonly process: ReturnType<typeof spawnLongWithStdin>;
  readonly stdin: Socket;
  readonly stdout: Socket;
  readonly stderr: Socket;
  /** Resolves once it ended. */
  readonly exited: Promise<unknown>;
  ended: boolean;
}

const idle: Shell[] = [];
let keep = 0;

function setRef(sh: Shell, on: boolean): void {
  for (const h of [sh.process, sh.stdin, sh.stdout, sh.stderr]) {
    if (on) h.ref();
    else h.unref();
  }
}

function startShell(): Shell {
  const child = spawnLongWithStdin(['sh', '-s']);
  // A shell that died (killed, or never started) reports no exit codes: the run fails, this process does not.
  child.stdin.on('error', () => undefined);
  const [stdin, stdout, stderr] = [child.stdin, child.stdout, child.stderr] as Socket[];
  const sh: Shell = { process: child, stdin: stdin!, stdout: stdout!, stderr: stderr!, exited: child, ended: false };
  void child.then(() => (sh.ended = true));
  setRef(sh, false);
  return sh;
}

/** Shells still to be used, as the last keepShellsWarm said: no idle one is started beyond them. */
let uses = 0;

/**
 * Keeps `count` (default: as many as last asked) idle shells ready for runConcurrently, for
 * `expected` more uses (default: what is left of the last count given).
 */
export function keepShellsWarm(count = keep, expected = uses): void {
  keep = count;
  uses = expected;
  for (let i = idle.length - 1; i >= 0; i -= 1) if (idle[i]!.ended) idle.splice(i, 1);
  while (idle.length < Math.min(keep, uses)) idle.push(startShell());
}

/** Ends the idle shells (at exit, on a signal); they would end by themselves once this process is gone. */
export function stopWarmShells(): void {
  keep = 0;
  for (const sh of idle.splice(0)) sh.process.kill('SIGKILL');
}

function takeShell(): Shell {
  uses = Math.max(0, uses - 1);
  let sh = idle.shift();
  while (sh?.ended) sh = idle.shift();
  sh ??= startShell();
  setRef(sh, true);
  return sh;
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
    const sh = takeShell();
    // In use, it is one of the run's processes: a signal's cleanup ends it (cleanup.ts).
    registerPid(sh.process.pid);
    sh.stdin.write(first ? firstScript(first.command, dir) : concurrentScript(commands, dir));
    if (!first) sh.stdin.end();
    const timer = setTimeout(() => sh.process.kill('SIGKILL'), timeoutMs);
    const codes = new Map<string, number>();
    let stop: unknown;
    try {
      for await (const line of createInterface({ input: sh.stdout })) {
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
        sh.stdin.end(codes.get(FIRST) === 0 && stop === undefined ? concurrentScript(commands, dir) : 'exit 0\n');
      }
      await sh.exited;
    } finally {
      clearTimeout(timer);
      forgetPid(sh.process.pid);
    }
    if (first && codes.get(FIRST) !== 0) throw failure(first.command, dir, FIRST, codes.get(FIRST), started);
    if (stop !== undefined) throw stop;
    const failed = commands.findIndex((_, i) => codes.get(String(i)) !== 0);
    if (failed >= 0) throw failure(commands[failed]!, dir, String(failed), codes.get(String(failed)), started);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
