// The datagram probes (UDP_CHECK, DNS_CHECK, PING_CHECK): their reasons (a socket error is the
// kernel passing on an ICMP error or a local failure, named by its errno), and the send-and-wait
// exchange all three share.
import type { Datagram, Socket } from '../netif/socket.js';
import type { ProbeEndpoint } from './endpoint.js';
import { connectedDatagram } from './probe-socket.js';
import { failed, type ProbeResult } from './result.js';

/** "ECONNREFUSED (port unreachable)", "ENETUNREACH"... */
export function datagramFailure(err: unknown): string {
  const e = err as { syscallCode?: string; code?: string; message?: string };
  const code = e.syscallCode ?? e.code ?? e.message ?? String(err);
  const why = ICMP_MEANING[code];
  return why ? `${code} (${why})` : code;
}

const ICMP_MEANING: Record<string, string> = {
  ECONNREFUSED: 'port unreachable',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/**
 * One connected-datagram exchange: a socket connected to `e` (ICMP errors from it come back as
 * socket errors), `payload` sent, then the first verdict `onReply` gives for a reply (undefined:
 * keep waiting), a socket error, or `onAbort` when the signal ends the wait. The socket is closed
 * whatever happens.
 */
export function datagramExchange(e: ProbeEndpoint, signal: AbortSignal, x: {
  /** The socket, connected to `e` (default: a UDP socket); a throw is the probe's failure. */
  open?: () => Socket;
  payload: Buffer;
  onReply: (d: Datagram) => ProbeResult | undefined;
  onAbort: (signal: AbortSignal) => ProbeResult;
}): Promise<ProbeResult> {
  return new Promise<ProbeResult>((resolve) => {
    let s: Socket;
    try {
      s = x.open ? x.open() : connectedDatagram(e);
    } catch (err) {
      return resolve(failed(datagramFailure(err)));
    }
    const finish = (r: ProbeResult) => {
      signal.removeEventListener('abort', onAbort);
      s.close();
      resolve(r);
    };
    const onAbort = () => finish(x.onAbort(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    s.on('error', (err) => finish(failed(datagramFailure(err))));
    s.on('message', (d) => {
      const r = x.onReply(d);
      if (r) finish(r);
    });
    s.start();
    try {
      s.send(x.payload);
    } catch (err) {
      finish(failed(datagramFailure(err)));
    }
  });
}
