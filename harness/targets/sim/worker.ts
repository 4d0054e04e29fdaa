// Runs labs on the engine in worker threads: the simulation is CPU-bound
// and synchronous, and must not stall the event loop that times the kernel
// labs running at the same time (--jobs), their agents and timed events.
//
// The workers live as long as the process and take one lab after another: a
// worker per lab paid a thread start, the module graph and, worst, a cold
// (unoptimized) engine for every lab, where a long-lived one runs optimized
// code from its second lab on. An idle worker is unref'd, so it never keeps
// the process alive; there are at most as many as labs ran at once.
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import type { Lab } from '../../lab/model.js';
import { failedResult, type LabResult } from '../../result.js';
import { ENGINE_TARGET, runLabOnEngine, type EngineRunOptions } from './run-lab.js';

interface Job {
  lab: Lab;
  opts: EngineRunOptions;
}

/**
 * A run's garbage is short-lived (segments, options, timers): a small young generation collects
 * it as well and keeps each worker's memory down (V8's default lets it grow to 48 MB).
 */
const YOUNG_GENERATION_MB = 8;

/** Workers waiting for a lab. */
const idle: Worker[] = [];

function spawn(): Worker {
  return new Worker(new URL(import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
}

/** The same result as runLabOnEngine, computed off the main thread when the lab can be copied there. */
export function runLabOnEngineAsync(lab: Lab, opts: EngineRunOptions): Promise<LabResult> {
  const worker = idle.pop() ?? spawn();
  try {
    worker.postMessage({ lab, opts } satisfies Job);
  } catch {
    // A TypeScript lab with function steps cannot cross to a worker; the engine skips those steps anyway.
    idle.push(worker);
    worker.unref();
    return Promise.resolve(runLabOnEngine(lab, opts));
  }
  worker.ref();
  return new Promise((resolve) => {
    const done = (r: LabResult, reusable: boolean): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (reusable) {
        worker.unref();
        idle.push(worker);
      } else void worker.terminate();
      resolve(r);
    };
    const onMessage = (r: LabResult): void => done(r, true);
    const onError = (e: Error): void => done(runFailed(lab, e), false);
    const onExit = (code: number): void => done(runFailed(lab, new Error(`engine worker exited ${code}`)), false);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

function runFailed(lab: Lab, e: Error): LabResult {
  return failedResult(lab, ENGINE_TARGET, e.message);
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.on('message', (job: Job) => port.postMessage(runLabOnEngine(job.lab, job.opts)));
}
