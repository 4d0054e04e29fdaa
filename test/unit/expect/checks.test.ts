// evaluate(lab, observations): each named expectation reads the counter the
// kernel selftests read, on the same side (mptcp_join.sh: ns1 = server,
// ns2 = client). Host names here are ns1/ns2 and ns1 is listed first, so a
// check that picked hosts by position or by name would read the wrong one.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from '../../../harness/expect/checks.js';
import {
  emptyObservations,
  type EndpointReport,
  type Observations,
  type PmEvent,
  type TransferObservation,
} from '../../../harness/observations.js';
import type { CheckResult } from '../../../harness/result.js';
import type { Lab } from '../../../harness/lab/model.js';
import { labFromYaml } from '../../../harness/lab/load.js';

function expectLab(expect: string, workloadExtra = '', links?: string): Lab {
  const ls = links ?? '  - between: [ns2, ns1]\n  - between: [ns2, ns1]\n';
  const body = expect
    .split('\n')
    .filter(Boolean)
    .map((l) => `  ${l}`)
    .join('\n');
  return labFromYaml(
    `hosts:\n  ns1:\n  ns2:\nlinks:\n${ls}workload:\n  client: ns2\n  server: ns1\n  connect: l1\n${workloadExtra}expect:\n${body}\n`,
    'labs/test/checks.lab.yaml',
  );
}

function obs(counters: Record<string, Record<string, number>> = {}, over: Partial<Observations> = {}): Observations {
  return { ...emptyObservations(), counters, ...over };
}

function endpoint(over: Partial<EndpointReport> = {}): EndpointReport {
  return {
    bytesSent: 1000,
    bytesReceived: 1000,
    sha256Sent: 'ab',
    sha256Received: 'ab',
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
    sizeBytes: 1000,
    durationMs: 100,
    client: endpoint(),
    server: endpoint(),
    intact: true,
    ...over,
  };
}

function check(results: CheckResult[], name: string): CheckResult {
  const found = results.filter((r) => r.name === name);
  assert.equal(found.length, 1, `expected one check ${name}, got ${found.length}: ${results.map((r) => r.name).join(', ')}`);
  return found[0]!;
}

function names(results: CheckResult[]): string[] {
  return results.map((r) => r.name);
}

describe('join', () => {
  const l = expectLab('join: { syn: 1, synack: 1, ack: 1 }');
  const good = { ns1: { MPTcpExtMPJoinSynRx: 1, MPTcpExtMPJoinAckRx: 1 }, ns2: { MPTcpExtMPJoinSynAckRx: 1 } };

  test('reads MPJoinSynRx and MPJoinAckRx on the server, MPJoinSynAckRx on the client', () => {
    const r = evaluate(l, obs(good));
    assert.deepEqual(check(r, 'join.syn'), { name: 'join.syn', ok: true, source: 'ns1 MPTcpExtMPJoinSynRx', expected: '1', actual: '1' });
    assert.deepEqual(check(r, 'join.synack'), {
      name: 'join.synack',
      ok: true,
      source: 'ns2 MPTcpExtMPJoinSynAckRx',
      expected: '1',
      actual: '1',
    });
    assert.deepEqual(check(r, 'join.ack'), { name: 'join.ack', ok: true, source: 'ns1 MPTcpExtMPJoinAckRx', expected: '1', actual: '1' });
    assert.equal(check(r, 'join.synack_hmac_failure').source, 'ns2 MPTcpExtMPJoinSynAckHMacFailure');
    assert.equal(check(r, 'join.ack_hmac_failure').source, 'ns1 MPTcpExtMPJoinAckHMacFailure');
    assert.equal(check(r, 'join.synack_hmac_failure').ok, true);
    assert.equal(
      r.some((x) => x.name === 'join.syn_tx' || x.name === 'join.rejected'),
      false,
    );
  });

  test('fails when the counter is on the wrong host', () => {
    const r = evaluate(l, obs({ ns1: { MPTcpExtMPJoinAckRx: 1, MPTcpExtMPJoinSynAckRx: 1 }, ns2: { MPTcpExtMPJoinSynRx: 1 } }));
    const syn = check(r, 'join.syn');
    assert.equal(syn.ok, false);
    assert.equal(syn.actual, '0');
    assert.equal(check(r, 'join.synack').ok, false);
    assert.equal(check(r, 'join.ack').ok, true);
  });

  test('a plain number is exact: 2 joins when 1 was expected fails', () => {
    const r = evaluate(l, obs({ ...good, ns1: { MPTcpExtMPJoinSynRx: 2, MPTcpExtMPJoinAckRx: 1 } }));
    assert.equal(check(r, 'join.syn').ok, false);
    assert.equal(check(r, 'join.syn').actual, '2');
  });

  test('HMAC failures must be 0', () => {
    const r = evaluate(l, obs({ ...good, ns1: { ...good.ns1, MPTcpExtMPJoinAckHMacFailure: 1 } }));
    assert.equal(check(r, 'join.ack_hmac_failure').ok, false);
  });

  test('syn_tx on the client, rejected on the server, comparisons', () => {
    const l2 = expectLab('join: { syn: ">=1", synack: "1..2", ack: 1, syn_tx: 2, rejected: 0 }');
    const r = evaluate(
      l2,
      obs({
        ns1: { MPTcpExtMPJoinSynRx: 3, MPTcpExtMPJoinAckRx: 1, MPTcpExtMPJoinRejected: 1 },
        ns2: { MPTcpExtMPJoinSynAckRx: 2, MPTcpExtMPJoinSynTx: 2 },
      }),
    );
    assert.equal(check(r, 'join.syn').ok, true);
    assert.equal(check(r, 'join.syn').expected, '>=1');
    assert.equal(check(r, 'join.synack').ok, true);
    assert.deepEqual(check(r, 'join.syn_tx'), {
      name: 'join.syn_tx',
      ok: true,
      source: 'ns2 MPTcpExtMPJoinSynTx',
      expected: '2',
      actual: '2',
    });
    assert.deepEqual(check(r, 'join.rejected'), {
      name: 'join.rejected',
      ok: false,
      source: 'ns1 MPTcpExtMPJoinRejected',
      expected: '0',
      actual: '1',
    });
  });

  test('join_backup: server MPJoinSynBackupRx, client MPJoinSynAckBackupRx', () => {
    const l2 = expectLab('join_backup: { syn: 1, synack: 1 }');
    const r = evaluate(l2, obs({ ns1: { MPTcpExtMPJoinSynBackupRx: 1 }, ns2: { MPTcpExtMPJoinSynAckBackupRx: 0 } }));
    assert.equal(check(r, 'join_backup.syn').source, 'ns1 MPTcpExtMPJoinSynBackupRx');
    assert.equal(check(r, 'join_backup.syn').ok, true);
    assert.equal(check(r, 'join_backup.synack').source, 'ns2 MPTcpExtMPJoinSynAckBackupRx');
    assert.equal(check(r, 'join_backup.synack').ok, false);
  });
});

describe('add_addr', () => {
  test('announced by the server (default): rx on the client, at least; echo on the server, exact', () => {
    const l = expectLab('add_addr: { rx: 1, echo: 1, tx: 1 }');
    const r = evaluate(l, obs({ ns1: { MPTcpExtEchoAdd: 1, MPTcpExtAddAddrTx: 3 }, ns2: { MPTcpExtAddAddr: 2 } }));
    assert.deepEqual(check(r, 'add_addr.rx'), {
      name: 'add_addr.rx',
      ok: true,
      source: 'ns2 MPTcpExtAddAddr',
      expected: '>=1',
      actual: '2',
    });
    assert.deepEqual(check(r, 'add_addr.echo'), {
      name: 'add_addr.echo',
      ok: true,
      source: 'ns1 MPTcpExtEchoAdd',
      expected: '1',
      actual: '1',
    });
    assert.deepEqual(check(r, 'add_addr.tx'), {
      name: 'add_addr.tx',
      ok: true,
      source: 'ns1 MPTcpExtAddAddrTx',
      expected: '>=1',
      actual: '3',
    });
    assert.equal(
      r.some((x) => x.name.startsWith('add_addr.port')),
      false,
    );
  });

  test('fails when fewer were received, or the echo count differs', () => {
    const l = expectLab('add_addr: { rx: 2, echo: 1 }');
    const r = evaluate(l, obs({ ns1: { MPTcpExtEchoAdd: 2, MPTcpExtAddAddr: 5 }, ns2: { MPTcpExtAddAddr: 1 } }));
    assert.equal(check(r, 'add_addr.rx').ok, false);
    assert.equal(check(r, 'add_addr.rx').actual, '1');
    assert.equal(check(r, 'add_addr.echo').ok, false);
  });

  test('rx 0 means exactly 0', () => {
    const l = expectLab('add_addr: { rx: 0 }');
    assert.equal(check(evaluate(l, obs({ ns2: { MPTcpExtAddAddr: 1 } })), 'add_addr.rx').ok, false);
    assert.equal(check(evaluate(l, obs({})), 'add_addr.rx').ok, true);
  });

  test('announced by the client: rx on the server, echo on the client', () => {
    const l = expectLab('add_addr: { rx: 1, echo: 1, by: client }');
    const r = evaluate(l, obs({ ns1: { MPTcpExtAddAddr: 1 }, ns2: { MPTcpExtEchoAdd: 1 } }));
    assert.equal(check(r, 'add_addr.rx').source, 'ns1 MPTcpExtAddAddr');
    assert.equal(check(r, 'add_addr.echo').source, 'ns2 MPTcpExtEchoAdd');
    assert.equal(check(r, 'add_addr.rx').ok, true);
    assert.equal(check(r, 'add_addr.echo').ok, true);
  });

  test('port: PortAdd and MPJoinPortSynAckRx on the receiver, MPJoinPortSynRx/AckRx on the announcer, mismatches 0', () => {
    const l = expectLab('add_addr: { rx: 1, port: 1 }');
    const r = evaluate(
      l,
      obs({
        ns1: { MPTcpExtMPJoinPortSynRx: 1, MPTcpExtMPJoinPortAckRx: 1, MPTcpExtMismatchPortAckRx: 1 },
        ns2: { MPTcpExtAddAddr: 1, MPTcpExtPortAdd: 1, MPTcpExtMPJoinPortSynAckRx: 1 },
      }),
    );
    assert.deepEqual(
      r.filter((x) => x.name.startsWith('add_addr.')).map((x) => [x.name, x.source, x.ok]),
      [
        ['add_addr.rx', 'ns2 MPTcpExtAddAddr', true],
        ['add_addr.port', 'ns2 MPTcpExtPortAdd', true],
        ['add_addr.port_syn', 'ns1 MPTcpExtMPJoinPortSynRx', true],
        ['add_addr.port_synack', 'ns2 MPTcpExtMPJoinPortSynAckRx', true],
        ['add_addr.port_ack', 'ns1 MPTcpExtMPJoinPortAckRx', true],
        ['add_addr.mismatch_port_syn', 'ns1 MPTcpExtMismatchPortSynRx', true],
        ['add_addr.mismatch_port_ack', 'ns1 MPTcpExtMismatchPortAckRx', false],
      ],
    );
  });
});

describe('rm', () => {
  test('removed by the client (default): RmAddr on the server, RmSubflow and RmAddrTx on the client', () => {
    const l = expectLab('rm: { addr: 1, subflow: 1, tx: 1 }');
    const r = evaluate(l, obs({ ns1: { MPTcpExtRmAddr: 1 }, ns2: { MPTcpExtRmSubflow: 1, MPTcpExtRmAddrTx: 1 } }));
    assert.deepEqual(
      r.filter((x) => x.name.startsWith('rm.')).map((x) => [x.name, x.source, x.ok]),
      [
        ['rm.addr', 'ns1 MPTcpExtRmAddr', true],
        ['rm.tx', 'ns2 MPTcpExtRmAddrTx', true],
        ['rm.subflow', 'ns2 MPTcpExtRmSubflow', true],
      ],
    );
  });

  test('removed by the server swaps the sides', () => {
    const l = expectLab('rm: { addr: 1, subflow: 1, by: server }');
    const right = evaluate(l, obs({ ns2: { MPTcpExtRmAddr: 1 }, ns1: { MPTcpExtRmSubflow: 1 } }));
    assert.equal(check(right, 'rm.addr').source, 'ns2 MPTcpExtRmAddr');
    assert.equal(check(right, 'rm.subflow').source, 'ns1 MPTcpExtRmSubflow');
    assert.equal(check(right, 'rm.addr').ok, true);
    assert.equal(check(right, 'rm.subflow').ok, true);
    // The counters of a client-side removal do not satisfy it.
    const wrong = evaluate(l, obs({ ns1: { MPTcpExtRmAddr: 1 }, ns2: { MPTcpExtRmSubflow: 1 } }));
    assert.equal(check(wrong, 'rm.addr').ok, false);
    assert.equal(check(wrong, 'rm.subflow').ok, false);
  });

  test('simult: RmSubflow summed over both sides, between n and 2n', () => {
    const l = expectLab('rm: { subflow: 2, simult: true }');
    const at = (c: number, s: number) =>
      check(evaluate(l, obs({ ns1: { MPTcpExtRmSubflow: s }, ns2: { MPTcpExtRmSubflow: c } })), 'rm.subflow');
    assert.equal(at(1, 0).ok, false);
    assert.equal(at(1, 1).ok, true);
    assert.equal(at(2, 2).ok, true);
    assert.equal(at(3, 2).ok, false);
    assert.equal(at(2, 2).expected, '2..4');
    assert.equal(at(2, 2).actual, '4');
    assert.equal(at(2, 2).source, 'client+server MPTcpExtRmSubflow');
  });
});

describe('rst, fastclose, fail, infinite_map, mp_prio, checksum', () => {
  test('rst (sent by the server by default): at least n, 0 means exactly 0', () => {
    const l = expectLab('rst: { tx: 0, rx: 1 }');
    const ok = evaluate(l, obs({ ns2: { MPTcpExtMPRstRx: 3 } }));
    assert.deepEqual(check(ok, 'rst.tx'), { name: 'rst.tx', ok: true, source: 'ns1 MPTcpExtMPRstTx', expected: '0', actual: '0' });
    assert.deepEqual(check(ok, 'rst.rx'), { name: 'rst.rx', ok: true, source: 'ns2 MPTcpExtMPRstRx', expected: '>=1', actual: '3' });
    const bad = evaluate(l, obs({ ns1: { MPTcpExtMPRstTx: 1 }, ns2: { MPTcpExtMPRstRx: 0 } }));
    assert.equal(check(bad, 'rst.tx').ok, false);
    assert.equal(check(bad, 'rst.rx').ok, false);
  });

  test('fastclose (closed by the client by default): exact on both sides', () => {
    const l = expectLab('fastclose: { tx: 1, rx: 1 }');
    const r = evaluate(l, obs({ ns2: { MPTcpExtMPFastcloseTx: 1 }, ns1: { MPTcpExtMPFastcloseRx: 2 } }));
    assert.equal(check(r, 'fastclose.tx').source, 'ns2 MPTcpExtMPFastcloseTx');
    assert.equal(check(r, 'fastclose.tx').ok, true);
    assert.equal(check(r, 'fastclose.rx').source, 'ns1 MPTcpExtMPFastcloseRx');
    assert.equal(check(r, 'fastclose.rx').ok, false);
  });

  test('fastclose by the server swaps sides', () => {
    const l = expectLab('fastclose: { tx: 1, by: server }');
    const r = evaluate(l, obs({ ns1: { MPTcpExtMPFastcloseTx: 1 } }));
    assert.equal(check(r, 'fastclose.tx').source, 'ns1 MPTcpExtMPFastcloseTx');
    assert.equal(check(r, 'fastclose.tx').ok, true);
    assert.equal(
      r.some((x) => x.name === 'fastclose.rx'),
      false,
    );
  });

  test('fail defaults to the server, infinite_map to the client', () => {
    const l = expectLab('fail: { tx: 1, rx: 1 }\ninfinite_map: { tx: 1, rx: 1 }');
    const r = evaluate(
      l,
      obs({ ns1: { MPTcpExtMPFailTx: 1, MPTcpExtInfiniteMapRx: 1 }, ns2: { MPTcpExtMPFailRx: 1, MPTcpExtInfiniteMapTx: 1 } }),
    );
    assert.deepEqual(
      r.filter((x) => /^(fail|infinite_map)\./.test(x.name)).map((x) => [x.name, x.source, x.ok]),
      [
        ['fail.tx', 'ns1 MPTcpExtMPFailTx', true],
        ['fail.rx', 'ns2 MPTcpExtMPFailRx', true],
        ['infinite_map.tx', 'ns2 MPTcpExtInfiniteMapTx', true],
        ['infinite_map.rx', 'ns1 MPTcpExtInfiniteMapRx', true],
      ],
    );
  });

  test('mp_prio reads both counters on one host (server by default)', () => {
    const l = expectLab('mp_prio: { tx: 1, rx: 1 }');
    const r = evaluate(l, obs({ ns1: { MPTcpExtMPPrioTx: 1 }, ns2: { MPTcpExtMPPrioRx: 1 } }));
    assert.equal(check(r, 'mp_prio.tx').source, 'ns1 MPTcpExtMPPrioTx');
    assert.equal(check(r, 'mp_prio.tx').ok, true);
    assert.equal(check(r, 'mp_prio.rx').source, 'ns1 MPTcpExtMPPrioRx');
    assert.equal(check(r, 'mp_prio.rx').ok, false);
    const l2 = expectLab('mp_prio: { rx: 1, host: client }');
    assert.equal(check(evaluate(l2, obs({ ns2: { MPTcpExtMPPrioRx: 1 } })), 'mp_prio.rx').ok, true);
  });

  test('checksum_errors on each side', () => {
    const l = expectLab('checksum_errors: 0');
    const r = evaluate(l, obs({ ns2: { MPTcpExtDataCsumErr: 2 } }));
    assert.equal(check(r, 'checksum_errors.server').ok, true);
    assert.equal(check(r, 'checksum_errors.server').source, 'ns1 MPTcpExtDataCsumErr');
    assert.equal(check(r, 'checksum_errors.client').ok, false);
    assert.equal(check(r, 'checksum_errors.client').actual, '2');
  });

  test('counters: any MIB by host name; short MPTcpExt names are completed, Tcp* kept', () => {
    const l = expectLab('counters:\n  ns1: { MPCapableSYNRX: 1, TcpRetransSegs: "<=2" }\n  ns2: { MPTcpExtMPCapableSYNTX: 1 }');
    const r = evaluate(l, obs({ ns1: { MPTcpExtMPCapableSYNRX: 1, TcpRetransSegs: 5 }, ns2: { MPTcpExtMPCapableSYNTX: 1 } }));
    assert.deepEqual(check(r, 'counters.ns1.MPCapableSYNRX'), {
      name: 'counters.ns1.MPCapableSYNRX',
      ok: true,
      source: 'ns1 MPTcpExtMPCapableSYNRX',
      expected: '1',
      actual: '1',
    });
    assert.deepEqual(check(r, 'counters.ns1.TcpRetransSegs'), {
      name: 'counters.ns1.TcpRetransSegs',
      ok: false,
      source: 'ns1 TcpRetransSegs',
      expected: '<=2',
      actual: '5',
    });
    assert.equal(check(r, 'counters.ns2.MPTcpExtMPCapableSYNTX').ok, true);
  });
});

describe('transfers: integrity, fallback, subflows, duration', () => {
  test('integrity: one intact connection passes', () => {
    const r = evaluate(expectLab('subflows: 2'), obs({}, { transfers: [transfer()] }));
    const i = check(r, 'integrity');
    assert.equal(i.ok, true);
    assert.equal(i.expected, '1 connection(s), every byte intact');
    assert.equal(i.actual, 'intact');
  });

  test('integrity: a missing connection fails', () => {
    const r = evaluate(expectLab('integrity: true'), obs());
    const i = check(r, 'integrity');
    assert.equal(i.ok, false);
    assert.equal(i.actual, '0 connection(s) reported');
    const r2 = evaluate(expectLab('integrity: true', '  connections: 2\n'), obs({}, { transfers: [transfer()] }));
    assert.equal(check(r2, 'integrity').ok, false);
    assert.equal(check(r2, 'integrity').actual, '1 connection(s) reported');
  });

  test('integrity: a damaged connection fails with its error', () => {
    const r = evaluate(
      expectLab('integrity: true', '  connections: 2\n'),
      obs(
        {},
        {
          transfers: [transfer(), transfer({ connection: 1, intact: false, server: endpoint({ error: 'ECONNRESET' }) })],
        },
      ),
    );
    assert.equal(check(r, 'integrity').ok, false);
    assert.equal(check(r, 'integrity').actual, 'connection 1: ECONNRESET');
    const r2 = evaluate(expectLab('integrity: true'), obs({}, { transfers: [transfer({ intact: false })] }));
    assert.equal(check(r2, 'integrity').actual, 'connection 0: sha256 mismatch');
  });

  test('integrity: a located failure says where the wrong bytes are and what they are', () => {
    const diff = {
      connection: 2,
      direction: 'upload' as const,
      expectedBytes: 1000,
      receivedBytes: 1000,
      wrong: [{ offset: 100, length: 376, origin: { kind: 'misplaced' as const, from: 600 } }],
    };
    const bad = transfer({ connection: 2, intact: false, server: endpoint({ diff }) });
    const r = evaluate(
      expectLab('integrity: true', '  connections: 3\n'),
      obs({}, { transfers: [transfer(), transfer({ connection: 1 }), bad] }),
    );
    assert.equal(check(r, 'integrity').ok, false);
    assert.equal(
      check(r, 'integrity').actual,
      "connection 2 upload: 1000 of 1000 bytes; wrong at 100–475 (376 bytes): misplaced, the stream's bytes 600–975",
    );
  });

  test('checksum: csum_enabled from MPTCP_INFO must agree on both sides', () => {
    const info = (csumEnabled: boolean) => ({
      info: {
        subflows: 0,
        addAddrSignal: 0,
        addAddrAccepted: 0,
        subflowsMax: 0,
        addAddrSignalMax: 0,
        addAddrAcceptedMax: 0,
        flags: 0,
        token: 1,
        writeSeq: '0',
        sndUna: '0',
        rcvNxt: '0',
        localAddrUsed: 0,
        localAddrMax: 0,
        csumEnabled,
        retransmits: 0,
        bytesRetrans: '0',
        bytesSent: '0',
        bytesReceived: '0',
        bytesAcked: '0',
        subflowsTotal: 1,
      },
    });
    const both = obs({}, { transfers: [transfer({ client: endpoint(info(true)), server: endpoint(info(true)) })] });
    assert.equal(check(evaluate(expectLab('checksum: true'), both), 'checksum').ok, true);
    assert.equal(check(evaluate(expectLab('checksum: false'), both), 'checksum').ok, false);
    const mixed = obs({}, { transfers: [transfer({ client: endpoint(info(false)), server: endpoint(info(true)) })] });
    const c = check(evaluate(expectLab('checksum: true'), mixed), 'checksum');
    assert.equal(c.ok, false);
    assert.equal(c.actual, 'client false, server true');
  });

  test('integrity: false skips the check', () => {
    assert.equal(names(evaluate(expectLab('integrity: false'), obs())).includes('integrity'), false);
  });

  test('fallback defaults to false when both sides are MPTCP', () => {
    const l = expectLab('integrity: true');
    assert.equal(l.expect.fallback, undefined);
    const ok = check(evaluate(l, obs({}, { transfers: [transfer()] })), 'fallback');
    assert.deepEqual(ok, { name: 'fallback', ok: true, source: 'MPTCP_INFO (EOPNOTSUPP = fell back)', expected: 'false', actual: 'false' });
    const fell = check(evaluate(l, obs({}, { transfers: [transfer({ server: endpoint({ fallback: true }) })] })), 'fallback');
    assert.equal(fell.ok, false);
    assert.equal(fell.actual, 'true');
  });

  test('fallback defaults to true when a side is plain TCP (workload.mptcp)', () => {
    const l = expectLab('integrity: true', '  mptcp: { server: false }\n');
    assert.equal(check(evaluate(l, obs({}, { transfers: [transfer({ client: endpoint({ fallback: true }) })] })), 'fallback').ok, true);
    assert.equal(check(evaluate(l, obs({}, { transfers: [transfer()] })), 'fallback').ok, false);
    const l2 = expectLab('integrity: true', '  mptcp: { client: false }\n');
    assert.equal(check(evaluate(l2, obs({}, { transfers: [transfer()] })), 'fallback').expected, 'true');
  });

  test('an explicit fallback wins over the default', () => {
    const l = expectLab('fallback: true');
    assert.equal(check(evaluate(l, obs({}, { transfers: [transfer({ client: endpoint({ fallback: true }) })] })), 'fallback').ok, true);
  });

  test('no transfers: no fallback check', () => {
    assert.equal(names(evaluate(expectLab('fallback: false'), obs())).includes('fallback'), false);
  });

  test('subflows: the client subflow list, else MPTCP_INFO subflows + 1, else 0', () => {
    const l = expectLab('subflows: 2');
    const sf = { saddr: '198.18.1.1', daddr: '198.18.1.2', sport: 1, dport: 2 };
    const listed = check(
      evaluate(l, obs({}, { transfers: [transfer({ client: endpoint({ subflows: [sf, { ...sf, saddr: '198.18.2.1' }] }) })] })),
      'subflows',
    );
    assert.deepEqual(listed, { name: 'subflows', ok: true, source: 'client MPTCP_FULL_INFO before close', expected: '2', actual: '2' });
    const info = { subflows: 1 } as EndpointReport['info'];
    assert.equal(check(evaluate(l, obs({}, { transfers: [transfer({ client: endpoint({ info }) })] })), 'subflows').actual, '2');
    const three = check(evaluate(l, obs({}, { transfers: [transfer({ client: endpoint({ subflows: [sf, sf, sf] }) })] })), 'subflows');
    assert.equal(three.ok, false);
    assert.equal(three.actual, '3');
    const none = check(evaluate(l, obs()), 'subflows');
    assert.equal(none.ok, false);
    assert.equal(none.actual, '0');
  });

  test('duration bound: the slowest connection, rounded, must be <= max', () => {
    const l = expectLab('duration: { max: 2s }');
    assert.equal(l.expect.durationMaxMs, 2000);
    const ok = check(
      evaluate(l, obs({}, { transfers: [transfer({ durationMs: 1500 }), transfer({ connection: 1, durationMs: 1999.6 })] })),
      'duration_ms',
    );
    assert.deepEqual(ok, { name: 'duration_ms', ok: true, source: 'transfer time', expected: '<=2000', actual: '2000' });
    const slow = check(
      evaluate(l, obs({}, { transfers: [transfer({ durationMs: 100 }), transfer({ connection: 1, durationMs: 2500 })] })),
      'duration_ms',
    );
    assert.equal(slow.ok, false);
    assert.equal(slow.actual, '2500');
  });

  test('duration bound from auto', () => {
    const l = expectLab(
      'duration: { max: auto, margin: 1 }',
      '  size: 2250000\n',
      '  - between: [ns2, ns1]\n    rate: 10mbit\n  - between: [ns2, ns1]\n    rate: 10mbit\n',
    );
    assert.equal(l.expect.durationMaxMs, 1400);
    assert.equal(check(evaluate(l, obs({}, { transfers: [transfer({ durationMs: 1401 })] })), 'duration_ms').ok, false);
    assert.equal(check(evaluate(l, obs({}, { transfers: [transfer({ durationMs: 1400 })] })), 'duration_ms').ok, true);
  });
});

describe('link_share', () => {
  const links = '  - between: [ns2, ns1]\n  - between: [ns1, ns2]\n';

  test("share of the client's payload per link, upload reads what the client sends (either side of the link)", () => {
    const l = expectLab('link_share: { l1: "0.7..0.8", l2: "<=0.3" }', '', links);
    // l1: client is side a; l2: client is side b.
    const r = evaluate(l, obs({}, { links: { l1: { aToB: 7500, bToA: 100 }, l2: { aToB: 9000, bToA: 2500 } } }));
    assert.deepEqual(check(r, 'link_share.l1'), {
      name: 'link_share.l1',
      ok: true,
      source: 'bytes on l1 / bytes on all client links',
      expected: '0.7..0.8',
      actual: '0.75',
    });
    assert.deepEqual(check(r, 'link_share.l2'), {
      name: 'link_share.l2',
      ok: true,
      source: 'bytes on l2 / bytes on all client links',
      expected: '<=0.3',
      actual: '0.25',
    });
  });

  test('download reads what the client receives', () => {
    const l = expectLab('link_share: { l1: "0.7..0.8", l2: "<=0.3" }', '  direction: download\n', links);
    const r = evaluate(l, obs({}, { links: { l1: { aToB: 7500, bToA: 100 }, l2: { aToB: 9000, bToA: 2500 } } }));
    // l1 → client: 100; l2 → client (side b): 9000.
    assert.equal(check(r, 'link_share.l1').actual, '0.011');
    assert.equal(check(r, 'link_share.l1').ok, false);
    assert.equal(check(r, 'link_share.l2').actual, '0.989');
    assert.equal(check(r, 'link_share.l2').ok, false);
  });

  test('both directions add up', () => {
    const l = expectLab('link_share: { l1: 0.5 }', '  direction: both\n', links);
    const r = evaluate(l, obs({}, { links: { l1: { aToB: 300, bToA: 200 }, l2: { aToB: 100, bToA: 400 } } }));
    assert.equal(check(r, 'link_share.l1').actual, '0.5');
    assert.equal(check(r, 'link_share.l1').ok, true);
  });

  test('rounded to three decimals; links not on the client are ignored; no bytes → 0', () => {
    const l = labFromYaml(
      `hosts: { c: , r: { forward: true }, s: }
links:
  - between: [c, r]
  - between: [c, r]
  - between: [r, s]
workload: { client: c, server: s, connect: l3 }
expect:
  link_share: { l1: "0.3..0.34", l2: ">0.6", l3: 0 }
`,
      'labs/test/share.lab.yaml',
    );
    const r = evaluate(l, obs({}, { links: { l1: { aToB: 1000, bToA: 0 }, l2: { aToB: 2000, bToA: 0 }, l3: { aToB: 3000, bToA: 0 } } }));
    assert.equal(check(r, 'link_share.l1').actual, '0.333');
    assert.equal(check(r, 'link_share.l1').ok, true);
    assert.equal(check(r, 'link_share.l2').actual, '0.667');
    assert.equal(check(r, 'link_share.l2').ok, true);
    assert.equal(check(r, 'link_share.l3').actual, '0');
    const empty = evaluate(l, obs());
    assert.equal(check(empty, 'link_share.l1').actual, '0');
    assert.equal(check(empty, 'link_share.l1').ok, false);
  });
});

describe('events', () => {
  const ev = (type: PmEvent['type'], over: Partial<PmEvent> = {}): PmEvent => ({ type, atMs: 0, ...over });

  test('patterns with and without count, attributes filter', () => {
    const l = expectLab(`events:
  - { host: ns1, type: SF_ESTABLISHED, count: 2 }
  - { host: ns2, type: ANNOUNCED, saddr: 198.18.2.2, remId: 1, count: 1 }
  - { host: ns2, type: REMOVED }
  - { host: ns1, type: SF_PRIORITY, backup: true, count: 0 }`);
    const events = {
      ns1: [ev('CREATED'), ev('SF_ESTABLISHED'), ev('SF_ESTABLISHED', { locId: 2 }), ev('SF_PRIORITY', { backup: false })],
      ns2: [
        ev('ANNOUNCED', { saddr: '198.18.2.2', remId: 1 }),
        ev('ANNOUNCED', { saddr: '198.18.2.2', remId: 2 }),
        ev('ANNOUNCED', { saddr: '198.18.1.2', remId: 1 }),
      ],
    };
    const r = evaluate(l, obs({}, { events }));
    assert.deepEqual(check(r, 'events.ns1.SF_ESTABLISHED'), {
      name: 'events.ns1.SF_ESTABLISHED',
      ok: true,
      source: 'ip mptcp monitor on ns1',
      expected: '2',
      actual: '2',
    });
    assert.deepEqual(check(r, 'events.ns2.ANNOUNCED {"saddr":"198.18.2.2","remId":1}'), {
      name: 'events.ns2.ANNOUNCED {"saddr":"198.18.2.2","remId":1}',
      ok: true,
      source: 'ip mptcp monitor on ns2',
      expected: '1',
      actual: '1',
    });
    const removed = check(r, 'events.ns2.REMOVED');
    assert.equal(removed.ok, false);
    assert.equal(removed.actual, '0');
    assert.equal(check(r, 'events.ns1.SF_PRIORITY {"backup":true}').ok, true);
  });

  test('a count that disagrees fails; events of the other host do not count', () => {
    const l = expectLab('events:\n  - { host: ns2, type: SF_ESTABLISHED, count: ">=2" }');
    const r = evaluate(l, obs({}, { events: { ns1: [ev('SF_ESTABLISHED'), ev('SF_ESTABLISHED')], ns2: [ev('SF_ESTABLISHED')] } }));
    assert.equal(check(r, 'events.ns2.SF_ESTABLISHED').ok, false);
    assert.equal(check(r, 'events.ns2.SF_ESTABLISHED').actual, '1');
  });

  test('a pattern on a host that is not in the lab is refused when loading', () => {
    assert.throws(() => expectLab('events:\n  - { host: ns9, type: CREATED }'), /expect\.events\[0\]\.host: no host "ns9"/);
  });
});

describe('evaluate as a whole', () => {
  test('the checks come in a stable order and all pass on matching observations', () => {
    const l = expectLab('join: { syn: 1, synack: 1, ack: 1 }\nadd_addr: { rx: 1, echo: 1 }\nsubflows: 2');
    const sf = { saddr: '198.18.1.1', daddr: '198.18.1.2', sport: 1, dport: 2 };
    const r = evaluate(
      l,
      obs(
        {
          ns1: { MPTcpExtMPJoinSynRx: 1, MPTcpExtMPJoinAckRx: 1, MPTcpExtEchoAdd: 1 },
          ns2: { MPTcpExtMPJoinSynAckRx: 1, MPTcpExtAddAddr: 1 },
        },
        { transfers: [transfer({ client: endpoint({ subflows: [sf, sf] }) })] },
      ),
    );
    assert.deepEqual(names(r), [
      'join.syn',
      'join.synack',
      'join.ack',
      'join.synack_hmac_failure',
      'join.ack_hmac_failure',
      'add_addr.rx',
      'add_addr.echo',
      'integrity',
      'fallback',
      'subflows',
    ]);
    assert.deepEqual(
      r.filter((x) => !x.ok).map((x) => x.name),
      [],
    );
  });
});
