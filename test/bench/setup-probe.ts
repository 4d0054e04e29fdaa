// Run in a fresh Node by setup.ts: `node setup-probe.js DIST ROUNDS`. Builds
// and tears down every catalogue lab on the host kernel with the build in
// DIST, ROUNDS times each, and answers with one JSON line (SetupProbe). Needs
// root. Nothing of a lab is left behind: the build's own cleanup runs at the
// end and on SIGINT.
import { answer, importExport, startedByTestRunner } from './probe-import.js';

export interface SetupProbe {
  readonly labs: { lab: string; hosts: number; links: number; setupMs: number[]; teardownMs: number[] }[];
  readonly skipped: { lab: string; reason: string }[];
}

interface LabLike {
  readonly name: string;
  readonly hosts: readonly unknown[];
  readonly links: readonly unknown[];
}
type BuildLab = (lab: LabLike, caps: unknown) => Promise<unknown>;
type Unmet = (lab: LabLike, caps: unknown) => Promise<{ reason: string }[]>;

const BUILD_MODULES = ['harness/targets/netns/build.js', 'harness/backends/netns.js'];

async function main(): Promise<void> {
  const [dist, roundsArg] = process.argv.slice(2);
  if (!dist) throw new Error('usage: setup-probe.js DIST [ROUNDS]');
  const rounds = Number(roundsArg ?? 10);
  const cleanupAll = await importExport<() => Promise<void>>(dist, ['harness/cleanup.js'], 'cleanupAll');
  const installSignalHandlers = await importExport<() => void>(dist, ['harness/cleanup.js'], 'installSignalHandlers');
  installSignalHandlers();
  try {
    const probeCapabilities = await importExport<() => Promise<unknown>>(dist, ['harness/capabilities.js'], 'probeCapabilities');
    const unmetRequirements = await importExport<Unmet>(dist, ['harness/requirements.js'], 'unmetRequirements');
    const buildLab = await importExport<BuildLab>(dist, BUILD_MODULES, 'buildLab');
    const teardownLab = await importExport<(built: unknown) => Promise<void>>(dist, BUILD_MODULES, 'teardownLab');
    const loadCatalogue = await importExport<() => Promise<LabLike[]>>(dist, ['harness/lab/catalogue.js'], 'loadCatalogue');
    const caps = await probeCapabilities();
    const probe: SetupProbe = { labs: [], skipped: [] };
    for (const lab of await loadCatalogue()) {
      const unmet = await unmetRequirements(lab, caps);
      if (unmet.length) {
        probe.skipped.push({ lab: lab.name, reason: unmet.map((u) => u.reason).join('; ') });
        continue;
      }
      const row = { lab: lab.name, hosts: lab.hosts.length, links: lab.links.length, setupMs: [] as number[], teardownMs: [] as number[] };
      for (let i = 0; i < rounds; i += 1) {
        const t0 = performance.now();
        const built = await buildLab(lab, caps);
        const t1 = performance.now();
        await teardownLab(built);
        row.setupMs.push(t1 - t0);
        row.teardownMs.push(performance.now() - t1);
      }
      probe.labs.push(row);
    }
    answer(probe);
  } finally {
    await cleanupAll();
  }
}

if (!startedByTestRunner()) await main();
