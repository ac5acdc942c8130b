// TCP_CHECK and `tcp://host:port` tracking: healthy when a TCP connect completes in time. With
// bind_if or fwmark the connect is the addon's (probe-socket.ts); otherwise node's.
import { connect, type Socket as NetSocket } from 'node:net';
import { abortReason, deadlineProbe, type Probe } from './deadline.js';
import { checkEndpoint, connectOptions, type ProbeEndpoint } from './endpoint.js';
import { connectStream, needsNativeSocket } from './probe-socket.js';
import { failed, passed, type ProbeResult } from './result.js';

export type TcpProbeOptions = ProbeEndpoint;

export function tcpProbe(endpoint: TcpProbeOptions): Probe;
/** Shorthand for `tcpProbe({ address: host, port })`. */
export function tcpProbe(host: string, port: number): Probe;
export function tcpProbe(a: TcpProbeOptions | string, port?: number): Probe {
  const endpoint: ProbeEndpoint = typeof a === 'string' ? { address: a, port: port ?? 0 } : a;
  checkEndpoint('TCP probe', endpoint);
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
