// Facts about the machine a run happened on, for results.json.
import { cpus, hostname, arch, totalmem } from 'node:os';
import type { RunInfo } from './result.js';

export function machineInfo(): RunInfo['machine'] {
  return {
    hostname: hostname(),
    arch: arch(),
    cpus: cpus().length,
    memoryBytes: totalmem(),
    node: process.version,
    root: process.getuid?.() === 0,
  };
}
