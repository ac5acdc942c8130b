// The bench's charts as SVG text: pure functions (data in, SVG out), no dependencies, inlined in
// the run's HTML page (report.ts). A strip plot shows a distribution per implementation (every
// value a dot, the median a bar, the middle half a box); a CDF shows how often an outage stays
// under a given length. Axis ticks are round numbers (1, 2 or 5 times a power of ten).

export interface Series { label: string; color: string; values: number[] }
export interface StripGroup { label: string; series: Series[] }

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const px = (v: number) => (Math.round(v * 10) / 10).toString();

/** Colours of the implementations (and of anything else, in order). */
const PALETTE: Record<string, string> = { vipd: '#1f77b4', keepalived: '#d62728', frr: '#2ca02c', ipvsadm: '#7f7f7f' };
const EXTRA = ['#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];
export function colorOf(label: string, index = 0): string {
  return PALETTE[label] ?? EXTRA[index % EXTRA.length]!;
}

export interface Ticks { lo: number; hi: number; step: number; values: number[] }

/**
 * Round ticks covering [min, max]: a step of 1, 2 or 5 times a power of ten giving about
 * `target` intervals; lo and hi are multiples of the step.
 */
export function niceTicks(min: number, max: number, target = 5): Ticks {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { lo: 0, hi: 1, step: 0.2, values: [0, 0.2, 0.4, 0.6, 0.8, 1] };
  if (min > max) [min, max] = [max, min];
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw * 0.999) ?? 10 * mag;
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const values: number[] = [];
  for (let k = 0; lo + k * step <= hi + step * 1e-9; k++) values.push(roundTo(lo + k * step, step));
  return { lo: roundTo(lo, step), hi: roundTo(hi, step), step, values };
}

function decimalsOf(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}
function roundTo(v: number, step: number): number {
  const d = decimalsOf(step);
  const r = Number(v.toFixed(d));
  return Object.is(r, -0) ? 0 : r;
}

/** A tick label with no more decimals than the step needs (0.3, not 0.30000000000000004; 1, not 1.0). */
export function tickLabel(v: number, step: number): string {
  return String(roundTo(v, step));
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const i = Math.floor(pos);
  return sorted[i]! + (sorted[Math.min(i + 1, sorted.length - 1)]! - sorted[i]!) * (pos - i);
}

/** Deterministic jitter in [-0.5, 0.5) (charts are pure: the same data draws the same picture). */
function jitter(i: number): number {
  const x = Math.sin((i + 1) * 12.9898) * 43758.5453;
  return x - Math.floor(x) - 0.5;
}

function axisX(ticks: Ticks, x: (v: number) => number, top: number, bottom: number, unit: string, width: number, left: number): string[] {
  const out: string[] = [];
  for (const v of ticks.values) {
    out.push(`<line x1="${px(x(v))}" y1="${top}" x2="${px(x(v))}" y2="${bottom}" stroke="#e4e4e4"/>`,
      `<text x="${px(x(v))}" y="${bottom + 16}" text-anchor="middle">${tickLabel(v, ticks.step)}</text>`);
  }
  out.push(`<line x1="${left}" y1="${bottom}" x2="${left + width}" y2="${bottom}" stroke="#333"/>`,
    `<text x="${px(left + width / 2)}" y="${bottom + 34}" text-anchor="middle">${esc(unit)}</text>`);
  return out;
}

function open(W: number, H: number, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12" role="img" aria-label="${esc(title)}">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
}

const LEGEND_ROW = 16;

/** Legend entries left to right, wrapping before maxX; returns the SVG and the rows used. */
function legend(series: Array<{ label: string; color: string }>, x0: number, y: number, maxX: number): { svg: string[]; rows: number } {
  const svg: string[] = [];
  let x = x0, row = 0;
  for (const s of series) {
    const w = 24 + 7 * s.label.length;
    if (x > x0 && x + w > maxX) {
      x = x0;
      row++;
    }
    const ty = y + row * LEGEND_ROW;
    svg.push(`<rect x="${px(x)}" y="${ty - 9}" width="10" height="10" fill="${s.color}"/>`, `<text x="${px(x + 14)}" y="${ty}">${esc(s.label)}</text>`);
    x += w;
  }
  return { svg, rows: series.length ? row + 1 : 0 };
}

/** Legend rows a set of labels needs (to place the plot below them). */
function legendRows(labels: string[], x0: number, maxX: number): number {
  return legend(labels.map((label) => ({ label, color: '' })), x0, 0, maxX).rows;
}

/** Ticks of a log axis: 1, 2, 5 times powers of ten covering [min, max] (min > 0). */
export function logTicks(min: number, max: number): number[] {
  const out: number[] = [];
  const lo = Math.floor(Math.log10(min)), hi = Math.ceil(Math.log10(max));
  for (let e = lo; e <= hi; e++) {
    for (const m of [1, 2, 5]) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= min / 2.0001 && v <= max * 2.0001) out.push(v);
    }
  }
  // From the last tick at or below min to the first at or above max.
  let first = 0;
  out.forEach((v, i) => { if (v <= min) first = i; });
  const last = out.findIndex((v) => v >= max);
  return out.slice(first, last < 0 ? undefined : last + 1);
}

/**
 * Strip plot: one band per group (a scenario), one row per series (an implementation) with
 * every value as a dot, the interquartile range as a box and the median as a bar. `reference`
 * draws a dashed vertical line (e.g. 0 = exactly the protocol bound).
 */
export function stripChart(o: { title: string; unit: string; groups: StripGroup[]; reference?: { value: number; label: string }; width?: number }): string {
  const W = o.width ?? 760;
  const rowH = 20, headH = 18, bandGap = 6, L = 150, R = 24;
  const labels = [...new Set(o.groups.flatMap((g) => g.series.map((s) => s.label)))];
  const T = 32 + LEGEND_ROW * Math.max(1, legendRows(labels, L, W - R));
  const rows = o.groups.reduce((n, g) => n + Math.max(1, g.series.length), 0);
  const plotH = rows * rowH + o.groups.length * (headH + bandGap);
  const H = T + plotH + 48;
  const all = o.groups.flatMap((g) => g.series.flatMap((s) => s.values.filter(Number.isFinite)));
  if (o.reference) all.push(o.reference.value);
  const ticks = niceTicks(all.length ? Math.min(...all) : 0, all.length ? Math.max(...all) : 1);
  const x = (v: number) => L + ((v - ticks.lo) / (ticks.hi - ticks.lo)) * (W - L - R);
  const bottom = T + plotH;
  const out = open(W, H, o.title);
  out.push(...axisX(ticks, x, T, bottom, o.unit, W - L - R, L));
  const seen = new Map<string, string>();
  let y = T;
  for (const g of o.groups) {
    // The group's name on a line of its own above its rows.
    out.push(`<text x="8" y="${px(y + headH - 5)}" font-weight="bold">${esc(g.label)}</text>`);
    y += headH;
    for (const s of g.series) {
      seen.set(s.label, s.color);
      const cy = y + rowH / 2;
      const v = s.values.filter(Number.isFinite).sort((a, b) => a - b);
      out.push(`<text x="${L - 6}" y="${px(cy + 4)}" text-anchor="end" fill="${s.color}">${esc(s.label)} (${v.length})</text>`);
      if (v.length) {
        const q1 = quantile(v, 0.25), q3 = quantile(v, 0.75), med = quantile(v, 0.5);
        out.push(`<rect x="${px(x(q1))}" y="${px(cy - 7)}" width="${px(Math.max(1, x(q3) - x(q1)))}" height="14" fill="${s.color}" fill-opacity="0.15" stroke="${s.color}" stroke-opacity="0.5"/>`);
        s.values.forEach((val, i) => {
          if (!Number.isFinite(val)) return;
          out.push(`<circle cx="${px(x(val))}" cy="${px(cy + jitter(i) * 10)}" r="2.6" fill="${s.color}" fill-opacity="0.75"><title>${esc(s.label)}: ${val}</title></circle>`);
        });
        out.push(`<line x1="${px(x(med))}" y1="${px(cy - 9)}" x2="${px(x(med))}" y2="${px(cy + 9)}" stroke="#000" stroke-width="2"><title>median ${med}</title></line>`);
      }
      y += rowH;
    }
    if (g.series.length === 0) y += rowH;
    y += bandGap;
    out.push(`<line x1="8" y1="${px(y - bandGap / 2)}" x2="${W - R}" y2="${px(y - bandGap / 2)}" stroke="#ddd"/>`);
  }
  if (o.reference) {
    const rx = x(o.reference.value);
    out.push(`<line x1="${px(rx)}" y1="${T}" x2="${px(rx)}" y2="${bottom}" stroke="#555" stroke-dasharray="5 4"/>`,
      `<text x="${px(rx + 4)}" y="${bottom - 4}" fill="#555">${esc(o.reference.label)}</text>`);
  }
  out.push(...legend([...seen].map(([label, color]) => ({ label, color })), L, 38, W - R).svg);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/**
 * Empirical CDF per series: x the value, y the share of values at or below it. A log x axis when
 * the values span more than 20x (a few 1 s outliers beside 30 ms outages), else a linear one.
 */
export function cdfChart(o: { title: string; unit: string; series: Series[]; width?: number; log?: boolean }): string {
  const W = o.width ?? 760, L = 60, R = 24, B = 50;
  const entries = o.series.map((s) => `${s.label} (${s.values.filter(Number.isFinite).length})`);
  const T = 32 + LEGEND_ROW * Math.max(1, legendRows(entries, L, W - R));
  const H = T + 250 + B;
  const all = o.series.flatMap((s) => s.values.filter(Number.isFinite));
  const positive = all.filter((v) => v > 0);
  const min = positive.length ? Math.min(...positive) : 1, max = all.length ? Math.max(...all) : 1;
  const log = o.log ?? (positive.length === all.length && all.length > 0 && max / min > 20);
  let x: (v: number) => number;
  const out = open(W, H, o.title);
  if (log) {
    const ticks = logTicks(min, max);
    const a = Math.log10(ticks[0]!), b = Math.log10(ticks[ticks.length - 1]!);
    x = (v: number) => L + ((Math.log10(v) - a) / (b - a)) * (W - L - R);
    for (const v of ticks) {
      out.push(`<line x1="${px(x(v))}" y1="${T}" x2="${px(x(v))}" y2="${H - B}" stroke="#e4e4e4"/>`,
        `<text x="${px(x(v))}" y="${H - B + 16}" text-anchor="middle">${String(v)}</text>`);
    }
    out.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#333"/>`,
      `<text x="${px(L + (W - L - R) / 2)}" y="${H - B + 34}" text-anchor="middle">${esc(o.unit)} (log scale)</text>`);
  } else {
    const ticks = niceTicks(Math.min(0, ...all), max);
    x = (v: number) => L + ((v - ticks.lo) / (ticks.hi - ticks.lo)) * (W - L - R);
    out.push(...axisX(ticks, x, T, H - B, o.unit, W - L - R, L));
  }
  const y = (p: number) => T + (1 - p) * (H - T - B);
  for (const p of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<line x1="${L}" y1="${px(y(p))}" x2="${W - R}" y2="${px(y(p))}" stroke="#e4e4e4"/>`,
      `<text x="${L - 6}" y="${px(y(p) + 4)}" text-anchor="end">${p.toFixed(2)}</text>`);
  }
  out.push(`<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#333"/>`,
    `<text x="14" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(T + H - B) / 2})">share of trials</text>`);
  for (const s of o.series) {
    const v = s.values.filter(Number.isFinite).sort((a, b) => a - b);
    if (!v.length) continue;
    // Steps: flat at p until the next value, then up by 1/n.
    const pts: string[] = [`${px(x(v[0]!))},${px(y(0))}`];
    v.forEach((val, i) => {
      pts.push(`${px(x(val))},${px(y(i / v.length))}`, `${px(x(val))},${px(y((i + 1) / v.length))}`);
    });
    pts.push(`${px(W - R)},${px(y(1))}`);
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.8" points="${pts.join(' ')}"><title>${esc(s.label)}: n=${v.length}, median ${quantile(v, 0.5)}</title></polyline>`);
  }
  out.push(...legend(o.series.map((s, i) => ({ label: entries[i]!, color: s.color })), L, 38, W - R).svg);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
