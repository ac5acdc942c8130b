// A hand-written SVG chart: outage per trial, one series per implementation, the protocol bound
// as a dashed line. No dependencies; opens in any browser.

export interface Series { label: string; color: string; values: number[] }

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function outageChart(title: string, series: Series[], bound?: { label: string; value: number }): string {
  const W = 720, H = 360, L = 70, R = 20, T = 40, B = 50;
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const all = series.flatMap((s) => s.values.filter(Number.isFinite));
  const top = Math.max(1, ...all, bound?.value ?? 0) * 1.1;
  const x = (i: number) => L + (n === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (n - 1));
  const y = (v: number) => T + (H - T - B) * (1 - v / top);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">trial</text>`,
    `<text x="16" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(T + H - B) / 2})">client outage (ms)</text>`,
  ];
  for (let k = 0; k <= 5; k++) {
    const v = (top * k) / 5;
    out.push(`<line x1="${L - 4}" y1="${y(v)}" x2="${W - R}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${L - 8}" y="${y(v) + 4}" text-anchor="end">${v >= 100 ? v.toFixed(0) : v.toFixed(1)}</text>`);
  }
  for (let i = 0; i < n; i++) out.push(`<text x="${x(i)}" y="${H - B + 16}" text-anchor="middle">${i + 1}</text>`);
  if (bound) {
    out.push(`<line x1="${L}" y1="${y(bound.value)}" x2="${W - R}" y2="${y(bound.value)}" stroke="#888" stroke-dasharray="6 4"/>`,
      `<text x="${W - R - 4}" y="${y(bound.value) - 5}" text-anchor="end" fill="#555">${esc(bound.label)}</text>`);
  }
  series.forEach((s, si) => {
    const pts = s.values.map((v, i) => (Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : '')).filter(Boolean);
    if (pts.length > 1) out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${pts.join(' ')}"/>`);
    s.values.forEach((v, i) => {
      if (Number.isFinite(v)) out.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3.5" fill="${s.color}"><title>${esc(s.label)} trial ${i + 1}: ${v.toFixed(2)} ms</title></circle>`);
    });
    out.push(`<rect x="${L + 10 + si * 150}" y="${T - 2}" width="12" height="12" fill="${s.color}"/>`,
      `<text x="${L + 27 + si * 150}" y="${T + 8}">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
