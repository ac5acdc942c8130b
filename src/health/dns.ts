// DNS_CHECK: one query over UDP (type and name, default SOA of "."), healthy when the server
// answers it with NOERROR (dns-message.ts). Replies with another id are ignored, as keepalived
// does: the check then runs into its timeout.
import { randomInt } from 'node:crypto';
import { abortReason, deadlineProbe, type Probe } from './deadline.js';
import { datagramExchange } from './datagram.js';
import { buildDnsQuery, checkDnsReply, type DnsType } from './dns-message.js';
import { checkEndpoint, type ProbeEndpoint } from './endpoint.js';
import { failed, passed } from './result.js';

export interface DnsProbeOptions extends ProbeEndpoint {
  /** Default SOA. */
  type?: DnsType;
  /** Default ".". */
  name?: string;
}

export function dnsProbe(o: DnsProbeOptions): Probe {
  checkEndpoint('DNS probe', o);
  const type = o.type ?? 'SOA';
  const name = o.name ?? '.';
  buildDnsQuery(0, name, type); // a name DNS cannot carry is refused now, not at each attempt
  return deadlineProbe((signal) => {
    const query = buildDnsQuery(randomInt(0x10000), name, type);
    return datagramExchange(o, signal, {
      payload: query,
      onReply: (d) => {
        const v = checkDnsReply(query, d.data);
        return v.kind === 'ok' ? passed : v.kind === 'failed' ? failed(v.reason) : undefined;
      },
      onAbort: (sig) => failed(`no reply: ${abortReason(sig)}`),
    });
  });
}
