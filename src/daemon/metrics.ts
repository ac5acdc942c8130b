// Prometheus text exposition without a client library: the daemon's metrics are a handful of
// counters, gauges and one histogram with labels, rendered on demand from live state.
export type Labels = Record<string, string | number>;

export interface MetricSample {
  labels?: Labels;
  value: number;
  /** Histograms: '_bucket' (with an `le` label), '_sum', '_count'. */
  suffix?: '_bucket' | '_sum' | '_count';
}

export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  samples: MetricSample[];
}

/** A histogram family from cumulative bucket counts (upper bounds `le`, ascending), their sum and count. */
export function histogramFamily(name: string, help: string, le: readonly number[], cumulative: readonly number[], sum: number, count: number): MetricFamily {
  return {
    name, help, type: 'histogram',
    samples: [
      ...le.map((b, i) => ({ suffix: '_bucket' as const, labels: { le: String(b) }, value: cumulative[i] ?? 0 })),
      { suffix: '_bucket', labels: { le: '+Inf' }, value: count },
      { suffix: '_sum', value: sum },
      { suffix: '_count', value: count },
    ],
  };
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function renderMetrics(families: MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = s.labels && Object.keys(s.labels).length
        ? `{${Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(String(v))}"`).join(',')}}` : '';
      out.push(`${f.name}${s.suffix ?? ''}${labels} ${Number.isFinite(s.value) ? s.value : 0}`);
    }
  }
  return `${out.join('\n')}\n`;
}
