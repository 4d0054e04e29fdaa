// Shared by the sim-lab tests: labs from YAML (catalogue files or inline),
// and a probe that sends one packet through the simulated lab and reports
// where it went (links crossed from the link counters, delivery and drops
// from the trace).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGUE_DIR } from '../../../../harness/lab/catalogue.js';
import { labFromYaml } from '../../../../harness/lab/load.js';
import type { Lab } from '../../../../harness/lab/model.js';
import type { TraceEvent } from '../../../../engine/sim/index.js';
import { buildSimNetwork, type SimLab } from '../../../../harness/targets/sim/sim-lab.js';

export function catalogueLab(rel: string): Lab {
  return labFromYaml(readFileSync(join(CATALOGUE_DIR, rel), 'utf8'), `labs/${rel}`);
}

export function inlineLab(text: string, file = 'labs/test/sim-lab.lab.yaml'): Lab {
  return labFromYaml(text, file);
}

/** The same lab with every impairment removed: routing tests must not lose packets. */
export function unimpaired(lab: Lab): Lab {
  const copy = structuredClone(lab);
  for (const h of copy.hosts) for (const i of h.interfaces) i.egress = {};
  return copy;
}

export interface TracedSim {
  sim: SimLab;
  trace: TraceEvent[];
}

export function traced(lab: Lab, seed = 1): TracedSim {
  const trace: TraceEvent[] = [];
  const sim = buildSimNetwork(lab, seed, { trace: (e) => trace.push(e) });
  return { sim, trace };
}

export interface Outcome {
  deliveredTo?: string;
  dropped?: string;
  /** "link:dir" for every link direction that carried the packet, in lab link order. */
  links: string[];
}

function txCounts(sim: SimLab): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of sim.lab.links) {
    const link = sim.links[l.name]!;
    out.set(`${l.name}:aToB`, link.aToB.counters.txPackets);
    out.set(`${l.name}:bToA`, link.bToA.counters.txPackets);
  }
  return out;
}

let serial = 0;

/** Sends one packet from `host` (source `src`) to `dst` now, runs the network until idle, and says what happened. */
export function send(t: TracedSim, host: string, src: string, dst: string): Outcome {
  const { sim, trace } = t;
  const before = txCounts(sim);
  const mark = trace.length;
  serial += 1;
  const bytes = new Uint8Array(40);
  new DataView(bytes.buffer).setUint32(0, serial);
  const packet = { src, dst, bytes };
  sim.network.send(sim.network.now, host, packet);
  const { settled } = sim.network.driveBounded(10_000);
  if (!settled) throw new Error('the network did not settle');
  const after = txCounts(sim);
  const links = [...after].filter(([k, v]) => v !== before.get(k)).map(([k]) => k);
  const mine = trace.slice(mark).filter((e) => e.packet === packet);
  const delivered = mine.find((e) => e.kind === 'deliver');
  const dropped = mine.find((e) => e.kind === 'drop');
  return {
    links,
    ...(delivered ? { deliveredTo: delivered.node } : {}),
    ...(dropped ? { dropped: `${dropped.reason ?? 'drop'} at ${dropped.node}` } : {}),
  };
}

/** Every address of the lab with its host. */
export function addressesOf(lab: Lab): { host: string; address: string; family: 4 | 6 }[] {
  return lab.hosts.flatMap((h) =>
    h.interfaces.flatMap((i) => i.addresses.map((a) => ({ host: h.name, address: a.address, family: a.family }))),
  );
}
