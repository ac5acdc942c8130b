// The health checkers of a real_server: TCP_CHECK, HTTP_GET / SSL_GET (with url { }), SMTP_CHECK
// (with host { }), DNS_CHECK, PING_CHECK, UDP_CHECK, MISC_CHECK, FILE_CHECK and BFD_CHECK, plus
// the timing keywords every LVS level shares.
import type { Statement } from '../block-parser.js';
import { decodeEscape, SIMPLE_ESCAPES } from '../command-line.js';
import { DNS_QUERY_TYPES, type HttpUrl, type UrlRegex } from '../types.js';
import { argText, boolArg, fail, intArg, ipArg, optArg, portText, positiveTimer, timerArg, whereOf } from '../values.js';
import { DnsNameError, encodeDnsName } from '../../health/dns-message.js';
import { formatHexPattern, HexStringError, parseHexPattern, parseHexString } from '../../health/hex-pattern.js';
import { PCRE_OPTIONS, RegexTranslationError, translatePcre, type PcreOption } from '../../health/pcre.js';
import type { BfdCheckerDraft, CheckerDraft, FileCheckerDraft, MiscCheckerDraft, NetCheckerDraft, NetCheckerType, TimingDraft } from './draft.js';
import { asKeepalived, asKeepalivedTable, implemented, skippedBlock, warned, type Kit, type KeywordEntry, type KeywordTable } from './kit.js';

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


/** Where a network checker connects from and to (also an SMTP_CHECK host { } block). */
const CONNECTION: KeywordTable<NetCheckerDraft> = asKeepalivedTable({
  connect_ip: implemented((s, d) => (d.connectIp = ipArg(s, 0))),
  connect_port: implemented((s, d) => (d.connectPort = portText(s, argText(s, 0, 'port'), 'connect_port'))),
  bindto: implemented((s, d) => (d.bindTo = ipArg(s, 0))),
  bind_port: implemented((s, d) => (d.bindPort = portText(s, argText(s, 0, 'port'), 'bind_port'))),
  bind_if: implemented((s, d) => {
    const v = argText(s, 0, 'interface name');
    if (!/^[^/\s]{1,15}$/.test(v)) fail(s, `bind_if: '${v}' is not an interface name`);
    d.bindIf = v;
  }),
  fwmark: implemented((s, d) => (d.fwmark = intArg(s, 0, 0, 2 ** 32 - 1))),
  connect_timeout: implemented((s, d) => (d.timing.connectTimeout = positiveTimer(s))),
}, 'ignored');

// keepalived ignores a checker value it cannot use, and skips a url { } without a path.
const NET_CHECKER: KeywordTable<NetCheckerDraft> = asKeepalivedTable({
  ...CONNECTION,
  ...timingKeywords<NetCheckerDraft>((d) => d.timing),
  alpha: implemented((s, d) => (d.alpha = boolArg(s, 0))),
  log_all_failures: implemented((s, d) => (d.logAllFailures = boolArg(s, 0))),
  dynamic: warned('the checker does not change the weight'),
}, 'ignored');

export const TCP_CHECK: KeywordTable<NetCheckerDraft> = NET_CHECKER;

export const HTTP_GET: KeywordTable<NetCheckerDraft> = {
  ...NET_CHECKER,
  url: implemented(asKeepalived((s, d, kit) => d.urls.push(url(s, kit)), 'this url is skipped'), { block: 'url' }),
  virtualhost: implemented((s, d) => (d.virtualhost = argText(s, 0, 'host name'))),
  // keepalived 2.2.7 (observed): a bad value leaves HTTP/1.0 and fast_recovery off.
  http_protocol: implemented(asKeepalived((s, d) => {
    const v = argText(s, 0, 'protocol');
    const p = v.toUpperCase();
    if (p !== '1.0' && p !== '1.0C' && p !== '1.1') fail(s, `http_protocol: '${v}' is not 1.0, 1.0C or 1.1`);
    d.httpProtocol = p;
  }, 'ignored')),
  fast_recovery: implemented(asKeepalived((s, d) => (d.fastRecovery = boolArg(s, 0)), 'ignored')),
  tls_compliant: warned('no TLS close_notify is sent'),
};

export const SSL_GET: KeywordTable<NetCheckerDraft> = {
  ...HTTP_GET,
  enable_sni: implemented((_s, d) => (d.enableSni = true)),
};

export const SMTP_HOST: KeywordTable<NetCheckerDraft> = CONNECTION;

export const SMTP_CHECK: KeywordTable<NetCheckerDraft> = {
  ...NET_CHECKER,
  helo_name: implemented((s, d, kit) => {
    const v = argText(s, 0, 'name');
    if (/[\r\n]/.test(v)) fail(s, `helo_name: '${v}' is not a host name`);
    // keepalived 2.2.7 (observed) takes an empty name: the greeting is a bare HELO.
    if (v === '') kit.instead(s, `helo_name: empty`, `'HELO' is sent without a name`);
    d.heloName = v;
  }),
  // keepalived 2: each host { } is one more SMTP check on the real server, with its own target.
  host: implemented((s, d, kit) => {
    kit.warn(s, 'host: deprecated since keepalived 2 (it says so too): each host block is one more SMTP_CHECK; define SMTP_CHECKs instead');
    const h = newNetDraft(s, 'SMTP_CHECK');
    kit.apply(kit.needBlock(s), SMTP_HOST, h, 'SMTP_CHECK host');
    d.hosts.push(h);
  }, { block: 'SMTP_CHECK host' }),
};

export const DNS_CHECK: KeywordTable<NetCheckerDraft> = {
  ...NET_CHECKER,
  type: implemented(asKeepalived((s, d) => {
    const v = argText(s, 0, 'query type').toUpperCase();
    if (!(DNS_QUERY_TYPES as readonly string[]).includes(v)) fail(s, `type: '${optArg(s, 0)}' is not one of ${DNS_QUERY_TYPES.join(' ')}`);
    d.dnsType = v as NetCheckerDraft['dnsType'];
  }, 'ignored')),
  name: implemented((s, d, kit) => {
    const v = argText(s, 0, 'domain name');
    try {
      encodeDnsName(v);
    } catch (e) {
      if (!(e instanceof DnsNameError)) throw e;
      // keepalived 2.2.7 ignores a name with an empty label; a label over 63 bytes it sends as is
      // (its length in the length byte), a query no server can parse: its check always fails.
      if (/empty label/.test(e.message)) return kit.instead(s, `name: ${e.message}`, 'ignored');
      kit.instead(s, `name: ${e.message}`, 'the query cannot be sent, so every check fails');
    }
    d.dnsName = v;
  }),
};

export const PING_CHECK: KeywordTable<NetCheckerDraft> = NET_CHECKER;

const hexWords = (s: Statement) => s.args.map((t) => t.text).join(' ');

/** keepalived 2.2.7 (observed): a bad hex string, or length, is ignored; a bad reply pattern leaves require_reply on without one. */
export const UDP_CHECK: KeywordTable<NetCheckerDraft> = asKeepalivedTable({
  ...NET_CHECKER,
  payload: implemented((s, d) => {
    try {
      d.payload = parseHexString(hexWords(s)).toString('hex');
    } catch (e) {
      if (e instanceof HexStringError) fail(s, `payload: '${hexWords(s)}' is not a hex string (${e.message})`);
      throw e;
    }
  }),
  require_reply: implemented((s, d) => {
    if (s.args.length === 0) {
      d.requireReply = true;
      return;
    }
    try {
      d.requireReply = formatHexPattern(parseHexPattern(hexWords(s)));
    } catch (e) {
      if (e instanceof HexStringError) fail(s, `require_reply: '${hexWords(s)}' is not a hex string (${e.message})`);
      throw e;
    }
  }),
  min_reply_length: implemented((s, d) => {
    d.minReplyLength = intArg(s, 0, 0, 65535);
    d.replyLengthWhere = whereOf(s);
  }),
  max_reply_length: implemented((s, d) => {
    d.maxReplyLength = intArg(s, 0, 0, 65535);
    d.replyLengthWhere = whereOf(s);
  }),
}, 'ignored', { require_reply: { says: 'taken as require_reply without data (any reply passes)', apply: (d) => (d.requireReply = true) } });

const TABLES: Record<NetCheckerType, KeywordTable<NetCheckerDraft>> = { TCP_CHECK, HTTP_GET, SSL_GET, SMTP_CHECK, DNS_CHECK, PING_CHECK, UDP_CHECK };

function newNetDraft(st: Statement, type: NetCheckerType): NetCheckerDraft {
  return { kind: 'net', type, timing: {}, urls: [], enableSni: false, hosts: [], where: whereOf(st) };
}

export function netChecker(st: Statement, type: NetCheckerType, kit: Kit): NetCheckerDraft {
  const d = newNetDraft(st, type);
  kit.apply(kit.needBlock(st), TABLES[type], d, type);
  if ((type === 'HTTP_GET' || type === 'SSL_GET') && d.urls.length === 0) fail(st, `${type}: no 'url' block`);
  if (d.minReplyLength !== undefined && d.maxReplyLength !== undefined && d.minReplyLength > d.maxReplyLength) {
    fail(d.replyLengthWhere ?? st, `${type}: min_reply_length ${d.minReplyLength} is greater than max_reply_length ${d.maxReplyLength} (every check would fail)`);
  }
  return d;
}

/**
 * keepalived's escapes in a regex string (observed with 2.2.7's state dump; keepalived.conf(5)
 * "Quoted strings"): \\a \\b \\E \\f \\n \\r \\t \\v, \\ up to 3 octal digits, \\x and hex digits (the
 * low byte), \\cC (control C); any other \\C is C. A NUL ends the string, as in C. `differs`: the
 * escapes PCRE2 would have read otherwise (\\b, \\d, \\., \\1...), for a warning.
 */
export function unescapeString(text: string): { text: string; differs: string[] } {
  const differs: string[] = [];
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\' || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const [ch, used] = decodeEscape(text, i + 1, 'all');
    if (!pcreReadsAlike(text[i + 1]!, used)) differs.push(text.slice(i, i + 1 + used));
    i += used;
    if (ch === '\0') break;
    out += ch;
  }
  return { text: out, differs };
}

/**
 * Whether PCRE2 would read the escape `\` + `e` (`used` characters after the backslash) as
 * keepalived's string escapes do: not \b and \E, \1-\7 (backreferences), \x with more than two
 * digits, nor \C for a letter, digit or metacharacter C (the backslash is gone then; \\ is the
 * way to write one).
 */
function pcreReadsAlike(e: string, used: number): boolean {
  if (SIMPLE_ESCAPES[e] !== undefined || (e >= '0' && e <= '7')) return !/[bE1-7]/.test(e);
  if (e === 'x' && used > 1) return used <= 3;
  if (e === 'c' && used === 2) return true;
  return e === '\\' || !/[A-Za-z0-9.^$*+?()[\]{}|]/.test(e);
}

/** Control characters of a pattern as \\xNN, for a warning. */
const shown = (p: string) => p.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

const NO_STACK = 'no PCRE2 JIT stack is set up (JavaScript regexes need none)';

interface UrlDraft extends Partial<Omit<HttpUrl, 'regex'>> {
  regex?: Partial<UrlRegex>;
  regexWhere?: Statement;
}

const regexPart = (u: UrlDraft) => (u.regex ??= {});

export const URL: KeywordTable<UrlDraft> = asKeepalivedTable({
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
  regex: implemented((s, u, kit) => {
    if (s.args.length > 1) fail(s, `regex: more than one word (quote a pattern that has spaces)`);
    const written = argText(s, 0, 'pattern');
    const { text: p, differs } = unescapeString(written);
    if (p === '') fail(s, `regex: empty pattern`);
    if (differs.length > 0) {
      kit.instead(s, `regex: keepalived.conf's string escapes (${differs.join(' ')}) make '${written}' the pattern '${shown(p)}' (write \\\\ for a backslash the regex should see)`, 'matched');
    }
    regexPart(u).pattern = p;
    u.regexWhere = s;
  }),
  regex_no_match: implemented((_s, u) => (regexPart(u).noMatch = true)),
  regex_options: implemented((s, u) => {
    if (s.args.length === 0) fail(s, `regex_options: missing option`);
    const opts = s.args.map((t) => t.text.toLowerCase());
    const bad = opts.find((o) => !(PCRE_OPTIONS as readonly string[]).includes(o));
    if (bad !== undefined) fail(s, `regex_options: unknown option '${bad}' (one of ${PCRE_OPTIONS.join(' ')})`);
    regexPart(u).options = [...(regexPart(u).options ?? []), ...opts];
  }),
  regex_stack: warned(NO_STACK, (s) => {
    const start = intArg(s, 0, 1, 2 ** 31 - 1);
    if (optArg(s, 1) !== undefined && intArg(s, 1, 1, 2 ** 31 - 1) < start) fail(s, `regex_stack: the maximum is smaller than the start`);
  }),
  regex_min_offset: implemented((s, u) => (regexPart(u).minOffset = intArg(s, 0, 0, 2 ** 31 - 1))),
  regex_max_offset: implemented((s, u) => (regexPart(u).maxOffset = intArg(s, 0, 0, 2 ** 31 - 1))),
  tls_compliant: warned('no TLS close_notify is sent'),
}, 'ignored');

function url(st: Statement, kit: Kit): HttpUrl {
  const u: UrlDraft = {};
  kit.apply(kit.needBlock(st), URL, u, 'url');
  if (u.path === undefined) fail(st, `url: no 'path'`);
  const out: HttpUrl = { path: u.path, statusCodes: u.statusCodes ?? [[200, 299]] };
  if (u.digest !== undefined) out.digest = u.digest;
  if (u.virtualhost !== undefined) out.virtualhost = u.virtualhost;
  const r = u.regex;
  if (r) {
    if (r.pattern === undefined) fail(st, `url: regex_no_match, regex_options or regex offsets without 'regex'`);
    const where = u.regexWhere ?? st;
    if (r.minOffset !== undefined && r.maxOffset !== undefined && r.minOffset > r.maxOffset) {
      fail(where, `regex: regex_min_offset ${r.minOffset} is past regex_max_offset ${r.maxOffset} (nothing can match)`);
    }
    let notes: string[];
    try {
      notes = translatePcre(r.pattern, (r.options ?? []) as PcreOption[]).notes;
    } catch (e) {
      // keepalived 2.2.7 logs a pattern PCRE2 rejects and its checker process then crashes at the
      // check (observed), so there is nothing safe to follow: refused at load.
      if (e instanceof RegexTranslationError) {
        fail(where, e.invalid
          ? `regex: '${r.pattern}' is not a valid PCRE2 pattern: ${e.message} (keepalived 2.2.7's checker crashes on it)`
          : `regex: '${r.pattern}': ${e.message}`);
      }
      throw e;
    }
    for (const n of notes) kit.warn(where, `regex: ${n}`);
    out.regex = {
      pattern: r.pattern, options: r.options ?? [], noMatch: r.noMatch ?? false,
      ...(r.minOffset !== undefined ? { minOffset: r.minOffset } : {}), ...(r.maxOffset !== undefined ? { maxOffset: r.maxOffset } : {}),
    };
  }
  return out;
}

export const MISC_CHECK: KeywordTable<MiscCheckerDraft> = asKeepalivedTable({
  misc_path: implemented((s, d, kit) => (d.path = kit.command(s, false))),
  misc_timeout: implemented((s, d) => (d.timeout = positiveTimer(s))),
  misc_dynamic: implemented((_s, d) => (d.dynamic = true)),
  user: implemented((s, d) => {
    d.user = argText(s, 0, 'user name');
    const g = optArg(s, 1);
    if (g !== undefined) d.group = g;
    if (s.args.length > 2) fail(s, `user: too many arguments (user [group])`);
  }),
  alpha: implemented((s, d) => (d.alpha = boolArg(s, 0))),
  log_all_failures: implemented((s, d) => (d.logAllFailures = boolArg(s, 0))),
  ...timingKeywords<MiscCheckerDraft>((d) => d.timing),
}, 'ignored');

export function miscChecker(st: Statement, kit: Kit): MiscCheckerDraft {
  const d: MiscCheckerDraft = { kind: 'misc', timing: {}, dynamic: false, where: whereOf(st) };
  kit.apply(kit.needBlock(st), MISC_CHECK, d, 'MISC_CHECK');
  if (!d.path) fail(st, `MISC_CHECK: no 'misc_path'`);
  return d;
}

// keepalived 2.2.7 (observed with its state dump): an undefined track_file is ignored (an earlier or
// later one stays; none: the checker is skipped), a weight that is not a number is 0, one out of
// range is ignored, and an unknown word after it is ignored (the weight stays, not reversed).
export const FILE_CHECK: KeywordTable<FileCheckerDraft> = {
  track_file: implemented((s, d) => {
    (d.trackFiles ??= []).push({ name: argText(s, 0, 'track_file name'), where: whereOf(s) });
  }),
  weight: implemented((s, d, kit) => {
    const v = argText(s, 0, 'weight');
    if (kit.readsAsZero(s, 'weight', v)) d.weight = 0;
    else {
      if (!kit.tolerate(s, () => intArg(s, 0, -(2 ** 31 - 1), 2 ** 31 - 1), 'ignored')) return;
      d.weight = Number(v);
    }
    const r = optArg(s, 1);
    if (r !== undefined && r !== 'reverse') kit.instead(s, `weight: '${r}' is not 'reverse'`, `the weight is not reversed`);
    d.reverse = r === 'reverse';
  }),
  dynamic: implemented(() => undefined, { note: 'the value always adjusts the weight, as in keepalived 2.2.7' }),
};

export function fileChecker(st: Statement, kit: Kit): FileCheckerDraft {
  const d: FileCheckerDraft = { kind: 'file', where: whereOf(st) };
  kit.apply(kit.needBlock(st), FILE_CHECK, d, 'FILE_CHECK');
  if (!d.trackFiles?.length) fail(st, `FILE_CHECK: no 'track_file'`);
  return d;
}

export const BFD_NOTE = 'no BFD session is run; the checker is dropped and the real server is treated as up (as if the BFD session were always up)';
export const BFD_CHECK: KeywordTable<BfdCheckerDraft> = skippedBlock(BFD_NOTE, ['name', 'alpha']);

export function bfdChecker(st: Statement): BfdCheckerDraft {
  const name = st.block?.find((s) => s.keyword === 'name');
  return { kind: 'bfd', ...(name?.args[0] ? { name: name.args[0].text } : {}), where: whereOf(st) };
}

export type { CheckerDraft };
