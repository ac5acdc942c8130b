// Health-check configuration, with keepalived.conf's names and semantics (times in ms here).
import type { ProbeResult } from '../../health/index.js';

/** One URL of an HTTP_GET/SSL_GET check: the response must match status_code and, if given, digest. */
export interface UrlCheck {
  path: string;
  /** Expected HTTP status; absent = any 2xx (keepalived's default). */
  statusCode?: number;
  /** MD5 of the body, lowercase hex (genhash output). */
  digest?: string;
}

interface CommonCheck {
  /** Address to probe; defaults to the real server's address. */
  connectIp?: string;
  /** Port to probe; defaults to the real server's port. */
  connectPort?: number;
  /** connect_timeout, default 5000 ms. */
  connectTimeoutMs?: number;
  /** Failed attempts retried before declaring failure (keepalived "retry"), default 1. */
  retry?: number;
  /** Delay between retries, default 1000 ms. */
  delayBeforeRetryMs?: number;
  /** Random delay 0..warmup before the first check, default 0. */
  warmupMs?: number;
  /** Overrides the virtual server's delay_loop for this checker. */
  delayLoopMs?: number;
}

export interface TcpCheck extends CommonCheck {
  type: 'TCP_CHECK';
}

export interface HttpCheck extends CommonCheck {
  type: 'HTTP_GET' | 'SSL_GET';
  urls: UrlCheck[];
  /** Host header; defaults to connect address. */
  virtualhost?: string;
}

export type CheckConfig = TcpCheck | HttpCheck;

/** What a probe runner reports for one attempt: the health module's result, shared with VRRP tracking. */
export type { ProbeResult };

export interface ProbeTarget {
  address: string;
  port: number;
}

/** Runs one probe attempt; never rejects. */
export type ProbeRunner = (check: CheckConfig, target: ProbeTarget) => Promise<ProbeResult>;
