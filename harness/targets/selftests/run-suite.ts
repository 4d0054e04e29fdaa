// Runs one selftest script as it is written (it makes and removes its own
// network namespaces), cwd the built selftests folder, its stdout and stderr
// into RESULTS/selftests/<suite>/log.txt and its stdout into the TAP reader
// as they come.
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { runStreaming } from '../../../lib/exec.js';
import type { CheckResult, LabResult, TargetInfo } from '../../result.js';
import { logTail, suiteResult } from './suite-result.js';
import { SuiteTapReader } from './tap.js';

export interface SuiteOptions {
  suite: string;
  /** The built tools/testing/selftests/net/mptcp folder. */
  dir: string;
  target: TargetInfo;
  resultsDir: string;
  /** Default 30 min: mptcp_join.sh alone takes many minutes. */
  timeoutMs?: number;
  onCheck?: (c: CheckResult) => void;
}

/** Keeps the last bytes of a log, for a message when the script ends badly. */
const TAIL_BYTES = 4096;

export async function runSuite(o: SuiteOptions): Promise<LabResult> {
  const outDir = join(o.resultsDir, 'selftests', o.suite);
  await mkdir(outDir, { recursive: true });
  const logPath = join(outDir, 'log.txt');
  const log = createWriteStream(logPath);
  const reader = new SuiteTapReader(o.suite, o.onCheck);
  let tail = '';
  const r = await runStreaming([`./${o.suite}`], {
    cwd: o.dir,
    timeoutMs: o.timeoutMs ?? 30 * 60_000,
    onOutput: (chunk, stream) => {
      log.write(chunk);
      tail = (tail + chunk).slice(-TAIL_BYTES);
      if (stream === 'stdout') reader.write(chunk);
    },
  });
  log.end();
  await once(log, 'close');
  return suiteResult({
    suite: o.suite,
    file: join(o.dir, o.suite),
    target: o.target,
    tap: reader.end(),
    exit: { exitCode: r.exitCode ?? (r.spawnError ? 127 : undefined), signal: r.signal, timedOut: r.timedOut },
    durationMs: r.durationMs,
    log: logPath,
    logTail: r.spawnError ?? logTail(tail),
  });
}
