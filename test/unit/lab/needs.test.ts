// What a lab needs of the machine, derived from the lab (harness/lab-needs.ts):
// the same rules the netns target builds with, so an author lists nothing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { declaredNeeds, labNeeds, needKey, shellPrograms, type Need } from '../../../harness/lab-needs.js';
import { loadLabFile } from '../../../harness/lab/load.js';
import { lab, minimal } from './fixtures.js';

const NETEM = { netem: true, tbf: true };
const NO_NETEM = { netem: false, tbf: true };

function keys(needs: readonly Need[]): string[] {
  return needs.map(needKey).sort();
}

/** A two-link lab whose first link carries `impairment` (YAML flow mapping body). */
function impaired(impairment: string, extra = ''): ReturnType<typeof lab> {
  return lab(minimal(extra, `  - { between: [client, server], ${impairment} }\n  - between: [client, server]\n`));
}

function forOf(needs: readonly Need[], key: string): string[] {
  const n = needs.find((x) => needKey(x) === key);
  assert.ok(n && n.kind !== 'namespaces', `no ${key} in ${keys(needs).join(', ')}`);
  return n.for;
}

describe('labNeeds', () => {
  test('a lab without impairments or events needs ip and a namespace per host', () => {
    assert.deepEqual(labNeeds(lab(minimal()), NETEM), [
      { kind: 'program', program: 'ip', for: ['namespaces and links'] },
      { kind: 'namespaces', count: 2 },
    ]);
  });

  test('rate: tc and sch_tbf, with or without netem', () => {
    for (const caps of [NETEM, NO_NETEM]) {
      const needs = labNeeds(impaired('rate: 5mbit'), caps);
      assert.deepEqual(keys(needs), ['namespaces', 'program:ip', 'program:tc', 'qdisc:tbf']);
    }
  });

  test('delay and jitter: tc and sch_netem, saying what for', () => {
    const needs = labNeeds(impaired('delay: 10ms, jitter: 2ms'), NETEM);
    assert.deepEqual(forOf(needs, 'qdisc:netem'), ['delay', 'jitter']);
    assert.ok(keys(needs).includes('program:tc'));
  });

  test('loss with netem: a netem qdisc and offloads off, no nft', () => {
    const needs = labNeeds(impaired('loss: 1%'), NETEM);
    assert.deepEqual(keys(needs), ['namespaces', 'operation:offloads-off', 'program:ethtool', 'program:ip', 'program:tc', 'qdisc:netem']);
    assert.deepEqual(forOf(needs, 'qdisc:netem'), ['loss']);
  });

  test('loss without netem: nft netdev chains and ethtool instead of tc', () => {
    const needs = labNeeds(impaired('loss: 1%'), NO_NETEM);
    assert.deepEqual(keys(needs), [
      'namespaces',
      'operation:nft-netdev',
      'operation:offloads-off',
      'program:ethtool',
      'program:ip',
      'program:nft',
    ]);
    assert.deepEqual(forOf(needs, 'program:nft'), ['loss without sch_netem']);
  });

  test('a payload rewrite: nft allowed to write payloads, and offloads off', () => {
    const needs = labNeeds(impaired('from: { client: { rewrite: { packet: 5, offset: 100 } } }'), NETEM);
    assert.deepEqual(keys(needs), [
      'namespaces',
      'operation:nft-payload-rewrite',
      'operation:offloads-off',
      'program:ethtool',
      'program:ip',
      'program:nft',
    ]);
  });

  test('link events need stdbuf (the ip batch that applies them); endpoint events nothing (a netlink socket)', () => {
    const needs = labNeeds(lab(minimal('events:\n  - at: 1s\n    link-down: l2\n  - at: 2s\n    endpoint-flush: client\n')), NETEM);
    assert.deepEqual(forOf(needs, 'program:stdbuf'), ['link-down events']);
  });

  test('an impair event setting loss to 0 without netem still runs nft and ethtool', () => {
    const needs = labNeeds(lab(minimal('events:\n  - at: 1s\n    impair: { link: l1, loss: 0% }\n')), NO_NETEM);
    for (const k of ['program:nft', 'operation:nft-netdev', 'program:ethtool']) assert.ok(keys(needs).includes(k), k);
    assert.ok(!keys(needs).includes('program:tc'));
  });

  test('an impair event with a delay needs tc and netem though the links start clean', () => {
    const needs = labNeeds(lab(minimal('events:\n  - at: 1s\n    impair: { link: l1, delay: 20ms }\n')), NETEM);
    assert.ok(keys(needs).includes('program:tc'));
    assert.deepEqual(forOf(needs, 'qdisc:netem'), ['delay']);
  });

  test('a shell step needs sh and the known programs its command starts', () => {
    const needs = labNeeds(
      lab(minimal('events:\n  - at: 1s\n    shell: { host: client, command: "ss -Mtn && ping -c1 198.18.1.2" }\n')),
      NETEM,
    );
    for (const k of ['program:sh', 'program:ss', 'program:ping']) assert.ok(keys(needs).includes(k), k);
  });

  test('three hosts need three namespaces', () => {
    const chain = lab(
      'hosts:\n  client:\n  r1: { forward: true }\n  server:\nlinks:\n  - between: [client, r1]\n  - between: [r1, server]\nworkload:\n  client: client\n  server: server\n  connect: l2\n',
    );
    assert.deepEqual(
      labNeeds(chain, NETEM).find((n) => n.kind === 'namespaces'),
      { kind: 'namespaces', count: 3 },
    );
  });

  test("the catalogue's mp-fail-mp-rst needs nft payload rewriting, nft, ethtool and tc", async () => {
    const file = fileURLToPath(new URL('../../../../labs/checksum/mp-fail-mp-rst.lab.yaml', import.meta.url));
    const k = keys(labNeeds(await loadLabFile(file), NO_NETEM));
    for (const want of ['operation:nft-payload-rewrite', 'program:nft', 'program:ethtool', 'program:tc', 'qdisc:tbf'])
      assert.ok(k.includes(want), want);
  });
});

describe('shellPrograms', () => {
  test('the first word of each command, past assignments and exec, when the table knows it', () => {
    assert.deepEqual(shellPrograms('FOO=1 ss -tn; echo x | sysctl -a && exec ping -c1 h || $(tc qdisc)'), ['ss', 'sysctl', 'ping', 'tc']);
  });
  test('unknown programs and arguments are not needs', () => {
    assert.deepEqual(shellPrograms('echo ip tc; cat /proc/net/mptcp'), []);
  });
});

describe('declaredNeeds', () => {
  test('requires: netem means tc and the netem qdisc; nft means nft and its netdev chains', () => {
    assert.deepEqual(keys(declaredNeeds('netem')!), ['program:tc', 'qdisc:netem']);
    assert.deepEqual(keys(declaredNeeds('nft')!), ['operation:nft-netdev', 'program:nft']);
  });
  test('a program of the table is a need; features, sysctls and versions are not', () => {
    assert.deepEqual(keys(declaredNeeds('tcpdump')!), ['program:tcpdump']);
    for (const r of ['userspace-pm', 'sysctl:net.mptcp.enabled', 'kernel>=6.1', 'ipv6']) assert.equal(declaredNeeds(r), undefined, r);
  });
});
