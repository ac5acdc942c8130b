// One self-contained HTML page per bench run: the command that produced it, the machine (CPU,
// cores, kernel, load before and after), the versions (vipd commit, keepalived, FRR, node), then
// every section's text tables and inline SVG charts. Pure: data in, HTML text out.

export interface MachineInfo {
  hostname: string;
  cpu: string;
  cores: number;
  kernel: string;
  memoryMb: number;
  /** 1, 5 and 15 minute load averages. */
  loadStart: number[];
  loadEnd?: number[];
}

export interface Versions {
  /** git commit of the tree (+ "-dirty"), or the package version outside a checkout. */
  vipd: string;
  node: string;
  keepalived?: string;
  frr?: string;
  uml?: string;
}

export interface ReportSection {
  heading: string;
  /** Paragraphs (plain text). */
  notes?: string[];
  /** A fixed-width text table. */
  table?: string;
  /** SVG documents (svg.ts). */
  charts?: string[];
}

export interface ReportPage {
  title: string;
  /** The command that re-runs exactly this. */
  command: string;
  started: string;
  finished: string;
  machine: MachineInfo;
  versions: Versions;
  sections: ReportSection[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function formatLoad(l: number[] | undefined): string {
  return l ? l.map((x) => x.toFixed(2)).join(' ') : '-';
}

/** The machine and versions in one line (also the head of the text output). */
export function machineLine(m: MachineInfo, v: Versions): string {
  return `${m.cpu} x${m.cores}, ${Math.round(m.memoryMb / 1024)} GiB, kernel ${m.kernel}, load ${formatLoad(m.loadStart)}` +
    `${m.loadEnd ? ` -> ${formatLoad(m.loadEnd)}` : ''}; vipd ${v.vipd}, node ${v.node}` +
    `${v.keepalived ? `, ${v.keepalived}` : ''}${v.frr ? `, FRR ${v.frr}` : ''}${v.uml ? `, UML ${v.uml}` : ''}`;
}

export function renderReportPage(p: ReportPage): string {
  const rows: Array<[string, string]> = [
    ['command', p.command],
    ['started', p.started],
    ['finished', p.finished],
    ['host', p.machine.hostname],
    ['CPU', `${p.machine.cpu}, ${p.machine.cores} cores`],
    ['memory', `${Math.round(p.machine.memoryMb)} MB`],
    ['kernel', p.machine.kernel],
    ['load (1/5/15 min)', `${formatLoad(p.machine.loadStart)} at start${p.machine.loadEnd ? `, ${formatLoad(p.machine.loadEnd)} at the end` : ''}`],
    ['vipd', p.versions.vipd],
    ['node', p.versions.node],
    ...(p.versions.keepalived ? [['keepalived', p.versions.keepalived] as [string, string]] : []),
    ...(p.versions.frr ? [['FRR', p.versions.frr] as [string, string]] : []),
    ...(p.versions.uml ? [['UML kernel', p.versions.uml] as [string, string]] : []),
  ];
  const body: string[] = [
    `<h1>${esc(p.title)}</h1>`,
    '<table class="meta">',
    ...rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${k === 'command' ? `<code>${esc(v)}</code>` : esc(v)}</td></tr>`),
    '</table>',
  ];
  for (const s of p.sections) {
    body.push(`<section><h2>${esc(s.heading)}</h2>`);
    for (const n of s.notes ?? []) body.push(`<p>${esc(n)}</p>`);
    if (s.table) body.push(`<pre>${esc(s.table)}</pre>`);
    for (const c of s.charts ?? []) body.push(`<figure>${c.trim()}</figure>`);
    body.push('</section>');
  }
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(p.title)}</title>`,
    '<style>body{font-family:sans-serif;max-width:1000px;margin:1em auto;padding:0 1em;color:#222}' +
      'table.meta{border-collapse:collapse}table.meta th{text-align:left;padding:2px 12px 2px 0;vertical-align:top}' +
      'pre{background:#f6f6f6;padding:8px;overflow-x:auto;font-size:12px}figure{margin:8px 0}code{font-size:13px}</style>',
    '</head><body>',
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}
