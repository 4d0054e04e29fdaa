// The comparison's small parts: name patterns, address spelling, the event
// sequence diff, tolerances, link-share grouping.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalAddress,
  compareObservations,
  diffSequences,
  eventKey,
  fullCounterName,
  nameMatches,
  shareGroups,
  withinTolerance,
} from '../../../harness/compare/index.js';
import { emptyObservations, type TransferObservation } from '../../../harness/observations.js';
import { labFromYaml } from '../../../harness/lab/load.js';

describe('nameMatches', () => {
  test('exact, dotted prefix, glob', () => {
    assert.ok(nameMatches('counters.server.MPTcpExtRmAddr', 'counters.server.MPTcpExtRmAddr'));
    assert.ok(nameMatches('counters.server', 'counters.server.MPTcpExtRmAddr'));
    assert.ok(nameMatches('counters', 'counters.server.MPTcpExtRmAddr'));
    assert.ok(!nameMatches('counters.serv', 'counters.server.MPTcpExtRmAddr'), 'a prefix stops at a dot');
    assert.ok(nameMatches('events.*', 'events.server'));
    assert.ok(nameMatches('*.MPTcpExtRmAddr', 'counters.client.MPTcpExtRmAddr'));
    assert.ok(nameMatches('counters.*.MPTcpExtMPJoin*', 'counters.client.MPTcpExtMPJoinSynAckRx'));
    assert.ok(nameMatches('link_share.l?', 'link_share.l2'));
    assert.ok(nameMatches('count*', 'counters.client.X'), 'a glob may cover a prefix');
    assert.ok(!nameMatches('events.*', 'counters.events'));
    assert.ok(!nameMatches('', 'integrity'));
    assert.ok(!nameMatches('link_share.l1', 'link_share.l10'));
  });

  test('full counter names', () => {
    assert.equal(fullCounterName('MPJoinSynRx'), 'MPTcpExtMPJoinSynRx');
    assert.equal(fullCounterName('MPTcpExtMPJoinSynRx'), 'MPTcpExtMPJoinSynRx');
    assert.equal(fullCounterName('TcpRetransSegs'), 'TcpRetransSegs');
    assert.equal(fullCounterName('TcpExtTCPOFOQueue'), 'TcpExtTCPOFOQueue');
  });
});

describe('addresses and events', () => {
  test('canonical spelling', () => {
    assert.equal(canonicalAddress('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
    assert.equal(canonicalAddress('::ffff:198.18.1.1'), '198.18.1.1');
    assert.equal(canonicalAddress('::FFFF:c612:101'), '198.18.1.1');
    assert.equal(canonicalAddress('198.18.1.1'), '198.18.1.1');
    assert.equal(canonicalAddress('not an address'), 'not an address');
  });

  test('event keys: no token, ports, time, ifindex; lab addresses only; old [UNKNOWN n] resolved', () => {
    const known = new Set(['198.18.1.1']);
    assert.equal(
      eventKey(
        {
          type: 'SF_CLOSED',
          atMs: 5,
          token: 7,
          saddr: '198.18.1.1',
          daddr: '10.0.0.1',
          sport: 1,
          dport: 2,
          locId: 1,
          remId: 3,
          ifindex: 4,
          error: 104,
          backup: true,
        },
        known,
      ),
      'SF_CLOSED locId=1 remId=3 saddr=198.18.1.1 backup=1',
    );
    assert.equal(
      eventKey({ type: 'CREATED', atMs: 0, saddr: '198.19.3.1' }, known),
      'CREATED saddr=198.19.3.1',
      'anything in the lab ranges counts as a lab address',
    );
    assert.equal(eventKey({ type: 'UNKNOWN', atMs: 0, rawKind: 16 }, known), 'LISTENER_CLOSED');
    assert.equal(eventKey({ type: 'UNKNOWN', atMs: 0, rawKind: 99 }, known), 'UNKNOWN 99');
    assert.equal(eventKey({ type: 'LISTENER_CREATED', atMs: 0, saddr: '198.18.1.1', sport: 5000 }, known), 'LISTENER_CREATED');
  });

  test('diffSequences: a shortest edit, first-side lines first', () => {
    assert.deepEqual(diffSequences(['A', 'B', 'C'], ['A', 'C']), [
      { op: 'same', text: 'A', index: 0 },
      { op: 'a', text: 'B', index: 1 },
      { op: 'same', text: 'C', index: 2 },
    ]);
    assert.deepEqual(
      diffSequences(['A', 'X'], ['A', 'Y']).filter((d) => d.op !== 'same'),
      [
        { op: 'a', text: 'X', index: 1 },
        { op: 'b', text: 'Y', index: 1 },
      ],
    );
    assert.deepEqual(diffSequences([], ['A']), [{ op: 'b', text: 'A', index: 0 }]);
  });
});

describe('tolerances and groups', () => {
  test('withinTolerance: the larger of absolute and relative to the larger value', () => {
    assert.ok(withinTolerance(10, 12, { absolute: 2 }));
    assert.ok(!withinTolerance(10, 13, { absolute: 2 }));
    assert.ok(withinTolerance(100, 80, { relative: 0.2 }));
    assert.ok(!withinTolerance(100, 79, { relative: 0.2 }));
    assert.ok(withinTolerance(0, 3, { relative: 0.1, absolute: 3 }));
    assert.ok(withinTolerance(5, 5, {}));
    assert.ok(!withinTolerance(5, 6, {}));
  });

  test('link-share groups: the client links, then other server links; a single link says nothing', () => {
    const lab = labFromYaml(
      `hosts:
  client:
  r1: { forward: true }
  server:
links:
  - { between: [client, r1] }
  - { between: [r1, server] }
  - { between: [r1, server] }
workload: { client: client, server: server, connect: l2 }
`,
      'labs/test/groups.lab.yaml',
    );
    assert.deepEqual(shareGroups(lab), [{ host: 'server', links: ['l2', 'l3'] }]);
  });

  test('several connections: one subflows item per connection', () => {
    const lab = labFromYaml(
      `hosts:
  client:
  server:
links:
  - { between: [client, server] }
workload: { client: client, server: server, connect: l1, connections: 2 }
known-divergences:
  - { check: "subflows.*", reason: engine opens subflows in another order }
`,
      'labs/test/conns.lab.yaml',
    );
    const t = (connection: number, daddr: string): TransferObservation => ({
      connection,
      direction: 'upload',
      sizeBytes: 1,
      durationMs: 10,
      intact: true,
      client: {
        bytesSent: 1,
        bytesReceived: 0,
        sha256Sent: '',
        sha256Received: '',
        fallback: false,
        mptcp: true,
        subflows: [{ saddr: '198.18.1.1', daddr, sport: 1, dport: 2 }],
      },
      server: { bytesSent: 0, bytesReceived: 1, sha256Sent: '', sha256Received: '', fallback: false, mptcp: true, subflows: [] },
    });
    const a = { ...emptyObservations(), transfers: [t(0, '198.18.1.2'), t(1, '198.18.1.2')] };
    const b = { ...emptyObservations(), transfers: [t(1, '198.18.1.2'), t(0, '198.18.1.9')] };
    const c = compareObservations(lab, { label: 'kernel', obs: a }, { label: 'engine', obs: b });
    assert.deepEqual(
      c.items.filter((i) => i.kind === 'subflows').map((i) => [i.name, i.ok, i.knownDivergence]),
      [
        ['subflows.0', false, 'engine opens subflows in another order'],
        ['subflows.1', true, undefined],
      ],
    );
    assert.equal(c.divergent, false);
    assert.equal(c.items.find((i) => i.name === 'integrity')?.a, '2/2 intact');
  });
});
