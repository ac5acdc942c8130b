// UDP_CHECK: a datagram to the server. Without require_reply the check passes unless an ICMP
// error (port or host unreachable) comes back before the timeout, so it takes the whole
// connect_timeout to pass, as keepalived's does; with require_reply a reply must arrive, its
// length in [min_reply_length, max_reply_length] and its bytes matching the pattern if one is set.
import { abortReason, deadlineProbe, type Probe } from './deadline.js';
import { checkEndpoint, type ProbeEndpoint } from './endpoint.js';
import { formatHexPattern, replyMatchesPattern, type HexPattern } from './hex-pattern.js';
import { datagramExchange } from './datagram.js';
import { failed, passed } from './result.js';

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
  return deadlineProbe((signal) => datagramExchange(o, signal, {
    payload: o.payload ?? DEFAULT_PAYLOAD,
    onReply: (d) => {
      if (!o.requireReply) return passed;
      const n = d.truncated ? Math.max(d.data.length, max + 1) : d.data.length;
      if (n < min || n > max) return failed(`reply of ${n} bytes (expected ${min}-${max})`);
      if (o.requireReply !== true && !replyMatchesPattern(d.data, o.requireReply)) {
        return failed(`reply ${d.data.subarray(0, 16).toString('hex')} does not match ${formatHexPattern(o.requireReply)}`);
      }
      return passed;
    },
    // Without require_reply, reaching the deadline with no ICMP error is the success.
    onAbort: (sig) => (o.requireReply || !isTimeout(sig) ? failed(`no reply: ${abortReason(sig)}`) : passed),
  }));
}

function isTimeout(signal: AbortSignal): boolean {
  return (signal.reason as Error | undefined)?.name === 'TimeoutError';
}
