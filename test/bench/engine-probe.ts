// Run in a fresh Node by engine.ts: `node engine-probe.js DIST WARM`. Times
// bandwidth-aggregation on the engine of the build in DIST — its first
// (cold) run in this process, then WARM more — and then the whole catalogue
// once, and answers with one JSON line (EngineProbe). A fresh process, so the
// cold run is really the first and the peak RSS is the engine's, not the
// bench's.
//
// Segments: packets the simulated links transmitted (each direction's
// txPackets, the interfaces' tx counters); simulated time: the network's
// clock when the run ends. A build with harness/targets/sim/speed.ts gives
// them itself (engineSpeed); for an older build the probe reads them from
// the simulator, wrapping Network.prototype.addLink to see each run's links.
// Only types may be imported from this file: importing it runs the probe.
import { answer, importExport, startedByTestRunner } from './probe-import.js';

export interface EngineProbe {
  readonly lab: string;
  readonly coldMs: number;
  readonly warmMs: number[];
  /** Packets the lab's links transmitted in one run (the runs are seeded alike, so every run sends the same). */
  readonly segments: number;
  readonly simMs: number;
  readonly status: string;
  /** Who timed the runs: the build's own engineSpeed (speed.ts), or this probe. */
  readonly source: 'speed.ts' | 'probe';
  /** Peak resident set of this process after the whole catalogue on the engine, in bytes. */
  readonly maxRssBytes: number;
  readonly catalogueLabs: number;
  readonly catalogueFailed: string[];
}

interface LinkLike {
  readonly aToB: { readonly counters: { readonly txPackets: number } };
  readonly bToA: { readonly counters: { readonly txPackets: number } };
}
interface NetworkLike {
  readonly now: number;
}
interface NetworkClass {
  prototype: { addLink: (this: NetworkLike, ...args: unknown[]) => LinkLike };
}
interface LabLike {
  readonly name: string;
}
type RunLab = (lab: LabLike, opts: { seed: number }) => { status: string };

const SPEED_LAB = 'bandwidth-aggregation';
/** Every run alike, so cold and warm runs do the same work. */
const SEED = 1;

/** Links made since the last take(), and the network that made them; stop() puts addLink back. */
function watchLinks(Network: NetworkClass): { take: () => { links: LinkLike[]; network?: NetworkLike }; stop: () => void } {
  let links: LinkLike[] = [];
  let network: NetworkLike | undefined;
  const addLink = Network.prototype.addLink;
  Network.prototype.addLink = function (this: NetworkLike, ...args: unknown[]): LinkLike {
    network = this;
    const link = addLink.apply(this, args);
    links.push(link);
    return link;
  };
  const take = () => {
    const taken = { links, ...(network ? { network } : {}) };
    links = [];
    network = undefined;
    return taken;
  };
  return { take, stop: () => void (Network.prototype.addLink = addLink) };
}

function txPackets(links: readonly LinkLike[]): number {
  return links.reduce((n, l) => n + l.aToB.counters.txPackets + l.bToA.counters.txPackets, 0);
}

/** engineSpeed of harness/targets/sim/speed.ts, in the builds that have it. */
type EngineSpeedFn = (
  lab: LabLike,
  warmRuns: number,
  seed: number,
) => { coldMs: number; warmRuns: readonly number[]; segments: number; simSeconds: number };

type Speed = Pick<EngineProbe, 'coldMs' | 'warmMs' | 'segments' | 'simMs' | 'status' | 'source'>;

/** The build's own figures; undefined when it has no speed.ts. */
async function speedOfBuild(dist: string, lab: LabLike, warm: number): Promise<Speed | undefined> {
  let engineSpeed: EngineSpeedFn;
  try {
    engineSpeed = await importExport<EngineSpeedFn>(dist, ['harness/targets/sim/speed.js'], 'engineSpeed');
  } catch {
    return undefined;
  }
  try {
    const s = engineSpeed(lab, warm, SEED);
    return {
      coldMs: s.coldMs,
      warmMs: [...s.warmRuns],
      segments: s.segments,
      simMs: s.simSeconds * 1000,
      status: 'pass',
      source: 'speed.ts',
    };
  } catch (e) {
    // engineSpeed throws when the lab does not pass: still a speed, but a failing one.
    process.stderr.write(`engine-probe: ${e instanceof Error ? e.message : String(e)}\n`);
    return { coldMs: NaN, warmMs: [], segments: NaN, simMs: NaN, status: 'fail', source: 'speed.ts' };
  }
}

/** The same figures for a build without speed.ts: runs timed here, links read from the simulator. */
function speedByProbe(Network: NetworkClass, runLab: RunLab, lab: LabLike, warm: number): Speed {
  const { take, stop } = watchLinks(Network);
  const timed = () => {
    const t0 = performance.now();
    const r = runLab(lab, { seed: SEED });
    const ms = performance.now() - t0;
    const { links, network } = take();
    return { ms, status: r.status, segments: txPackets(links), simMs: network?.now ?? NaN };
  };
  const cold = timed();
  const warmRuns = Array.from({ length: warm }, timed);
  const last = warmRuns[warmRuns.length - 1] ?? cold;
  stop();
  return {
    coldMs: cold.ms,
    warmMs: warmRuns.map((r) => r.ms),
    segments: last.segments,
    simMs: last.simMs,
    status: [cold, ...warmRuns].every((r) => r.status === 'pass') ? 'pass' : 'fail',
    source: 'probe',
  };
}

async function main(): Promise<void> {
  const [dist, warmArg] = process.argv.slice(2);
  if (!dist) throw new Error('usage: engine-probe.js DIST [WARM]');
  const warm = Number(warmArg ?? 5);
  const Network = await importExport<NetworkClass>(dist, ['engine/sim/network.js'], 'Network');
  const runLab = await importExport<RunLab>(dist, ['harness/targets/sim/run-lab.js', 'harness/run/engine-run.js'], 'runLabOnEngine');
  const loadCatalogue = await importExport<() => Promise<LabLike[]>>(dist, ['harness/lab/catalogue.js'], 'loadCatalogue');
  const labs = await loadCatalogue();
  const lab = labs.find((l) => l.name === SPEED_LAB);
  if (!lab) throw new Error(`no ${SPEED_LAB} in the catalogue`);
  const speed = (await speedOfBuild(dist, lab, warm)) ?? speedByProbe(Network, runLab, lab, warm);

  // Then the whole catalogue in this process, for its peak RSS (the speed runs are of one of its labs).
  const failed = labs.filter((l) => runLab(l, { seed: SEED }).status === 'fail').map((l) => l.name);
  const probe: EngineProbe = {
    lab: SPEED_LAB,
    ...speed,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    catalogueLabs: labs.length,
    catalogueFailed: failed,
  };
  answer(probe);
}

if (!startedByTestRunner()) await main();
