// Test helper: MptcpEndpoints driven on an engine/sim Network, the way a
// sans-IO engine is meant to be driven: every packet goes to handle(), then
// pollTransmit() until empty, one timer at pollTimeout(), events drained.
// Hosts read whatever becomes readable, so windows never stay closed.
import { createHash } from 'node:crypto';
import { Network, type Packet, type TraceEvent } from '../../../engine/sim/network.js';
import type { LinkParamsInput } from '../../../engine/sim/link.js';
import { Xoshiro256StarStar } from '../../../engine/random.js';
import { MptcpEndpoint, type EndpointOptions } from '../../../engine/endpoint.js';
import type { ConnectionId, EngineEvent } from '../../../engine/events.js';
import { Prng } from '../../../engine/sim/prng.js';
import type { Subflow } from '../../../engine/subflow.js';
import { concat as concatBytes } from '../../../engine/bytes.js';

export interface Host {
  readonly name: string;
  readonly ep: MptcpEndpoint;
  readonly events: EngineEvent[];
  readonly received: Map<ConnectionId, Uint8Array[]>;
  readonly closed: Map<ConnectionId, string>;
  /** Call after poking the endpoint from a test (write, shutdownWrite, createSubflow). */
  flush(now: number): void;
  /** Read what becomes readable (default true); off, the receive window fills up. */
  autoRead: boolean;
  /** Read now what is waiting on a connection. */
  readNow(conn: ConnectionId): void;
  /** Tap incoming packets before the endpoint sees them (return undefined to drop). */
  tap?: (packet: Packet) => Uint8Array | undefined;
}

export interface Topology {
  readonly net: Network;
  readonly client: Host;
  readonly server: Host;
  /** Sent packets, as "time node src>dst sha1(bytes)" lines. */
  readonly trace: string[];
}

/** Client and server joined by one link per entry; link i uses 198.18.i.1 (client) and 198.18.i.2 (server). */
export function topology(
  links: readonly LinkParamsInput[],
  opts: {
    seed?: number;
    client?: Partial<EndpointOptions>;
    server?: Partial<EndpointOptions>;
    /** Hand endpoints the packets as sent (segment records) instead of bytes only, as the engine target does. */
    records?: boolean;
  } = {},
): Topology {
  const seed = opts.seed ?? 1;
  const trace: string[] = [];
  const net = new Network({
    seed,
    trace: (e: TraceEvent) => {
      if (e.kind === 'send')
        trace.push(
          `${e.at.toFixed(6)} ${e.node} ${e.packet.src}>${e.packet.dst} ${createHash('sha1').update(e.packet.bytes).digest('hex')}`,
        );
    },
  });
  net.addNode('client');
  net.addNode('server');
  links.forEach((params, i) => {
    net.addLink(
      { node: 'client', addresses: [`198.18.${i}.1/24`] },
      { node: 'server', addresses: [`198.18.${i}.2/24`] },
      { name: `link${i}`, params },
    );
  });
  const rng = new Xoshiro256StarStar(seed);
  const make = (name: 'client' | 'server', last: number, extra: Partial<EndpointOptions> | undefined): Host => {
    const ep = new MptcpEndpoint({ addresses: links.map((_, i) => `198.18.${i}.${last}`), random: rng.split(), ...extra });
    let timer: { cancel(): boolean } | undefined;
    // With smallQueues on, the endpoint hears when each of its data packets has left the node (TCP Small Queues).
    const send = (now: number, d: Packet): void => {
      net.send(now, name, d, ep.needsTxDone(d) ? (at) => (ep.handleTxDone(at, d), host.flush(at)) : undefined);
    };
    const host: Host = {
      name,
      ep,
      autoRead: true,
      readNow: (conn: ConnectionId) => {
        const got = ep.read(conn);
        if (got.length > 0) host.received.set(conn, [...(host.received.get(conn) ?? []), got]);
      },
      events: [],
      received: new Map(),
      closed: new Map(),
      flush: (now: number) => {
        for (let d = ep.pollTransmit(now); d; d = ep.pollTransmit(now)) send(now, d);
        for (let ev = ep.poll(); ev; ev = ep.poll()) {
          host.events.push(ev);
          if (ev.kind === 'readable' && host.autoRead) host.readNow(ev.conn);
          if (ev.kind === 'closed') host.closed.set(ev.conn, ev.error ?? 'normal');
        }
        for (let d = ep.pollTransmit(now); d; d = ep.pollTransmit(now)) send(now, d);
        timer?.cancel();
        timer = undefined;
        const t = ep.pollTimeout();
        if (t !== undefined) {
          timer = net.schedule(Math.max(t, now), (at) => {
            timer = undefined;
            ep.handleTimeout(at);
            host.flush(at);
          });
        }
      },
    };
    net.node(name).setHandler((now, p) => {
      if (opts.records && !host.tap) ep.handle(now, p);
      else {
        const bytes = host.tap ? host.tap(p) : p.bytes;
        if (bytes) ep.handle(now, { src: p.src, dst: p.dst, bytes });
      }
      host.flush(now);
    });
    return host;
  };
  return { net, client: make('client', 1, opts.client), server: make('server', 2, opts.server), trace };
}

/** Deterministic pseudo-random bytes. */
export function pattern(n: number, seed: number): Uint8Array {
  const rng = Prng.fromSeed(seed, 'payload');
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 4) {
    const v = rng.int(0x100000000);
    out[i] = v >>> 24;
    if (i + 1 < n) out[i + 1] = v >>> 16;
    if (i + 2 < n) out[i + 2] = v >>> 8;
    if (i + 3 < n) out[i + 3] = v;
  }
  return out;
}

/** The parts joined; none (undefined) is empty. */
export function concat(parts: readonly Uint8Array[] | undefined): Uint8Array {
  return concatBytes(parts ?? []);
}

/** The id of the first connection the host saw connect. */
export function firstConn(h: Host): ConnectionId {
  const ev = h.events.find((e) => e.kind === 'connected');
  if (!ev || ev.kind !== 'connected') throw new Error(`${h.name}: no connection`);
  return ev.conn;
}

/** Byte-compare without printing megabytes on failure. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.length === b.length &&
    Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0
  );
}

export interface TransferOptions {
  readonly size: number;
  readonly mptcpClient?: boolean;
  readonly mptcpServer?: boolean;
  readonly untilMs?: number;
  /** When the data is written (the handshake must be over by then). */
  readonly atMs?: number;
  readonly beforeData?: (conn: ConnectionId) => void;
  /** Called after every simulator event. */
  readonly whileRunning?: (now: number, conn: ConnectionId) => void;
  /** The client opens an MP_JOIN subflow from 198.18.1.1 to 198.18.1.2 once fully established (as the kernel PM does). */
  readonly join?: { readonly backup?: boolean; readonly onJoined?: (now: number) => void };
}

/** Client connects to server:80, both write `size` bytes and shut down; runs until both see "closed" or `untilMs`. */
export function transfer(t: Topology, o: TransferOptions) {
  const { net, client, server } = t;
  server.ep.listen(80, { mptcp: o.mptcpServer ?? true });
  const up = pattern(o.size, 1);
  const down = pattern(o.size, 2);
  const conn = client.ep.connect(0, { remoteAddr: '198.18.0.2', remotePort: 80, mptcp: o.mptcpClient ?? true });
  client.flush(0);
  net.drive(o.atMs ?? 200);
  const sconn = firstConn(server);
  o.beforeData?.(conn);
  client.ep.write(conn, up);
  server.ep.write(sconn, down);
  // Joins need connections that are still ESTABLISHED: with a join to make, both ends shut down once it settled.
  const shutdown = (): void => {
    client.ep.shutdownWrite(conn);
    server.ep.shutdownWrite(sconn);
  };
  if (o.join === undefined) shutdown();
  client.flush(net.now);
  server.flush(net.now);
  const until = o.untilMs ?? 120_000;
  let joining: Subflow | undefined;
  let shut = o.join === undefined;
  while (net.now < until && !(client.closed.has(conn) && server.closed.has(sconn))) {
    if (!net.step()) break;
    if (!shut && !joining && client.ep.connection(conn).isFullyEstablished) {
      joining = client.ep.createSubflow(net.now, conn, {
        localAddr: '198.18.1.1',
        remoteAddr: '198.18.1.2',
        backup: o.join?.backup ?? false,
      });
      client.flush(net.now);
      o.join?.onJoined?.(net.now);
    }
    if (!shut && joining && (joining.fullyEstablished || joining.state === 'CLOSED')) {
      shut = true;
      shutdown();
      client.flush(net.now);
      server.flush(net.now);
    }
    o.whileRunning?.(net.now, conn);
  }
  return { conn, sconn, up, down };
}
