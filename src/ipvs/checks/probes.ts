// IPVS checkers on the health module's probes: a checker config and a real server to probe specs
// (pure), and the default runner that builds and runs them. TCP_CHECK connects; HTTP_GET/SSL_GET
// fetch every URL in turn, and all must pass.
import { buildProbe, failed, passed, type ProbeEndpoint, type ProbeResult, type ProbeSpec } from '../../health/index.js';
import type { CheckConfig, ProbeTarget } from './types.js';

/** keepalived's connect_timeout default. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

/** What one checker probes on one real server: one spec, or one per URL (labelled with its path). */
export function checkerProbeSpecs(check: CheckConfig, target: ProbeTarget): Array<{ label?: string; spec: ProbeSpec }> {
  const endpoint: ProbeEndpoint = { address: check.connectIp ?? target.address, port: check.connectPort ?? target.port };
  if (check.type === 'TCP_CHECK') return [{ spec: { kind: 'tcp', options: endpoint } }];
  return check.urls.map((url) => ({
    label: url.path,
    spec: {
      kind: 'http',
      options: {
        ...endpoint,
        tls: check.type === 'SSL_GET',
        path: url.path,
        ...(check.virtualhost !== undefined ? { virtualhost: check.virtualhost } : {}),
        ...(url.statusCode !== undefined ? { statuses: [url.statusCode] } : {}),
        ...(url.digest !== undefined ? { digest: url.digest } : {}),
      },
    },
  }));
}

/** The default ProbeRunner: one attempt of every probe of the checker, each within connect_timeout. */
export async function runProbe(check: CheckConfig, target: ProbeTarget): Promise<ProbeResult> {
  for (const { label, spec } of checkerProbeSpecs(check, target)) {
    let r: ProbeResult;
    try {
      r = await buildProbe(spec)(check.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    } catch (e) {
      r = failed((e as Error).message);
    }
    if (!r.ok) return label === undefined ? r : failed(`${label}: ${r.reason ?? 'failed'}`);
  }
  return passed;
}
