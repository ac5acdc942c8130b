// DNS_CHECK: one query over UDP (type and name, default SOA of "."), healthy when the server
// answers it with NOERROR (dns-message.ts). Replies with another id are ignored, as keepalived
// does: the check then runs into its timeout.
import { randomInt } from 'node:crypto';
import { abortReason, deadlineProbe, type Probe } from './deadline.js';
import { datagramFailure } from './datagram.js';
import { buildDnsQuery, checkDnsReply, type DnsType } from './dns-message.js';
import { checkEndpoint, type ProbeEndpoint } from './endpoint.js';
import { connectedDatagram } from './probe-socket.js';
import { failed, passed, type ProbeResult } from './result.js';

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
  return deadlineProbe((signal) => new Promise<ProbeResult>((resolve) => {
    const query = buildDnsQuery(randomInt(0x10000), name, type);
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
    const onAbort = () => finish(failed(`no reply: ${abortReason(signal)}`));
    signal.addEventListener('abort', onAbort, { once: true });
    s.on('error', (err) => finish(failed(datagramFailure(err))));
    s.on('message', (d) => {
      const v = checkDnsReply(query, d.data);
      if (v.kind === 'ok') finish(passed);
      else if (v.kind === 'failed') finish(failed(v.reason));
    });
    s.start();
    try {
      s.send(query);
    } catch (err) {
      finish(failed(datagramFailure(err)));
    }
  }));
}
