// The bench's charts and its HTML page are pure functions: round ticks, every value drawn, the
// page self-contained with the command, the machine and the versions.
import t from 'tap';
import { cdfChart, colorOf, logTicks, niceTicks, stripChart, tickLabel } from '../../bench/lib/svg.js';
import { machineLine, renderReportPage, type ReportPage } from '../../bench/lib/report.js';

t.test('niceTicks: steps of 1, 2 or 5 times a power of ten, covering the data', async (t) => {
  t.same(niceTicks(0, 1), { lo: 0, hi: 1, step: 0.2, values: [0, 0.2, 0.4, 0.6, 0.8, 1] });
  t.same(niceTicks(-0.4, 3.3).values, [-1, 0, 1, 2, 3, 4]);
  t.same(niceTicks(301, 367), { lo: 300, hi: 380, step: 20, values: [300, 320, 340, 360, 380] });
  t.same(niceTicks(0.0031, 0.0188).values, [0, 0.005, 0.01, 0.015, 0.02]);
  t.same(niceTicks(5, 5).values, [4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6], 'one value: a small range around it');
  t.same(niceTicks(0, 0).values, [-1, -0.5, 0, 0.5, 1]);
  t.same(niceTicks(NaN, 3).values, [0, 0.2, 0.4, 0.6, 0.8, 1]);
  for (const [a, b] of [[0, 97], [12, 13.7], [-50, 2000], [0.1, 0.35], [1e-4, 9e-3]] as const) {
    const k = niceTicks(a, b);
    t.ok(k.lo <= a && k.hi >= b, `[${a}, ${b}] covered by [${k.lo}, ${k.hi}]`);
    const m = k.step / 10 ** Math.floor(Math.log10(k.step));
    t.ok([1, 2, 5].some((x) => Math.abs(m - x) < 1e-9), `step ${k.step} is round`);
    t.ok(k.values.length >= 3 && k.values.length <= 12, `${k.values.length} ticks`);
  }
  t.equal(tickLabel(0.30000000000000004, 0.1), '0.3');
  t.equal(tickLabel(1, 0.5), '1');
  t.equal(tickLabel(300, 50), '300');
});

t.test('stripChart: one dot per value, a median bar, a reference line, round tick labels', async (t) => {
  const svg = stripChart({
    title: 'wire takeover - bound <v3>',
    unit: 'ms',
    groups: [
      { label: 'cut', series: [{ label: 'vipd', color: colorOf('vipd'), values: [0.2, 0.4, 1.1, NaN] }, { label: 'keepalived', color: colorOf('keepalived'), values: [0.25, 0.3] }] },
      { label: 'graceful', series: [{ label: 'vipd', color: colorOf('vipd'), values: [-0.1] }] },
    ],
    reference: { value: 0, label: 'bound' },
  });
  t.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  t.equal((svg.match(/<circle /g) ?? []).length, 6, 'finite values only');
  t.equal((svg.match(/<title>median /g) ?? []).length, 3, 'a median per series');
  t.match(svg, /wire takeover - bound &lt;v3&gt;/, 'text escaped');
  t.match(svg, /stroke-dasharray="5 4"/, 'reference line');
  t.match(svg, />vipd \(3\)</, 'series label with its count');
  const labels = [...svg.matchAll(/text-anchor="middle">(-?[\d.]+)<\/text>/g)].map((m) => m[1]);
  t.same(labels, ['-0.5', '0', '0.5', '1', '1.5']);
  t.equal(stripChart({ title: 'x', unit: 'ms', groups: [{ label: 'g', series: [{ label: 'a', color: '#000', values: [1, 2] }] }] }),
    stripChart({ title: 'x', unit: 'ms', groups: [{ label: 'g', series: [{ label: 'a', color: '#000', values: [1, 2] }] }] }), 'deterministic');
});

t.test('cdfChart: a step line per series from 0 to 1', async (t) => {
  const svg = cdfChart({ title: 'client outage', unit: 'ms', series: [{ label: 'vipd', color: '#1f77b4', values: [60, 62, 65, 70] }, { label: 'empty', color: '#000', values: [] }] });
  const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]+)"/g)].map((m) => m[1]!.split(' '));
  t.equal(lines.length, 1, 'no line for a series without values');
  t.equal(lines[0]!.length, 2 + 2 * 4, 'two points per value plus the ends');
  t.match(svg, />1\.00</);
  t.match(svg, />vipd \(4\)</);
  t.notMatch(svg, /log scale/, 'a narrow range: linear');
  const wide = cdfChart({ title: 'o', unit: 'ms', series: [{ label: 'a', color: '#000', values: [30, 32, 35, 1020] }] });
  t.match(wide, /ms \(log scale\)/, 'outliers 30x the median: log axis');
  t.same([...wide.matchAll(/text-anchor="middle">(\d+)<\/text>/g)].map((m) => m[1]), ['20', '50', '100', '200', '500', '1000', '2000']);
  const many = cdfChart({ title: 'o', unit: 'ms', series: ['vipd', 'keepalived', 'frr', 'vipd+keepalived', 'keepalived+vipd', 'vipd+frr', 'frr+keepalived'].map((label) => ({ label, color: '#000', values: [1] })) });
  t.ok(Math.max(...[...many.matchAll(/<rect x="([\d.]+)" y="\d+" width="10"/g)].map((m) => Number(m[1]))) < 736, 'the legend wraps inside the width');
});

t.test('logTicks: 1-2-5 steps from below the least to above the most', async (t) => {
  t.same(logTicks(30, 1020), [20, 50, 100, 200, 500, 1000, 2000]);
  t.same(logTicks(0.8, 9), [0.5, 1, 2, 5, 10]);
  t.same(logTicks(1, 100), [1, 2, 5, 10, 20, 50, 100]);
});

t.test('the run page: self-contained, the command, machine and versions, every section', async (t) => {
  const page: ReportPage = {
    title: 'vipd bench idle',
    command: "vipd bench idle --advert-ints 1,0.01 --out '/tmp/a&b'",
    started: '2026-12-01T10:00:00.000Z',
    finished: '2026-12-01T10:05:00.000Z',
    machine: { hostname: 'h', cpu: 'AMD EPYC', cores: 2, kernel: '6.1.0', memoryMb: 24_576, loadStart: [1, 0.5, 0.25], loadEnd: [2, 1, 0.5] },
    versions: { vipd: '0.1.0 abc123', node: 'v20.20.2', keepalived: 'Keepalived v2.2.7', frr: '8.4.4' },
    sections: [{ heading: 'CPU', notes: ['a < b'], table: 'x  y\n-  -', charts: ['<svg xmlns="http://www.w3.org/2000/svg"></svg>'] }],
  };
  const html = renderReportPage(page);
  t.match(html, /^<!DOCTYPE html>/);
  t.notMatch(html, /<script|<link|src="http/, 'nothing loaded from elsewhere');
  t.match(html, /<code>vipd bench idle --advert-ints 1,0.01 --out &#39;|<code>vipd bench idle --advert-ints 1,0\.01 --out '\/tmp\/a&amp;b'<\/code>/);
  t.match(html, /AMD EPYC, 2 cores/);
  t.match(html, /1\.00 0\.50 0\.25 at start, 2\.00 1\.00 0\.50 at the end/);
  t.match(html, /Keepalived v2\.2\.7/);
  t.match(html, /<td>8\.4\.4<\/td>/);
  t.match(html, /<p>a &lt; b<\/p>/);
  t.match(html, /<figure><svg/);
  t.equal(machineLine(page.machine, page.versions), 'AMD EPYC x2, 24 GiB, kernel 6.1.0, load 1.00 0.50 0.25 -> 2.00 1.00 0.50; vipd 0.1.0 abc123, node v20.20.2, Keepalived v2.2.7, FRR 8.4.4');
});
