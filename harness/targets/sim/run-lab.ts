// One lab on the engine target: the project's MPTCP engine in the simulated
// network built from the same Lab, driven in virtual time, with the same
// workload (payload, sizes, directions, connections one after another) and
// the same Observations as a kernel run, so the lab's checks run unchanged.
import {
  MptcpEndpoint,
  Xoshiro256StarStar,
  KernelPm,
  type Datagram,
  type ConnectionId,
  type EngineEvent,
  type MptcpConnectionInfo,
  type Timer,
  type MptcpCtrl,
} from '../../../engine/index.js';
import { applySimEvent, buildSimNetwork, simLinkBytes, simRoute, type SimLab } from './sim-lab.js';
import { evaluate } from '../../expect/checks.js';
import type { Host, Impairment, Lab, TimedEvent } from '../../lab/model.js';
import type { EndpointReport, MptcpInfoObservation, Observations, PmEvent, TransferObservation } from '../../observations.js';
import { filterCounters } from '../../observe/counters.js';
import { resultBase, type LabResult, type TargetInfo } from '../../result.js';
import { PayloadStream } from '../../workload/payload.js';
import { ReceivedDigest, SentDigest } from './digests.js';
import { describeEvent } from '../../lab/describe-event.js';
import { deriveSeed } from '../../seed.js';
import { comparerFor, workloadStreams } from '../../integrity/sources.js';

export const ENGINE_TARGET: TargetInfo = { kind: 'engine', spec: 'sim', version: '0.1', backend: 'sim' };

/** net.mptcp sysctls of a lab host, in the engine's words. */
function ctrlOf(host: Host): Partial<MptcpCtrl> {
  const s = host.sysctls;
  const num = (k: string) => (s[k] === undefined ? undefined : Number(s[k]));
  const out: { -readonly [K in keyof MptcpCtrl]?: MptcpCtrl[K] } = {};
  if (s['net.mptcp.enabled'] !== undefined) out.enabled = s['net.mptcp.enabled'] === '1';
  if (s['net.mptcp.checksum_enabled'] !== undefined) out.checksumEnabled = s['net.mptcp.checksum_enabled'] === '1';
  if (s['net.mptcp.allow_join_initial_addr_port'] !== undefined)
    out.allowJoinInitialAddrPort = s['net.mptcp.allow_join_initial_addr_port'] === '1';
  const timeout = num('net.mptcp.add_addr_timeout');
  if (timeout !== undefined) out.addAddrTimeoutS = timeout;
  const stale = num('net.mptcp.stale_loss_cnt');
  if (stale !== undefined) out.staleLossCnt = stale;
  return out;
}

/** net.ipv4.tcp_syncookies of a lab host, when it sets it. */
function syncookiesOf(host: Host): { syncookies?: 0 | 1 | 2 } {
  const v = host.sysctls['net.ipv4.tcp_syncookies'];
  return v === '0' || v === '1' || v === '2' ? { syncookies: Number(v) as 0 | 1 | 2 } : {};
}

interface Side {
  conn: ConnectionId;
  toSend: number;
  stream: PayloadStream;
  pending?: Buffer;
  sent: SentDigest;
  /** Counts, hashes and compares what arrives with the expected stream (its comparer), as the agent's receiver does. */
  received: ReceivedDigest;
  expectReceive: number;
  shut: boolean;
  /** The client closed with SO_LINGER 0 (workload abort-after). */
  aborted: boolean;
  eof: boolean;
  closed: boolean;
  error?: string;
  info?: MptcpConnectionInfo;
}

function infoObservation(i: MptcpConnectionInfo): MptcpInfoObservation {
  return {
    subflows: i.subflows,
    addAddrSignal: 0,
    addAddrAccepted: 0,
    subflowsMax: 0,
    addAddrSignalMax: 0,
    addAddrAcceptedMax: 0,
    flags: 0,
    token: i.token,
    writeSeq: String(i.writeSeq),
    sndUna: String(i.sndUna),
    rcvNxt: String(i.rcvNxt),
    localAddrUsed: 0,
    localAddrMax: 0,
    csumEnabled: i.csumEnabled,
    retransmits: i.retransmits,
    bytesRetrans: String(i.bytesRetrans),
    bytesSent: String(i.bytesSent),
    bytesReceived: String(i.bytesReceived),
    bytesAcked: String(i.bytesAcked),
    subflowsTotal: i.subflowsTotal,
  };
}

/** `peer`: the other side, whose sent digest is the received one when the same bytes arrived. */
function report(side: Side | undefined, mptcpSocket: boolean, peer: Side | undefined): EndpointReport {
  if (!side)
    return {
      bytesSent: 0,
      bytesReceived: 0,
      sha256Sent: '',
      sha256Received: '',
      fallback: false,
      mptcp: mptcpSocket,
      subflows: [],
      error: 'no connection',
    };
  const i = side.info;
  const alive = (i?.subflowList ?? []).filter((s) => s.state !== 'CLOSED' && !s.detached);
  const diff = side.received.located();
  return {
    bytesSent: side.sent.bytes,
    bytesReceived: side.received.bytes,
    sha256Sent: side.sent.digest(),
    sha256Received: side.received.digest(peer?.sent),
    // Like MPTCP_INFO answering EOPNOTSUPP: opened as MPTCP, not running MPTCP.
    fallback: mptcpSocket && i !== undefined && !i.mptcp,
    mptcp: mptcpSocket,
    ...(i && i.mptcp ? { info: infoObservation(i) } : {}),
    subflows: alive.map((s) => ({
      saddr: s.saddr,
      daddr: s.daddr,
      sport: s.sport,
      dport: s.dport,
      bytesAcked: s.bytesAcked,
      bytesReceived: s.bytesReceived,
      backup: s.backup,
      id: s.id,
      ...(s.srttMs !== undefined ? { rttUs: Math.round(s.srttMs * 1000) } : {}),
    })),
    ...(side.error ? { error: side.error } : {}),
    ...(diff ? { diff } : {}),
  };
}

/**
 * Whether a link of the lab may flip bits (netem corrupt, from the start or from an event): only then
 * can a TCP checksum tell anything, so only then do the endpoints fill and check it. A payload rewrite
 * fixes the checksum itself, as the kernel target's nft rule does, and needs none.
 */
export function labCorrupts(lab: Lab): boolean {
  const corrupts = (i: Impairment): boolean => (i.corruptPct ?? 0) > 0;
  return (
    lab.hosts.some((h) => h.interfaces.some((i) => corrupts(i.egress))) ||
    lab.events.some((e) => e.action === 'impair' && corrupts(e.impairment))
  );
}

/** Everything of one engine run; step() drives it, the app logic mirrors the traffic agent. */
class EngineRun {
  readonly sim: SimLab;
  readonly eps = new Map<string, MptcpEndpoint>();
  readonly pms = new Map<string, KernelPm>();
  /** The node.decide that binds endpoint devices, per host (a link event may replace it: then it is wrapped again). */
  private readonly boundDecide = new Map<string, (src: string, dst: string) => number>();
  /** Per host, the device each endpoint address was last bound to: it outlives the endpoint. */
  private readonly boundDevs = new Map<string, Map<string, string>>();
  /** Per host, the bound decisions made since the last event (dst → src → decision). */
  private readonly decisions = new Map<string, Map<string, Map<string, number>>>();
  private readonly timers = new Map<string, { at: number; timer: Timer }>();
  readonly events: Record<string, PmEvent[]> = {};
  readonly applied: Observations['applied'] = [];
  readonly transfers: TransferObservation[] = [];
  private readonly port: number;
  private current = 0;
  private client?: Side;
  private server?: Side;
  private startedAt = 0;
  /** When the current connection started, and when its client had sent all and read to EOF. */
  private connStartedAt = 0;
  private transferDoneAt?: number;
  private firstConnectedAt?: number;
  done = false;

  constructor(
    readonly lab: Lab,
    readonly seed: number,
  ) {
    this.sim = buildSimNetwork(lab, deriveSeed(seed, lab.name, 'sim'));
    this.port = lab.workload.port ?? 10_000 + (deriveSeed(seed, lab.name, 'port') % 50_000);
    const corrupts = labCorrupts(lab);
    for (const h of lab.hosts) {
      const ctrl = ctrlOf(h);
      const pm = new KernelPm({
        endpoints: h.endpoints,
        ...(h.limits ? { limits: h.limits } : {}),
        addAddrTimeoutMs: (ctrl.addAddrTimeoutS ?? 120) * 1000,
        routeSource: (remote) => this.routeSource(h, remote),
        reachable: (local, remote) => this.reachable(h.name, local, remote),
      });
      this.pms.set(h.name, pm);
      const ep = new MptcpEndpoint({
        addresses: h.interfaces.flatMap((i) => i.addresses.map((a) => a.address)),
        random: new Xoshiro256StarStar(BigInt(deriveSeed(seed, lab.name, 'host', h.name))),
        ctrl,
        pm,
        ...syncookiesOf(h),
        checksum: corrupts,
        // TCP Small Queues as the kernel: pump() reports each charged packet leaving the host.
        smallQueues: true,
      });
      this.eps.set(h.name, ep);
      this.bindEndpointDevices(h.name, pm);
      this.events[h.name] = [];
      this.sim.nodes[h.name]!.setHandler((now, packet) => {
        ep.handle(now, packet);
        this.pump(h.name, now);
      });
    }
    this.eps.get(lab.workload.server)!.listen(this.port, { mptcp: lab.workload.serverMptcp });
    // A signal endpoint with a port has the kernel listen there for MP_JOINs (mptcp_pm_nl_create_listen_socket).
    for (const h of lab.hosts) {
      for (const e of h.endpoints) {
        if (e.port === undefined || (h.name === lab.workload.server && e.port === this.port)) continue;
        try {
          this.eps.get(h.name)!.listen(e.port, { mptcp: true, pm: true });
        } catch {
          // already listening there
        }
      }
    }
    this.sim.network.schedule(0, (now) => this.startConnection(now));
  }

  /**
   * Subflows the PM creates from an endpoint with a device are bound to it
   * (the kernel sets the subflow socket's bound interface): packets from that
   * address leave through that device whatever the routes say.
   */
  private bindEndpointDevices(host: string, pm: KernelPm): void {
    const node = this.sim.nodes[host]!;
    // A subflow keeps its bound device (sk_bound_dev_if) when its endpoint is deleted: a removed
    // subflow still finishing its close must not leave through another link.
    const devs = this.boundDevs.get(host) ?? new Map<string, string>();
    this.boundDevs.set(host, devs);
    for (const e of pm.endpointList) if (e.dev !== undefined) devs.set(e.address, e.dev);
    // Endpoints, routes and links change only in events, each followed by this call: decisions hold until the next.
    const cache = this.decisions.get(host) ?? new Map<string, Map<string, number>>();
    this.decisions.set(host, cache);
    cache.clear();
    if (this.boundDecide.get(host) === node.decide) return;
    const fib = this.sim.fibs[host]!;
    const { local, noRoute } = this.sim.decisionCodes;
    const decide = node.decide.bind(node);
    const uncached = (src: string, dst: string): number => {
      const dev = src === '' ? undefined : (pm.endpointList.find((e) => e.address === src && e.dev !== undefined)?.dev ?? devs.get(src));
      if (dev === undefined) return decide(src, dst);
      const d = fib.lookup(src, dst, dev);
      return d.kind === 'local' ? local : d.kind === 'out' ? node.ifaceIndex(d.dev) : noRoute;
    };
    node.decide = (src: string, dst: string): number => {
      let bySrc = cache.get(dst);
      if (bySrc === undefined) {
        bySrc = new Map<string, number>();
        cache.set(dst, bySrc);
      }
      let d = bySrc.get(src);
      if (d === undefined) {
        d = uncached(src, dst);
        bySrc.set(src, d);
      }
      return d;
    };
    this.boundDecide.set(host, node.decide);
  }

  /** A route from `local` (bound to its endpoint's device, if any) to `remote`. */
  private reachable(host: string, local: string, remote: string): boolean {
    const dev = this.pms.get(host)?.endpointList.find((e) => e.address === local)?.dev;
    return simRoute(this.sim, host, local, remote, dev).kind !== 'unreachable';
  }

  /** The source address the host's routing picks toward `remote` (the address of the outgoing interface). */
  private routeSource(h: Host, remote: string): string | undefined {
    const d = simRoute(this.sim, h.name, '', remote);
    if (d.kind !== 'out') return undefined;
    const v6 = remote.includes(':');
    return h.interfaces.find((i) => i.name === d.dev)?.addresses.find((a) => a.address.includes(':') === v6)?.address;
  }

  private get net() {
    return this.sim.network;
  }

  private startConnection(now: number): void {
    const w = this.lab.workload;
    if (this.current === 0) this.startedAt = now;
    this.connStartedAt = now;
    this.transferDoneAt = undefined;
    const ep = this.eps.get(w.client)!;
    // Without bind() the source is the one the route to the server picks, as the kernel does.
    const src =
      w.bind ??
      this.routeSource(
        this.lab.hosts.find((h) => h.name === w.client)!,
        w.connect,
      );
    const conn = ep.connect(now, {
      remoteAddr: w.connect,
      remotePort: this.port,
      mptcp: w.clientMptcp,
      ...(src ? { localAddr: src } : {}),
    });
    this.client = this.newSide(conn, w.direction !== 'download', w.direction !== 'upload', true);
    this.server = undefined;
    this.pump(w.client, now);
  }

  private newSide(conn: ConnectionId, sends: boolean, receives: boolean, client: boolean): Side {
    const size = this.lab.workload.sizeBytes;
    const abortAt = client ? this.lab.workload.abortAfterBytes : undefined;
    // Like the agent: a client that aborts sends no more than abort-after bytes.
    const toSend = sends ? Math.min(size, abortAt ?? size) : 0;
    const w = this.lab.workload;
    const seed = deriveSeed(this.seed, this.lab.name, 'payload');
    const streams = workloadStreams({ seed, connections: w.connections, direction: w.direction, sizeBytes: size });
    const comparer = receives ? comparerFor(streams, this.current, client ? 'download' : 'upload') : undefined;
    return {
      conn,
      toSend,
      stream: new PayloadStream(seed + this.current),
      sent: new SentDigest(seed + this.current),
      received: new ReceivedDigest(comparer, { seed: seed + this.current, bytes: size }),
      expectReceive: receives ? size : 0,
      shut: false,
      aborted: false,
      eof: false,
      closed: false,
    };
  }

  /** Moves packets out, handles the host's events, and re-arms its timer. */
  pump(host: string, now: number): void {
    const ep = this.eps.get(host)!;
    const node = this.sim.nodes[host]!;
    for (let ev = ep.poll(); ev; ev = ep.poll()) this.onEvent(host, ep, ev, now);
    if (this.client && this.sideHost(this.client) === host) this.progress(ep, this.client);
    if (this.server && this.sideHost(this.server) === host) this.progress(ep, this.server);
    // What progress() caused (an abort closes the connection at once) is reported now, not at the next packet.
    for (let ev = ep.poll(); ev; ev = ep.poll()) this.onEvent(host, ep, ev, now);
    for (let d = ep.pollTransmit(now); d; d = ep.pollTransmit(now)) {
      const packet = d;
      this.net.send(now, node, packet, ep.needsTxDone(packet) ? (t) => this.txDone(host, ep, packet, t) : undefined);
    }
    const at = ep.pollTimeout();
    const armed = this.timers.get(host);
    if (armed?.at === at) return;
    if (at === undefined) {
      armed?.timer.cancel();
      this.timers.delete(host);
      return;
    }
    // Moved, as a cancel and a new schedule would (the host's deadline moves on most packets): nothing new made.
    if (armed?.timer.reschedule(at)) {
      armed.at = at;
      return;
    }
    this.timers.set(host, {
      at,
      timer: this.net.schedule(at, (t) => (this.timers.delete(host), ep.handleTimeout(t), this.pump(host, t))),
    });
  }

  /** A packet of the host's left it (TCP Small Queues): its subflow may send more. */
  private txDone(host: string, ep: MptcpEndpoint, packet: Datagram, now: number): void {
    ep.handleTxDone(now, packet);
    this.pump(host, now);
  }

  private sideHost(side: Side): string {
    return side === this.client ? this.lab.workload.client : this.lab.workload.server;
  }

  private onEvent(host: string, ep: MptcpEndpoint, ev: EngineEvent, now: number): void {
    const w = this.lab.workload;
    if (ev.kind === 'pm') {
      const { type, atMs: _at, ...attrs } = ev.event;
      this.events[host]!.push({ ...attrs, type, atMs: now });
      return;
    }
    if (ev.kind === 'connected' && host === w.server && ev.serverSide && !this.server) {
      this.server = this.newSide(ev.conn, w.direction !== 'upload', w.direction !== 'download', false);
    }
    if (ev.kind === 'connected' && host === w.client && this.firstConnectedAt === undefined) {
      this.firstConnectedAt = now;
      for (const e of this.lab.events) this.net.schedule(now + e.atMs, (t) => this.applyEvent(e, t));
    }
    const side = [this.client, this.server].find((s) => s && s.conn === ev.conn && this.sideHost(s) === host);
    if (!side) return;
    if (ev.kind === 'readable') {
      // Hashed and compared piece by piece as it arrived (runs of adjacent pieces as one), never joined.
      for (const data of ep.readChunks(ev.conn)) side.received.update(data);
      if (ep.eof(ev.conn)) side.eof = true;
      if (side === this.client && side.eof && side.shut) this.transferDoneAt ??= now;
    }
    if (ev.kind === 'closed') {
      side.closed = true;
      if (ev.error && !(side.shut && side.eof) && !side.aborted) side.error = `connection ${ev.error}`;
      this.maybeFinish(now);
    }
  }

  /** Writes what the window takes; ends the write side once all is sent and all expected arrived (as the agent does). */
  private progress(ep: MptcpEndpoint, side: Side): void {
    while (side.toSend > 0 || side.pending) {
      // A view of the stream's block: the engine copies what it takes, and what it did not take is copied here.
      const chunk = side.pending ?? side.stream.nextView(Math.min(side.toSend, this.lab.workload.write.chunkBytes));
      if (!side.pending) side.toSend -= chunk.length;
      const n = ep.write(side.conn, chunk);
      side.sent.update(chunk.subarray(0, n));
      side.pending = n < chunk.length ? Buffer.from(chunk.subarray(n)) : undefined;
      if (side.pending) return;
    }
    if (side === this.client && this.lab.workload.abortAfterBytes !== undefined) {
      // The agent's duration ends when its last write is taken by the socket, before it aborts.
      if (side.sent.bytes > 0) this.transferDoneAt ??= this.net.now;
      this.maybeAbort(ep, side, this.lab.workload.abortAfterBytes);
      return;
    }
    if (!side.shut && side.received.bytes >= side.expectReceive) {
      // Like the agent: only once everything written is acknowledged (at the data level when MPTCP).
      if (ep.bytesAcked(side.conn) < side.sent.bytes && !side.closed) return;
      side.info = ep.info(side.conn);
      side.shut = true;
      ep.shutdownWrite(side.conn);
      if (side === this.client && side.eof) this.transferDoneAt ??= this.net.now;
    }
  }

  /**
   * workload abort-after: the agent sets SO_LINGER 0 and closes once its last write is taken by the
   * socket (or, sending nothing, once that much arrived), which the kernel turns into MP_FASTCLOSE. The
   * engine's socket takes any write at once, so it waits until the data left and was acknowledged at the
   * data level, as the kernel's own view at that moment shows on the lab's links (snd_una = write_seq).
   */
  private maybeAbort(ep: MptcpEndpoint, side: Side, abortAt: number): void {
    if (side.aborted || side.closed) return;
    const sends = side.sent.bytes > 0 || side.toSend > 0;
    if (sends ? ep.bytesAcked(side.conn) < side.sent.bytes : side.received.bytes < abortAt && !side.eof) return;
    side.info = ep.info(side.conn);
    side.aborted = true;
    side.shut = true;
    side.error = `aborted after ${sends ? `${side.sent.bytes} bytes sent` : `${side.received.bytes} bytes received`} (SO_LINGER 0: RST / MP_FASTCLOSE)`;
    this.transferDoneAt ??= this.net.now;
    ep.abort(this.net.now, side.conn);
  }

  private maybeFinish(now: number): void {
    const c = this.client;
    const s = this.server;
    if (!c?.closed || (s && !s.closed)) return;
    const w = this.lab.workload;
    const cr = report(c, w.clientMptcp, s);
    const sr = report(s, w.serverMptcp, c);
    const want = w.sizeBytes;
    const up = w.direction !== 'download';
    const down = w.direction !== 'upload';
    const intact =
      (!up || (cr.bytesSent === want && sr.bytesReceived === want && cr.sha256Sent === sr.sha256Received)) &&
      (!down || (sr.bytesSent === want && cr.bytesReceived === want && sr.sha256Sent === cr.sha256Received)) &&
      !cr.error &&
      !sr.error;
    // Like the agent's: from connect until the client has sent everything and read to EOF (not the close).
    const durationMs = (this.transferDoneAt ?? now) - this.connStartedAt;
    this.transfers.push({ connection: this.current, direction: w.direction, sizeBytes: want, durationMs, client: cr, server: sr, intact });
    this.current += 1;
    if (this.current < w.connections) this.net.schedule(now, (t) => this.startConnection(t));
    else {
      // The server program closes its listener when the last connection is over (LISTENER_CLOSED).
      this.eps.get(w.server)!.unlisten(now, this.port);
      this.pump(w.server, now);
      this.done = true;
    }
  }

  /** An endpoint event on the host's path manager; undefined when `e` is no PM event. */
  private applyPmEvent(e: TimedEvent, now: number): string | true | undefined {
    if (e.action !== 'endpoint-add' && e.action !== 'endpoint-delete' && e.action !== 'endpoint-flush' && e.action !== 'backup')
      return undefined;
    const pm = this.pms.get(e.host);
    if (!pm) return `no host ${e.host}`;
    try {
      switch (e.action) {
        case 'endpoint-add':
          pm.addEndpoint(now, e.endpoint);
          return true;
        case 'endpoint-delete':
          return (
            pm.deleteEndpoint(now, {
              ...(e.id !== undefined ? { id: e.id } : {}),
              ...(e.address !== undefined ? { address: e.address } : {}),
            }) || 'no such endpoint'
          );
        case 'endpoint-flush':
          pm.flush(now);
          return true;
        case 'backup':
          return (
            pm.setBackup(
              now,
              { ...(e.id !== undefined ? { id: e.id } : {}), ...(e.address !== undefined ? { address: e.address } : {}) },
              e.backup,
            ) || 'no such endpoint'
          );
      }
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  private applyEvent(e: TimedEvent, now: number): void {
    const what = describeEvent(e);
    const pmOutcome = this.applyPmEvent(e, now);
    const outcome = pmOutcome === undefined ? applySimEvent(this.sim, e) : pmOutcome === true ? 'applied' : pmOutcome;
    for (const [host, pm] of this.pms) this.bindEndpointDevices(host, pm);
    this.applied.push(
      outcome === 'applied'
        ? { atMs: now, what, ok: true }
        : {
            atMs: now,
            what,
            ok: false,
            error: outcome === 'unsupported' ? 'the engine target does not do this event yet' : String(outcome),
          },
    );
    for (const h of this.lab.hosts) this.pump(h.name, now);
  }

  workloadMs(): number {
    return (this.transferDoneAt ?? this.net.now) - this.startedAt;
  }
}

export interface EngineRunOptions {
  seed: number;
  timeoutMs?: number;
  /** Bound on simulator events, so a livelock ends as a failure. */
  maxEvents?: number;
}

/** What the simulator did in one run, for measuring its speed (speed.ts). */
export interface EngineRunStats {
  /** Simulated time at the end of the run, in milliseconds. */
  readonly simMs: number;
  /** Simulator events processed. */
  readonly events: number;
  /** Packets put on links (every link, both directions, each hop and each duplicate counted: the links' txPackets). */
  readonly segments: number;
}

export function runLabOnEngine(lab: Lab, opts: EngineRunOptions): LabResult {
  return simulateLab(lab, opts).result;
}

/** runLabOnEngine, with what the simulator did (undefined when the lab did not run: skipped, or it threw). */
export function simulateLab(lab: Lab, opts: EngineRunOptions): { result: LabResult; stats?: EngineRunStats } {
  const started = performance.now();
  const base = resultBase(lab, ENGINE_TARGET);
  // A shell step is a command for a kernel host (its effect is whatever the command does): nothing the simulator can run.
  const shell = lab.events.find((e) => e.action === 'shell');
  if (shell)
    return {
      result: {
        ...base,
        status: 'skip',
        skipReason: `shell steps run on kernels only (at ${shell.atMs} ms on ${shell.host})`,
        checks: [],
        durationMs: 0,
      },
    };
  try {
    const run = new EngineRun(lab, opts.seed);
    const limitMs = opts.timeoutMs ?? lab.timeoutMs;
    const maxEvents = opts.maxEvents ?? 50_000_000;
    let events = 0;
    while (!run.done && run.sim.network.now <= limitMs && events < maxEvents && run.sim.network.step()) events += 1;
    const counters = Object.fromEntries([...run.eps].map(([h, ep]) => [h, filterCounters(ep.mib.snapshot())]));
    const obs: Observations = {
      counters,
      events: run.events,
      transfers: run.transfers,
      links: simLinkBytes(run.sim),
      workloadMs: run.workloadMs(),
      applied: run.applied,
    };
    const error = run.done ? undefined : `workload did not finish in ${limitMs} ms of simulated time (${events} events)`;
    const checks = evaluate(lab, obs);
    const status = (error && lab.expect.integrity) || checks.some((c) => !c.ok) ? 'fail' : 'pass';
    const result: LabResult = {
      ...base,
      status,
      ...(error ? { error } : {}),
      durationMs: performance.now() - started,
      checks,
      observations: obs,
    };
    return { result, stats: { simMs: run.sim.network.now, events, segments: linkSegments(run.sim) } };
  } catch (e) {
    return {
      result: {
        ...base,
        status: 'fail',
        error: e instanceof Error ? (e.stack ?? e.message) : String(e),
        durationMs: performance.now() - started,
        checks: [],
      },
    };
  }
}

function linkSegments(sim: SimLab): number {
  let n = 0;
  for (const link of Object.values(sim.links)) n += link.aToB.counters.txPackets + link.bToA.counters.txPackets;
  return n;
}
