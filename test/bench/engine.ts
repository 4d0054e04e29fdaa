// The engine in the simulator (the issue's fourth target), each round a
// fresh Node per build running engine-probe.js, the builds side by side:
// - segments per second: packets the simulated links transmitted in one warm
//   bandwidth-aggregation run / its wall time (aim ≥ 250,000);
// - × real time: simulated seconds (the network's clock at the end of the
//   run) / wall seconds, warm (aim ≥ 100);
// - RSS: peak resident set of that fresh process after running the whole
//   catalogue on the engine in its main thread (aim ≤ 100 MiB);
// - cold / warm: the first run of the process over the median warm one (aim ≤ 2).
// A build with harness/targets/sim/speed.ts times the runs with its own
// engineSpeed (same definitions); an older one is timed by the probe.
import { interleaved, type Build } from './builds.js';
import type { EngineProbe } from './engine-probe.js';
import { median } from './figures.js';
import { addFigure, emptySection, fmtMs, runProbe, type SectionOptions, type SectionResult } from './section.js';

export const SEGMENTS_AIM = 250_000;
export const REAL_TIME_AIM = 100;
export const RSS_AIM_MIB = 100;
export const COLD_WARM_AIM = 2;
/** Warm runs per probe process; the probe's figure is their median. */
const WARM_RUNS = 7;

interface EngineSample {
  readonly warmMs: number;
  readonly segmentsPerS: number;
  readonly realTime: number;
  readonly rssMiB: number;
  readonly coldOverWarm: number;
  readonly probe: EngineProbe;
}

function sample(p: EngineProbe): EngineSample {
  const warmMs = median(p.warmMs);
  return {
    warmMs,
    segmentsPerS: p.segments / (warmMs / 1000),
    realTime: p.simMs / warmMs,
    rssMiB: p.maxRssBytes / 2 ** 20,
    coldOverWarm: p.coldMs / warmMs,
    probe: p,
  };
}

export async function engine(builds: readonly Build[], opts: SectionOptions): Promise<SectionResult> {
  const section = emptySection();
  const runs = await interleaved(builds, opts.rounds, async (b, round) => {
    const s = sample(await runProbe<EngineProbe>('./engine-probe.js', [b.dist, String(WARM_RUNS)], 600_000));
    opts.progress(
      `engine [${b.name}] round ${round + 1}: warm ${fmtMs(s.warmMs)}, cold ${fmtMs(s.probe.coldMs)}, ${Math.round(s.segmentsPerS)} seg/s, RSS ${s.rssMiB.toFixed(0)} MiB`,
    );
    return s;
  });
  for (const [build, ss] of runs) {
    const p = ss[ss.length - 1]!.probe;
    const of = (k: keyof Omit<EngineSample, 'probe'>) => median(ss.map((s) => s[k]));
    const n = ss.length;
    const what = `${p.lab}: ${p.segments} segments, ${fmtMs(p.simMs)} simulated; timed by ${p.source}`;
    addFigure(section, build, {
      id: 'engine.warm-ms',
      label: `engine: ${p.lab} warm run`,
      value: of('warmMs'),
      unit: 'ms',
      better: 'lower',
      n,
      note: p.status,
    });
    addFigure(section, build, {
      id: 'engine.segments-per-s',
      label: 'engine: segments per second (warm)',
      value: of('segmentsPerS'),
      unit: '/s',
      better: 'higher',
      aim: SEGMENTS_AIM,
      n,
      note: what,
    });
    addFigure(section, build, {
      id: 'engine.x-real-time',
      label: 'engine: × real time (warm)',
      value: of('realTime'),
      unit: '×',
      better: 'higher',
      aim: REAL_TIME_AIM,
      n,
    });
    addFigure(section, build, {
      id: 'engine.catalogue-rss-mib',
      label: 'engine: peak RSS, catalogue',
      value: of('rssMiB'),
      unit: 'MiB',
      better: 'lower',
      aim: RSS_AIM_MIB,
      n,
      note: `${p.catalogueLabs} labs, ${p.catalogueFailed.length ? `failed: ${p.catalogueFailed.join(', ')}` : 'none failed'}`,
    });
    addFigure(section, build, {
      id: 'engine.cold-over-warm',
      label: 'engine: cold / warm run',
      value: of('coldOverWarm'),
      unit: '×',
      better: 'lower',
      aim: COLD_WARM_AIM,
      n,
    });
  }
  return section;
}
