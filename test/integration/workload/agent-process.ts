// Runs the compiled agent inside a namespace and collects its JSON lines.
// Every process started here is tracked so a test can end exactly those.
import { createInterface } from 'node:readline';
import { spawnLong } from '../../../lib/exec.js';
import { agentArgv, parseAgentLine } from '../../../harness/workload/launch.js';
import type { AgentMessage, AgentSpec, ClientSpec, ServerSpec } from '../../../harness/workload/spec.js';

export type ResultMessage = Extract<AgentMessage, { kind: 'result' }>;

export interface AgentExit {
  exitCode: number | undefined;
  messages: AgentMessage[];
  result: ResultMessage | undefined;
  stderr: string;
}

export class AgentProcess {
  static readonly started = new Set<AgentProcess>();
  readonly messages: AgentMessage[] = [];
  readonly exit: Promise<AgentExit>;
  private readonly child: ReturnType<typeof spawnLong>;
  private stderr = '';
  private waiters: (() => void)[] = [];
  exited = false;

  constructor(netns: string, spec: AgentSpec) {
    this.child = spawnLong(agentArgv(spec), netns);
    AgentProcess.started.add(this);
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    const lines = createInterface({ input: this.child.stdout! });
    lines.on('line', (line) => {
      try {
        this.messages.push(parseAgentLine(line));
      } catch (e) {
        this.stderr += `${e instanceof Error ? e.message : String(e)}\n`;
      }
      for (const w of this.waiters) w();
    });
    const closed = new Promise<void>((r) => lines.once('close', () => r()));
    this.exit = Promise.all([this.child, closed]).then(([r]) => {
      this.exited = true;
      AgentProcess.started.delete(this);
      for (const w of this.waiters) w();
      const result = this.messages.find((m): m is ResultMessage => m.kind === 'result');
      return { exitCode: r.exitCode, messages: this.messages, result, stderr: this.stderr };
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The first message of `kind`; rejects if the agent exits without printing it. */
  waitFor<K extends AgentMessage['kind']>(kind: K): Promise<Extract<AgentMessage, { kind: K }>> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const m = this.messages.find((x): x is Extract<AgentMessage, { kind: K }> => x.kind === kind);
        if (m) resolve(m);
        else if (this.exited) reject(new Error(`agent exited without a ${kind} line; stderr: ${this.stderr}`));
        else return;
        this.waiters = this.waiters.filter((w) => w !== check);
      };
      this.waiters.push(check);
      check();
    });
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  /** Ends every agent still running, by its own PID. */
  static killAll(): void {
    for (const a of AgentProcess.started) a.kill();
  }
}

/** Server first, then the client on the port it printed; both to the end. */
export async function runPair(
  serverNs: string,
  server: Omit<ServerSpec, 'port'>,
  clientNs: string,
  client: Omit<ClientSpec, 'port'>,
): Promise<{ server: AgentExit; client: AgentExit }> {
  const s = new AgentProcess(serverNs, { ...server, port: 0 });
  const { port } = await s.waitFor('listening');
  const c = new AgentProcess(clientNs, { ...client, port });
  const [clientExit, serverExit] = await Promise.all([c.exit, s.exit]);
  return { server: serverExit, client: clientExit };
}
