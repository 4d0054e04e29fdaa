// The userspace path manager's commands through the PM client, on a real
// connection between two fresh namespaces with net.mptcp.pm_type = 1: each
// command's effect is seen as the kernel's PM event on the peer or on this
// host (ANNOUNCE → ANNOUNCED, SUBFLOW_CREATE → SF_ESTABLISHED, SUBFLOW_DESTROY
// → SF_CLOSED, REMOVE → REMOVED), and a bad token is refused with the
// kernel's message.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { run } from '../../../lib/exec.js';
import { forgetNamespaceHandle, inNamespace } from '../../../harness/targets/netns/enter.js';
import { MptcpPmClient } from '../../../harness/netlink/mptcp-pm.js';
import { openPmEventSocket, type PmEventSocket } from '../../../harness/observe/pm-netlink.js';
import { cannotRun } from '../host-state.js';

const C = `mptcplab-${process.pid}-upm-c`;
const S = `mptcplab-${process.pid}-upm-s`;
const skip = cannotRun();
const PORT = 10_300;

// A server that reads until EOF, a client that sends a byte and keeps the connection open for 20 s.
const SERVER = `
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', ${PORT})); s.listen(1); print('listening', flush=True)
c, _ = s.accept()
while c.recv(65536): pass
`;
const CLIENT = `
import socket, time
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)
c.connect(('198.18.0.2', ${PORT})); c.sendall(b'x'); time.sleep(20)
`;

const children: ChildProcess[] = [];
const pm: Record<string, MptcpPmClient> = {};
const events: Record<string, PmEventSocket> = {};
const seen: Record<string, string[]> = { [C]: [], [S]: [] };

function python(ns: string, code: string): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return child;
}

/** The first event line on ns matching re, polling for up to 3 s. */
async function waitEvent(ns: string, re: RegExp): Promise<RegExpExecArray> {
  for (let i = 0; i < 300; i += 1) {
    seen[ns]!.push(...events[ns]!.drain());
    for (const line of seen[ns]!) {
      const m = re.exec(line);
      if (m) return m;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no event ${re} in ${ns}:\n${seen[ns]!.join('\n')}`);
}

before(async () => {
  if (skip) return;
  for (const ns of [C, S]) {
    await run(['ip', 'netns', 'add', ns]);
    await run(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.mptcp.pm_type=1']);
    await run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  }
  for (const l of [0, 1]) {
    await run(['ip', 'link', 'add', 'name', `upm${process.pid}c${l}`, 'netns', C, 'type', 'veth', 'peer', 'name', `eth${l}`, 'netns', S]);
    await run(['ip', '-n', C, 'link', 'set', `upm${process.pid}c${l}`, 'name', `eth${l}`]);
    await run(['ip', '-n', C, 'addr', 'add', `198.18.${l}.1/24`, 'dev', `eth${l}`]);
    await run(['ip', '-n', S, 'addr', 'add', `198.18.${l}.2/24`, 'dev', `eth${l}`]);
    for (const ns of [C, S]) await run(['ip', '-n', ns, 'link', 'set', `eth${l}`, 'up']);
  }
  for (const ns of [C, S]) {
    pm[ns] = inNamespace(ns, () => MptcpPmClient.open());
    events[ns] = inNamespace(ns, openPmEventSocket);
  }
});
after(async () => {
  if (skip) return;
  for (const c of children) c.kill();
  for (const ns of [C, S]) {
    pm[ns]?.close();
    events[ns]?.close();
    forgetNamespaceHandle(ns);
    await run(['ip', 'netns', 'del', ns], { reject: false });
  }
});

test('announce, subflow create and destroy, remove: each as the kernel event it causes', { skip, timeout: 30_000 }, async () => {
  const server = python(S, SERVER);
  await new Promise<void>((resolve) => server.stdout!.once('data', () => resolve()));
  python(C, CLIENT);
  const clientToken = parseInt((await waitEvent(C, /\[\s*ESTABLISHED\] token=([0-9a-f]{8})/))[1]!, 16);
  const serverToken = parseInt((await waitEvent(S, /\[\s*ESTABLISHED\] token=([0-9a-f]{8})/))[1]!, 16);

  pm[S]!.announce(serverToken, { id: 5, address: '198.18.1.2' });
  await waitEvent(C, /\[\s*ANNOUNCED\] token=\S+ remid=5 daddr4=198\.18\.1\.2/);

  pm[C]!.createSubflow(clientToken, { id: 3, address: '198.18.1.1' }, { address: '198.18.1.2', port: PORT });
  const sf = await waitEvent(
    C,
    /\[SF_ESTABLISHED\] token=\S+ remid=5 locid=3 saddr4=198\.18\.1\.1 daddr4=198\.18\.1\.2 sport=(\d+) dport=10300/,
  );

  pm[C]!.destroySubflow(clientToken, { address: '198.18.1.1', port: Number(sf[1]) }, { address: '198.18.1.2', port: PORT });
  await waitEvent(
    C,
    new RegExp(`\\[\\s*SF_CLOSED\\] token=\\S+ remid=5 locid=3 saddr4=198\\.18\\.1\\.1 daddr4=198\\.18\\.1\\.2 sport=${sf[1]}`),
  );
  // The same subflow again: gone, ESRCH (6.18 adds "subflow not found").
  assert.throws(
    () => pm[C]!.destroySubflow(clientToken, { address: '198.18.1.1', port: Number(sf[1]) }, { address: '198.18.1.2', port: PORT }),
    /^Error: MPTCP_PM_CMD_SUBFLOW_DESTROY: ESRCH\b/,
  );

  pm[S]!.remove(serverToken, 5);
  await waitEvent(C, /\[\s*REMOVED\] token=\S+ remid=5/);
});

test('a bad token: EINVAL and the kernel message', { skip }, () => {
  assert.throws(() => pm[S]!.announce(0x12345678, { id: 6, address: '198.18.1.2' }), {
    message: 'MPTCP_PM_CMD_ANNOUNCE: EINVAL: invalid token',
  });
  assert.throws(() => pm[S]!.remove(0x12345678, 6), { message: 'MPTCP_PM_CMD_REMOVE: EINVAL: invalid token' });
});
