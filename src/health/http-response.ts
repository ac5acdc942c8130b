// An HTTP_GET / SSL_GET answer as bytes, and whether it passes, pure. keepalived 2.2.7 (observed)
// matches `regex` against the whole response as received, status line and headers included, with
// regex_min_offset / regex_max_offset counted from its first byte; the digest is the body's MD5
// (genhash's); the status must be in status_code. The request is written here too.
import { createHash } from 'node:crypto';
import { describeStatuses, digestMatches, statusMatches, type StatusSpec } from './http-expect.js';
import { searchWindow, type TranslatedRegex } from './pcre.js';

export type HttpProtocol = '1.0' | '1.0C' | '1.1';

/** Bytes read at most: a check page is small; a server streaming forever is cut here. */
export const MAX_RESPONSE = 4 << 20;

export interface RegexExpect {
  regex: TranslatedRegex;
  /** regex_no_match: a match fails the check. */
  noMatch: boolean;
  minOffset?: number;
  maxOffset?: number;
}

export interface ResponseExpect {
  statuses?: readonly StatusSpec[];
  digest?: string;
  regex?: RegexExpect;
}

/** keepalived's request: GET, User-Agent, Host; "Connection: close" with 1.0C and 1.1. */
export function httpRequest(path: string, host: string, protocol: HttpProtocol = '1.0', userAgent = 'vipd-health'): string {
  const version = protocol === '1.1' ? 'HTTP/1.1' : 'HTTP/1.0';
  const close = protocol === '1.0' ? '' : 'Connection: close\r\n';
  return `GET ${path} ${version}\r\nUser-Agent: ${userAgent}\r\n${close}Host: ${host}\r\n\r\n`;
}

export interface ParsedResponse {
  status?: number;
  /** Offset of the body (after the blank line); undefined while the headers are incomplete. */
  bodyStart?: number;
  /** The body as sent (chunked encoding removed). */
  body?: Buffer;
  /** Everything the headers promised has arrived (Content-Length, last chunk). */
  complete: boolean;
}

export function parseResponse(raw: Buffer): ParsedResponse {
  const end = raw.indexOf('\r\n\r\n');
  const lineEnd = raw.indexOf('\r\n');
  const m = /^HTTP\/\d\.\d (\d{3})/.exec(raw.subarray(0, lineEnd < 0 ? Math.min(raw.length, 32) : lineEnd).toString('latin1'));
  const status = m ? Number(m[1]) : undefined;
  if (end < 0) return { ...(status !== undefined ? { status } : {}), complete: false };
  const bodyStart = end + 4;
  const head = raw.subarray(0, end).toString('latin1');
  const header = (name: string) => new RegExp(`\\r\\n${name}:[ \\t]*([^\\r]*)`, 'i').exec(head)?.[1]?.trim();
  const rest = raw.subarray(bodyStart);
  const base = { ...(status !== undefined ? { status } : {}), bodyStart };
  if (/\bchunked\b/i.test(header('transfer-encoding') ?? '')) {
    const { body, done } = dechunk(rest);
    return { ...base, body, complete: done };
  }
  const length = header('content-length');
  if (length !== undefined && /^\d+$/.test(length)) {
    const n = Number(length);
    return { ...base, body: rest.subarray(0, n), complete: rest.length >= n };
  }
  // 1xx, 204 and 304 have no body.
  if (status !== undefined && (status < 200 || status === 204 || status === 304)) return { ...base, body: Buffer.alloc(0), complete: true };
  return { ...base, body: rest, complete: false };
}

function dechunk(data: Buffer): { body: Buffer; done: boolean } {
  const parts: Buffer[] = [];
  let i = 0;
  for (;;) {
    const nl = data.indexOf('\r\n', i);
    if (nl < 0) break;
    const size = parseInt(data.subarray(i, nl).toString('latin1').split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size)) break;
    if (size === 0) return { body: Buffer.concat(parts), done: true };
    const start = nl + 2;
    if (data.length < start + size) {
      parts.push(data.subarray(start));
      break;
    }
    parts.push(data.subarray(start, start + size));
    i = start + size + 2;
  }
  return { body: Buffer.concat(parts), done: false };
}

/** The verdict on a whole response (read to its end, or to the connection's close). */
export function checkResponse(raw: Buffer, expect: ResponseExpect): { ok: true } | { ok: false; reason: string } {
  const r = parseResponse(raw);
  if (r.status === undefined) return { ok: false, reason: raw.length ? 'not an HTTP response' : 'empty response' };
  if (!statusMatches(r.status, expect.statuses)) return { ok: false, reason: `status ${r.status} (expected ${describeStatuses(expect.statuses)})` };
  if (expect.digest !== undefined) {
    const digest = createHash('md5').update(r.body ?? Buffer.alloc(0)).digest('hex');
    if (!digestMatches(digest, expect.digest)) return { ok: false, reason: `digest ${digest} != ${expect.digest}` };
  }
  const x = expect.regex;
  if (x) {
    const subject = raw.toString(x.regex.utf ? 'utf8' : 'latin1');
    const found = searchWindow(x.regex, subject, x.minOffset, x.maxOffset);
    if (found === x.noMatch) return { ok: false, reason: x.noMatch ? 'the response matches regex (regex_no_match)' : 'the response does not match regex' };
  }
  return { ok: true };
}
