// A RunResult with one lab of each status, shared by the reporter tests.
import { emptyObservations } from '../../../harness/observations.js';
import type { LabResult, RunResult, TargetInfo } from '../../../harness/result.js';

export const HOST: TargetInfo = { kind: 'kernel', spec: 'host', version: '6.18.44', backend: 'netns' };
export const VM: TargetInfo = { kind: 'kernel', spec: 'debian:6.12', version: '6.12.41', backend: 'vm' };

/** A lab result with test defaults, `over` on top. */
export function labResult(over: Partial<LabResult> & Pick<LabResult, 'lab' | 'status'>): LabResult {
  return {
    file: `labs/${over.lab}.yaml`,
    group: 'join',
    tags: [],
    target: HOST,
    durationMs: 1234,
    attempts: 1,
    repeat: 0,
    checks: [],
    ...over,
  };
}

const observations = emptyObservations();
observations.counters = {
  client: { MPTcpExtMPJoinSynAckRx: 0, MPTcpExtMPCapableSYNTX: 1, TcpRetransSegs: 3 },
  server: { MPTcpExtMPJoinSynRx: 0, MPTcpExtMPCapableSYNRX: 1 },
};

export const RESULTS: LabResult[] = [
  labResult({
    lab: 'mpc-basic',
    status: 'pass',
    group: 'mpc',
    checks: [
      { name: 'mpc.syn', ok: true, source: 'server MPTcpExtMPCapableSYNRX', expected: '1', actual: '1' },
      { name: 'info', ok: true, expected: 'x', actual: 'x', skip: 'MPTCP_INFO: socket fell back' },
    ],
  }),
  labResult({
    lab: 'join #2 \\ odd',
    status: 'fail',
    observations,
    checks: [
      { name: 'join.syn', ok: false, source: 'server MPTcpExtMPJoinSynRx', expected: '1', actual: '0' },
      { name: 'join # synack', ok: false, source: 'client MPTcpExtMPJoinSynAckRx', expected: '>= 1', actual: '...' },
      { name: 'integrity', ok: true, expected: 'sha256 equal', actual: 'sha256 equal' },
    ],
    log: 'logs/join.log',
  }),
  labResult({ lab: 'delay', status: 'skip', skipReason: 'no sch_netem # module missing: modprobe sch_netem', target: VM }),
  labResult({ lab: 'add-addr', status: 'flaky', attempts: 3, checks: [{ name: 'add', ok: true, expected: '1', actual: '1' }] }),
  labResult({
    lab: 'setup-broken',
    status: 'fail',
    error: 'ip link add: exit 2: RTNETLINK answers: File exists\n<second line> & "quote"',
    target: VM,
  }),
];

export const RUN: RunResult = {
  run: {
    tool: 'mptcp-lab',
    version: '0.1.0',
    seed: 42,
    started: '2025-01-01T00:00:00.000Z',
    finished: '2025-01-01T00:01:05.000Z',
    argv: ['run'],
    kernels: [HOST, VM],
    machine: { hostname: 'ci-1', arch: 'x64', cpus: 4, memoryBytes: 8e9, node: 'v20.20.0', root: true },
  },
  results: RESULTS,
};

/** A lab on the host that passed because its one failed check is a known bug of the kernel; a second bug was not reproduced. */
export const KNOWN_BUG: LabResult = labResult({
  lab: 'corruption',
  status: 'pass',
  checks: [
    {
      name: 'integrity',
      ok: true,
      expected: 'intact',
      actual: 'connection 1: sha256 mismatch',
      knownBug: { description: 'misplaced mapping', reference: 'issue 10' },
    },
  ],
  knownBugs: [
    { check: 'integrity', kernels: ['>=6.18 <6.19'], description: 'misplaced mapping', reference: 'issue 10', reproduced: true },
    { check: 'join', kernels: ['6.18'], description: 'no SYN-ACK', reference: 'findings', reproduced: false },
  ],
});
