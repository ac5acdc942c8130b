// Probe runners: thin adapters over node:net and node:http/https. Each returns a ProbeResult and
// never rejects. SSL_GET does not verify certificates, like keepalived.
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { CheckConfig, HttpCheck, ProbeResult, ProbeTarget, UrlCheck } from './types.js';

const DEFAULT_TIMEOUT_MS = 5000;
/** Bodies larger than this are not digested further (genhash reads whole pages; checks are small). */
const MAX_BODY = 4 << 20;

export function tcpProbe(target: ProbeTarget, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: target.address, port: target.port });
    const done = (r: ProbeResult) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, reason: `connect timeout after ${timeoutMs} ms` }), timeoutMs);
    sock.once('connect', () => done({ ok: true }));
    sock.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, reason: `connect ${err.code ?? err.message}` }));
  });
}

export function httpProbe(target: ProbeTarget, url: UrlCheck, opts: { ssl: boolean; timeoutMs?: number; virtualhost?: string }): Promise<ProbeResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const mod = opts.ssl ? https : http;
    const req = mod.request({
      host: target.address,
      port: target.port,
      path: url.path,
      method: 'GET',
      agent: false,
      headers: { Host: opts.virtualhost ?? (target.address.includes(':') ? `[${target.address}]` : target.address), Connection: 'close', 'User-Agent': 'vipd-checker' },
      ...(opts.ssl ? { rejectUnauthorized: false, servername: opts.virtualhost } : {}),
    }, (res) => {
      const status = res.statusCode ?? 0;
      const statusOk = url.statusCode !== undefined ? status === url.statusCode : status >= 200 && status < 300;
      if (!statusOk) {
        finish({ ok: false, reason: `status ${status}` });
        return;
      }
      if (!url.digest) {
        res.resume();
        res.once('end', () => finish({ ok: true }));
        res.once('error', (e) => finish({ ok: false, reason: `read ${e.message}` }));
        return;
      }
      const md5 = createHash('md5');
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY) md5.update(chunk);
      });
      res.once('end', () => {
        const digest = md5.digest('hex');
        finish(digest === url.digest!.toLowerCase() ? { ok: true } : { ok: false, reason: `digest ${digest} != ${url.digest}` });
      });
      res.once('error', (e) => finish({ ok: false, reason: `read ${e.message}` }));
    });
    const timer = setTimeout(() => finish({ ok: false, reason: `timeout after ${timeoutMs} ms` }), timeoutMs);
    req.once('error', (err: NodeJS.ErrnoException) => finish({ ok: false, reason: `connect ${err.code ?? err.message}` }));
    req.end();
  });
}

/** The default ProbeRunner: TCP_CHECK connects; HTTP_GET/SSL_GET fetch every URL, all must pass. */
export async function runProbe(check: CheckConfig, target: ProbeTarget): Promise<ProbeResult> {
  const t = { address: check.connectIp ?? target.address, port: check.connectPort ?? target.port };
  if (check.type === 'TCP_CHECK') return tcpProbe(t, check.connectTimeoutMs);
  return httpCheck(check, t);
}

async function httpCheck(check: HttpCheck, t: ProbeTarget): Promise<ProbeResult> {
  for (const url of check.urls) {
    const r = await httpProbe(t, url, { ssl: check.type === 'SSL_GET', ...(check.connectTimeoutMs ? { timeoutMs: check.connectTimeoutMs } : {}), ...(check.virtualhost ? { virtualhost: check.virtualhost } : {}) });
    if (!r.ok) return { ok: false, reason: `${url.path}: ${r.reason ?? 'failed'}` };
  }
  return { ok: true };
}
