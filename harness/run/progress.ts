// A live progress line on stderr when it is a terminal; silent otherwise
// (stdout is TAP only, and CI logs need no carriage returns).
import type { LabResult } from '../result.js';

export class Progress {
  private done = 0;
  private readonly running = new Set<string>();
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly total: number) {}

  start(name: string): void {
    this.running.add(name);
    this.draw();
  }

  finish(r: LabResult): void {
    this.running.delete(r.lab);
    this.done += 1;
    if (this.tty) {
      this.clear();
      process.stderr.write(
        `${r.status.toUpperCase().padEnd(5)} ${r.lab} (${(r.durationMs / 1000).toFixed(1)} s)${r.skipReason ? `: ${r.skipReason}` : ''}\n`,
      );
    }
    this.draw();
  }

  close(): void {
    this.clear();
  }

  private clear(): void {
    if (this.tty) process.stderr.write('\r\x1b[K');
  }

  private draw(): void {
    if (!this.tty) return;
    this.clear();
    const names = [...this.running].join(', ');
    process.stderr.write(`[${this.done}/${this.total}] ${names}`.slice(0, (process.stderr.columns ?? 80) - 1));
  }
}
