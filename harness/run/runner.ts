// Runs many labs: --jobs in parallel (each lab in its own uniquely named
// namespaces), --retries (fail then pass = flaky, never a plain pass),
// --repeat, and a hard per-lab guard so a hung lab is reported and the run
// goes on.
import { join } from 'node:path';
import type { Lab } from '../lab/model.js';
import type { LabResult } from '../result.js';
import { differentialResult } from './differential.js';
import { runLabOnEngineAsync } from './engine-worker.js';
import { runLabOnHost, type LabRunOptions } from './lab-run.js';

export interface RunnerOptions {
  seed: number;
  jobs: number;
  retries: number;
  repeat: number;
  timeoutMs?: number;
  resultsDir?: string;
  capture: boolean;
  /** Also run each lab on the engine in the simulator, and compare (--engine sim). */
  engine: boolean;
  /** Called as each lab finishes, in completion order. */
  onResult?: (r: LabResult) => void;
  onStart?: (lab: Lab, repeat: number) => void;
}

/** Time on top of the lab's own timeout for set-up, observers and teardown. */
const GUARD_MS = 30_000;

function labDir(opts: RunnerOptions, lab: Lab, repeat: number, attempt: number): string | undefined {
  if (!opts.resultsDir) return undefined;
  const name = `${lab.name}${opts.repeat > 1 ? `.r${repeat}` : ''}${attempt > 1 ? `.a${attempt}` : ''}`;
  return join(opts.resultsDir, 'labs', name);
}

async function guarded(lab: Lab, o: LabRunOptions): Promise<LabResult> {
  const limit = (o.timeoutMs ?? lab.timeoutMs) + GUARD_MS;
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<LabResult>((resolve) => {
    timer = setTimeout(() => resolve({
      lab: lab.name, file: lab.file, group: lab.group, tags: lab.tags,
      target: { kind: 'kernel', spec: 'host', version: '', backend: 'netns' },
      status: 'fail', error: `lab hung: no result ${limit} ms after it started`, durationMs: limit, attempts: 1, repeat: 0, checks: [],
    }), limit);
  });
  try {
    return await Promise.race([runLabOnHost(lab, o), hung]);
  } finally {
    clearTimeout(timer);
  }
}

async function runWithRetries(lab: Lab, repeat: number, opts: RunnerOptions): Promise<LabResult> {
  let first: LabResult | undefined;
  for (let attempt = 1; attempt <= opts.retries + 1; attempt += 1) {
    const outDir = labDir(opts, lab, repeat, attempt);
    const r = await guarded(lab, { seed: opts.seed, timeoutMs: opts.timeoutMs, outDir, capture: opts.capture });
    const withMeta: LabResult = { ...r, repeat, attempts: attempt, ...(outDir ? { log: join(outDir, 'log.txt') } : {}) };
    if (r.status !== 'fail') {
      // A pass after a failure is flaky; the first failure's checks stay visible.
      if (first && r.status === 'pass') return { ...withMeta, status: 'flaky', error: first.error ?? 'failed before passing', checks: [...first.checks.filter((c) => !c.ok), ...withMeta.checks] };
      return withMeta;
    }
    first ??= withMeta;
  }
  return first!;
}

export async function runLabs(labs: readonly Lab[], opts: RunnerOptions): Promise<LabResult[]> {
  const queue = labs.flatMap((lab) => Array.from({ length: opts.repeat }, (_, repeat) => ({ lab, repeat })));
  const results: LabResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const item = queue[next++]!;
      opts.onStart?.(item.lab, item.repeat);
      const r = await runWithRetries(item.lab, item.repeat, opts);
      const all = [r];
      if (opts.engine) {
        const e = { ...(await runLabOnEngineAsync(item.lab, { seed: opts.seed, timeoutMs: opts.timeoutMs })), repeat: item.repeat };
        all.push(e, differentialResult(item.lab, r, e));
      }
      for (const x of all) {
        results.push(x);
        opts.onResult?.(x);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, queue.length)) }, worker));
  return results;
}
