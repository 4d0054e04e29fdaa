// The simple kernel labs (the first target): each run alone as
// `mptcp-lab run LAB --engine off`, timed two ways. The aim (≤ 150 ms) is the
// lab's own start to result: the durationMs its results.json gives (from the
// start of building the lab to its verdict; teardown after the verdict is not
// in it). Beside it, the whole process (Node start, loading, teardown, exit),
// which is what a person waits for.
import { interleaved, type Build } from './builds.js';
import { median } from './figures.js';
import { runCli } from './run-cli.js';
import { addFigure, emptySection, fmtMs, type SectionOptions, type SectionResult } from './section.js';

export const SIMPLE_LABS = ['no-join', 'single-subflow', 'signal-address'] as const;
export const LAB_AIM_MS = 150;

export async function kernelLabs(builds: readonly Build[], opts: SectionOptions): Promise<SectionResult> {
  const section = emptySection();
  for (const lab of SIMPLE_LABS) {
    const runs = await interleaved(builds, opts.rounds, async (b, round) => {
      const r = await runCli(b, [lab, '--engine', 'off', '--seed', String(opts.seed + round)], 120_000);
      const kernel = r.labs.find((l) => l.kind === 'kernel' && l.lab === lab);
      opts.progress(`kernel ${lab} [${b.name}] round ${round + 1}: ${fmtMs(kernel?.durationMs ?? NaN)} lab, ${fmtMs(r.wallMs)} process`);
      return { wallMs: r.wallMs, labMs: kernel?.durationMs ?? NaN, passed: kernel?.status === 'pass' };
    });
    for (const [build, samples] of runs) {
      const passed = samples.filter((s) => s.passed).length;
      const labMs = samples.map((s) => s.labMs).filter((x) => Number.isFinite(x));
      const note = `${passed}/${samples.length} passed`;
      addFigure(section, build, {
        id: `kernel.${lab}.lab-ms`,
        label: `${lab}: start to result (lab)`,
        value: median(labMs),
        unit: 'ms',
        better: 'lower',
        aim: LAB_AIM_MS,
        n: labMs.length,
        note,
      });
      addFigure(section, build, {
        id: `kernel.${lab}.process-ms`,
        label: `${lab}: whole \`run\` process`,
        value: median(samples.map((s) => s.wallMs)),
        unit: 'ms',
        better: 'lower',
        n: samples.length,
        note,
      });
    }
  }
  return section;
}
