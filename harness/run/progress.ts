// A live progress line on stderr when it is a terminal; silent otherwise
// (stdout is TAP only, and CI logs need no carriage returns).
import type { LabResult } from '../result.js';

/** A run as the progress line names it: the lab, and its repeat after the first. */
function runName(lab: string, repeat: number): string {
  return repeat > 0 ? `${lab}#${repeat}` : lab;
}

export class Progress {
  private done = 0;
  private readonly running = new Set<string>();
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly total: number) {}

  /** A lab's run starts; repeats of one lab may run side by side, each shown. */
  start(lab: string, repeat = 0): void {
    this.running.add(runName(lab, repeat));
    this.draw();
  }

  finish(r: LabResult): void {
    this.running.delete(runName(r.lab, r.repeat));
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
