// Health-check configuration, with keepalived.conf's names and semantics (times in ms here).
import type { HttpProtocol, ProbeResult, StatusSpec, TlsClientFiles } from '../../health/index.js';

interface CommonCheck {
  /** Failed attempts retried before declaring failure (keepalived "retry"), default 1. */
  retry?: number;
  /** Delay between retries, default 1000 ms. */
  delayBeforeRetryMs?: number;
  /** Random delay 0..warmup before the first check, default 0. */
  warmupMs?: number;
  /** Overrides the virtual server's delay_loop for this checker. */
  delayLoopMs?: number;
  /** Starts down until its first success (keepalived alpha); default the virtual server's. */
  alpha?: boolean;
  /** keepalived log_all_failures: report every failed attempt (checkFailed), not only transitions. */
  logAllFailures?: boolean;
}

/** Where a network checker connects, and from where (keepalived's connection options). */
interface NetCheck extends CommonCheck {
  /** Address to probe; defaults to the real server's address. */
  connectIp?: string;
  /** Port to probe; defaults to the real server's port. */
  connectPort?: number;
  /** connect_timeout, default 5000 ms. */
  connectTimeoutMs?: number;
  /** Source address (bindto) and port (bind_port). */
  bindTo?: string;
  bindPort?: number;
  /** SO_BINDTODEVICE (bind_if). */
  bindIf?: string;
  /** SO_MARK on the probe's packets (fwmark). */
  fwmark?: number;
}

/** url { regex ... }: a PCRE2 pattern with its PCRE2 option names. */
export interface UrlRegexCheck {
  pattern: string;
  options?: string[];
  /** regex_no_match: a match fails the check. */
  noMatch?: boolean;
  minOffset?: number;
  maxOffset?: number;
}

/** One URL of an HTTP_GET/SSL_GET check: the response must match the statuses, digest and regex. */
export interface UrlCheck {
  path: string;
  /** Expected HTTP status; absent (and no `statuses`) = any 2xx (keepalived's default). */
  statusCode?: number;
  /** Accepted statuses and ranges (status_code 200-299 400-499 503); wins over statusCode. */
  statuses?: StatusSpec[];
  /** MD5 of the body, lowercase hex (genhash output). */
  digest?: string;
  /** This URL's Host header, over the checker's. */
  virtualhost?: string;
  regex?: UrlRegexCheck;
}

export interface TcpCheck extends NetCheck {
  type: 'TCP_CHECK';
}

export interface HttpCheck extends NetCheck {
  type: 'HTTP_GET' | 'SSL_GET';
  urls: UrlCheck[];
  /** Host header; defaults to "address:port", as keepalived's. */
  virtualhost?: string;
  /** Default 1.0, as keepalived's. */
  httpProtocol?: HttpProtocol;
  /** SSL_GET: send the virtualhost as TLS server name. */
  enableSni?: boolean;
  /** A recovering server checks every URL at once, not one per delay_loop. */
  fastRecovery?: boolean;
  /** SSL_GET: the SSL {} block's files. */
  tls?: TlsClientFiles;
}

export interface SmtpCheck extends NetCheck {
  type: 'SMTP_CHECK';
  heloName?: string;
}

export interface DnsCheck extends NetCheck {
  type: 'DNS_CHECK';
  /** Default SOA. */
  queryType?: 'A' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'AAAA';
  /** Default ".". */
  name?: string;
}

export interface PingCheck extends NetCheck {
  type: 'PING_CHECK';
}

export interface UdpCheck extends NetCheck {
  type: 'UDP_CHECK';
  /** Hex digits of the datagram. */
  payload?: string;
  /** true = any reply; a string = a reply pattern (hex digits and x). */
  requireReply?: true | string;
  minReplyLength?: number;
  maxReplyLength?: number;
}

export interface MiscCheck extends CommonCheck {
  type: 'MISC_CHECK';
  argv: string[];
  uid?: number;
  gid?: number;
  /** misc_timeout, default the delay_loop. */
  timeoutMs?: number;
  /** misc_dynamic: exit 2..255 sets the weight to status - 2. */
  dynamic?: boolean;
}

export interface FileCheck extends CommonCheck {
  type: 'FILE_CHECK';
  path: string;
  /** The value's multiplier; 0 = a non-zero value is a failure. */
  weight: number;
  reverse?: boolean;
  /** init_file: written when the check is built, if the file is missing (or always, with overwrite). */
  init?: { value: number; overwrite: boolean };
}

export type CheckConfig = TcpCheck | HttpCheck | SmtpCheck | DnsCheck | PingCheck | UdpCheck | MiscCheck | FileCheck;

/** What a probe runner reports for one attempt: the health module's result, shared with VRRP tracking. */
export type { ProbeResult };

export interface ProbeTarget {
  address: string;
  port: number;
  /** The configured weight (dynamic checkers report theirs against it). */
  weight?: number;
}

/** Where the checker stands, for checks that proceed in steps (HTTP_GET recovering URL by URL). */
export interface ProbeContext {
  /** The checker counts as up. */
  up: boolean;
  /** Steps passed in a row while down. */
  step: number;
}

/** Runs one probe attempt; never rejects. */
export type ProbeRunner = (check: CheckConfig, target: ProbeTarget, context?: ProbeContext) => Promise<ProbeResult>;
