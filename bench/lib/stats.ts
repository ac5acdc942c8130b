// Summary statistics and fixed-width tables for the bench's output.

export interface Summary { n: number; median: number; p95: number; max: number }

/** Nearest-rank percentile of the finite values (NaN when there are none). */
export function percentile(values: number[], p: number): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * v.length);
  return v[Math.min(v.length - 1, Math.max(0, rank - 1))]!;
}

export function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

export function summarize(values: number[]): Summary {
  const v = values.filter(Number.isFinite);
  return { n: v.length, median: median(v), p95: percentile(v, 95), max: v.length ? Math.max(...v) : NaN };
}

/** ms with a precision that suits the magnitude. */
export function fmtMs(x: number): string {
  if (!Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  return a >= 1000 ? x.toFixed(0) : a >= 100 ? x.toFixed(1) : x.toFixed(2);
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export interface Spread { n: number; median: number; min: number; max: number }

export function spread(values: number[]): Spread {
  const v = values.filter(Number.isFinite);
  return { n: v.length, median: median(v), min: v.length ? Math.min(...v) : NaN, max: v.length ? Math.max(...v) : NaN };
}

/** "median (min..max)" with the precision of fmt; just the value when there is one. */
export function fmtSpread(s: Spread, fmt: (x: number) => string = fmtMs): string {
  if (s.n === 0) return '-';
  return s.n === 1 ? fmt(s.median) : `${fmt(s.median)} (${fmt(s.min)}..${fmt(s.max)})`;
}
