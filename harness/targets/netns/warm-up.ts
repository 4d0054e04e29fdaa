// A pooled agent thread's first agents ran 10-25 ms slower than its later
// ones: the socket, transfer and MPTCP_INFO code is compiled on first use,
// and that first lab's start was the slower for it. So before it takes a lab,
// a thread runs one small MPTCP transfer over loopback, in a network
// namespace of its own (enter.ts privateNamespace: nothing of the host or of a
// lab sees it; it goes away with its sockets). A failed warm-up only means the
// first lab pays that time after all.
import { cClose, cIoctl, cSocket } from '../../../lib/libc.js';
import { closeSync } from 'node:fs';
import { startAgent } from '../../workload/agent.js';
import { AF_INET } from '../../workload/mptcp-socket.js';
import type { AgentSpec } from '../../workload/spec.js';
import { inNamespaceFd, privateNamespace } from './enter.js';

const SOCK_DGRAM = 2;
const SIOCGIFFLAGS = 0x8913;
const SIOCSIFFLAGS = 0x8914;
const IFF_UP = 0x1;

/** `ip link set lo up` in the calling thread's namespace: an ifreq (name, then flags) through ioctl. */
function loopbackUp(): void {
  const fd = cSocket(AF_INET, SOCK_DGRAM, 0) as number;
  if (fd < 0) throw new Error('socket for ioctl');
  try {
    const ifreq = Buffer.alloc(40);
    ifreq.write('lo');
    if ((cIoctl(fd, SIOCGIFFLAGS, 'void *', ifreq) as number) < 0) throw new Error('SIOCGIFFLAGS lo');
    ifreq.writeInt16LE(ifreq.readInt16LE(16) | IFF_UP, 16);
    if ((cIoctl(fd, SIOCSIFFLAGS, 'void *', ifreq) as number) < 0) throw new Error('SIOCSIFFLAGS lo');
  } finally {
    cClose(fd);
  }
}

const WARM_UP = {
  mptcp: true,
  connections: 1,
  direction: 'both',
  sizeBytes: 64 * 1024,
  seed: 1,
  write: { chunkBytes: 16 * 1024, pauseMs: 0 },
  timeoutMs: 2000,
} as const;

/** One small transfer both ways over loopback in a private namespace; never throws. */
export async function warmUp(): Promise<void> {
  let ns: number | undefined;
  try {
    ns = privateNamespace();
    const inside = ns;
    inNamespaceFd(inside, 'warm-up namespace', loopbackUp);
    const makeSocket = <T>(fn: () => T): T => inNamespaceFd(inside, 'warm-up namespace', fn);
    const server = startAgent({ role: 'server', family: 4, port: 0, ...WARM_UP } satisfies AgentSpec, { makeSocket });
    await server.waitFor('listening', WARM_UP.timeoutMs);
    const client = startAgent({ role: 'client', address: '127.0.0.1', port: server.port ?? 0, ...WARM_UP } satisfies AgentSpec, {
      makeSocket,
    });
    await Promise.all([client.result, server.result]);
  } catch {
    /* the first lab pays the compile time instead */
  } finally {
    if (ns !== undefined) closeSync(ns);
  }
}
