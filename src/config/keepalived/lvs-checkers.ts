// The health checkers of a real_server: TCP_CHECK, HTTP_GET / SSL_GET (with url { }) and
// MISC_CHECK, plus the timing keywords every LVS level shares.
import type { Statement } from '../block-parser.js';
import type { HttpUrl } from '../types.js';
import { argText, fail, intArg, ipArg, optArg, portText, positiveTimer, timerArg, whereOf } from '../values.js';
import type { MiscCheckerDraft, NetCheckerDraft, TimingDraft } from './draft.js';
import { asKeepalived, asKeepalivedTable, implemented, warned, type Kit, type KeywordEntry, type KeywordTable } from './kit.js';

/** connect_timeout, retry, delay_before_retry, warmup, delay_loop: a checker's value wins over its real server's, over its virtual server's. */
export function timingKeywords<T>(timing: (d: T) => TimingDraft): Record<string, KeywordEntry<T>> {
  return asKeepalivedTable<T>({
    connect_timeout: implemented((s, d) => (timing(d).connectTimeout = positiveTimer(s))),
    retry: implemented((s, d) => (timing(d).retry = intArg(s, 0, 0, 2 ** 31 - 1))),
    nb_get_retry: implemented((s, d) => (timing(d).retry = intArg(s, 0, 0, 2 ** 31 - 1))),
    delay_before_retry: implemented((s, d) => (timing(d).delayBeforeRetry = timerArg(s, 0))),
    warmup: implemented((s, d) => (timing(d).warmup = timerArg(s, 0))),
    delay_loop: implemented((s, d) => (timing(d).delayLoop = positiveTimer(s))),
  }, 'ignored');
}

// keepalived ignores a checker value it cannot use, and skips a url { } without a path.
const NET_CHECKER: KeywordTable<NetCheckerDraft> = asKeepalivedTable({
  connect_ip: implemented((s, d) => (d.connectIp = ipArg(s, 0))),
  connect_port: implemented((s, d) => (d.connectPort = portText(s, argText(s, 0, 'port'), 'connect_port'))),
  bindto: implemented((s, d) => (d.bindTo = ipArg(s, 0))),
  bind_port: implemented((s, d) => (d.bindPort = portText(s, argText(s, 0, 'port'), 'bind_port'))),
  bind_if: implemented((s, d) => (d.bindIf = argText(s, 0, 'interface name'))),
  fwmark: implemented((s, d) => (d.fwmark = intArg(s, 0, 0, 2 ** 32 - 1))),
  ...timingKeywords<NetCheckerDraft>((d) => d.timing),
  alpha: warned("the virtual server's alpha setting applies"),
  log_all_failures: warned('only state changes are logged'),
  dynamic: warned('the checker does not change the weight'),
}, 'ignored');

export const TCP_CHECK: KeywordTable<NetCheckerDraft> = NET_CHECKER;

export const HTTP_GET: KeywordTable<NetCheckerDraft> = {
  ...NET_CHECKER,
  url: implemented(asKeepalived((s, d, kit) => d.urls.push(url(s, kit)), 'this url is skipped'), { block: 'url' }),
  virtualhost: implemented((s, d) => (d.virtualhost = argText(s, 0, 'host name'))),
  http_protocol: warned('requests are HTTP/1.0'),
  fast_recovery: warned('a failed server is retried at the normal delay_loop'),
  tls_compliant: warned('no TLS close_notify is sent'),
};

export const SSL_GET: KeywordTable<NetCheckerDraft> = {
  ...HTTP_GET,
  enable_sni: implemented((_s, d) => (d.enableSni = true)),
};

const TABLES = { TCP_CHECK, HTTP_GET, SSL_GET } as const;

export function netChecker(st: Statement, type: NetCheckerDraft['type'], kit: Kit): NetCheckerDraft {
  const d: NetCheckerDraft = { kind: 'net', type, timing: {}, urls: [], enableSni: false, where: whereOf(st) };
  kit.apply(kit.needBlock(st), TABLES[type], d, type);
  if (type !== 'TCP_CHECK' && d.urls.length === 0) fail(st, `${type}: no 'url' block`);
  return d;
}

const NO_REGEX = 'the body is not matched against a regex';

export const URL: KeywordTable<Partial<HttpUrl>> = asKeepalivedTable({
  path: implemented((s, u) => (u.path = argText(s, 0, 'path'))),
  digest: implemented((s, u) => {
    const v = argText(s, 0, 'digest');
    if (!/^[0-9a-fA-F]{32}$/.test(v)) fail(s, `digest: '${v}' is not an MD5 hex digest`);
    u.digest = v.toLowerCase();
  }),
  status_code: implemented((s, u) => {
    if (s.args.length === 0) fail(s, `status_code: missing code`);
    u.statusCodes = s.args.map((t) => {
      const m = /^(\d+)(?:-(\d+))?$/.exec(t.text);
      const lo = m ? Number(m[1]) : NaN;
      const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
      if (!m || lo < 100 || hi > 599 || hi < lo) fail(s, `status_code: '${t.text}' is not an HTTP status code or range`);
      return [lo, hi] as [number, number];
    });
  }),
  virtualhost: implemented((s, u) => (u.virtualhost = argText(s, 0, 'host name'))),
  regex: warned(NO_REGEX),
  regex_no_match: warned(NO_REGEX),
  regex_options: warned(NO_REGEX),
  regex_stack: warned(NO_REGEX),
  regex_min_offset: warned(NO_REGEX),
  regex_max_offset: warned(NO_REGEX),
  tls_compliant: warned('no TLS close_notify is sent'),
}, 'ignored');

function url(st: Statement, kit: Kit): HttpUrl {
  const u: Partial<HttpUrl> = {};
  kit.apply(kit.needBlock(st), URL, u, 'url');
  if (u.path === undefined) fail(st, `url: no 'path'`);
  const out: HttpUrl = { path: u.path, statusCodes: u.statusCodes ?? [[200, 299]] };
  if (u.digest !== undefined) out.digest = u.digest;
  if (u.virtualhost !== undefined) out.virtualhost = u.virtualhost;
  return out;
}

export const MISC_CHECK: KeywordTable<MiscCheckerDraft> = asKeepalivedTable({
  misc_path: implemented((s, d, kit) => (d.path = kit.command(s, false))),
  misc_timeout: implemented((s, d) => (d.timeout = positiveTimer(s))),
  misc_dynamic: implemented((_s, d) => (d.dynamic = true)),
  user: warned("the script runs as vipd's own user", (s, d) => {
    d.user = argText(s, 0, 'user name');
    const g = optArg(s, 1);
    if (g !== undefined) d.group = g;
  }),
  ...timingKeywords<MiscCheckerDraft>((d) => d.timing),
}, 'ignored');

export function miscChecker(st: Statement, kit: Kit): MiscCheckerDraft {
  const d: MiscCheckerDraft = { kind: 'misc', timing: {}, dynamic: false, where: whereOf(st) };
  kit.apply(kit.needBlock(st), MISC_CHECK, d, 'MISC_CHECK');
  if (!d.path) fail(st, `MISC_CHECK: no 'misc_path'`);
  return d;
}
