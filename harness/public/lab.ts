// What a TypeScript lab imports: `import { defineLab } from 'mptcp-lab/lab'`
// (package.json "exports"), the lab model's types with it.
export { defineLab } from '../lab/load.js';
export type { LabInput } from '../lab/schema.js';
export type {
  Direction,
  Endpoint,
  EndpointFlag,
  EventAction,
  EventSpec,
  Expectations,
  Expected,
  Host,
  IfAddress,
  Impairment,
  Interface,
  Lab,
  LabTolerances,
  Link,
  PayloadRewrite,
  PmEventPattern,
  Route,
  Rule,
  TimedEvent,
  Workload,
} from '../lab/model.js';
