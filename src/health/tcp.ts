// TCP_CHECK and `tcp://host:port` tracking: healthy when a TCP connect completes in time.
import { connect } from 'node:net';
import { abortReason, deadlineProbe, type Probe } from './deadline.js';
import { checkEndpoint, connectOptions, type ProbeEndpoint } from './endpoint.js';
import { failed, passed, type ProbeResult } from './result.js';

export type TcpProbeOptions = ProbeEndpoint;

export function tcpProbe(endpoint: TcpProbeOptions): Probe;
/** Shorthand for `tcpProbe({ address: host, port })`. */
export function tcpProbe(host: string, port: number): Probe;
export function tcpProbe(a: TcpProbeOptions | string, port?: number): Probe {
  const endpoint: ProbeEndpoint = typeof a === 'string' ? { address: a, port: port ?? 0 } : a;
  checkEndpoint('TCP probe', endpoint);
  return deadlineProbe((signal) => new Promise<ProbeResult>((resolve) => {
    const sock = connect(connectOptions(endpoint));
    const done = (r: ProbeResult) => {
      signal.removeEventListener('abort', onAbort);
      sock.destroy();
      resolve(r);
    };
    const onAbort = () => done(failed(`connect ${abortReason(signal)}`));
    signal.addEventListener('abort', onAbort, { once: true });
    sock.once('connect', () => done(passed));
    sock.once('error', (err: NodeJS.ErrnoException) => done(failed(`connect ${err.code ?? err.message}`)));
  }));
}
