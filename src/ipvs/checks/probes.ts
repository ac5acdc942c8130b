// IPVS checkers on the health module's probes: a checker config and a real server to probe specs
// (pure), and the default runner that builds and runs them. HTTP_GET/SSL_GET fetch every URL in
// turn and all must pass; a checker that is down and has no fast_recovery checks one URL per
// attempt, a delay_loop apart, and counts as up once all have passed (keepalived.conf(5)).
import { writeFileSync, existsSync } from 'node:fs';
import {
  buildProbe, failed, hostHeader, parseHexPattern, passed, translatePcre,
  type PcreOption, type Probe, type ProbeEndpoint, type ProbeResult, type ProbeSpec,
} from '../../health/index.js';
import type { CheckConfig, HttpCheck, ProbeContext, ProbeTarget, UrlCheck } from './types.js';

/** keepalived's connect_timeout default. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

/** keepalived's HTTP checker identifies itself so; servers (and their log filters) know it. */
const CHECKER_USER_AGENT = 'KeepAliveClient';

export interface LabelledSpec {
  label?: string;
  spec: ProbeSpec;
  /** The attempt's deadline. */
  timeoutMs: number;
}

/** The deadline of one attempt of the checker (of each URL's, for HTTP_GET / SSL_GET). */
export function attemptTimeoutMs(check: CheckConfig): number {
  switch (check.type) {
    case 'MISC_CHECK': return check.timeoutMs ?? check.delayLoopMs ?? 60_000;
    case 'FILE_CHECK': return 5000;
    default: return check.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  }
}

/** What one checker probes on one real server: one spec, or one per URL (labelled with its path). */
export function checkerProbeSpecs(check: CheckConfig, target: ProbeTarget): LabelledSpec[] {
  if (check.type === 'MISC_CHECK') {
    return [{
      spec: {
        kind: 'script',
        options: {
          argv: check.argv, ...(check.uid !== undefined ? { uid: check.uid } : {}), ...(check.gid !== undefined ? { gid: check.gid } : {}),
          ...(check.dynamic ? { dynamic: true } : {}),
        },
      },
      timeoutMs: attemptTimeoutMs(check),
    }];
  }
  if (check.type === 'FILE_CHECK') {
    return [{ spec: { kind: 'file', options: { path: check.path, weight: check.weight, ...(check.reverse ? { reverse: true } : {}) } }, timeoutMs: attemptTimeoutMs(check) }];
  }
  const endpoint: ProbeEndpoint = {
    address: check.connectIp ?? target.address,
    port: check.connectPort ?? target.port,
    ...(check.bindTo !== undefined ? { bindAddress: check.bindTo } : {}),
    ...(check.bindPort !== undefined ? { bindPort: check.bindPort } : {}),
    ...(check.bindIf !== undefined ? { bindInterface: check.bindIf } : {}),
    ...(check.fwmark !== undefined ? { fwmark: check.fwmark } : {}),
  };
  const timeoutMs = attemptTimeoutMs(check);
  switch (check.type) {
    case 'TCP_CHECK': return [{ spec: { kind: 'tcp', options: endpoint }, timeoutMs }];
    case 'PING_CHECK': {
      const { port: _port, bindPort: _bindPort, ...ping } = endpoint;
      return [{ spec: { kind: 'ping', options: ping }, timeoutMs }];
    }
    case 'SMTP_CHECK': return [{ spec: { kind: 'smtp', options: { ...endpoint, ...(check.heloName !== undefined ? { heloName: check.heloName } : {}) } }, timeoutMs }];
    case 'DNS_CHECK':
      return [{ spec: { kind: 'dns', options: { ...endpoint, badNameFails: true, ...(check.queryType ? { type: check.queryType } : {}), ...(check.name !== undefined ? { name: check.name } : {}) } }, timeoutMs }];
    case 'UDP_CHECK':
      return [{
        spec: {
          kind: 'udp',
          options: {
            ...endpoint,
            ...(check.payload !== undefined ? { payload: Buffer.from(check.payload, 'hex') } : {}),
            ...(check.requireReply !== undefined ? { requireReply: check.requireReply === true ? true : parseHexPattern(check.requireReply) } : {}),
            ...(check.minReplyLength !== undefined ? { minReplyLength: check.minReplyLength } : {}),
            ...(check.maxReplyLength !== undefined ? { maxReplyLength: check.maxReplyLength } : {}),
          },
        },
        timeoutMs,
      }];
    case 'HTTP_GET':
    case 'SSL_GET':
      return check.urls.map((url) => ({ label: url.path, spec: { kind: 'http', options: httpOptions(check, url, endpoint) }, timeoutMs }));
  }
}

function httpOptions(check: HttpCheck, url: UrlCheck, endpoint: ProbeEndpoint): Extract<ProbeSpec, { kind: 'http' }>['options'] {
  const tls = check.type === 'SSL_GET';
  // keepalived's Host: the virtualhost, else address:port whatever the port.
  const host = url.virtualhost ?? check.virtualhost ?? hostHeader(endpoint.address, endpoint.port, -1);
  const statuses = url.statuses ?? (url.statusCode !== undefined ? [url.statusCode] : undefined);
  return {
    ...endpoint,
    tls,
    path: url.path,
    virtualhost: host,
    // SNI only with enable_sni, and only a name.
    serverName: tls && check.enableSni && !/^\[|^[\d.]+(:\d+)?$/.test(host) ? host.replace(/:\d+$/, '') : false,
    httpProtocol: check.httpProtocol ?? '1.0',
    userAgent: CHECKER_USER_AGENT,
    ...(statuses ? { statuses } : {}),
    ...(url.digest !== undefined ? { digest: url.digest } : {}),
    ...(url.regex ? {
      regex: {
        regex: translatePcre(url.regex.pattern, (url.regex.options ?? []) as PcreOption[]),
        noMatch: url.regex.noMatch ?? false,
        ...(url.regex.minOffset !== undefined ? { minOffset: url.regex.minOffset } : {}),
        ...(url.regex.maxOffset !== undefined ? { maxOffset: url.regex.maxOffset } : {}),
      },
    } : {}),
    ...(tls && check.tls ? { tlsClient: check.tls } : {}),
  };
}

/** Checks whose init_file has been written (once per check, at its first attempt). */
const initialised = new WeakSet<CheckConfig>();

function initTrackFile(check: CheckConfig): void {
  if (check.type !== 'FILE_CHECK' || !check.init || initialised.has(check)) return;
  initialised.add(check);
  if (check.init.overwrite || !existsSync(check.path)) {
    try {
      writeFileSync(check.path, `${check.init.value}\n`);
    } catch {
      // the read reports it
    }
  }
}

/** A TCP_CHECK's probe, built once per check and target (30,000 checkers at 5,000 attempts a second). */
const tcpProbes = new WeakMap<CheckConfig, { address: string; port: number; probe: Probe }>();

function tcpCheckProbe(check: CheckConfig, target: ProbeTarget): Probe {
  const had = tcpProbes.get(check);
  if (had && had.address === target.address && had.port === target.port) return had.probe;
  let probe: Probe;
  try {
    probe = buildProbe(checkerProbeSpecs(check, target)[0]!.spec);
  } catch (e) {
    const r = failed((e as Error).message);
    probe = async () => r;
  }
  tcpProbes.set(check, { address: target.address, port: target.port, probe });
  return probe;
}

/**
 * The default ProbeRunner: one attempt of the checker, each probe within its deadline. A
 * recovering HTTP checker without fast_recovery probes only URL `context.step` and reports
 * `pending` until the last one passed.
 */
export async function runProbe(check: CheckConfig, target: ProbeTarget, context?: ProbeContext): Promise<ProbeResult> {
  if (check.type === 'TCP_CHECK') return tcpCheckProbe(check, target)(attemptTimeoutMs(check));
  initTrackFile(check);
  let specs: LabelledSpec[];
  try {
    specs = checkerProbeSpecs(check, target);
  } catch (e) {
    return failed((e as Error).message);
  }
  const stepwise = (check.type === 'HTTP_GET' || check.type === 'SSL_GET') && !check.fastRecovery && context !== undefined && !context.up && specs.length > 1;
  const step = stepwise ? Math.min(context.step, specs.length - 1) : 0;
  let last: ProbeResult = passed;
  for (const { label, spec, timeoutMs } of stepwise ? [specs[step]!] : specs) {
    let r: ProbeResult;
    try {
      r = await buildProbe(spec)(timeoutMs);
    } catch (e) {
      r = failed((e as Error).message);
    }
    if (!r.ok) return label === undefined ? r : failed(`${label}: ${r.reason ?? 'failed'}`);
    last = r;
  }
  if (stepwise && step < specs.length - 1) return { ok: true, pending: true };
  return last;
}
