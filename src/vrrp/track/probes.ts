// VRRP tracking's probes are the health module's (src/health/), shared with the IPVS checkers.
// This path stays for its importers.
export {
  tcpProbe, httpProbe, scriptProbe, buildProbe,
  type Probe, type ProbeResult, type ProbeSpec, type TcpProbeOptions, type HttpProbeOptions, type ScriptProbeOptions,
} from '../../health/index.js';
export { trackScriptSpec } from './script-spec.js';
