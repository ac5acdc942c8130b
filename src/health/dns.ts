// DNS_CHECK: one query over UDP (type and name, default SOA of "."), healthy when the server
// answers it with NOERROR (dns-message.ts). Replies with another id are ignored, as keepalived
// does: the check then runs into its timeout.
import { randomInt } from 'node:crypto';
import { abortReason, deadlineProbe, type Probe } from './deadline.js';
import { datagramExchange } from './datagram.js';
import { buildDnsQuery, checkDnsReply, DnsNameError, type DnsType } from './dns-message.js';
import { checkEndpoint, type ProbeEndpoint } from './endpoint.js';
import { failed, passed } from './result.js';

export interface DnsProbeOptions extends ProbeEndpoint {
  /** Default SOA. */
  type?: DnsType;
  /** Default ".". */
  name?: string;
  /**
   * A name DNS cannot carry (a label over 63 bytes) fails every check instead of throwing here:
   * keepalived sends such a name as it is, a query no server can parse, so its check always fails.
   */
  badNameFails?: boolean;
}

export function dnsProbe(o: DnsProbeOptions): Probe {
  checkEndpoint('DNS probe', o);
  const type = o.type ?? 'SOA';
  const name = o.name ?? '.';
  try {
    buildDnsQuery(0, name, type); // a name DNS cannot carry is refused now, not at each attempt
  } catch (err) {
    if (!o.badNameFails || !(err instanceof DnsNameError)) throw err;
    const why = failed(`the query cannot be sent: ${err.message}`);
    return deadlineProbe(() => Promise.resolve(why));
  }
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
