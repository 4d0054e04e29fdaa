// Parsing of the quantities a lab file writes as text: sizes ("4MB"),
// rates in tc's words ("20mbit"), durations ("150ms") and percentages ("1%").
// Each returns undefined for text it does not understand, so the schema can
// say what was expected.

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1_000,
  mb: 1_000_000,
  gb: 1_000_000_000,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
};

/** Rates as tc writes them: bits per second unless the unit ends in "bps" (bytes). */
const RATE_UNITS: Record<string, number> = {
  bit: 1,
  kbit: 1e3,
  mbit: 1e6,
  gbit: 1e9,
  kibit: 1024,
  mibit: 1024 ** 2,
  gibit: 1024 ** 3,
  bps: 8,
  kbps: 8e3,
  mbps: 8e6,
  gbps: 8e9,
};

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function split(text: string): [number, string] | undefined {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z%]*)\s*$/.exec(text);
  if (!m || m[1] === undefined) return undefined;
  return [Number(m[1]), (m[2] ?? '').toLowerCase()];
}

export function parseSize(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const p = split(value);
  if (!p) return undefined;
  const unit = SIZE_UNITS[p[1]];
  return unit === undefined ? undefined : Math.round(p[0] * unit);
}

/** Returns bits per second. A bare number is bits per second. */
export function parseRate(value: number | string): number | undefined {
  if (typeof value === 'number') return value > 0 ? value : undefined;
  const p = split(value);
  if (!p) return undefined;
  const unit = p[1] === '' ? 1 : RATE_UNITS[p[1]];
  if (unit === undefined) return undefined;
  const bps = p[0] * unit;
  return bps > 0 ? bps : undefined;
}

/** Returns milliseconds. A bare number is milliseconds. */
export function parseDuration(value: number | string): number | undefined {
  if (typeof value === 'number') return value >= 0 ? value : undefined;
  const p = split(value);
  if (!p) return undefined;
  const unit = p[1] === '' ? 1 : TIME_UNITS[p[1]];
  return unit === undefined ? undefined : p[0] * unit;
}

/** Returns a percentage 0..100; "1%" and 1 both mean one percent. */
export function parsePercent(value: number | string): number | undefined {
  if (typeof value === 'number') return value >= 0 && value <= 100 ? value : undefined;
  const p = split(value);
  if (!p || (p[1] !== '%' && p[1] !== '')) return undefined;
  return p[0] <= 100 ? p[0] : undefined;
}

export function formatRate(bps: number): string {
  if (bps >= 1e9 && bps % 1e9 === 0) return `${bps / 1e9}gbit`;
  if (bps >= 1e6 && bps % 1e6 === 0) return `${bps / 1e6}mbit`;
  if (bps >= 1e3 && bps % 1e3 === 0) return `${bps / 1e3}kbit`;
  return `${Math.round(bps)}bit`;
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 2 && n % 1024 ** 2 === 0) return `${n / 1024 ** 2}MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024}KiB`;
  return `${n}B`;
}
