// TCP_CHECK and `tcp://host:port` tracking: healthy when a TCP connect completes in time. To an
// IP address the connect is the addon's, in the process's one connect set (connect-set.ts: no
// stream, no per-attempt timer or AbortController); to a host name, node's (it resolves the name).
import { connect, isIP, type Socket as NetSocket } from 'node:net';
import { connectSet, type ConnectTarget } from './connect-set.js';
import { abortReason, deadlineProbe, type Probe } from './deadline.js';
import { checkEndpoint, connectOptions, type ProbeEndpoint } from './endpoint.js';
import { connectStream, connectTarget, needsNativeSocket } from './probe-socket.js';
import { failed, passed, type ProbeResult } from './result.js';

export type TcpProbeOptions = ProbeEndpoint;

export function tcpProbe(endpoint: TcpProbeOptions): Probe;
/** Shorthand for `tcpProbe({ address: host, port })`. */
export function tcpProbe(host: string, port: number): Probe;
export function tcpProbe(a: TcpProbeOptions | string, port?: number): Probe {
  const endpoint: ProbeEndpoint = typeof a === 'string' ? { address: a, port: port ?? 0 } : a;
  checkEndpoint('TCP probe', endpoint);
  if (isIP(endpoint.address.split('%')[0]!)) return setProbe(endpoint);
  return deadlineProbe(async (signal) => {
    let sock: NetSocket;
    try {
      sock = await openStream(endpoint, signal);
    } catch (err) {
      return failed(connectFailure(err, signal));
    }
    sock.destroy();
    return passed;
  });
}

/** A probe on the connect set. The target is built once (a link-local peer's zone at each attempt). */
function setProbe(endpoint: ProbeEndpoint): Probe {
  let target: ConnectTarget | undefined;
  const zoned = /^fe80/i.test(endpoint.address) && (endpoint.address.includes('%') || endpoint.bindInterface !== undefined);
  return (timeoutMs, signal) => new Promise<ProbeResult>((resolve) => {
    if (signal?.aborted) return resolve(failed(`connect ${abortReason(signal)}`));
    let onAbort: (() => void) | undefined;
    const pending = connectSet().connect(zoned ? connectTarget(endpoint) : (target ??= connectTarget(endpoint)), timeoutMs, (failure) => {
      if (onAbort) signal!.removeEventListener('abort', onAbort);
      resolve(failure === undefined ? passed : failed(failure));
    });
    if (signal && pending) {
      onAbort = () => connectSet().abort(pending, `connect ${abortReason(signal)}`);
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
}

/**
 * A connected TCP socket to the endpoint (node's, or the addon's for bind_if / fwmark); rejects
 * with the connect error, or when the signal aborts. The socket is the caller's to destroy.
 */
export function openStream(e: ProbeEndpoint, signal: AbortSignal): Promise<NetSocket> {
  if (needsNativeSocket(e)) return connectStream(e, signal);
  return new Promise<NetSocket>((resolve, reject) => {
    const sock = connect(connectOptions(e));
    const done = (err?: Error) => {
      signal.removeEventListener('abort', onAbort);
      sock.off('error', done);
      if (!err) return resolve(sock);
      sock.destroy();
      reject(err);
    };
    const onAbort = () => done(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    sock.once('connect', () => done());
    sock.once('error', done);
  });
}

/** "connect ECONNREFUSED", "connect timeout after 300 ms". */
export function connectFailure(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) return `connect ${abortReason(signal)}`;
  const e = err as NodeJS.ErrnoException;
  return `connect ${e.code ?? e.message}`;
}
