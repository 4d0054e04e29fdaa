// The `# rate:` comment lines of the TAP stream: after the last repeat of a
// lab on a target, its failure rate with the 95 % CI (and, when --until-fail
// cut it short, how many repeats ran). Results come in report order: a
// target's block lab by lab, each kernel result with its followers (the
// engine) and their comparisons, so a lab's group ends where another lab or
// another kernel's block begins.
import { targetLabel, type LabResult } from '../result.js';
import { untilFailNote } from '../run/until-fail.js';
import { failureRates, formatRate } from './rate.js';

export interface RateLineOptions {
  /** Repeats the run asked for, per lab. */
  planned: (lab: string) => number;
  /** --until-fail was given and stopped the run: a lab with fewer runs than planned says so. */
  stopped: () => boolean;
}

/** Feeds on the results in report order; says which comment lines to write before each point and at the end. */
export class RateLines {
  private group: { lab: string; kernel?: string; results: LabResult[] } | undefined;

  constructor(private readonly options: RateLineOptions) {}

  /** The lines to write before the point of `r` (the rates of the group it ends). */
  before(r: LabResult): string[] {
    const g = this.group;
    const newBlock = r.target.kind === 'kernel' && g?.kernel !== undefined && g.kernel !== r.target.spec;
    const lines = g && (g.lab !== r.lab || newBlock) ? this.close() : [];
    if (r.target.kind === 'compare') return lines;
    this.group ??= { lab: r.lab, results: [] };
    if (r.target.kind === 'kernel') this.group.kernel ??= r.target.spec;
    this.group.results.push(r);
    return lines;
  }

  /** The lines of the last group, before the plan. */
  end(): string[] {
    return this.close();
  }

  private close(): string[] {
    const g = this.group;
    this.group = undefined;
    if (!g) return [];
    return failureRates(g.results, this.options.planned).map((rate) => {
      const note = untilFailNote(rate, this.options.stopped());
      return `rate: ${rate.lab} [${targetLabel(rate.target)}]: ${formatRate(rate)}${note ? `; ${note}` : ''}`;
    });
  }
}
