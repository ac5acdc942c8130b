// Health probes (VRRP tracking and IPVS checkers share them) and the one way vipd runs programs.
// A probe is a small adapter, one per file, taking its options as data and returning a
// ProbeResult under the deadline discipline of deadline.ts.
export { passed, failed, type ProbeResult, type WeightEffect } from './result.js';
export { deadlineProbe, abortReason, ProbeTimeout, LATE_MS, type Probe, type ProbeAttempt } from './deadline.js';
export { connectOptions, checkEndpoint, hostHeader, type ProbeEndpoint } from './endpoint.js';
export { ProbeOptionError, UserLookupError } from './errors.js';
export { tcpProbe, type TcpProbeOptions } from './tcp.js';
export { httpProbe, httpOptionsFromUrl, type HttpProbeOptions, type TlsClientFiles } from './http.js';
export { statusMatches, describeStatuses, digestMatches, DEFAULT_STATUSES, type StatusSpec } from './http-expect.js';
export { httpRequest, parseResponse, checkResponse, MAX_RESPONSE, type HttpProtocol, type RegexExpect, type ResponseExpect } from './http-response.js';
export { translatePcre, searchWindow, RegexTranslationError, PCRE_OPTIONS, type PcreOption, type TranslatedRegex } from './pcre.js';
export { scriptProbe, type ScriptProbeOptions } from './script.js';
export { miscVerdict, type MiscVerdict } from './misc-verdict.js';
export { udpProbe, type UdpProbeOptions } from './udp.js';
export { parseHexString, parseHexPattern, replyMatchesPattern, formatHexPattern, HexStringError, type HexPattern } from './hex-pattern.js';
export { dnsProbe, type DnsProbeOptions } from './dns.js';
export { buildDnsQuery, checkDnsReply, encodeDnsName, dnsQuestion, DNS_TYPES, DnsNameError, type DnsType, type DnsReplyVerdict } from './dns-message.js';
export { pingProbe, type PingProbeOptions } from './ping.js';
export { buildEchoRequest, classifyEchoReply, icmpFilter, type EchoId, type EchoVerdict } from './icmp-echo.js';
export { smtpProbe, type SmtpProbeOptions } from './smtp.js';
export { SmtpDialog, takeReply, type SmtpStep } from './smtp-dialog.js';
export { fileProbe, type FileProbeOptions } from './file.js';
export { parseTrackFileValue, fileCheckVerdict, type FileCheckVerdict } from './track-file-value.js';
export {
  ScriptRules, checkScript, scriptCheckMessage, scriptRuns, unsafeReason, DEFAULT_SCRIPT_USER,
  type ScriptHost, type ScriptFs, type PathStat, type ScriptSettings, type ScriptKind, type ScriptNote, type ScriptDecision,
  type ScriptCheck, type ScriptOwner,
} from './script-rules.js';
export { nodeScriptHost } from './script-host.js';
export { runCommand, describeCommandResult, type CommandOptions, type CommandResult } from './run-command.js';
export { commandStats, newCommandStats, type CommandStats } from './command-stats.js';
export { parsePasswd, parseGroup, resolveRunAs, type PasswdEntry, type GroupEntry, type RunAs } from './passwd.js';
export { lookupRunAs } from './run-as.js';
export { parseProcStat, listProcesses, groupRunning, signalGroup, type ProcStat } from './process-group.js';
export { buildProbe, type ProbeSpec } from './spec.js';
