// The PM command client against the kernel, in a fresh namespace: what it
// adds, changes, deletes and flushes is exactly what `ip mptcp endpoint show`
// then lists, what `ip mptcp endpoint add` adds the client reads back the
// same, limits round-trip, and a kernel error names the command, the errno
// and the kernel's message.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { run } from '../../../lib/exec.js';
import { forgetNamespaceHandle, inNamespace } from '../../../harness/targets/netns/enter.js';
import { ENDPOINT_FLAGS, MptcpPmClient, type PmEndpoint } from '../../../harness/netlink/mptcp-pm.js';
import { interfaceIndex } from '../../../harness/netlink/genl.js';
import { cannotRun } from '../host-state.js';

const NS = `mptcplab-${process.pid}-pmclient`;
const skip = cannotRun();
let pm: MptcpPmClient;

before(async () => {
  if (skip) return;
  await run(['ip', 'netns', 'add', NS]);
  // Addresses on an interface: a signal endpoint with a port listens on its address.
  await run(['ip', '-n', NS, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
  await run(['ip', '-n', NS, 'addr', 'add', '198.18.0.1/24', 'dev', 'eth0']);
  await run(['ip', '-n', NS, 'addr', 'add', '198.18.1.1/24', 'dev', 'eth1']);
  await run(['ip', '-n', NS, 'addr', 'add', '2001:db8::2/64', 'dev', 'eth0', 'nodad']);
  pm = inNamespace(NS, () => MptcpPmClient.open());
});
after(async () => {
  if (skip) return;
  pm?.close();
  forgetNamespaceHandle(NS);
  await run(['ip', 'netns', 'del', NS], { reject: false });
});

async function ipShow(): Promise<string> {
  return (await run(['ip', '-n', NS, 'mptcp', 'endpoint', 'show'])).stdout.trim();
}

/** An endpoint as iproute2 6.1 prints it (print_mptcp_addr): address, port, id, flags, dev. */
function asIpLine(e: PmEndpoint, devs: Record<number, string>): string {
  const flags = (Object.entries(ENDPOINT_FLAGS) as [string, number][]).filter(([, bit]) => e.flags & bit).map(([w]) => w);
  return [e.address, ...(e.port ? ['port', e.port] : []), 'id', e.id, ...flags, ...(e.ifIndex ? ['dev', devs[e.ifIndex]] : [])].join(' ');
}

test('add, change, delete, flush: the kernel has exactly what the client did', { skip }, async () => {
  const eth0 = inNamespace(NS, () => interfaceIndex('eth0'));
  const devs = { [eth0]: 'eth0' };
  pm.addEndpoint({ address: '198.18.0.1', id: 5, flags: ['subflow', 'backup'] }, eth0);
  pm.addEndpoint({ address: '2001:db8::2', port: 10_100, flags: ['signal'] });
  pm.addEndpoint({ address: '198.18.1.1', flags: ['subflow', 'fullmesh'] });
  assert.equal(
    await ipShow(),
    ['198.18.0.1 id 5 subflow backup dev eth0', '2001:db8::2 port 10100 id 6 signal', '198.18.1.1 id 7 subflow fullmesh'].join(' \n'),
  );
  assert.deepEqual(
    pm.endpoints().map((e) => asIpLine(e, devs)),
    (await ipShow()).split('\n').map((l) => l.trim()),
  );

  pm.setFlags({ id: 5 }, []);
  pm.setFlags({ address: '198.18.1.1' }, ['backup', 'fullmesh']);
  assert.equal(
    await ipShow(),
    ['198.18.0.1 id 5 subflow dev eth0', '2001:db8::2 port 10100 id 6 signal', '198.18.1.1 id 7 subflow backup fullmesh'].join(' \n'),
  );

  pm.deleteEndpoint(6);
  assert.equal(await ipShow(), ['198.18.0.1 id 5 subflow dev eth0', '198.18.1.1 id 7 subflow backup fullmesh'].join(' \n'));
  pm.flushEndpoints();
  assert.equal(await ipShow(), '');
  assert.deepEqual(pm.endpoints(), []);
});

test('what `ip mptcp endpoint add` adds, the client reads back as the same endpoint', { skip }, async () => {
  const eth1 = inNamespace(NS, () => interfaceIndex('eth1'));
  await run(['ip', '-n', NS, 'mptcp', 'endpoint', 'add', '198.18.1.1', 'id', '3', 'dev', 'eth1', 'subflow', 'backup']);
  await run(['ip', '-n', NS, 'mptcp', 'endpoint', 'add', '2001:db8::2', 'port', '10200', 'signal']);
  assert.deepEqual(pm.endpoints(), [
    { id: 3, address: '198.18.1.1', flags: ENDPOINT_FLAGS.subflow | ENDPOINT_FLAGS.backup, ifIndex: eth1 },
    { id: 4, address: '2001:db8::2', port: 10_200, flags: ENDPOINT_FLAGS.signal },
  ]);
  await run(['ip', '-n', NS, 'mptcp', 'endpoint', 'flush']);
});

test('limits: what the client sets, `ip mptcp limits show` shows, and the client reads back', { skip }, async () => {
  pm.setLimits({ subflows: 3, addAddrAccepted: 2 });
  const shown = (await run(['ip', '-n', NS, 'mptcp', 'limits', 'show'])).stdout;
  assert.match(shown, /add_addr_accepted 2 subflows 3/);
  assert.deepEqual(pm.limits(), { subflows: 3, addAddrAccepted: 2 });
});

test('a kernel error: the command, the errno and the kernel message, and nothing changed', { skip }, async () => {
  pm.addEndpoint({ address: '198.18.0.1', id: 1, flags: ['subflow'] });
  assert.throws(() => pm.deleteEndpoint(42), { message: 'MPTCP_PM_CMD_DEL_ADDR: EINVAL: address not found' });
  assert.throws(() => pm.addEndpoint({ address: '198.18.0.1', id: 1, flags: ['subflow'] }), /^Error: MPTCP_PM_CMD_ADD_ADDR: EBUSY: .+/);
  assert.equal(await ipShow(), '198.18.0.1 id 1 subflow');
  // The socket still works after an error.
  pm.flushEndpoints();
  assert.equal(await ipShow(), '');
});
