// The package's entry (`import … from 'mptcp-lab'`): what a TypeScript lab
// needs (as 'mptcp-lab/lab'), and the types of a run's (or a merge's) results.json.
export * from './lab.js';
export type {
  CheckResult,
  LabResult,
  MergedLabResult,
  MergedRunResult,
  MissingInput,
  ResultsFile,
  RunInfo,
  RunResult,
  Status,
  TargetInfo,
} from '../result.js';
