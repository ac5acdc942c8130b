// Probes used by trackers: one attempt each, resolving true (healthy) or false. Never reject.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export type Probe = (timeoutMs: number) => Promise<boolean>;

/** vrrp_script: exit status 0 is success; a timeout or a signal is failure. */
export function scriptProbe(argv: string[], ids: { uid?: number; gid?: number } = {}): Probe {
  return (timeoutMs) => new Promise((resolve) => {
    const [file, ...args] = argv;
    if (!file) return resolve(false);
    let child;
    try {
      child = spawn(file, args, { stdio: 'ignore', detached: true, ...ids });
    } catch {
      return resolve(false);
    }
    const timer = setTimeout(() => {
      try { if (child.pid) process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      resolve(false);
    }, timeoutMs);
    child.once('error', () => { clearTimeout(timer); resolve(false); });
    child.once('exit', (code) => { clearTimeout(timer); resolve(code === 0); });
  });
}

/** A TCP connect that completes within the timeout. */
export function tcpProbe(host: string, port: number): Probe {
  return (timeoutMs) => new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => { clearTimeout(timer); s.destroy(); resolve(ok); };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/**
 * An HTTP(S) GET whose status is in `statuses` (default: 200-299). TLS certificates are not
 * verified: the probe asks "is it serving", like keepalived's SSL_GET (k0s: the apiserver's
 * /readyz on 127.0.0.1 with a cluster CA the daemon does not know).
 */
export function httpProbe(url: string, statuses?: number[]): Probe {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return (timeoutMs) => new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean) => { if (!settled) { settled = true; clearTimeout(timer); req.destroy(); resolve(ok); } };
    const timer = setTimeout(() => done(false), timeoutMs);
    const req = request(u, { method: 'GET', rejectUnauthorized: false, agent: false }, (res) => {
      const code = res.statusCode ?? 0;
      res.resume();
      done(statuses ? statuses.includes(code) : code >= 200 && code < 300);
    });
    req.once('error', () => done(false));
    req.end();
  });
}
