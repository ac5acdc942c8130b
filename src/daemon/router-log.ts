// Router events as log lines: state changes, VIP and send failures, dropped adverts (rate limited:
// a LAN can flood us), and per-packet detail with -D.
import type { Logger } from 'pino';
import type { VrrpRouterPort } from './deps.js';
import { RateLimiter } from './rate-limit.js';

export function logRouterEvents(r: VrrpRouterPort, log: Logger, opts: { logDetail: boolean }): void {
  const drops = new RateLimiter(10_000);
  r.on('state', (s) => log.info({ instance: s.instance, state: s.state, previous: s.previous, reason: s.reason, priority: s.priority },
    `${s.instance}: ${s.previous.toUpperCase()} -> ${s.state.toUpperCase()} (${s.reason}${s.detail ? `: ${s.detail}` : ''})`));
  r.on('drop', (d) => {
    if (opts.logDetail) log.debug(d, `dropped advert: ${d.detail}`);
    const n = drops.hit(`${d.instance}/${d.reason}`);
    if (n !== undefined) log.warn({ ...d, suppressed: n }, `${d.instance}: dropped advert from ${d.source}: ${d.detail}`);
  });
  r.on('auth-notice', (a) => {
    const n = drops.hit(`${a.instance}/auth-${a.outcome}/${a.level}`);
    if (n !== undefined) log[a.level]({ ...a, suppressed: n }, `${a.instance}: advert from ${a.source}: ${a.detail}`);
  });
  r.on('vip-error', (e) => log.error({ instance: e.instance, op: e.op, errors: e.failures.map((f) => `${f.vip.address}: ${f.error.message}`) }, `${e.instance}: VIP ${e.op} failed`));
  r.on('send-error', (e) => {
    const n = drops.hit(`${e.instance}/send`);
    if (n !== undefined) log.warn({ instance: e.instance, suppressed: n }, `${e.instance}: send failed: ${e.error.message}`);
  });
  r.on('warning', (w) => log.warn({ instance: w.instance }, `${w.instance}: ${w.message}`));
  r.on('error', (e) => log.error(`VRRP: ${e.message}`));
  if (opts.logDetail) {
    r.on('advert', (a) => log.debug(a, 'advert received'));
    r.on('garp', (g) => log.debug(g, 'gratuitous ARP / NA sent'));
  }
}
