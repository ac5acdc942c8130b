// The Prometheus endpoint: GET /metrics renders the families collected at that moment.
import { createServer, type Server } from 'node:http';
import { parseListen } from './listen.js';
import { renderMetrics, type MetricFamily } from './metrics.js';

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
