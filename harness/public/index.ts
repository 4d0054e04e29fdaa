// The package's entry (`import … from 'mptcp-lab'`): what a TypeScript lab
// needs (as 'mptcp-lab/lab'), and the types of a run's results.json.
export * from './lab.js';
export type { CheckResult, LabResult, RunInfo, RunResult, Status, TargetInfo } from '../result.js';
