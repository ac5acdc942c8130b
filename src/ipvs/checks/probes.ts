// IPVS checkers on the health module's probes: a checker config and a real server to one attempt.
// TCP_CHECK connects; HTTP_GET/SSL_GET fetch every URL in turn, and all must pass.
import { failed, httpProbe, passed, tcpProbe, type Probe, type ProbeEndpoint, type ProbeResult } from '../../health/index.js';
import type { CheckConfig, HttpCheck, ProbeTarget } from './types.js';

/** keepalived's connect_timeout default. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

/** The probes of one checker against one real server (one per URL for HTTP). Throws ProbeOptionError. */
export function checkerProbes(check: CheckConfig, target: ProbeTarget): Array<{ label?: string; probe: Probe }> {
  const endpoint: ProbeEndpoint = { address: check.connectIp ?? target.address, port: check.connectPort ?? target.port };
  if (check.type === 'TCP_CHECK') return [{ probe: tcpProbe(endpoint) }];
  return httpProbes(check, endpoint);
}

function httpProbes(check: HttpCheck, endpoint: ProbeEndpoint): Array<{ label: string; probe: Probe }> {
  return check.urls.map((url) => ({
    label: url.path,
    probe: httpProbe({
      ...endpoint,
      tls: check.type === 'SSL_GET',
      path: url.path,
      ...(check.virtualhost !== undefined ? { virtualhost: check.virtualhost } : {}),
      ...(url.statusCode !== undefined ? { statuses: [url.statusCode] } : {}),
      ...(url.digest !== undefined ? { digest: url.digest } : {}),
    }),
  }));
}

/** The default ProbeRunner: one attempt of every probe of the checker, each within connect_timeout. */
export async function runProbe(check: CheckConfig, target: ProbeTarget): Promise<ProbeResult> {
  let probes;
  try {
    probes = checkerProbes(check, target);
  } catch (e) {
    return failed((e as Error).message);
  }
  for (const { label, probe } of probes) {
    const r = await probe(check.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    if (!r.ok) return label === undefined ? r : failed(`${label}: ${r.reason ?? 'failed'}`);
  }
  return passed;
}
