// The bench's command line.
import { parseArgs } from 'node:util';

export const PARTS = ['kernel', 'catalogue', 'engine', 'guest'] as const;
export type Part = (typeof PARTS)[number];

export interface BenchArgs {
  readonly rounds: number;
  readonly parts: ReadonlySet<Part>;
  readonly seed: number;
  readonly out: string;
  readonly compare?: string;
  readonly baseBuild?: string;
  readonly help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]   (node dist/test/bench/bench.js [options]; needs root for kernel, catalogue, guest)

  --rounds N          samples per figure, each figure the median (default 10)
  --only PARTS        comma-separated, or repeated: ${PARTS.join(', ')} (default: kernel,catalogue,engine)
  --guest             also the catalogue in a debian:6.12 guest under TCG (minutes a round; same as adding --only guest)
  --seed N            seed of round 1 (round r uses N + r - 1; default 1)
  --out FILE          where to write the figures (default ./bench.json)
  --compare BASE.json report every figure more than 25 % worse than BASE.json's; exit 1 if any
  --base-build DIR    a checkout of the base commit, built (DIR/dist): timed in the same run, side by side,
                      and compared as a ratio; BASE.json's figures are used only where the base build has none
  -h, --help          this text`;

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1, got ${text}`);
  return n;
}

function parts(values: readonly string[], guest: boolean): Set<Part> {
  const named = values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  for (const p of named)
    if (!(PARTS as readonly string[]).includes(p)) throw new Error(`--only: unknown part ${p} (expected ${PARTS.join(', ')})`);
  const chosen = new Set<Part>(named.length ? (named as Part[]) : ['kernel', 'catalogue', 'engine']);
  if (guest) chosen.add('guest');
  return chosen;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rounds: { type: 'string', default: '10' },
      only: { type: 'string', multiple: true, default: [] },
      guest: { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
      out: { type: 'string', default: 'bench.json' },
      compare: { type: 'string' },
      'base-build': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  return {
    rounds: positiveInt('--rounds', values.rounds),
    parts: parts(values.only, values.guest),
    seed: positiveInt('--seed', values.seed),
    out: values.out,
    ...(values.compare !== undefined ? { compare: values.compare } : {}),
    ...(values['base-build'] !== undefined ? { baseBuild: values['base-build'] } : {}),
    help: values.help,
  };
}
