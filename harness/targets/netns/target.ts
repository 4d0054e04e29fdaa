// The host's kernel through network namespaces: labs one by one, --jobs at
// once, each with its --retries (fail then pass = flaky, never a plain
// pass) and a hard guard so a hung lab is reported and the run goes on.
import { join } from 'node:path';
import { probeCapabilities } from '../../capabilities.js';
import { applyKnownBugs } from '../../expect/known-bugs.js';
import type { Lab } from '../../lab/model.js';
import { repeatsOf } from '../../lab/repeat.js';
import { failedResult, type LabResult } from '../../result.js';
import { runEachLab } from '../each-lab.js';
import { featuresOf } from '../features-of.js';
import type { Target, TargetKind, TargetRunOptions } from '../target.js';
import { keepShellsWarm } from '../../../lib/concurrent.js';
import { settleAgentThreads, warmAgentThreads } from './agent-thread.js';
import { skipMissingCounters } from './missing-counters.js';
import { hostTarget, runLabOnHost, type LabRunOptions } from './run-lab.js';

/** Time on top of the lab's own timeout for set-up, observers and teardown. */
const GUARD_MS = 30_000;

function labDir(opts: TargetRunOptions, lab: Lab, repeat: number, attempt: number): string | undefined {
  if (!opts.resultsDir) return undefined;
  const name = `${lab.name}${repeatsOf(lab, opts.repeat) > 1 ? `.r${repeat}` : ''}${attempt > 1 ? `.a${attempt}` : ''}`;
  return join(opts.resultsDir, 'labs', name);
}

async function guarded(lab: Lab, o: LabRunOptions): Promise<LabResult> {
  const limit = (o.timeoutMs ?? lab.timeoutMs) + GUARD_MS;
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<LabResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve(
          failedResult(
            lab,
            { kind: 'kernel', spec: 'host', version: '', backend: 'netns' },
            `lab hung: no result ${limit} ms after it started`,
            limit,
          ),
        ),
      limit,
    );
  });
  try {
    return await Promise.race([runLabOnHost(lab, o), hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** A lab with its retries from attempt `firstAttempt` on (> 1 when a comparison asks for the lab again: its logs go beside the first ones). */
async function runWithRetries(lab: Lab, repeat: number, opts: TargetRunOptions, retries: number, firstAttempt: number): Promise<LabResult> {
  let first: LabResult | undefined;
  for (let attempt = firstAttempt; attempt <= firstAttempt + retries; attempt += 1) {
    const outDir = labDir(opts, lab, repeat, attempt);
    // Known bugs before the retry decision: a lab that failed only by a known bug is not retried.
    const r = applyKnownBugs(
      lab,
      skipMissingCounters(
        await guarded(lab, { seed: opts.seed, timeoutMs: opts.timeoutMs, outDir, capture: opts.capture }),
        lab,
        (await probeCapabilities()).kernelRelease,
      ),
    );
    const withMeta: LabResult = { ...r, repeat, attempts: attempt, ...(outDir ? { log: join(outDir, 'log.txt') } : {}) };
    if (r.status !== 'fail') {
      // A pass after a failure is flaky; the first failure's checks (and its pcaps, with --capture) stay visible.
      if (first && r.status === 'pass') {
        const pcaps = [...(first.pcaps ?? []), ...(withMeta.pcaps ?? [])];
        return {
          ...withMeta,
          status: 'flaky',
          error: first.error ?? 'failed before passing',
          checks: [...first.checks.filter((c) => !c.ok), ...withMeta.checks],
          ...(pcaps.length ? { pcaps } : {}),
        };
      }
      return withMeta;
    }
    first ??= withMeta;
  }
  return first!;
}

export class NetnsTarget implements Target {
  readonly spec = 'host';

  async capabilities() {
    const caps = await probeCapabilities();
    return {
      kind: 'kernel' as const,
      backend: 'netns',
      kernelVersion: caps.kernelVersion,
      features: featuresOf(caps.kernelVersion),
      realTiming: true,
    };
  }

  /**
   * While the run probes the host: two agent threads (client, server) and a shell for the set-up
   * (lib/concurrent.ts) per lab running at once.
   */
  prepare(labs: number, jobs: number): void {
    const atOnce = Math.max(1, Math.min(jobs, labs));
    warmAgentThreads(2 * atOnce);
    keepShellsWarm(atOnce, labs);
  }

  settle(): Promise<void> {
    return settleAgentThreads();
  }

  async run(labs: readonly Lab[], opts: TargetRunOptions, emit: (r: LabResult) => Promise<void>) {
    this.prepare(
      labs.reduce((n, lab) => n + repeatsOf(lab, opts.repeat), 0),
      opts.jobs,
    );
    await runEachLab(labs, opts, (lab, repeat) => runWithRetries(lab, repeat, opts, opts.retries, 1), emit);
    return hostTarget(await probeCapabilities());
  }

  /** Once, without retries: a comparison's own retries decide what a second divergence means. */
  runLab(lab: Lab, repeat: number, attempt: number, opts: TargetRunOptions): Promise<LabResult> {
    warmAgentThreads(2);
    return runWithRetries(lab, repeat, opts, 0, attempt);
  }
}

export const netnsKind: TargetKind = {
  option: '--kernel',
  claims: (spec) => spec === 'host',
  create: () => new NetnsTarget(),
};
