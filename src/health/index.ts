// Health probes (VRRP tracking and IPVS checkers share them) and the one way vipd runs programs.
// A probe is a small adapter, one per file, taking its options as data and returning a
// ProbeResult under the deadline discipline of deadline.ts.
export { passed, failed, type ProbeResult } from './result.js';
export { deadlineProbe, abortReason, ProbeTimeout, LATE_MS, type Probe, type ProbeAttempt } from './deadline.js';
export { connectOptions, checkEndpoint, hostHeader, type ProbeEndpoint } from './endpoint.js';
export { ProbeOptionError, UserLookupError } from './errors.js';
export { tcpProbe, type TcpProbeOptions } from './tcp.js';
export { httpProbe, httpOptionsFromUrl, type HttpProbeOptions } from './http.js';
export { statusMatches, describeStatuses, digestMatches, DEFAULT_STATUSES, type StatusSpec } from './http-expect.js';
export { scriptProbe, type ScriptProbeOptions } from './script.js';
export { runCommand, describeCommandResult, type CommandOptions, type CommandResult } from './run-command.js';
export { commandStats, newCommandStats, type CommandStats } from './command-stats.js';
export { parsePasswd, parseGroup, resolveRunAs, type PasswdEntry, type GroupEntry, type RunAs } from './passwd.js';
export { lookupRunAs } from './run-as.js';
export { parseProcStat, listProcesses, groupRunning, signalGroup, type ProcStat } from './process-group.js';
export { buildProbe, type ProbeSpec } from './spec.js';
