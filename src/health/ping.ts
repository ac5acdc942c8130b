// PING_CHECK: one ICMP (or ICMPv6) echo request over a raw socket, healthy when the matching
// echo reply comes back before the timeout (icmp-echo.ts). The socket is connected to the target
// (the kernel then delivers only its packets) and filtered to echo replies and unreachables.
import { randomBytes, randomInt } from 'node:crypto';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, ICMP_FILTER, ICMPV6_FILTER, SOCK_RAW, SOL_RAW } from '../netif/constants.js';
import { abortReason, deadlineProbe, type Probe } from './deadline.js';
import { datagramExchange } from './datagram.js';
import { checkEndpoint, type ProbeEndpoint } from './endpoint.js';
import { buildEchoRequest, classifyEchoReply, icmpFilter } from './icmp-echo.js';
import { familyOfAddress, openBound, peerAddress } from './probe-socket.js';
import { failed, passed } from './result.js';

export type PingProbeOptions = Omit<ProbeEndpoint, 'port' | 'bindPort'> & { port?: number };

let sequence = randomInt(0x10000);

export function pingProbe(o: PingProbeOptions): Probe {
  const e: ProbeEndpoint = { ...o, port: 0 };
  delete e.bindPort;
  checkEndpoint('PING probe', e, true);
  const family = familyOfAddress(e.address);
  return deadlineProbe((signal) => {
    const id = { id: randomInt(0x10000), seq: (sequence = (sequence + 1) & 0xffff) };
    const payload = randomBytes(16);
    return datagramExchange(e, signal, {
      open: () => {
        const s = openBound(e, SOCK_RAW, family === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, { maxLen: 2048 });
        try {
          if (family === 4) s.setOption(SOL_RAW, ICMP_FILTER, icmpFilter(4));
          else s.setOption(IPPROTO_ICMPV6, ICMPV6_FILTER, icmpFilter(6));
          s.connect(peerAddress(e));
        } catch (err) {
          s.close();
          throw err;
        }
        return s;
      },
      payload: buildEchoRequest(family, id, payload),
      onReply: (d) => {
        const v = classifyEchoReply(family, d.data, id, payload);
        return v.kind === 'reply' ? passed : v.kind === 'unreachable' ? failed(`destination unreachable (code ${v.code})`) : undefined;
      },
      onAbort: (sig) => failed(`no echo reply: ${abortReason(sig)}`),
    });
  });
}
