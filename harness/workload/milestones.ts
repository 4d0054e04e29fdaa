// What an agent has said so far ("listening", "connected", ...) and whether it
// ended: waitFor resolves once the kind was seen, and fails when the agent
// ended first or the time ran out. Shared by the agent itself and the
// harness's stand-in for an agent on another thread.
import type { AgentMessage } from './spec.js';

export class Milestones {
  private readonly seen = new Set<AgentMessage['kind']>();
  private readonly waiters = new Set<() => void>();
  private ended = false;
  private why: string | undefined;

  constructor(private readonly role: string) {}

  saw(kind: AgentMessage['kind']): void {
    this.seen.add(kind);
    this.notify();
  }

  /** The agent ended, with the error of its result if it failed. */
  end(error: string | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.why = error;
    this.notify();
  }

  waitFor(kind: 'listening' | 'connected' | 'accepted', timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const settle = (error?: Error): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (error) reject(error);
        else resolve();
      };
      const check = (): void => {
        if (this.seen.has(kind)) settle();
        else if (this.ended) settle(new Error(`${this.role} agent ended before "${kind}": ${this.why ?? 'no reason given'}`));
      };
      const timer = setTimeout(() => settle(new Error(`${this.role} agent: no "${kind}" after ${timeoutMs} ms`)), timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}
