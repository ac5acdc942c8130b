// A probe as plain data: which adapter, with which options. Config mappings produce specs (pure,
// testable, loggable); buildProbe turns one into a Probe. A new checker is a new kind here and
// a new adapter file.
import type { Probe } from './deadline.js';
import { httpProbe, type HttpProbeOptions } from './http.js';
import { scriptProbe, type ScriptProbeOptions } from './script.js';
import { tcpProbe, type TcpProbeOptions } from './tcp.js';

export type ProbeSpec =
  | { kind: 'tcp'; options: TcpProbeOptions }
  | { kind: 'http'; options: HttpProbeOptions }
  | { kind: 'script'; options: ScriptProbeOptions };

/** Throws ProbeOptionError for options the adapter cannot apply. */
export function buildProbe(spec: ProbeSpec): Probe {
  switch (spec.kind) {
    case 'tcp': return tcpProbe(spec.options);
    case 'http': return httpProbe(spec.options);
    case 'script': return scriptProbe(spec.options);
  }
}
