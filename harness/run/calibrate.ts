// `mptcp-lab calibrate`: run labs repeatedly on one kernel, the way a
// default run does (same jobs, the engine off), and keep per lab the spread
// of each timing quantity (harness/compare/timing.ts) in a calibration file
// beside the lab. Comparisons then judge the engine against that spread.
import { availableParallelism, arch } from 'node:os';
import { timingQuantities } from '../compare/timing.js';
import { EXACT_COUNTERS, toleranceFor } from '../compare/counters.js';
import { spreadOf, writeCalibration } from '../lab/calibration.js';
import type { Calibration, Lab } from '../lab/model.js';
import type { LabResult } from '../result.js';

/** The runs of one lab that count: the kernel's own, finished with a transfer. */
function usableRuns(lab: Lab, results: readonly LabResult[]): LabResult[] {
  return results.filter((r) => r.lab === lab.name && r.target.kind === 'kernel' && r.observations?.transfers.length && !r.error);
}

/**
 * Counters kept: those the lab compares within a tolerance, the
 * retransmission counts that moved (for labs that may compare them later),
 * and exact counters the kernel's runs did not agree on (a race). The rest
 * would only make the file long.
 */
function worthKeeping(lab: Lab, name: string, values: readonly number[]): boolean {
  if (!name.startsWith('counters.')) return true;
  const [, host, counter] = name.split('.');
  if (toleranceFor(lab.compare, host!, counter!) !== undefined) return true;
  if (EXACT_COUNTERS.includes(counter!)) return Math.min(...values) !== Math.max(...values);
  return /Retrans/.test(counter!) && values.some((v) => v !== 0);
}

export interface CalibrationRun {
  kernel: string;
  command: string;
  created: string;
}

/** The calibration of one lab from a run's results, or undefined when fewer than `minRuns` runs are usable. */
export function calibrationOf(lab: Lab, results: readonly LabResult[], how: CalibrationRun, minRuns = 2): Calibration | undefined {
  const runs = usableRuns(lab, results);
  if (runs.length < minRuns) return undefined;
  const perRun = runs.map((r) => timingQuantities(lab, r.observations!));
  const names = [...new Set(perRun.flatMap((q) => Object.keys(q)))].sort();
  const quantities: Calibration['quantities'] = {};
  for (const name of names) {
    // A quantity a run did not measure (a link share with no bytes counted) is left out of that run, not taken as 0.
    const values = perRun.map((q) => q[name]).filter((v): v is number => v !== undefined);
    if (!values.length || !worthKeeping(lab, name, values)) continue;
    const spread = spreadOf(values.map(roundValue));
    quantities[name] = { ...spread, median: roundValue(spread.median) };
  }
  return {
    lab: lab.name,
    kernel: how.kernel,
    runs: runs.length,
    created: how.created,
    command: how.command,
    machine: { cpus: availableParallelism(), arch: arch() },
    quantities,
  };
}

function roundValue(v: number): number {
  return Math.round(v * 1000) / 1000;
}

export interface CalibrationOutcome {
  lab: Lab;
  /** Why the lab did not run on the kernel (a SKIP's reason), when it did not. */
  skipped?: string;
  /** Where it was written; undefined when the lab had too few usable runs. */
  file?: string;
  calibration?: Calibration;
}

/** Writes each lab's calibration beside its file. */
export async function writeCalibrations(
  labs: readonly Lab[],
  results: readonly LabResult[],
  how: CalibrationRun,
): Promise<CalibrationOutcome[]> {
  const out: CalibrationOutcome[] = [];
  for (const lab of labs) {
    const calibration = calibrationOf(lab, results, how);
    const skip = results.find((r) => r.lab === lab.name && r.target.kind === 'kernel' && r.status === 'skip');
    if (calibration) out.push({ lab, calibration, file: await writeCalibration(lab.file, calibration) });
    else out.push(skip ? { lab, skipped: skip.skipReason ?? 'skipped' } : { lab });
  }
  return out;
}

/** One line per lab and timing quantity that compares: `signal-address link_share.l1 0.380–0.452 (median 0.410, 20 runs)`. */
export function describeCalibrations(outcomes: readonly CalibrationOutcome[]): string {
  const lines: string[] = [];
  for (const o of outcomes) {
    if (!o.calibration) {
      lines.push(`${o.lab.name}: not calibrated (${o.skipped ? `skipped: ${o.skipped}` : 'fewer than 2 runs with a transfer'})`);
      continue;
    }
    const shown = Object.entries(o.calibration.quantities).filter(([name]) => !name.startsWith('counters.'));
    const text = shown.map(([name, s]) => `${name} ${s.min}–${s.max} (median ${s.median})`).join(', ');
    lines.push(`${o.lab.name}: ${o.calibration.runs} runs → ${o.file}${text ? `: ${text}` : ''}`);
  }
  return lines.join('\n') + '\n';
}
