// A probe as plain data: which adapter, with which options. Config mappings produce specs (pure,
// testable, loggable); buildProbe turns one into a Probe. A new checker is a new kind here and
// a new adapter file.
import type { Probe } from './deadline.js';
import { dnsProbe, type DnsProbeOptions } from './dns.js';
import { fileProbe, type FileProbeOptions } from './file.js';
import { httpProbe, type HttpProbeOptions } from './http.js';
import { pingProbe, type PingProbeOptions } from './ping.js';
import { scriptProbe, type ScriptProbeOptions } from './script.js';
import { smtpProbe, type SmtpProbeOptions } from './smtp.js';
import { tcpProbe, type TcpProbeOptions } from './tcp.js';
import { udpProbe, type UdpProbeOptions } from './udp.js';

export type ProbeSpec =
  | { kind: 'tcp'; options: TcpProbeOptions }
  | { kind: 'http'; options: HttpProbeOptions }
  | { kind: 'script'; options: ScriptProbeOptions }
  | { kind: 'udp'; options: UdpProbeOptions }
  | { kind: 'dns'; options: DnsProbeOptions }
  | { kind: 'ping'; options: PingProbeOptions }
  | { kind: 'smtp'; options: SmtpProbeOptions }
  | { kind: 'file'; options: FileProbeOptions };

/** Throws ProbeOptionError for options the adapter cannot apply. */
export function buildProbe(spec: ProbeSpec): Probe {
  switch (spec.kind) {
    case 'tcp': return tcpProbe(spec.options);
    case 'http': return httpProbe(spec.options);
    case 'script': return scriptProbe(spec.options);
    case 'udp': return udpProbe(spec.options);
    case 'dns': return dnsProbe(spec.options);
    case 'ping': return pingProbe(spec.options);
    case 'smtp': return smtpProbe(spec.options);
    case 'file': return fileProbe(spec.options);
  }
}
