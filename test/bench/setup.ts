// Set-up + teardown of every catalogue lab on the host kernel (namespaces,
// links, qdiscs, nft, endpoints), without a workload: the part of a lab's
// time that is plumbing. The floor the issue gives: a 2-host, 2-link lab
// with one `ip -batch` each way took 18 ms. Each round is one fresh probe
// process per build building every lab once, the builds side by side.
import { interleaved, type Build } from './builds.js';
import { median } from './figures.js';
import { addFigure, emptySection, fmtMs, runProbe, type SectionOptions, type SectionResult } from './section.js';
import type { SetupProbe } from './setup-probe.js';

export async function setupTeardown(builds: readonly Build[], opts: SectionOptions): Promise<SectionResult> {
  const section = emptySection();
  const runs = await interleaved(builds, opts.rounds, async (b, round) => {
    const p = await runProbe<SetupProbe>('./setup-probe.js', [b.dist, '1'], 600_000);
    opts.progress(`set-up+teardown [${b.name}] round ${round + 1}: ${p.labs.length} labs`);
    return p;
  });
  for (const [build, probes] of runs) {
    const perLab = new Map<string, { hosts: number; links: number; setup: number[]; down: number[] }>();
    for (const p of probes)
      for (const l of p.labs) {
        const row = perLab.get(l.lab) ?? { hosts: l.hosts, links: l.links, setup: [], down: [] };
        row.setup.push(...l.setupMs);
        row.down.push(...l.teardownMs);
        perLab.set(l.lab, row);
      }
    const totals = [...perLab.values()].map((r) => median(r.setup.map((s, i) => s + (r.down[i] ?? 0))));
    if (!totals.length) continue;
    addFigure(section, build, {
      id: 'setup.median-ms',
      label: 'set-up+teardown per lab (median lab)',
      value: median(totals),
      unit: 'ms',
      better: 'lower',
      n: probes.length,
      note: `${perLab.size} labs; floor 18 ms (ip -batch)`,
    });
    addFigure(section, build, {
      id: 'setup.worst-ms',
      label: 'set-up+teardown per lab (worst lab)',
      value: Math.max(...totals),
      unit: 'ms',
      better: 'lower',
      n: probes.length,
    });
    if (build === 'this')
      section.details.push(...table(perLab), ...(probes[0]?.skipped ?? []).map((s) => `${s.lab.padEnd(36)} skipped: ${s.reason}`));
  }
  return section;
}

function table(perLab: Map<string, { hosts: number; links: number; setup: number[]; down: number[] }>): string[] {
  const lines = [
    'Set-up + teardown per lab on the host kernel (this build, median of the rounds)',
    `${'lab'.padEnd(36)} ${'hosts'.padStart(5)} ${'links'.padStart(5)} ${'set-up'.padStart(10)} ${'teardown'.padStart(10)}`,
  ];
  for (const [lab, r] of perLab)
    lines.push(
      `${lab.padEnd(36)} ${String(r.hosts).padStart(5)} ${String(r.links).padStart(5)} ${fmtMs(median(r.setup)).padStart(10)} ${fmtMs(median(r.down)).padStart(10)}`,
    );
  return lines;
}
