// The bench's table: each figure with its aim, its ratio to the aim and
// PASS/MISS, and beside it the base's figure and how much worse or better.
import { aimRatio, meetsAim, worseBy, type BaseFigure, type Figure, type Regression, type Skipped } from './figures.js';
import { fmtMs } from './section.js';

export function fmtValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  switch (unit) {
    case 'ms':
      return fmtMs(value);
    case 's':
      return `${value.toFixed(2)} s`;
    case '/s':
      return `${Math.round(value).toLocaleString('en-US')}/s`;
    case '×':
      return `${value.toFixed(2)}×`;
    default:
      return `${value.toFixed(1)} ${unit}`;
  }
}

function aimText(f: Figure): string {
  return f.aim === undefined ? '' : `${f.better === 'lower' ? '≤' : '≥'} ${fmtValue(f.aim, f.unit)}`;
}

function baseText(f: Figure, base: BaseFigure | undefined): string {
  if (!base) return '';
  const w = worseBy(f.value, base.figure.value, f.better);
  const pct = w === undefined ? 0 : Math.round(Math.abs(w) * 100);
  const delta = w === undefined ? '' : pct === 0 ? ' same' : ` ${pct} % ${w > 0 ? 'worse' : 'better'}`;
  return `${fmtValue(base.figure.value, f.unit)}${base.source === 'file' ? ' (file)' : ''}${delta}`;
}

const COLS = [48, 13, 13, 7, 6, 4] as const;

export function renderTable(figures: readonly Figure[], skipped: readonly Skipped[], bases: ReadonlyMap<string, BaseFigure>): string[] {
  const head = ['figure', 'value', 'aim', 'ratio', 'verdict', 'n'];
  const pad = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(COLS[i]!) : c.padStart(COLS[i]!))).join(' ');
  const lines = [`${pad(head)}${bases.size ? '  base' : ''}`];
  for (const f of figures) {
    const ratio = aimRatio(f);
    const ok = meetsAim(f);
    const row = pad([
      f.label,
      fmtValue(f.value, f.unit),
      aimText(f),
      ratio === undefined ? '' : `${ratio.toFixed(2)}`,
      ok === undefined ? '' : ok ? 'PASS' : 'MISS',
      String(f.n),
    ]);
    const base = baseText(f, bases.get(f.id));
    lines.push(`${row}${base ? `  ${base}` : ''}${f.note ? `   [${f.note}]` : ''}`);
  }
  for (const s of skipped) lines.push(`${s.label.padEnd(COLS[0])} skipped: ${s.reason}`);
  return lines;
}

export function renderRegressions(regs: readonly Regression[], threshold: number): string[] {
  if (!regs.length) return [`no figure more than ${Math.round(threshold * 100)} % worse than its base`];
  return [
    `${regs.length} figure(s) more than ${Math.round(threshold * 100)} % worse than the base:`,
    ...regs.map(
      (r) =>
        `  REGRESSION ${r.label}: ${fmtValue(r.value, r.unit)} vs ${fmtValue(r.base, r.unit)} (${Math.round(r.worse * 100)} % worse; base ${r.source === 'same-run' ? 'measured in this run' : 'from the file'})`,
    ),
  ];
}
