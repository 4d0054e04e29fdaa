// compareObservations: two hand-made Observations of the same lab. The
// kernel side is what `ip mptcp monitor`, nstat and MPTCP_FULL_INFO gave on a
// "signal address" run; the engine side starts as a copy and each test breaks
// one thing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareObservations,
  comparisonToChecks,
  formatComparison,
  type Comparison,
  type ComparisonItem,
  type Tolerances,
} from '../../../harness/compare/index.js';
import {
  emptyObservations,
  type EndpointReport,
  type Observations,
  type PmEvent,
  type TransferObservation,
} from '../../../harness/observations.js';
import type { Calibration, Lab } from '../../../harness/lab/model.js';
import { allowedRange, marginFor } from '../../../harness/compare/timing.js';
import { labFromYaml } from '../../../harness/lab/load.js';

function lab(extra = ''): Lab {
  return labFromYaml(
    `hosts:
  client:
    limits: { subflows: 1, add_addr_accepted: 1 }
  server:
    limits: { subflows: 1, add_addr_accepted: 1 }
    endpoints:
      - { link: l2, flags: [signal] }
links:
  - { between: [client, server], rate: 50mbit }
  - { between: [client, server], rate: 50mbit }
workload:
  client: client
  server: server
  connect: l1
  size: 1MB
${extra}`,
    'labs/test/compare.lab.yaml',
  );
}

function endpoint(over: Partial<EndpointReport> = {}): EndpointReport {
  return {
    bytesSent: 1_000_000,
    bytesReceived: 0,
    sha256Sent: 'aa',
    sha256Received: '',
    fallback: false,
    mptcp: true,
    subflows: [],
    ...over,
  };
}

function transfer(over: Partial<TransferObservation> = {}): TransferObservation {
  return {
    connection: 0,
    direction: 'upload',
    sizeBytes: 1_000_000,
    durationMs: 180,
    client: endpoint({
      subflows: [
        { saddr: '198.18.1.1', daddr: '198.18.1.2', sport: 40001, dport: 5000 },
        { saddr: '198.18.1.1', daddr: '198.18.2.2', sport: 40002, dport: 5000 },
      ],
    }),
    server: endpoint({ bytesSent: 0, bytesReceived: 1_000_000, sha256Sent: '', sha256Received: 'aa' }),
    intact: true,
    ...over,
  };
}

function ev(type: PmEvent['type'], attrs: Partial<PmEvent> = {}): PmEvent {
  return { type, atMs: 0, ...attrs };
}

/** What a kernel run of the lab looks like. */
function kernelObs(): Observations {
  return {
    ...emptyObservations(),
    counters: {
      server: {
        MPTcpExtMPCapableSYNRX: 1,
        MPTcpExtMPCapableACKRX: 1,
        MPTcpExtMPJoinSynRx: 1,
        MPTcpExtMPJoinAckRx: 1,
        MPTcpExtAddAddrTx: 1,
        MPTcpExtEchoAdd: 1,
        MPTcpExtMPTCPRetrans: 3,
        TcpRetransSegs: 10,
        MPTcpExtRcvWndShared: 4,
      },
      client: {
        MPTcpExtMPCapableSYNTX: 1,
        MPTcpExtMPCapableSYNACKRX: 1,
        MPTcpExtMPJoinSynTx: 1,
        MPTcpExtMPJoinSynAckRx: 1,
        MPTcpExtAddAddr: 1,
        MPTcpExtEchoAddTx: 1,
        MPTcpExtOFOQueue: 7,
      },
    },
    events: {
      client: [
        ev('CREATED', {
          token: 0x1234,
          saddr: '198.18.1.1',
          daddr: '198.18.1.2',
          sport: 40001,
          dport: 5000,
          locId: 0,
          remId: 0,
          atMs: 151,
        }),
        ev('ESTABLISHED', {
          token: 0x1234,
          saddr: '198.18.1.1',
          daddr: '198.18.1.2',
          sport: 40001,
          dport: 5000,
          locId: 0,
          remId: 0,
          atMs: 152,
        }),
        ev('ANNOUNCED', { token: 0x1234, remId: 1, daddr: '198.18.2.2', dport: 0, atMs: 153 }),
        ev('SF_ESTABLISHED', {
          token: 0x1234,
          saddr: '198.18.1.1',
          daddr: '198.18.2.2',
          sport: 40002,
          dport: 5000,
          locId: 0,
          remId: 1,
          backup: false,
          atMs: 155,
        }),
        ev('CLOSED', { token: 0x1234, atMs: 340 }),
      ],
      server: [
        ev('UNKNOWN', { rawKind: 15, atMs: 0 }),
        ev('CREATED', {
          token: 0xabcd,
          saddr: '198.18.1.2',
          daddr: '198.18.1.1',
          sport: 5000,
          dport: 40001,
          locId: 0,
          remId: 0,
          serverSide: true,
          atMs: 151,
        }),
        ev('ESTABLISHED', {
          token: 0xabcd,
          saddr: '198.18.1.2',
          daddr: '198.18.1.1',
          sport: 5000,
          dport: 40001,
          locId: 0,
          remId: 0,
          serverSide: true,
          atMs: 152,
        }),
        ev('SF_ESTABLISHED', {
          token: 0xabcd,
          saddr: '198.18.2.2',
          daddr: '198.18.1.1',
          sport: 5000,
          dport: 40002,
          locId: 1,
          remId: 0,
          backup: false,
          atMs: 155,
        }),
        ev('CLOSED', { token: 0xabcd, atMs: 341 }),
      ],
    },
    transfers: [transfer()],
    links: { l1: { aToB: 560_000, bToA: 20_000 }, l2: { aToB: 500_000, bToA: 18_000 } },
    workloadMs: 200,
  };
}

/** The same run as an engine would report it: other tokens, ports, times; an engine prints LISTENER_CREATED by name with its address. */
function engineObs(): Observations {
  const o = structuredClone(kernelObs());
  for (const list of Object.values(o.events)) {
    for (const e of list) {
      if (e.token !== undefined) e.token = e.token ^ 0x5a5a5a;
      if (e.sport !== undefined && e.sport !== 5000) e.sport += 1111;
      if (e.dport !== undefined && e.dport !== 5000 && e.dport !== 0) e.dport += 1111;
      e.atMs = e.atMs / 3;
      delete e.backup;
    }
  }
  o.events.server![0] = ev('LISTENER_CREATED', { saddr: '0.0.0.0', sport: 5000 });
  for (const s of o.transfers[0]!.client.subflows) s.sport += 1111;
  o.counters.server!.MPTcpExtMPTCPRetrans = 5;
  o.counters.server!.TcpRetransSegs = 17;
  o.counters.server!.MPTcpExtRcvWndShared = 0;
  o.counters.client!.MPTcpExtOFOQueue = 0;
  o.transfers[0]!.durationMs = 120;
  o.links = { l1: { aToB: 540_000, bToA: 21_000 }, l2: { aToB: 520_000, bToA: 17_000 } };
  return o;
}

function run(l: Lab, a: Observations, b: Observations, tol?: Tolerances): Comparison {
  return compareObservations(l, { label: 'kernel', obs: a }, { label: 'engine', obs: b }, tol);
}

function item(c: Comparison, name: string): ComparisonItem {
  const found = c.items.filter((i) => i.name === name);
  assert.equal(found.length, 1, `expected one item ${name}, got ${found.length}: ${c.items.map((i) => i.name).join(', ')}`);
  return found[0]!;
}

function failed(c: Comparison): string[] {
  return c.items.filter((i) => !i.ok).map((i) => i.name);
}

describe('compareObservations: agreement', () => {
  test('the same observations twice: every item ok, nothing divergent', () => {
    const c = run(lab(), kernelObs(), kernelObs());
    assert.equal(c.divergent, false);
    assert.deepEqual(failed(c), []);
    assert.deepEqual(c.labels, { a: 'kernel', b: 'engine' });
    assert.match(formatComparison(c), /^kernel vs engine: \d+ items compared, no divergence$/);
  });

  test('other tokens, ports, timestamps, loss counters and a 1.5x time: still no divergence', () => {
    const c = run(lab(), kernelObs(), engineObs());
    assert.deepEqual(failed(c), []);
    assert.equal(c.divergent, false);
    const kinds = new Set(c.items.map((i) => i.kind));
    for (const k of ['counter', 'events', 'subflows', 'integrity', 'fallback', 'duration', 'link_share'] as const)
      assert.ok(kinds.has(k), `an item of kind ${k}`);
  });

  test('exact counters are compared per host with full names; zero on both sides is left out', () => {
    const c = run(lab(), kernelObs(), engineObs());
    assert.deepEqual(item(c, 'counters.server.MPTcpExtMPJoinSynRx'), {
      name: 'counters.server.MPTcpExtMPJoinSynRx',
      kind: 'counter',
      nature: 'protocol',
      a: '1',
      b: '1',
      ok: true,
      values: { a: 1, b: 1 },
    });
    assert.equal(item(c, 'counters.client.MPTcpExtEchoAddTx').ok, true);
    assert.equal(
      c.items.some((i) => i.name === 'counters.server.MPTcpExtMPJoinSynAckHMacFailure'),
      false,
    );
  });

  test('loss-dependent and other counters are not compared without a tolerance', () => {
    const c = run(lab(), kernelObs(), engineObs());
    for (const n of ['MPTcpExtMPTCPRetrans', 'TcpRetransSegs', 'MPTcpExtRcvWndShared'])
      assert.equal(
        c.items.some((i) => i.name === `counters.server.${n}`),
        false,
        n,
      );
    assert.equal(
      c.items.some((i) => i.name === 'counters.client.MPTcpExtOFOQueue'),
      false,
    );
  });
});

describe('compareObservations: each kind of divergence', () => {
  test('a handshake counter differs: counter item, divergent, readable line', () => {
    const b = engineObs();
    b.counters.server!.MPTcpExtMPJoinSynRx = 0;
    const c = run(lab(), kernelObs(), b);
    assert.equal(c.divergent, true);
    assert.deepEqual(failed(c), ['counters.server.MPTcpExtMPJoinSynRx']);
    assert.match(formatComparison(c), /^counters\.server\.MPTcpExtMPJoinSynRx: kernel 1 ≠ engine 0$/m);
    assert.match(formatComparison(c), /1 divergent$/);
  });

  test('an exact counter only one side has, and a host only one side reports', () => {
    const b = engineObs();
    b.counters.client!.MPTcpExtMPRstTx = 2;
    delete b.counters.server;
    const c = run(lab(), kernelObs(), b);
    assert.equal(item(c, 'counters.client.MPTcpExtMPRstTx').a, '0');
    assert.equal(item(c, 'counters.client.MPTcpExtMPRstTx').ok, false);
    const syn = item(c, 'counters.server.MPTcpExtMPJoinSynRx');
    assert.equal(syn.b, '0');
    assert.match(syn.detail ?? '', /engine reported no counters for server/);
  });

  test('events: a missing ANNOUNCED is caught and named', () => {
    const b = engineObs();
    b.events.client = b.events.client!.filter((e) => e.type !== 'ANNOUNCED');
    const c = run(lab(), kernelObs(), b);
    assert.deepEqual(failed(c), ['events.client']);
    const it = item(c, 'events.client');
    assert.equal(it.kind, 'events');
    assert.equal(it.detail, 'only kernel #3: ANNOUNCED remId=1 daddr=198.18.2.2');
  });

  test('events: a wrong locId is caught, shown as one line each side', () => {
    const b = engineObs();
    b.events.server![3]!.locId = 2;
    const c = run(lab(), kernelObs(), b);
    assert.deepEqual(failed(c), ['events.server']);
    assert.equal(
      item(c, 'events.server').detail,
      'only kernel #4: SF_ESTABLISHED locId=1 remId=0 saddr=198.18.2.2 daddr=198.18.1.1\nonly engine #4: SF_ESTABLISHED locId=2 remId=0 saddr=198.18.2.2 daddr=198.18.1.1',
    );
    const text = formatComparison(c);
    assert.match(text, /^events\.server: kernel ≠ engine$/m);
    assert.match(text, /^ {2}only engine #4: SF_ESTABLISHED locId=2/m);
  });

  test('events: causal order matters, backup=1 matters, a non-lab address does not', () => {
    // ESTABLISHED then ANNOUNCED: the address can only be announced on an established connection.
    const swapped = engineObs();
    const [x, y] = [swapped.events.client![1]!, swapped.events.client![2]!];
    swapped.events.client![1] = y;
    swapped.events.client![2] = x;
    assert.deepEqual(failed(run(lab(), kernelObs(), swapped)), ['events.client']);

    const backup = engineObs();
    backup.events.client![3]!.backup = true;
    assert.match(item(run(lab(), kernelObs(), backup), 'events.client').detail ?? '', /backup=1/);

    const wildcard = kernelObs();
    wildcard.events.server![0] = ev('LISTENER_CREATED', { saddr: '::', sport: 5000 });
    const other = engineObs();
    other.events.client![0]!.saddr = '::ffff:198.18.1.1';
    assert.deepEqual(failed(run(lab(), wildcard, other)), [], 'wildcard listener address and IPv4-mapped spelling are not differences');
  });

  test('subflows: a different address pair, ports ignored', () => {
    const b = engineObs();
    b.transfers[0]!.client.subflows[1]!.daddr = '198.18.1.2';
    const c = run(lab(), kernelObs(), b);
    assert.deepEqual(failed(c), ['subflows']);
    const it = item(c, 'subflows');
    assert.equal(it.a, '198.18.1.1 → 198.18.1.2, 198.18.1.1 → 198.18.2.2');
    assert.equal(it.b, '198.18.1.1 → 198.18.1.2, 198.18.1.1 → 198.18.1.2');
    assert.equal(it.detail, 'only kernel: 198.18.1.1 → 198.18.2.2\nonly engine: 198.18.1.1 → 198.18.1.2');
  });

  test('subflows: one missing', () => {
    const b = engineObs();
    b.transfers[0]!.client.subflows.pop();
    assert.equal(item(run(lab(), kernelObs(), b), 'subflows').detail, 'only kernel: 198.18.1.1 → 198.18.2.2');
  });

  test('integrity and fallback', () => {
    const b = engineObs();
    b.transfers[0]!.intact = false;
    b.transfers[0]!.server.error = 'sha256 mismatch at byte 65536';
    b.transfers[0]!.client.fallback = true;
    const c = run(lab(), kernelObs(), b);
    assert.deepEqual(failed(c), ['integrity', 'fallback']);
    assert.equal(item(c, 'integrity').a, '1/1 intact');
    assert.equal(item(c, 'integrity').b, '0/1 intact (not intact: connection 0)');
    assert.match(item(c, 'integrity').detail ?? '', /engine connection 0: sha256 mismatch at byte 65536/);
    assert.equal(item(c, 'fallback').b, 'fallback (client)');
  });

  test('integrity: a missing transfer diverges', () => {
    const b = engineObs();
    b.transfers = [];
    const c = run(lab(), kernelObs(), b);
    assert.equal(item(c, 'integrity').b, 'no transfer');
    assert.equal(item(c, 'subflows').b, '(no transfer)');
    assert.equal(
      c.items.some((i) => i.kind === 'duration'),
      false,
      'no time on one side: duration not compared',
    );
  });

  test('duration: beyond 2x either way diverges; a declared factor; off when unknown or disabled', () => {
    const slow = engineObs();
    slow.transfers[0]!.durationMs = 400;
    assert.deepEqual(failed(run(lab(), kernelObs(), slow)), ['duration']);
    const fast = engineObs();
    fast.transfers[0]!.durationMs = 70;
    assert.deepEqual(failed(run(lab(), kernelObs(), fast)), ['duration']);
    assert.deepEqual(failed(run(lab(), kernelObs(), slow, { durationFactor: 3 })), []);
    assert.equal(
      run(lab(), kernelObs(), slow, { durationFactor: null }).items.some((i) => i.kind === 'duration'),
      false,
    );
    const unknown = engineObs();
    unknown.transfers[0]!.durationMs = Number.NaN;
    assert.equal(
      run(lab(), kernelObs(), unknown).items.some((i) => i.kind === 'duration'),
      false,
    );
    // The simulator takes no time over links without rate or delay: no time to compare with.
    const instant = engineObs();
    instant.transfers[0]!.durationMs = 0;
    assert.equal(
      run(lab(), kernelObs(), instant).items.some((i) => i.kind === 'duration'),
      false,
    );
    const c = run(lab(), kernelObs(), slow);
    assert.equal(item(c, 'duration').a, '180 ms');
    assert.equal(item(c, 'duration').b, '400 ms');
  });

  test('link shares: beyond 0.15 diverges, within does not, tolerance declared', () => {
    const b = engineObs();
    b.links = { l1: { aToB: 900_000, bToA: 20_000 }, l2: { aToB: 160_000, bToA: 18_000 } };
    const c = run(lab(), kernelObs(), b);
    assert.deepEqual(failed(c), ['link_share.l1', 'link_share.l2']);
    assert.equal(item(c, 'link_share.l1').a, '0.528');
    assert.equal(item(c, 'link_share.l1').b, '0.849');
    assert.deepEqual(failed(run(lab(), kernelObs(), b, { linkShare: 0.4 })), []);
    assert.equal(
      run(lab(), kernelObs(), b, { linkShare: null }).items.some((i) => i.kind === 'link_share'),
      false,
    );
  });

  test('link shares follow the direction: a download reads what the client receives', () => {
    const l = lab('  direction: download\n');
    const a = kernelObs();
    const b = engineObs();
    a.links = { l1: { aToB: 10_000, bToA: 500_000 }, l2: { aToB: 10_000, bToA: 500_000 } };
    b.links = { l1: { aToB: 10_000, bToA: 900_000 }, l2: { aToB: 10_000, bToA: 100_000 } };
    assert.deepEqual(failed(run(l, a, b)), ['link_share.l1', 'link_share.l2']);
    b.links = { l1: { aToB: 900_000, bToA: 500_000 }, l2: { aToB: 100_000, bToA: 500_000 } };
    assert.deepEqual(failed(run(l, a, b)), [], 'the upload direction is not what counts');
  });
});

describe('tolerances', () => {
  test('a loss counter is compared once a tolerance is declared: relative', () => {
    const c = run(lab(), kernelObs(), engineObs(), { counters: { MPTCPRetrans: { relative: 0.5 } } });
    const it = item(c, 'counters.server.MPTcpExtMPTCPRetrans');
    assert.equal(it.ok, true, '3 vs 5 is within 50% of 5');
    assert.match(it.detail ?? '', /within ±50%/);
    const strict = run(lab(), kernelObs(), engineObs(), { counters: { MPTCPRetrans: { relative: 0.3 } } });
    assert.equal(item(strict, 'counters.server.MPTcpExtMPTCPRetrans').ok, false);
  });

  test('absolute, host-scoped and glob keys', () => {
    const abs = run(lab(), kernelObs(), engineObs(), { counters: { 'server.TcpRetransSegs': { absolute: 7 } } });
    assert.equal(item(abs, 'counters.server.TcpRetransSegs').ok, true);
    const tight = run(lab(), kernelObs(), engineObs(), { counters: { 'Tcp*': { absolute: 6 } } });
    assert.equal(item(tight, 'counters.server.TcpRetransSegs').ok, false);
    const all = run(lab(), kernelObs(), engineObs(), { counters: { '*': { relative: 1 } } });
    assert.equal(item(all, 'counters.client.MPTcpExtOFOQueue').ok, true);
    assert.equal(item(all, 'counters.server.MPTcpExtRcvWndShared').ok, true);
    const client = run(lab(), kernelObs(), engineObs(), { counters: { 'client.OFOQueue': { absolute: 1 } } });
    assert.equal(item(client, 'counters.client.MPTcpExtOFOQueue').ok, false);
    assert.equal(
      client.items.some((i) => i.name === 'counters.server.MPTcpExtMPTCPRetrans'),
      false,
    );
  });

  test('a tolerance loosens an exact counter (a SYN retransmitted under loss)', () => {
    const b = engineObs();
    b.counters.server!.MPTcpExtMPJoinSynRx = 2;
    assert.deepEqual(failed(run(lab(), kernelObs(), b)), ['counters.server.MPTcpExtMPJoinSynRx']);
    assert.deepEqual(failed(run(lab(), kernelObs(), b, { counters: { MPJoinSynRx: { absolute: 1 } } })), []);
  });

  test('the exact list can be replaced', () => {
    const b = engineObs();
    b.counters.server!.MPTcpExtMPJoinSynRx = 0;
    assert.deepEqual(failed(run(lab(), kernelObs(), b, { exact: ['AddAddrTx'] })), []);
  });
});

describe('known divergences', () => {
  const known = `known-divergences:
  - { check: counters.server.MPJoinSynRx, reason: engine does not count SYN retransmissions yet }
  - { check: "events.*", reason: engine PM events not emitted yet }
  - { check: link_share, reason: engine scheduler is round robin }
`;

  test('a listed divergence is not a failure but carries its reason (short counter name, glob, prefix)', () => {
    const b = engineObs();
    b.counters.server!.MPTcpExtMPJoinSynRx = 0;
    b.events = {};
    b.links = { l1: { aToB: 900_000, bToA: 0 }, l2: { aToB: 100_000, bToA: 0 } };
    const c = run(lab(known), kernelObs(), b);
    assert.equal(c.divergent, false);
    const syn = item(c, 'counters.server.MPTcpExtMPJoinSynRx');
    assert.equal(syn.ok, false);
    assert.equal(syn.knownDivergence, 'engine does not count SYN retransmissions yet');
    assert.equal(item(c, 'events.client').knownDivergence, 'engine PM events not emitted yet');
    assert.equal(item(c, 'events.server').knownDivergence, 'engine PM events not emitted yet');
    assert.equal(item(c, 'link_share.l1').knownDivergence, 'engine scheduler is round robin');
    const text = formatComparison(c);
    assert.match(
      text,
      /^counters\.server\.MPTcpExtMPJoinSynRx: kernel 1 ≠ engine 0 \(known divergence: engine does not count SYN retransmissions yet\)$/m,
    );
    assert.match(text, /0 divergent, 5 known divergences$/);
  });

  test('an unlisted divergence still fails beside listed ones', () => {
    const b = engineObs();
    b.counters.server!.MPTcpExtMPJoinSynRx = 0;
    b.counters.server!.MPTcpExtMPJoinAckRx = 0;
    const c = run(lab(known), kernelObs(), b);
    assert.equal(c.divergent, true);
    assert.equal(item(c, 'counters.server.MPTcpExtMPJoinAckRx').knownDivergence, undefined);
  });

  test('a listed item that agrees is ok, with a note', () => {
    const c = run(lab(known), kernelObs(), engineObs());
    const syn = item(c, 'counters.server.MPTcpExtMPJoinSynRx');
    assert.equal(syn.ok, true);
    assert.equal(syn.knownDivergence, undefined);
    assert.match(syn.detail ?? '', /listed in known-divergences \(counters\.server\.MPJoinSynRx\) but agrees/);
  });

  test('comparisonToChecks: every item a check; known divergences ok with skip text', () => {
    const b = engineObs();
    b.counters.server!.MPTcpExtMPJoinSynRx = 0;
    b.counters.server!.MPTcpExtMPJoinAckRx = 0;
    const checks = comparisonToChecks(run(lab(known), kernelObs(), b));
    const syn = checks.find((x) => x.name === 'counters.server.MPTcpExtMPJoinSynRx')!;
    assert.deepEqual(syn, {
      name: 'counters.server.MPTcpExtMPJoinSynRx',
      ok: true,
      source: 'kernel (expected) vs engine (actual)',
      expected: '1',
      actual: '0',
      skip: 'known divergence: engine does not count SYN retransmissions yet',
    });
    const ack = checks.find((x) => x.name === 'counters.server.MPTcpExtMPJoinAckRx')!;
    assert.equal(ack.ok, false);
    assert.equal(ack.skip, undefined);
    const events = checks.find((x) => x.name === 'events.client')!;
    assert.equal(events.ok, true);
    assert.equal(events.skip, undefined, 'a listed item that agreed is a plain pass');
    assert.equal(checks.filter((x) => !x.ok).length, 1);
  });
});

describe('kernel vs kernel', () => {
  test('labels are free: two kernels compared the same way', () => {
    const b = kernelObs();
    b.counters.client!.MPTcpExtAddAddr = 0;
    const c = compareObservations(lab(), { label: 'kernel 6.18', obs: kernelObs() }, { label: 'kernel 6.1', obs: b });
    assert.match(formatComparison(c), /^counters\.client\.MPTcpExtAddAddr: kernel 6\.18 1 ≠ kernel 6\.1 0$/m);
  });
});

describe('events: concurrent ones compare as a set within their causal step', () => {
  /** The client's events with a second join that completes after the first. */
  function twoJoins(first: string, second: string): Observations {
    const o = kernelObs();
    const join = (daddr: string, remId: number) =>
      ev('SF_ESTABLISHED', { token: 0x1234, saddr: '198.18.1.1', daddr, sport: 40003, dport: 5000, locId: 0, remId });
    o.events.client!.splice(4, 0, join(first, first === '198.18.2.2' ? 1 : 2), join(second, second === '198.18.2.2' ? 1 : 2));
    return o;
  }

  test('two joins of one round trip in the other order agree; a missing one does not', () => {
    const a = twoJoins('198.18.2.2', '198.18.3.2');
    const b = twoJoins('198.18.3.2', '198.18.2.2');
    assert.deepEqual(failed(run(lab(), a, b)), []);
    const missing = kernelObs();
    assert.deepEqual(failed(run(lab(), a, missing)), ['events.client']);
  });

  test('a removal is not concurrent with a join: SF_CLOSED before SF_ESTABLISHED diverges', () => {
    const a = kernelObs();
    a.events.client!.splice(4, 0, ev('SF_CLOSED', { token: 0x1234, saddr: '198.18.1.1', daddr: '198.18.2.2', locId: 0, remId: 1 }));
    const b = kernelObs();
    b.events.client!.splice(3, 0, ev('SF_CLOSED', { token: 0x1234, saddr: '198.18.1.1', daddr: '198.18.2.2', locId: 0, remId: 1 }));
    assert.deepEqual(failed(run(lab(), a, b)), ['events.client']);
  });

  test('connections are matched whatever order they started in', () => {
    const second = (o: Observations, token: number) => {
      const copy = o.events.client!.map((e) => ({ ...e, token }));
      copy.splice(2, 1); // the second connection got no ANNOUNCED
      return copy;
    };
    const a = kernelObs();
    a.events.client = [...a.events.client!, ...second(a, 0x9999)];
    const b = kernelObs();
    b.events.client = [...second(b, 0x7777), ...b.events.client!];
    assert.deepEqual(failed(run(lab(), a, b)), []);
    const c = kernelObs();
    c.events.client = [...c.events.client!, ...c.events.client!.map((e) => ({ ...e, token: 0x7777 }))];
    assert.deepEqual(failed(run(lab(), a, c)), ['events.client'], 'the second connection announced on one side only');
  });
});

describe('timing quantities: judged against a calibration, else a warning', () => {
  const calibration = (quantities: Calibration['quantities']): Calibration => ({
    lab: 'compare',
    kernel: '6.18.44',
    runs: 20,
    created: '2026-12-07T00:00:00Z',
    command: 'mptcp-lab calibrate compare --runs 20',
    machine: { cpus: 2, arch: 'x64' },
    quantities,
  });
  const shares = (l1: number) => ({ l1: { aToB: l1 * 1_000_000, bToA: 0 }, l2: { aToB: (1 - l1) * 1_000_000, bToA: 0 } });

  test('without a calibration, a link share beyond the tolerance is a warning, not a divergence', () => {
    const b = engineObs();
    b.links = shares(0.85);
    const c = run(lab(), kernelObs(), b);
    assert.equal(c.divergent, false);
    assert.match(item(c, 'link_share.l1').warning ?? '', /without a calibration.*mptcp-lab calibrate compare/);
    const checks = comparisonToChecks(c);
    const check = checks.find((x) => x.name === 'link_share.l1')!;
    assert.equal(check.ok, true);
    assert.match(check.warning ?? '', /calibration/);
    assert.match(formatComparison(c), /0 divergent, 2 warnings$/);
  });

  test('with a calibration, the engine inside the spread (plus margin) agrees and outside diverges', () => {
    const spread = { min: 0.38, median: 0.41, max: 0.45, values: [0.38, 0.41, 0.45] };
    const l = { ...lab(), calibration: calibration({ 'link_share.l1': spread }) };
    const inside = engineObs();
    inside.links = shares(0.49);
    const ok = run(l, kernelObs(), inside);
    assert.equal(item(ok, 'link_share.l1').ok, true);
    assert.match(
      item(ok, 'link_share.l1').detail ?? '',
      /over 20 calibration runs: 0\.380–0\.450 \(median 0\.410\); allowed 0\.330–0\.500/,
    );
    const outside = engineObs();
    outside.links = shares(0.52);
    const bad = run(l, kernelObs(), outside);
    assert.equal(bad.divergent, true);
    assert.equal(item(bad, 'link_share.l1').warning, undefined);
    assert.deepEqual(failed(bad).includes('link_share.l1'), true);
  });

  test('the margins: link share ±0.05, duration +25 % + 20 ms, counters +25 % + 2', () => {
    assert.deepEqual(allowedRange('link_share', { min: 0.02, median: 0.5, max: 0.6, values: [] }), [0, 0.65]);
    const [lo, hi] = allowedRange('duration', { min: 100, median: 110, max: 120, values: [] });
    assert.equal(lo, 55);
    assert.equal(hi, 170);
    assert.deepEqual(allowedRange('counter', { min: 0, median: 2, max: 4, values: [] }), [0, 7]);
    // A lab's declared tolerance widens the margin where it is larger (a handshake retry costs 1 s).
    const slack = marginFor('duration', { name: 'duration' }, { durationSlackMs: 1100 });
    assert.deepEqual(slack, { absolute: 1100, relative: 0.25 });
    assert.deepEqual(allowedRange('duration', { min: 10, median: 20, max: 240, values: [] }, slack), [-1092.5, 1400]);
    assert.deepEqual(marginFor('link_share', { name: 'link_share.l1' }, { linkShare: 0.01 }), { absolute: 0.05, relative: 0 });
  });

  test('a CPU-bound host: a completion time that diverges is not judged, and says why', () => {
    const a = kernelObs();
    a.cpuBusy = 0.97;
    const b = engineObs();
    b.transfers[0]!.durationMs = 600;
    const c = run(lab(), a, b);
    assert.equal(c.divergent, false);
    assert.match(item(c, 'duration').warning ?? '', /CPU-bound over kernel's workload \(97% busy\)/);
    a.cpuBusy = 0.5;
    assert.match(item(run(lab(), a, b), 'duration').warning ?? '', /without a calibration/);
  });

  test("an exact counter the kernel's own runs did not agree on is a race: judged against the values it took", () => {
    const b = engineObs();
    b.counters.client!.MPTcpExtMPRstRx = 0;
    const a = kernelObs();
    a.counters.client!.MPTcpExtMPRstRx = 1;
    const race = {
      ...lab(),
      calibration: calibration({ 'counters.client.MPTcpExtMPRstRx': { min: 0, median: 0, max: 1, values: [0, 1, 0] } }),
    };
    const c = run(race, a, b);
    assert.equal(c.divergent, false);
    assert.match(item(c, 'counters.client.MPTcpExtMPRstRx').detail ?? '', /the kernel's own runs vary: 0–1 over 20 calibration runs/);
    b.counters.client!.MPTcpExtMPRstRx = 2;
    assert.equal(run(race, a, b).divergent, true, 'a value the kernel never took diverges');
    const fixed = {
      ...lab(),
      calibration: calibration({ 'counters.client.MPTcpExtMPRstRx': { min: 1, median: 1, max: 1, values: [1, 1] } }),
    };
    b.counters.client!.MPTcpExtMPRstRx = 0;
    assert.equal(run(fixed, a, b).divergent, true, 'a counter the kernel always agreed on stays exact');
  });

  test('protocol facts are never warnings', () => {
    const b = engineObs();
    b.counters.server!.MPTcpExtMPJoinSynRx = 0;
    const c = run(lab(), kernelObs(), b);
    assert.equal(item(c, 'counters.server.MPTcpExtMPJoinSynRx').nature, 'protocol');
    assert.equal(item(c, 'counters.server.MPTcpExtMPJoinSynRx').warning, undefined);
    assert.equal(c.divergent, true);
  });
});
