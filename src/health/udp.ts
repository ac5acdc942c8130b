// UDP_CHECK: a datagram to the server. Without require_reply the check passes unless an ICMP
// error (port or host unreachable) comes back before the timeout, so it takes the whole
// connect_timeout to pass, as keepalived's does; with require_reply a reply must arrive, its
// length in [min_reply_length, max_reply_length] and its bytes matching the pattern if one is set.
import { abortReason, deadlineProbe, type Probe } from './deadline.js';
import { checkEndpoint, type ProbeEndpoint } from './endpoint.js';
import { formatHexPattern, replyMatchesPattern, type HexPattern } from './hex-pattern.js';
import { connectedDatagram } from './probe-socket.js';
import { failed, passed, type ProbeResult } from './result.js';
import { datagramFailure } from './datagram.js';

export interface UdpProbeOptions extends ProbeEndpoint {
  /** Sent as the datagram; default a short fixed text. */
  payload?: Buffer;
  /** require_reply: true = any reply, a pattern = a reply that matches it. */
  requireReply?: true | HexPattern;
  /** Default 0. */
  minReplyLength?: number;
  /** Default 255. */
  maxReplyLength?: number;
}

const DEFAULT_PAYLOAD = Buffer.from('vipd UDP_CHECK');

export function udpProbe(o: UdpProbeOptions): Probe {
  checkEndpoint('UDP probe', o);
  const min = o.minReplyLength ?? 0;
  const max = o.maxReplyLength ?? 255;
  return deadlineProbe((signal) => new Promise<ProbeResult>((resolve) => {
    let s: ReturnType<typeof connectedDatagram>;
    try {
      s = connectedDatagram(o);
    } catch (err) {
      return resolve(failed(datagramFailure(err)));
    }
    const finish = (r: ProbeResult) => {
      signal.removeEventListener('abort', onAbort);
      s.close();
      resolve(r);
    };
    // Without require_reply, reaching the deadline with no ICMP error is the success.
    const onAbort = () => finish(o.requireReply || !isTimeout(signal) ? failed(`no reply: ${abortReason(signal)}`) : passed);
    signal.addEventListener('abort', onAbort, { once: true });
    s.on('error', (err) => finish(failed(datagramFailure(err))));
    s.on('message', (d) => {
      if (!o.requireReply) return finish(passed);
      const n = d.truncated ? Math.max(d.data.length, max + 1) : d.data.length;
      if (n < min || n > max) return finish(failed(`reply of ${n} bytes (expected ${min}-${max})`));
      if (o.requireReply !== true && !replyMatchesPattern(d.data, o.requireReply)) {
        return finish(failed(`reply ${d.data.subarray(0, 16).toString('hex')} does not match ${formatHexPattern(o.requireReply)}`));
      }
      finish(passed);
    });
    s.start();
    try {
      s.send(o.payload ?? DEFAULT_PAYLOAD);
    } catch (err) {
      finish(failed(datagramFailure(err)));
    }
  }));
}

function isTimeout(signal: AbortSignal): boolean {
  return (signal.reason as Error | undefined)?.name === 'TimeoutError';
}
