// HTTP_GET / SSL_GET and `http(s)://` tracking: one GET, healthy when the status is accepted
// and (if asked) the body's MD5 matches. TLS certificates are not verified: the probe asks "is it
// serving", like keepalived's SSL_GET (k0s: the apiserver's /readyz on 127.0.0.1 with a cluster CA
// the daemon does not know). The whole exchange, body included, must finish before the deadline.
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { abortReason, deadlineProbe, type Probe } from './deadline.js';
import { checkEndpoint, connectOptions, hostHeader, type ProbeEndpoint } from './endpoint.js';
import { ProbeOptionError } from './errors.js';
import { describeStatuses, digestMatches, statusMatches, type StatusSpec } from './http-expect.js';
import { failed, passed, type ProbeResult } from './result.js';

export interface HttpProbeOptions extends ProbeEndpoint {
  /** TLS without certificate verification (SSL_GET, https://). */
  tls?: boolean;
  /** Request path with query; default "/". */
  path?: string;
  /** Host header (keepalived virtualhost), also the TLS server name when it is not an address. */
  virtualhost?: string;
  /** Accepted statuses; default 200-299. */
  statuses?: readonly StatusSpec[];
  /** MD5 of the body, hex (genhash output). */
  digest?: string;
}

/** Bodies past this are not digested further (genhash reads whole pages; checks are small). */
const MAX_DIGESTED_BODY = 4 << 20;

export function httpProbe(options: HttpProbeOptions): Probe;
/** Shorthand for `httpProbe(httpOptionsFromUrl(url, statuses))`. */
export function httpProbe(url: string, statuses?: readonly StatusSpec[]): Probe;
export function httpProbe(a: HttpProbeOptions | string, statuses?: readonly StatusSpec[]): Probe {
  const o = typeof a === 'string' ? httpOptionsFromUrl(a, statuses) : a;
  checkEndpoint(o.tls ? 'HTTPS probe' : 'HTTP probe', o);
  const host = o.virtualhost ?? hostHeader(o.address, o.port, o.tls ? 443 : 80);
  const request = o.tls ? https.request : http.request;
  return deadlineProbe((signal) => new Promise<ProbeResult>((resolve) => {
    let settled = false;
    const finish = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(r);
    };
    const onAbort = () => finish(failed(abortReason(signal)));
    const req = request({
      ...connectOptions(o),
      path: o.path ?? '/',
      method: 'GET',
      agent: false,
      headers: { Host: host, Connection: 'close', 'User-Agent': 'vipd-health' },
      ...(o.tls ? { rejectUnauthorized: false } : {}),
    }, (res) => {
      const status = res.statusCode ?? 0;
      if (!statusMatches(status, o.statuses)) {
        finish(failed(`status ${status} (expected ${describeStatuses(o.statuses)})`));
        return;
      }
      const md5 = o.digest ? createHash('md5') : undefined;
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (md5 && size <= MAX_DIGESTED_BODY) md5.update(chunk);
      });
      res.once('end', () => {
        if (!md5 || !o.digest) return finish(passed);
        const digest = md5.digest('hex');
        finish(digestMatches(digest, o.digest) ? passed : failed(`digest ${digest} != ${o.digest}`));
      });
      res.once('aborted', () => finish(failed('read: connection closed mid-body')));
      res.once('error', (e) => finish(failed(`read ${e.message}`)));
    });
    signal.addEventListener('abort', onAbort, { once: true });
    req.once('error', (err: NodeJS.ErrnoException) => finish(failed(`connect ${err.code ?? err.message}`)));
    req.end();
  }));
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
