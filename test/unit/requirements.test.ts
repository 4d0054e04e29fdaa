// A lab's needs against what the machine has: each SKIP reason names the
// program and its package, the kernel option, or the privilege, once.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Capabilities } from '../../harness/capabilities.js';
import { unmetRequirements } from '../../harness/requirements.js';
import { PROGRAM_NAMES, type ProgramName } from '../../harness/tools/programs.js';
import { lab, minimal } from './lab/fixtures.js';

/** A machine that has everything, but for what `missing` says. */
function machine(over: Partial<Capabilities> = {}, missing: ProgramName[] = []): Capabilities {
  return {
    kernelRelease: '6.12.0-test',
    kernelVersion: '6.12.0',
    guest: false,
    mptcp: true,
    mptcpEnabled: true,
    root: true,
    userNamespace: false,
    maxNetNamespaces: 1000,
    programs: Object.fromEntries(PROGRAM_NAMES.map((p) => [p, !missing.includes(p)])) as Record<ProgramName, boolean>,
    labNetwork: true,
    netem: true,
    tbf: true,
    nftNetdev: true,
    nftPayloadRewrite: true,
    offloadsOff: true,
    ipv6: true,
    mptcpSysctls: [],
    pathManagers: ['kernel', 'userspace'],
    schedulers: ['default'],
    iproute2: '6.12.0',
    ...over,
  };
}

const REWRITE = lab(minimal('', '  - { between: [client, server], from: { client: { rewrite: { packet: 5, offset: 100 } } } }\n'));
const DELAY = lab(minimal('', '  - { between: [client, server], delay: 10ms }\n'));
const LOSS = lab(minimal('', '  - { between: [client, server], loss: 1% }\n'));

async function reasons(l: ReturnType<typeof lab>, caps: Capabilities): Promise<string[]> {
  return (await unmetRequirements(l, caps)).map((u) => u.reason);
}

describe('unmetRequirements', () => {
  test('everything there: nothing unmet', async () => {
    for (const l of [REWRITE, DELAY, LOSS]) assert.deepEqual(await reasons(l, machine()), []);
  });

  test('a missing program is named with its Debian package and what it is for', async () => {
    assert.deepEqual(await reasons(REWRITE, machine({}, ['nft'])), ['needs nft (Debian package nftables) for payload rewrite']);
    assert.deepEqual(await reasons(REWRITE, machine({}, ['ethtool'])), ['needs ethtool (Debian package ethtool) for payload rewrite']);
  });

  test('without ip every lab is a SKIP naming iproute2, and nothing else', async () => {
    assert.deepEqual(await reasons(lab(minimal()), machine({ labNetwork: false, labNetworkError: 'ip is not on PATH' }, ['ip'])), [
      'needs ip (Debian package iproute2) for namespaces and links',
    ]);
  });

  test('rootless: a payload rewrite names the privilege', async () => {
    assert.deepEqual(await reasons(REWRITE, machine({ userNamespace: true, nftPayloadRewrite: false })), [
      'run as root: nft payload rewriting is not permitted in a user namespace',
    ]);
  });

  test('as root, a refused rewrite names the kernel', async () => {
    assert.deepEqual(await reasons(REWRITE, machine({ nftPayloadRewrite: false })), [
      'nft payload rewriting is refused by kernel 6.12.0-test (CONFIG_NF_TABLES_NETDEV)',
    ]);
  });

  test('without tc, a delay names tc, not sch_netem (which could not be tried)', async () => {
    assert.deepEqual(await reasons(DELAY, machine({ netem: false, tbf: false }, ['tc'])), ['needs tc (Debian package iproute2) for delay']);
  });

  test('without sch_netem, a delay names the qdisc and the kernel option', async () => {
    assert.deepEqual(await reasons(DELAY, machine({ netem: false })), [
      'delay needs sch_netem, which kernel 6.12.0-test does not have (CONFIG_NET_SCH_NETEM)',
    ]);
  });

  test('loss without sch_netem goes to nft: without nft it names nft', async () => {
    assert.deepEqual(await reasons(LOSS, machine({ netem: false })), []);
    assert.deepEqual(await reasons(LOSS, machine({ netem: false }, ['nft'])), [
      'needs nft (Debian package nftables) for loss without sch_netem',
    ]);
  });

  test('requires: names a program the lab does not imply', async () => {
    const l = lab(`requires: [tcpdump]\n${minimal()}`);
    assert.deepEqual(await reasons(l, machine({}, ['tcpdump'])), ['needs tcpdump (Debian package tcpdump)']);
  });

  test('requires: netem on a lab with a delay is one reason, the one that says what for', async () => {
    const l = lab(`requires: [netem]\n${minimal('', '  - { between: [client, server], delay: 10ms }\n')}`);
    assert.deepEqual(await reasons(l, machine({ netem: false })), [
      'delay needs sch_netem, which kernel 6.12.0-test does not have (CONFIG_NET_SCH_NETEM)',
    ]);
  });

  test('more hosts than user.max_net_namespaces allows', async () => {
    assert.deepEqual(await reasons(lab(minimal()), machine({ maxNetNamespaces: 1, userNamespace: true })), [
      'needs 2 network namespaces; user.max_net_namespaces is 1 in this user namespace: run as root',
    ]);
  });

  test('no namespace with a veth pair could be made: every lab says why', async () => {
    assert.deepEqual(
      await reasons(lab(minimal()), machine({ labNetwork: false, labNetworkError: 'Cannot create namespace: No space left on device' })),
      ['cannot make a network namespace with a veth pair here: Cannot create namespace: No space left on device'],
    );
  });
});
