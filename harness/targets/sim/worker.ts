// Runs a lab on the engine in a worker thread: the simulation is CPU-bound
// and synchronous, and must not stall the event loop that times the kernel
// labs running at the same time (--jobs), their agents and timed events.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Lab } from '../../lab/model.js';
import { failedResult, type LabResult } from '../../result.js';
import { ENGINE_TARGET, runLabOnEngine, type EngineRunOptions } from './run-lab.js';

interface Job {
  lab: Lab;
  opts: EngineRunOptions;
}

/** The same result as runLabOnEngine, computed off the main thread when the lab can be copied there. */
export function runLabOnEngineAsync(lab: Lab, opts: EngineRunOptions): Promise<LabResult> {
  let job: Job;
  try {
    job = structuredClone({ lab, opts });
  } catch {
    // A TypeScript lab with function steps cannot cross to a worker; the engine skips those steps anyway.
    return Promise.resolve(runLabOnEngine(lab, opts));
  }
  return new Promise((resolve) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    worker.once('message', (r: LabResult) => resolve(r));
    worker.once('error', (e) => resolve(runFailed(lab, e)));
    worker.once('exit', (code) => {
      if (code !== 0) resolve(runFailed(lab, new Error(`engine worker exited ${code}`)));
    });
  });
}

function runFailed(lab: Lab, e: Error): LabResult {
  return failedResult(lab, ENGINE_TARGET, e.message);
}

if (!isMainThread && parentPort) {
  const { lab, opts } = workerData as Job;
  parentPort.postMessage(runLabOnEngine(lab, opts));
}
