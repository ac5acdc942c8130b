// VRRP tracking's probes are the health module's (src/health/), shared with the IPVS checkers.
// This path stays for its importers.
export {
  tcpProbe, httpProbe, scriptProbe,
  type Probe, type ProbeResult, type TcpProbeOptions, type HttpProbeOptions, type ScriptProbeOptions,
} from '../../health/index.js';
