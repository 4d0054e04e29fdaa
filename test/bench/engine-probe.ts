// Run in a fresh Node by engine.ts: `node engine-probe.js DIST WARM`. Times
// bandwidth-aggregation on the engine of the build in DIST — its first
// (cold) run in this process, then WARM more — and then the whole catalogue
// once, and answers with one JSON line (EngineProbe). A fresh process, so the
// cold run is really the first and the peak RSS is the engine's, not the
// bench's.
//
// Segments: packets the simulated links transmitted (each direction's
// txPackets, the interfaces' tx counters), read from the simulator itself:
// the probe wraps Network.prototype.addLink to see the links each run makes.
// Simulated time: the network's clock when the run ends.
// Only types may be imported from this file: importing it runs the probe.
// TODO(issue 8): once harness/targets/sim/speed.ts (the engine-perf helper's)
// is merged, take these figures from it instead of wrapping addLink.
import { answer, importExport, startedByTestRunner } from './probe-import.js';

export interface EngineProbe {
  readonly lab: string;
  readonly coldMs: number;
  readonly warmMs: number[];
  /** Packets the lab's links transmitted in one run (the runs are seeded alike, so every run sends the same). */
  readonly segments: number;
  readonly simMs: number;
  readonly status: string;
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

/** Links made since the last take(), and the network that made them. */
function watchLinks(Network: NetworkClass): () => { links: LinkLike[]; network?: NetworkLike } {
  let links: LinkLike[] = [];
  let network: NetworkLike | undefined;
  const addLink = Network.prototype.addLink;
  Network.prototype.addLink = function (this: NetworkLike, ...args: unknown[]): LinkLike {
    network = this;
    const link = addLink.apply(this, args);
    links.push(link);
    return link;
  };
  return () => {
    const taken = { links, ...(network ? { network } : {}) };
    links = [];
    network = undefined;
    return taken;
  };
}

function txPackets(links: readonly LinkLike[]): number {
  return links.reduce((n, l) => n + l.aToB.counters.txPackets + l.bToA.counters.txPackets, 0);
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
  const take = watchLinks(Network);

  const timed = () => {
    const t0 = performance.now();
    const r = runLab(lab, { seed: 1 });
    const ms = performance.now() - t0;
    const { links, network } = take();
    return { ms, status: r.status, segments: txPackets(links), simMs: network?.now ?? NaN };
  };
  const cold = timed();
  const warmRuns = Array.from({ length: warm }, timed);
  const last = warmRuns[warmRuns.length - 1] ?? cold;

  const failed: string[] = [];
  for (const l of labs) {
    if (runLab(l, { seed: 1 }).status === 'fail') failed.push(l.name);
    take();
  }
  const probe: EngineProbe = {
    lab: SPEED_LAB,
    coldMs: cold.ms,
    warmMs: warmRuns.map((r) => r.ms),
    segments: last.segments,
    simMs: last.simMs,
    status: [cold, ...warmRuns].every((r) => r.status === 'pass') ? 'pass' : 'fail',
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    catalogueLabs: labs.length,
    catalogueFailed: failed,
  };
  answer(probe);
}

if (!startedByTestRunner()) await main();
