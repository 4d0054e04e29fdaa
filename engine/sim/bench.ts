// How fast the simulator runs: push N data packets through a two-path
// topology and report simulated seconds per wall-clock second. This is the
// one file under engine/ that reads a clock (performance.now), and only to
// measure; the simulation itself does not see it.
//
//   client ─link p1a─ r1 ─link p1b─ server      path 1: 50 Mbit/s, 10 ms each hop
//   client ─link p2a─ r2 ─link p2b─ server      path 2: 20 Mbit/s, 20 ms each hop, 0.5 ms jitter
//
// The client paces 1400-byte segments on both paths at 95 % of each path's
// rate (split of the N packets in proportion to the rates); the server sends a
// 60-byte ACK back on the same path for every second packet. 0.1 % loss on the
// bottleneck hops. Source-based routes keep each path's packets on it.
import { Network } from './network.js';

export interface SimBenchOptions {
  /** Data packets to push (default 200 000). */
  readonly packets?: number;
  readonly seed?: number;
  readonly segmentBytes?: number;
}

export interface SimBenchResult {
  readonly packets: number;
  readonly delivered: number;
  readonly acks: number;
  readonly events: number;
  readonly simSeconds: number;
  readonly wallSeconds: number;
  /** The figure of merit: simulated seconds per wall-clock second. */
  readonly simSecondsPerWallSecond: number;
  readonly packetsPerWallSecond: number;
  readonly eventsPerWallSecond: number;
}

interface PathSpec {
  readonly rateBps: number;
  readonly delayMs: number;
  readonly jitterMs: number;
  readonly client: string;
  readonly server: string;
}

/** Build the two-path topology and run it to completion. */
export function simBench(opts: SimBenchOptions = {}): SimBenchResult {
  const total = opts.packets ?? 200_000;
  const seg = opts.segmentBytes ?? 1400;
  const net = new Network({ seed: opts.seed ?? 1 });
  const client = net.addNode('client');
  const server = net.addNode('server');
  const paths: PathSpec[] = [
    { rateBps: 50e6, delayMs: 10, jitterMs: 0, client: '198.18.1.1', server: '198.18.2.2' },
    { rateBps: 20e6, delayMs: 20, jitterMs: 0.5, client: '198.18.3.1', server: '198.18.4.2' },
  ];
  paths.forEach((p, i) => {
    const r = net.addNode(`r${i + 1}`, { forward: true });
    const n = i * 2 + 1;
    net.addLink(
      { node: client, addresses: [`${p.client}/24`] },
      { node: r, addresses: [`198.18.${n}.254/24`] },
      {
        name: `p${i + 1}a`,
        params: { rateBps: p.rateBps, delayMs: p.delayMs, jitterMs: p.jitterMs, lossPct: 0.1, queuePackets: 100 },
      },
    );
    net.addLink(
      { node: r, addresses: [`198.18.${n + 1}.254/24`] },
      { node: server, addresses: [`${p.server}/24`] },
      {
        name: `p${i + 1}b`,
        params: { rateBps: p.rateBps * 2, delayMs: p.delayMs, queuePackets: 100 },
      },
    );
    client.addRoute('default', i, { from: p.client });
    server.addRoute('default', i, { from: p.server });
  });
  client.addRoute('default', 0);
  server.addRoute('default', 0);

  let delivered = 0;
  let acks = 0;
  const ackBytes = new Uint8Array(60);
  server.setHandler((now, packet) => {
    delivered += 1;
    if (delivered % 2 === 0) net.send(now, server, { src: packet.dst, dst: packet.src, bytes: ackBytes });
  });
  client.setHandler(() => {
    acks += 1;
  });

  const rateSum = paths.reduce((s, p) => s + p.rateBps, 0);
  const data = new Uint8Array(seg);
  const wire = seg + 34;
  paths.forEach((p, i) => {
    const count =
      i === paths.length - 1
        ? total - Math.floor((total * (paths[0] as PathSpec).rateBps) / rateSum)
        : Math.floor((total * p.rateBps) / rateSum);
    const intervalMs = (wire * 8 * 1000) / (p.rateBps * 0.95);
    let sent = 0;
    const tick = (now: number): void => {
      net.send(now, client, { src: p.client, dst: p.server, bytes: data });
      sent += 1;
      if (sent < count) net.schedule(now + intervalMs, tick);
    };
    if (count > 0) net.schedule(0, tick);
  });

  const t0 = performance.now();
  const { events } = net.driveBounded(Number.MAX_SAFE_INTEGER);
  const wallSeconds = (performance.now() - t0) / 1000;
  const simSeconds = net.now / 1000;
  const w = Math.max(wallSeconds, 1e-9);
  return {
    packets: total,
    delivered,
    acks,
    events,
    simSeconds,
    wallSeconds,
    simSecondsPerWallSecond: simSeconds / w,
    packetsPerWallSecond: total / w,
    eventsPerWallSecond: events / w,
  };
}

// `node dist/engine/sim/bench.js [packets]` prints one run.
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = simBench({ packets: Number(process.argv[2] ?? 200_000) });
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
