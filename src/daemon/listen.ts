// The --metrics listen address, parsed apart from the server: the CLI checks it without loading node:http.

/** Parses "[host]:port" / "port"; host defaults to all addresses. */
export function parseListen(spec: string): { host?: string; port: number } {
  const m = /^(?:\[?([^\]]*)\]?:)?(\d+)$/.exec(spec.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port > 0 && port < 65536)) throw new Error(`--metrics: expected [host:]port, got ${JSON.stringify(spec)}`);
  return m[1] ? { host: m[1], port } : { port };
}
