// The lab's agents run on a worker thread of their own, not on the harness's
// main thread: there a stall of the harness (spawning tools, reading
// results, other labs under --jobs) would stall the transfer too, and its
// timing is observed. The thread enters the lab namespace itself to make
// each socket (setns is per thread, inNamespace works there as here). Threads
// are pooled and reused across labs, so a lab pays no thread start-up, and
// warmed (warmAgentThreads) while the lab is built, so the first lab pays none either.
// A crash of the thread is a failed result of its agents, never of the run.
import { Milestones } from '../../workload/milestones.js';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { onCloseAllAgents, startAgent, type Agent } from '../../workload/agent.js';
import type { AgentMessage, AgentResult, AgentSpec } from '../../workload/spec.js';
import { forgetNamespaceHandle, inNamespace } from './enter.js';
import { warmUp } from './warm-up.js';

type ToThread =
  | { type: 'start'; id: number; ns: string; spec: AgentSpec }
  | { type: 'release'; id: number }
  | { type: 'stop'; id: number; reason: string };
type FromThread =
  | { type: 'ready' }
  | { type: 'message'; id: number; msg: AgentMessage; port?: number }
  | { type: 'result'; id: number; result: AgentResult };

/** The thread's side: runs the agents it is asked to, reports their messages. */
function serveAgents(port: NonNullable<typeof parentPort>): void {
  const agents = new Map<number, { agent: Agent; ns: string }>();
  const post = (m: FromThread): void => port.postMessage(m);
  port.on('message', (m: ToThread) => {
    if (m.type === 'release') return agents.get(m.id)?.agent.release();
    if (m.type === 'stop') return agents.get(m.id)?.agent.stop(m.reason);
    const agent = startAgent(m.spec, {
      makeSocket: (fn) => inNamespace(m.ns, fn),
      onMessage: (msg) => post({ type: 'message', id: m.id, msg, ...(agent.port !== undefined ? { port: agent.port } : {}) }),
    });
    agents.set(m.id, { agent, ns: m.ns });
    void agent.result.then((result) => {
      agents.delete(m.id);
      // This thread's handle would keep the namespace alive after the lab's teardown.
      if (![...agents.values()].some((a) => a.ns === m.ns)) forgetNamespaceHandle(m.ns);
      post({ type: 'result', id: m.id, result });
    });
  });
  // Every module of the agent is loaded and its code warm: the thread takes an agent at once from now on.
  void warmUp().then(() => post({ type: 'ready' }));
}

if (!isMainThread && parentPort) serveAgents(parentPort);

/** The harness's side of one agent on a thread: the Agent interface, over messages. */
class RemoteAgent implements Agent {
  port: number | undefined;
  readonly result: Promise<AgentResult>;
  private ended: AgentResult | undefined;
  private readonly milestones: Milestones;
  private resolveResult!: (r: AgentResult) => void;

  constructor(
    readonly spec: AgentSpec,
    private readonly send: (m: ToThread) => void,
    readonly id: number,
    private readonly onMessage: (msg: AgentMessage) => void,
  ) {
    this.result = new Promise((r) => (this.resolveResult = r));
    this.milestones = new Milestones(spec.role);
  }

  message(msg: AgentMessage, port: number | undefined): void {
    if (port !== undefined) this.port = port;
    this.onMessage(msg);
    this.milestones.saw(msg.kind);
  }

  end(result: AgentResult): void {
    if (this.ended) return;
    this.ended = result;
    this.resolveResult(result);
    this.milestones.end(result.error);
  }

  waitFor(kind: 'listening' | 'connected' | 'accepted', timeoutMs: number): Promise<void> {
    return this.milestones.waitFor(kind, timeoutMs);
  }

  release(): void {
    if (!this.ended) this.send({ type: 'release', id: this.id });
  }

  stop(reason: string): void {
    if (!this.ended) this.send({ type: 'stop', id: this.id, reason });
  }
}

/** One pooled thread and the agents it runs now. */
class AgentThread {
  private readonly worker = new Worker(new URL(import.meta.url));
  private readonly agents = new Map<number, RemoteAgent>();
  broken = false;
  /** Resolves once the thread has loaded the agent's modules (or ended). */
  readonly ready: Promise<void>;
  private setReady!: () => void;

  constructor() {
    this.ready = new Promise((r) => (this.setReady = r));
    this.worker.on('message', (m: FromThread) => {
      if (m.type === 'ready') return this.setReady();
      const agent = this.agents.get(m.id);
      if (!agent) return;
      if (m.type === 'message') agent.message(m.msg, m.port);
      else {
        this.agents.delete(m.id);
        agent.end(m.result);
      }
    });
    const fail = (why: string): void => {
      this.broken = true;
      this.setReady();
      for (const a of this.agents.values()) a.end({ kind: 'result', ok: false, connections: [], error: why });
      this.agents.clear();
    };
    this.worker.on('error', (e) => fail(`agent thread crashed: ${e instanceof Error ? e.message : String(e)}`));
    this.worker.on('exit', (code) => {
      fail(`agent thread exited (${code})`);
      threads.delete(this);
    });
    // An idle thread does not keep the harness alive. After the listeners: adding a 'message'
    // listener refs the thread's port again (a warmed thread never started would hold the exit).
    this.worker.unref();
  }

  get busy(): boolean {
    return this.agents.size > 0;
  }

  /** Resolves once loaded (or ended), holding the process open meanwhile: an unref'd thread would let it exit mid-await. */
  async settled(): Promise<void> {
    this.worker.ref();
    await this.ready;
    if (!this.busy) this.worker.unref();
  }

  start(ns: string, spec: AgentSpec, id: number, onMessage: (msg: AgentMessage) => void): Agent {
    const agent = new RemoteAgent(spec, (m) => this.worker.postMessage(m), id, onMessage);
    if (this.broken) {
      agent.end({ kind: 'result', ok: false, connections: [], error: 'agent thread is gone' });
      return agent;
    }
    this.agents.set(id, agent);
    // Running agents keep the harness alive, as their processes did.
    this.worker.ref();
    void agent.result.then(() => !this.busy && this.worker.unref());
    this.worker.postMessage({ type: 'start', id, ns, spec } satisfies ToThread);
    return agent;
  }

  stopAll(reason: string): void {
    for (const a of this.agents.values()) a.stop(reason);
  }
}

const pool: AgentThread[] = [];
const threads = new Set<AgentThread>();
let nextId = 1;
onCloseAllAgents((reason) => {
  for (const t of threads) t.stopAll(reason);
});

/**
 * Starts threads until `count` idle ones are in the pool, without waiting for them: a
 * thread takes tens of ms to load the agent's modules, time the lab's set-up can hide.
 */
export function warmAgentThreads(count: number): void {
  for (let k = pool.filter((t) => !t.broken).length; k < count; k += 1) pool.push(new AgentThread());
}

/**
 * Resolves once every pooled thread has loaded its modules (or ended). A process that exits
 * while a thread is still loading the native libc binding (koffi) dies in V8 (FATAL ERROR in
 * napi), so an early exit (a usage error after prepare) waits for this first.
 */
export async function settleAgentThreads(): Promise<void> {
  await Promise.all(pool.map((t) => t.settled()));
}

/** A thread for agents: an idle one from the pool, or a new one; done() gives it back once its agents ended. */
export function takeAgentThread(): {
  start(ns: string, spec: AgentSpec, onMessage: (msg: AgentMessage) => void): Agent;
  /** Resolves once the thread can take an agent at once. */
  readonly ready: Promise<void>;
  done(): void;
} {
  const i = pool.findIndex((t) => !t.broken);
  const thread = i >= 0 ? pool.splice(i, 1)[0]! : new AgentThread();
  threads.add(thread);
  return {
    ready: thread.ready,
    start: (ns, spec, onMessage) => thread.start(ns, spec, nextId++, onMessage),
    done: () => {
      if (!thread.broken && !thread.busy) pool.push(thread);
    },
  };
}
