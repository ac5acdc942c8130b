// Public surface of vipd's IPVS support.
export { IpvsClient, type IpvsInfo, type IpvsTimeouts, type GenlLike } from './client.js';
export { IpvsError } from './errors.js';
export {
  makeService, serviceKey, serviceId, sameServiceConfig,
  type Service, type ServiceId, type ServiceConfig, type ServiceFlags, type ServiceExtended, type Protocol,
} from './service.js';
export {
  makeDestination, destinationKey, sameDestinationConfig,
  type Destination, type DestinationId, type DestinationExtended, type ForwardMethod, type TunnelOptions, type TunnelType,
} from './destination.js';
export { type Stats } from './stats.js';
export { type IpvsOp } from './ops.js';
export { plan, Reconciler, type ServiceState, type ApplyResult, type AuditResult, type FailedOp, type ReconcilerOptions } from './reconciler.js';
export { sameSyncDaemon, type SyncDaemon, type SyncDaemonState } from './sync-daemon.js';
export { syncDaemonSteps, wantedSyncDaemons, type SyncDaemonSettings, type SyncDaemonStep } from './sync-daemon-plan.js';
export { timeoutsToSet } from './timeouts.js';
export {
  VirtualServerManager, realTimers, type VirtualServerConfig, type VirtualServerChanges, type RealServerConfig, type VirtualServerManagerOptions, type Timers,
} from './manager.js';
export type {
  CheckConfig, TcpCheck, HttpCheck, UrlCheck, UrlRegexCheck, SmtpCheck, DnsCheck, PingCheck, UdpCheck, MiscCheck, FileCheck,
  ProbeResult, ProbeRunner, ProbeTarget, ProbeContext,
} from './checks/types.js';
export { effectiveWeight } from './checks/weight.js';
export { runProbe, checkerProbeSpecs, DEFAULT_CONNECT_TIMEOUT_MS } from './checks/probes.js';
// The probes themselves are the health module's (also exported at the top level).
export { tcpProbe, httpProbe } from '../health/index.js';
export { onProbeResult, startChecker, type CheckerSettings, type CheckerState } from './checks/checker.js';
export { nextQuorumUp, programmedDestinations } from './checks/quorum.js';
