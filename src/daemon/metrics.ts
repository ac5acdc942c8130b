// Prometheus text exposition without a client library: the daemon's metrics are a handful of
// counters and gauges with labels, rendered on demand from live state.
import { createServer, type Server } from 'node:http';

export type Labels = Record<string, string | number>;

export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: Array<{ labels?: Labels; value: number }>;
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
      out.push(`${f.name}${labels} ${Number.isFinite(s.value) ? s.value : 0}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** Parses "[host]:port" / "port"; host defaults to all addresses. */
export function parseListen(spec: string): { host?: string; port: number } {
  const m = /^(?:\[?([^\]]*)\]?:)?(\d+)$/.exec(spec.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port > 0 && port < 65536)) throw new Error(`--metrics: expected [host:]port, got ${JSON.stringify(spec)}`);
  return m[1] ? { host: m[1], port } : { port };
}

export function serveMetrics(spec: string, collect: () => MetricFamily[]): Server {
  const { host, port } = parseListen(spec);
  const server = createServer((req, res) => {
    if (req.url !== '/metrics' && req.url !== '/') {
      res.writeHead(404).end();
      return;
    }
    let body: string;
    try {
      body = renderMetrics(collect());
    } catch (err) {
      res.writeHead(500).end((err as Error).message);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
  });
  server.listen(port, host);
  server.unref();
  return server;
}
