// HTTP_GET / SSL_GET and `http(s)://` tracking: one GET over its own connection, read to the end;
// healthy when the status is accepted and (if asked) the body's MD5 and the regex agree. The
// exchange is written and read as bytes (http-response.ts), like keepalived's checker: its regex
// sees the response as sent, headers included. TLS certificates are not verified: the probe asks
// "is it serving", like keepalived's SSL_GET (k0s: the apiserver's /readyz on 127.0.0.1 with a
// cluster CA the daemon does not know); a client certificate is presented when given (SSL {}).
// The whole exchange, body included, must finish before the deadline.
import { readFileSync } from 'node:fs';
import { isIP, type Socket as NetSocket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tls } from '../os/lazy-builtins.js';
import { abortReason, deadlineProbe, type Probe } from './deadline.js';
import { checkEndpoint, hostHeader, type ProbeEndpoint } from './endpoint.js';
import { ProbeOptionError } from './errors.js';
import { type StatusSpec } from './http-expect.js';
import { checkResponse, httpRequest, MAX_RESPONSE, parseResponse, type HttpProtocol, type RegexExpect } from './http-response.js';
import { failed, passed, type ProbeResult } from './result.js';
import { connectFailure, openStream } from './tcp.js';

/** keepalived's SSL {} block: files read when the probe is built. */
export interface TlsClientFiles {
  certificate?: string;
  key?: string;
  ca?: string;
  /** Of the key. */
  password?: string;
}

export interface HttpProbeOptions extends ProbeEndpoint {
  /** TLS without certificate verification (SSL_GET, https://). */
  tls?: boolean;
  /** Request path with query; default "/". */
  path?: string;
  /** Host header (keepalived virtualhost); default the address, with the port when not the scheme's. */
  virtualhost?: string;
  /**
   * TLS server name (SNI): a name, or false for none. Default: the virtualhost when it is a
   * name (URL probes); IPVS checkers send one only with enable_sni, as keepalived.
   */
  serverName?: string | false;
  /** Accepted statuses; default 200-299. */
  statuses?: readonly StatusSpec[];
  /** MD5 of the body, hex (genhash output). */
  digest?: string;
  regex?: RegexExpect;
  /** keepalived http_protocol: 1.0 (its default), 1.0C (1.0 + Connection: close), 1.1. Default 1.1. */
  httpProtocol?: HttpProtocol;
  /** Default "vipd-health". */
  userAgent?: string;
  tlsClient?: TlsClientFiles;
}

export function httpProbe(options: HttpProbeOptions): Probe;
/** Shorthand for `httpProbe(httpOptionsFromUrl(url, statuses))`. */
export function httpProbe(url: string, statuses?: readonly StatusSpec[]): Probe;
export function httpProbe(a: HttpProbeOptions | string, statuses?: readonly StatusSpec[]): Probe {
  const o = typeof a === 'string' ? httpOptionsFromUrl(a, statuses) : a;
  checkEndpoint(o.tls ? 'HTTPS probe' : 'HTTP probe', o);
  const host = o.virtualhost ?? hostHeader(o.address, o.port, o.tls ? 443 : 80);
  const request = httpRequest(o.path ?? '/', host, o.httpProtocol ?? '1.1', o.userAgent);
  const tlsFiles = o.tls ? readTlsFiles(o.tlsClient) : undefined;
  const serverName = o.serverName === false ? undefined : o.serverName ?? nameOf(o.virtualhost);
  return deadlineProbe(async (signal) => {
    let sock: NetSocket;
    try {
      sock = await openStream(o, signal);
    } catch (err) {
      return failed(connectFailure(err, signal));
    }
    let stream: NetSocket | TLSSocket = sock;
    if (o.tls) {
      try {
        stream = await handshake(sock, { ...tlsFiles, ...(serverName ? { servername: serverName } : {}) }, signal);
      } catch (err) {
        sock.destroy();
        return failed(signal.aborted ? abortReason(signal) : `connect ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    return exchange(stream, request, o, signal);
  });
}

/** Writes the request, reads the answer to its end (or MAX_RESPONSE), judges it. */
function exchange(s: NetSocket | TLSSocket, request: string, o: HttpProbeOptions, signal: AbortSignal): Promise<ProbeResult> {
  return new Promise<ProbeResult>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      s.destroy();
      resolve(r);
    };
    const judge = () => {
      const r = checkResponse(Buffer.concat(chunks), { ...(o.statuses ? { statuses: o.statuses } : {}), ...(o.digest ? { digest: o.digest } : {}), ...(o.regex ? { regex: o.regex } : {}) });
      finish(r.ok ? passed : failed(r.reason));
    };
    const onAbort = () => finish(failed(abortReason(signal)));
    signal.addEventListener('abort', onAbort, { once: true });
    s.on('data', (d: Buffer) => {
      const room = MAX_RESPONSE - size;
      chunks.push(room < d.length ? d.subarray(0, room) : d);
      size += Math.min(room, d.length);
      if (size >= MAX_RESPONSE) return judge();
      // A kept-alive connection ends when what the headers promised has arrived.
      if (parseResponse(Buffer.concat(chunks)).complete) judge();
    });
    s.once('end', judge);
    s.once('error', (e: NodeJS.ErrnoException) => {
      if (size > 0) judge();
      else finish(failed(`read ${e.code ?? e.message}`));
    });
    s.on('close', () => judge());
    s.write(request);
  });
}

function handshake(sock: NetSocket, opts: Record<string, unknown>, signal: AbortSignal): Promise<TLSSocket> {
  return new Promise<TLSSocket>((resolve, reject) => {
    const t = tls().connect({ socket: sock, rejectUnauthorized: false, ...opts });
    const done = (err?: Error) => {
      signal.removeEventListener('abort', onAbort);
      t.off('error', done);
      if (err) {
        t.destroy();
        reject(err);
      } else resolve(t);
    };
    const onAbort = () => done(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    t.once('secureConnect', () => done());
    t.once('error', done);
  });
}

function readTlsFiles(f: TlsClientFiles | undefined): Record<string, Buffer | string> {
  if (!f) return {};
  const read = (what: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new ProbeOptionError(`SSL ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  return {
    ...(f.certificate ? { cert: read('certificate', f.certificate) } : {}),
    ...(f.key ? { key: read('key', f.key) } : {}),
    ...(f.ca ? { ca: read('ca', f.ca) } : {}),
    ...(f.password !== undefined ? { passphrase: f.password } : {}),
  };
}

/** The host part of a Host value when it is a name (SNI carries no addresses). */
function nameOf(virtualhost: string | undefined): string | undefined {
  if (!virtualhost) return undefined;
  const host = virtualhost.startsWith('[') ? virtualhost.slice(1, virtualhost.indexOf(']')) : virtualhost.replace(/:\d+$/, '');
  return isIP(host) ? undefined : host;
}

/** `http(s)://host[:port]/path?query` as probe options (vrrp_script `script "https://..."`). */
export function httpOptionsFromUrl(url: string, statuses?: readonly StatusSpec[]): HttpProbeOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ProbeOptionError(`${url}: not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ProbeOptionError(`${url}: only http:// and https:// URLs can be probed`);
  const tls = u.protocol === 'https:';
  const address = u.hostname.replace(/^\[|\]$/g, '');
  return {
    address,
    port: u.port ? Number(u.port) : tls ? 443 : 80,
    tls,
    path: `${u.pathname}${u.search}`,
    // A name in the URL is what the server expects in Host and SNI; an address needs neither.
    ...(isIP(address) ? {} : { virtualhost: u.host }),
    ...(statuses ? { statuses } : {}),
  };
}
