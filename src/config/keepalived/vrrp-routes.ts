// virtual_routes / static_routes and virtual_rules / static_rules lines (the `ip route add` /
// `ip rule add` syntax, without shortened option names), and static_ipaddress. A line becomes
// exactly what keepalived 2.2.7 sends the kernel (observed with strace): protocol keepalived unless
// no_track, scope global unless given, rules without a preference numbered down from 16384 in file
// order. A value that cannot be used is warned at its file:line and, as keepalived 2.2.7 does, drops
// its line, or for a few options (route features / ttl-propagate, rule sport / dport / ipproto /
// protocol) only the option; an option without its value is a ConfigError (keepalived will not start).
import type { Statement } from '../block-parser.js';
import { iproute2Number, type Iproute2Table } from '../iproute2-names.js';
import type {
  PrefixSpec, RouteMetricsSpec, RouteNextHopSpec, RouteSpec, RouteTypeName, RuleActionName, RuleSpec,
} from '../types.js';
import { fail, familyOf, isIp, whereOf } from '../values.js';
import { bytesToIp, ipToBytes } from '../../netif/ip-address.js';
import type { ConfigDraft, InstanceDraft } from './draft.js';
import { implemented, warned, type KeywordEntry, type Kit, type KeywordTable } from './kit.js';
import { virtualAddresses } from './vrrp-addresses.js';

const RTPROT_KEEPALIVED = 18;
const RT_TABLE_MAIN = 254;
/** RTAX_* numbers, for RTAX_LOCK bits. */
const RTAX = { mtu: 2, rtt: 4, rttvar: 5, ssthresh: 6, cwnd: 7, advmss: 8, reordering: 9, rtoMin: 13 } as const;
const U32 = 0xffffffff;

const ROUTE_TYPES: readonly RouteTypeName[] = ['unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat'];
const RULE_ACTIONS: Record<string, RuleActionName> = { blackhole: 'blackhole', unreachable: 'unreachable', prohibit: 'prohibit', nop: 'nop' };

/** A value on a route/rule line that cannot be used: the line is ignored (with a warning). */
class LineProblem extends Error {}

/** The words of one line, read left to right. */
class Words {
  i = 0;
  constructor(readonly st: Statement, readonly words: string[], readonly what: string, readonly kit: Kit) {}

  peek(): string | undefined {
    return this.words[this.i];
  }

  next(): string | undefined {
    return this.words[this.i++];
  }

  /** The value after option `opt`. */
  value(opt: string): string {
    const v = this.next();
    if (v === undefined) fail(this.st, `${this.what}: '${opt}' needs a value`);
    return v;
  }

  /** The line cannot be used: it is ignored (a warning at its line). */
  fail(message: string): never {
    throw new LineProblem(message);
  }

  /** The option cannot be used: the rest of the line is (a warning at its line). */
  ignore(message: string): void {
    this.kit.warn(this.st, `${this.what}: ${message}: option ignored as keepalived does`);
  }

  /** An option whose bad value keepalived drops alone: undefined (and a warning) instead of the line. */
  optional<T>(read: () => T): T | undefined {
    try {
      return read();
    } catch (err) {
      if (!(err instanceof LineProblem)) throw err;
      this.ignore(err.message);
      return undefined;
    }
  }
}

const canonical = (a: string) => bytesToIp(ipToBytes(a));

function number(w: Words, opt: string, text: string, max: number, opts: { hex?: boolean; min?: number } = {}): number {
  const re = opts.hex === false ? /^\d+$/ : /^(\d+|0x[0-9a-f]+)$/i;
  if (!re.test(text)) w.fail(`${opt}: '${text}' is not a number`);
  const v = Number(text);
  if (v < (opts.min ?? 0) || v > max) w.fail(`${opt}: ${text} is out of range ${opts.min ?? 0}..${max}`);
  return v;
}

/** A number or a name from /etc/iproute2/<table>. */
function named(w: Words, opt: string, table: Iproute2Table, max: number): number {
  const text = w.value(opt);
  if (/^(\d+|0x[0-9a-f]+)$/i.test(text)) return number(w, opt, text, max);
  const v = iproute2Number(table, text);
  if (v === undefined || v > max) w.fail(`${opt}: '${text}' is not a number or a name in /etc/iproute2/${table}`);
  return v;
}

/** A rule's table; 0 is not one (a route's table 0 is main, as the kernel and keepalived take it). */
function tableId(w: Words, opt: string, zero?: number): number {
  const v = named(w, opt, 'rt_tables', U32);
  if (v !== 0) return v;
  return zero ?? w.fail(`${opt}: table 0 is not valid`);
}

/** realms [FROM/]TO, each 0..255 or a name from rt_realms: (from << 16) | to. */
function realms(w: Words, opt: string): number {
  const text = w.value(opt);
  const one = (x: string): number => {
    if (/^(\d+|0x[0-9a-f]+)$/i.test(x)) {
      const v = Number(x);
      if (v <= 255) return v;
    } else {
      const v = iproute2Number('rt_realms', x);
      if (v !== undefined && v <= 255) return v;
    }
    return w.fail(`${opt}: '${text}' is not [FROM/]TO with realms 0..255 or names in /etc/iproute2/rt_realms`);
  };
  const parts = text.split('/');
  if (parts.length > 2) w.fail(`${opt}: '${text}' is not [FROM/]TO`);
  return parts.length === 2 ? ((one(parts[0]!) << 16) | one(parts[1]!)) >>> 0 : one(parts[0]!);
}

/** An address of the line's family (the first address fixes it). */
function address(w: Words, text: string, opt: string, fam: { family?: 4 | 6 }): string {
  if (!isIp(text)) w.fail(`${opt}: '${text}' is not a valid IP address`);
  sameFamily(w, familyOf(text), fam, `${opt} ${text}`);
  return canonical(text);
}

function sameFamily(w: Words, f: 4 | 6, fam: { family?: 4 | 6 }, what: string): void {
  if (fam.family === undefined) fam.family = f;
  else if (fam.family !== f) w.fail(`${what} is IPv${f}, the rest of the line IPv${fam.family}`);
}

/** ADDR[/LEN]; `default` and `all` are the whole family (IPv4 unless the line says otherwise). */
function prefix(w: Words, text: string, opt: string, fam: { family?: 4 | 6 }, any: readonly string[]): PrefixSpec {
  if (any.includes(text)) return { address: '', prefixLength: 0 };
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  if (!isIp(addr)) w.fail(`${opt}: '${text}' is not a valid address or prefix`);
  const family = familyOf(addr);
  const max = family === 4 ? 32 : 128;
  const len = slash < 0 ? String(max) : text.slice(slash + 1);
  if (!/^\d+$/.test(len) || Number(len) > max) w.fail(`${opt}: '${text}' has an invalid prefix length (0..${max})`);
  sameFamily(w, family, fam, `${opt} ${text}`);
  return { address: canonical(addr), prefixLength: Number(len) };
}

/** The `default`/`all` prefixes, once the line's family is known. */
function fillAny(p: PrefixSpec | undefined, family: 4 | 6): PrefixSpec | undefined {
  if (!p || p.address !== '') return p;
  return { address: family === 4 ? '0.0.0.0' : '::', prefixLength: 0 };
}

/** rtt / rttvar / rto_min: ms (s/sec/secs with up to 3 decimals, ms/msec/msecs, or bare), at least 200 ms. */
function rttValue(w: Words, opt: string, maxMs: number, scale: number): number {
  const text = w.value(opt);
  const m = /^(\d+(?:\.\d+)?)(s|sec|secs|ms|msec|msecs)?$/.exec(text);
  if (!m) w.fail(`${opt}: '${text}' is not a time (N, Nms or Ns)`);
  const [, num, unit] = m;
  const seconds = unit === 's' || unit === 'sec' || unit === 'secs';
  const decimals = num!.split('.')[1]?.length ?? 0;
  if (decimals > (seconds ? 3 : 0)) w.fail(`${opt}: '${text}' has too many decimal places`);
  const ms = seconds ? Math.round(Number(num) * 1000) : Number(num);
  if (ms > maxMs) w.fail(`${opt}: '${text}' is more than ${maxMs / 1000} s`);
  // keepalived: a bare number is in the kernel's units already; every value is at least 200 ms.
  const units = unit === undefined ? ms : ms * scale;
  return Math.max(units, 200 * scale);
}

/** An option word of a route line. */
interface RouteOption {
  w: Words;
  d: RouteDraft;
  /** The option word as written (several words share a handler). */
  word: string;
}

/** A route line being read: the spec's fields, unset until an option sets them. */
type RouteDraft = Partial<Omit<RouteSpec, 'family' | 'where' | 'onlink' | 'metrics' | 'nexthops' | 'append' | 'noTrack'>> & {
  fam: { family?: 4 | 6 };
  /** `or`: the second gateway of `via A or B`. */
  or?: string;
  onlink: boolean;
  metrics: RouteMetricsSpec;
  nexthops: RouteNextHopSpec[];
  append: boolean;
  noTrack: boolean;
  /** Why the route is not added (an option vipd does not implement). */
  skip?: string;
};

function metric(key: Exclude<keyof RouteMetricsSpec, 'congctl' | 'lock'>, max = U32, lockable = false): (st: Statement, o: RouteOption) => void {
  return (_st, o) => {
    let v = o.w.value(o.word);
    if (v === 'lock') {
      if (!lockable) o.w.fail(`${o.word}: 'lock' is not allowed (only mtu, ssthresh, cwnd, advmss, reordering, rtt, rttvar, rto_min)`);
      o.d.metrics.lock = ((o.d.metrics.lock ?? 0) | (1 << RTAX[key as keyof typeof RTAX])) >>> 0;
      v = o.w.value(`${o.word} lock`);
    }
    o.d.metrics[key] = number(o.w, o.word, v, max, { hex: false });
  };
}

function rtt(key: 'rtt' | 'rttvar' | 'rtoMin', maxMs: number, scale: number): (st: Statement, o: RouteOption) => void {
  return (_st, o) => {
    if (o.w.peek() === 'lock') {
      o.w.next();
      o.d.metrics.lock = ((o.d.metrics.lock ?? 0) | (1 << RTAX[key])) >>> 0;
    }
    o.d.metrics[key] = rttValue(o.w, o.word, maxMs, scale);
  };
}

const via = (_st: Statement, o: RouteOption) => {
  let v = o.w.value(o.word);
  if (v === 'inet' || v === 'inet6') {
    sameFamily(o.w, v === 'inet' ? 4 : 6, o.d.fam, `${o.word} ${v}`);
    v = o.w.value(o.word);
  }
  o.d.gateway = address(o.w, v, o.word, o.d.fam);
};

/** The destination; given twice, the last one counts (keepalived says nothing: vipd warns). */
function destination(o: RouteOption, text: string, opt: string, any: readonly string[]): void {
  const p = prefix(o.w, text, opt, o.d.fam, any);
  if (o.d.destination) o.w.kit.warn(o.w.st, `${o.w.what}: the destination is given twice, '${text}' is used (as keepalived)`);
  o.d.destination = p;
}

const metricKeyword = (_st: Statement, o: RouteOption) => (o.d.metric = number(o.w, o.word, o.w.value(o.word), U32, { hex: false }));
const dev = (_st: Statement, o: RouteOption) => (o.d.dev = o.w.value(o.word));
const tos = (_st: Statement, o: RouteOption | RuleOption) => (o.d.tos = number(o.w, o.word, o.w.value(o.word), 255));

/** The words of a route line after its destination (and the destination itself, anywhere). */
/**
 * keepalived drops an IPv4 route line at an IPv6-only option, before reading its value (so
 * even without one: it runs that).
 */
function ipv6Only(o: RouteOption): void {
  if (o.d.fam.family === 4) o.w.fail(`'${o.word}' is only valid on IPv6 routes`);
}

export const ROUTE_OPTIONS: KeywordTable<RouteOption> = {
  to: implemented((_s, o) => destination(o, o.w.value('to'), 'to', ['default', 'all'])),
  src: implemented((_s, o) => (o.d.preferredSource = address(o.w, o.w.value('src'), 'src', o.d.fam)), { note: 'the preferred source address' }),
  from: implemented((_s, o) => (o.d.source = prefix(o.w, o.w.value('from'), 'from', o.d.fam, [])), { note: 'IPv6 source-specific routes only' }),
  via: implemented(via),
  gw: implemented((s, o, kit) => {
    kit.warn(s, `${o.w.what}: 'gw' is deprecated, use 'via' (as keepalived says)`);
    via(s, o);
  }),
  or: implemented((s, o, kit) => {
    kit.warn(s, `${o.w.what}: 'or' is deprecated, use 'nexthop' (as keepalived says)`);
    o.d.or = address(o.w, o.w.value('or'), 'or', o.d.fam);
  }, { note: "an alternative gateway: 'via A or B' is two nexthops" }),
  dev: implemented(dev),
  oif: implemented(dev),
  table: implemented((_s, o) => (o.d.table = tableId(o.w, 'table', RT_TABLE_MAIN)), { note: 'table 0 is main' }),
  metric: implemented(metricKeyword),
  priority: implemented(metricKeyword),
  preference: implemented(metricKeyword),
  scope: implemented((_s, o) => (o.d.scope = named(o.w, 'scope', 'rt_scopes', 255))),
  protocol: implemented((_s, o) => (o.d.protocol = named(o.w, 'protocol', 'rt_protos', 255))),
  tos: implemented(tos),
  dsfield: implemented(tos),
  onlink: implemented((_s, o) => (o.d.onlink = true)),
  mtu: implemented(metric('mtu', U32, true)),
  window: implemented(metric('window')),
  ssthresh: implemented(metric('ssthresh', U32, true)),
  cwnd: implemented(metric('cwnd', U32, true)),
  advmss: implemented(metric('advmss', U32, true)),
  reordering: implemented(metric('reordering', U32, true)),
  hoplimit: implemented(metric('hoplimit', 255)),
  initcwnd: implemented(metric('initcwnd')),
  initrwnd: implemented(metric('initrwnd')),
  quickack: implemented(metric('quickack', 1)),
  fastopen_no_cookie: implemented(metric('fastopenNoCookie', 1)),
  rtt: implemented(rtt('rtt', 960_000, 8), { note: 'bare numbers are in the kernel\'s units (ms x 8), as keepalived; at least 200 ms' }),
  rttvar: implemented(rtt('rttvar', 480_000, 4)),
  rto_min: implemented(rtt('rtoMin', 120_000, 1)),
  features: implemented((_s, o) => {
    const f = o.w.value('features');
    if (f === 'ecn') o.d.metrics.features = (o.d.metrics.features ?? 0) | 1;
    else o.w.ignore(`features: '${f}' is not supported (ecn)`);
  }),
  congctl: implemented((_s, o) => {
    let v = o.w.value('congctl');
    // keepalived accepts `congctl lock NAME` and sends no lock bit for it.
    if (v === 'lock') v = o.w.value('congctl');
    o.d.metrics.congctl = v;
  }),
  realms: implemented((_s, o) => (o.d.realms = realms(o.w, 'realms'))),
  pref: implemented((_s, o) => {
    ipv6Only(o);
    const v = o.w.value('pref');
    const p = ({ low: 3, medium: 0, high: 1 } as Record<string, number>)[v];
    o.d.pref = p ?? number(o.w, 'pref', v, 255);
  }, { note: 'IPv6 only' }),
  expires: implemented((_s, o) => {
    ipv6Only(o);
    o.d.expires = number(o.w, 'expires', o.w.value('expires'), U32, { hex: false });
  }, { note: 'IPv6 only' }),
  'ttl-propagate': implemented((_s, o) => {
    const v = o.w.value('ttl-propagate');
    if (v === 'enabled' || v === 'disabled') o.d.ttlPropagate = v === 'enabled';
    else o.w.ignore(`ttl-propagate: '${v}' is not enabled or disabled`);
  }),
  append: implemented((_s, o) => (o.d.append = true), { note: "added after matching routes, as 'ip route append'" }),
  no_track: implemented((_s, o) => (o.d.noTrack = true)),
  inet: implemented((_s, o) => sameFamily(o.w, 4, o.d.fam, 'inet')),
  inet6: implemented((_s, o) => sameFamily(o.w, 6, o.d.fam, 'inet6')),
  nexthop: implemented(() => undefined, { note: "multipath: 'nexthop [via ADDR] [dev NAME] [weight 1..256] [onlink] [realms R]', after every other option" }),
  as: warned('the MPLS destination is ignored (keepalived ignores it on IP routes too)', (_s, o) => {
    let v = o.w.value('as');
    if (v === 'to') v = o.w.value('as to');
    void v;
  }),
  track_group: warned('track groups are not used: a deleted static route stays deleted (as keepalived does without one)', (_s, o) => void o.w.value('track_group')),
  encap: warned('routes with encap are not added', (_s, o) => {
    o.d.skip = 'encap';
    o.w.i = o.w.words.length;
  }),
  vrf: warned('routes with vrf are not added', (_s, o) => {
    void o.w.value('vrf');
    o.d.skip = 'vrf';
  }),
};

/** nexthop [via ADDR] [dev NAME] [weight N] [onlink] [realms R]; nothing may follow the nexthops. */
function nexthops(w: Words, fam: { family?: 4 | 6 }): RouteNextHopSpec[] {
  const out: RouteNextHopSpec[] = [];
  while (w.peek() !== undefined) {
    const word = w.next()!;
    if (word === 'nexthop') {
      out.push({ onlink: false });
      continue;
    }
    const h = out[out.length - 1]!;
    switch (word) {
      case 'via':
        h.gateway = address(w, w.value('nexthop via'), 'nexthop via', fam);
        break;
      case 'dev':
        h.dev = w.value('nexthop dev');
        break;
      case 'weight':
        h.weight = number(w, 'nexthop weight', w.value('nexthop weight'), 256, { hex: false, min: 1 });
        break;
      case 'onlink':
        h.onlink = true;
        break;
      case 'realms':
        h.realms = realms(w, 'nexthop realms');
        break;
      default:
        w.fail(`'${word}' after the nexthops (every other option goes before the first 'nexthop')`);
    }
  }
  return out;
}

const ROUTE_OPTIONAL = ['source', 'preferredSource', 'dev', 'metric', 'realms', 'pref', 'expires', 'ttlPropagate'] as const;

/** One route line; undefined when an option vipd does not implement leaves it out (warned). */
export function routeLine(e: Statement, kit: Kit, context: string, opts: { tracked: boolean }): RouteSpec | undefined {
  const w: Words = new Words(e, [e.keyword, ...e.args.map((a) => a.text)], context, kit);
  const d: RouteDraft = { fam: {}, onlink: false, metrics: {}, nexthops: [], append: false, noTrack: false };
  if ((ROUTE_TYPES as readonly string[]).includes(w.peek()!)) d.type = w.next() as RouteTypeName;
  while (w.peek() !== undefined) {
    const word = w.peek()!;
    if (word === 'nexthop') {
      d.nexthops = nexthops(w, d.fam);
      break;
    }
    w.next();
    const entry = Object.hasOwn(ROUTE_OPTIONS, word) ? ROUTE_OPTIONS[word]! : undefined;
    if (!entry) {
      if (d.destination && word !== 'default' && !isIp(word.split('/')[0]!)) w.fail(`unknown option '${word}'`);
      destination({ w, d, word }, word, 'destination', ['default']);
      continue;
    }
    entry.handler?.(e, { w, d, word }, kit);
    if (entry.status === 'warned') kit.warn(e, `${context} ${word}: not supported by vipd, ${entry.note}`);
  }
  if (e.block) fail(e, `${context}: unexpected '{'`);
  if (!d.destination) w.fail('no destination');
  if (d.skip) return undefined;
  const family = d.fam.family ?? 4;
  if (family === 4) {
    if (d.source) w.fail(`'from' is only supported on IPv6 routes (as keepalived)`);
    if (d.pref !== undefined) w.fail(`'pref' is only valid on IPv6 routes`);
    if (d.expires !== undefined) w.fail(`'expires' is only valid on IPv6 routes`);
  }
  let noTrack = d.noTrack;
  let protocol = d.protocol ?? RTPROT_KEEPALIVED;
  if (protocol !== RTPROT_KEEPALIVED && !noTrack) {
    kit.warn(e, `${context}: protocol ${protocol} is replaced by keepalived (18) so the route can be tracked, as keepalived does (add no_track to keep it)`);
    protocol = RTPROT_KEEPALIVED;
  }
  if (opts.tracked && !noTrack && d.dev === undefined) {
    kit.warn(e, `${context}: a route without 'dev' is not tracked (its deletion does not move the instance out of MASTER), as keepalived`);
    noTrack = true;
  }
  const nexthopList = d.or !== undefined
    ? [{ onlink: false, ...(d.gateway !== undefined ? { gateway: d.gateway } : {}) }, { onlink: false, gateway: d.or }]
    : d.nexthops;
  const spec: RouteSpec = {
    family, type: d.type ?? 'unicast', destination: fillAny(d.destination, family)!, table: d.table ?? RT_TABLE_MAIN, tos: d.tos ?? 0,
    scope: d.scope ?? 0, protocol, onlink: d.onlink, metrics: d.metrics, nexthops: nexthopList, append: d.append, noTrack, where: whereOf(e),
  };
  const opt = <K extends keyof RouteSpec>(k: K, v: RouteSpec[K] | undefined) => {
    if (v !== undefined) spec[k] = v;
  };
  if (d.or === undefined) opt('gateway', d.gateway);
  for (const k of ROUTE_OPTIONAL) opt(k, d[k]);
  return spec;
}

/** A rule line being read: the spec's fields, unset until an option sets them. */
type RuleDraft = Partial<Omit<RuleSpec, 'family' | 'where' | 'l3mdev' | 'invert' | 'noTrack'>> & {
  fam: { family?: 4 | 6 };
  l3mdev: boolean;
  invert: boolean;
  noTrack: boolean;
};

interface RuleOption {
  w: Words;
  d: RuleDraft;
  word: string;
}

/**
 * START-END. keepalived drops a port range it cannot read alone (`portsOnly`), but sends one that
 * ends before it starts, which the kernel refuses: that line is not added.
 */
function span(w: Words, opt: string, max: number, portsOnly = false): { start: number; end: number } | undefined {
  const text = w.value(opt);
  const read = () => {
    const m = /^(\d+)-(\d+)$/.exec(text);
    if (!m) w.fail(`${opt}: '${text}' is not a range START-END`);
    return { start: number(w, opt, m[1]!, max, { hex: false }), end: number(w, opt, m[2]!, max, { hex: false }) };
  };
  const r = portsOnly ? w.optional(read) : read();
  if (r && r.end < r.start) w.fail(`${opt}: '${text}' ends before it starts`);
  return r;
}

const IP_PROTOS: Record<string, number> = { icmp: 1, igmp: 2, tcp: 6, udp: 17, ipv6: 41, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58, ospf: 89, sctp: 132, udplite: 136 };

const priority = (_s: Statement, o: RuleOption) => (o.d.priority = number(o.w, o.word, o.w.value(o.word), U32, { hex: false }));
const ruleTable = (_s: Statement, o: RuleOption) => {
  o.d.table = tableId(o.w, o.word);
  o.d.action ??= 'table';
};
const action = (a: RuleActionName) => (_s: Statement, o: RuleOption) => (o.d.action = a);

/** The words of a rule line. */
export const RULE_OPTIONS: KeywordTable<RuleOption> = {
  from: implemented((_s, o) => (o.d.from = prefix(o.w, o.w.value('from'), 'from', o.d.fam, ['all']))),
  to: implemented((_s, o) => (o.d.to = prefix(o.w, o.w.value('to'), 'to', o.d.fam, ['all']))),
  not: implemented((_s, o) => (o.d.invert = true)),
  iif: implemented((_s, o) => (o.d.iif = o.w.value('iif'))),
  oif: implemented((_s, o) => (o.d.oif = o.w.value('oif'))),
  table: implemented(ruleTable),
  lookup: implemented(ruleTable),
  priority: implemented(priority),
  preference: implemented(priority),
  order: implemented(priority),
  fwmark: implemented((_s, o) => {
    const text = o.w.value('fwmark');
    const [mark, mask, more] = text.split('/');
    if (more !== undefined) o.w.fail(`fwmark: '${text}' is not MARK[/MASK]`);
    o.d.fwmark = number(o.w, 'fwmark', mark!, U32);
    if (mask !== undefined) o.d.fwmask = number(o.w, 'fwmark mask', mask, U32);
  }),
  tos: implemented(tos),
  dsfield: implemented(tos),
  uidrange: implemented((_s, o) => (o.d.uidRange = span(o.w, 'uidrange', U32))),
  sport: implemented((_s, o) => (o.d.sport = span(o.w, 'sport', 0xffff, true)), { note: 'a range START-END (keepalived ignores a single port)' }),
  dport: implemented((_s, o) => (o.d.dport = span(o.w, 'dport', 0xffff, true)), { note: 'a range START-END (keepalived ignores a single port)' }),
  ipproto: implemented((_s, o) => {
    const v = o.w.value('ipproto');
    o.d.ipProto = IP_PROTOS[v.toLowerCase()] ?? o.w.optional(() => number(o.w, 'ipproto', v, 255));
  }),
  l3mdev: implemented((_s, o) => {
    o.d.l3mdev = true;
    o.d.action ??= 'table';
  }),
  goto: implemented((_s, o) => {
    o.d.goto = number(o.w, 'goto', o.w.value('goto'), U32, { hex: false });
    o.d.action = 'goto';
  }),
  // keepalived takes any int (the kernel too): `suppress_prefixlength 200` suppresses nothing.
  suppress_prefixlength: implemented((_s, o) => (o.d.suppressPrefixLength = number(o.w, 'suppress_prefixlength', o.w.value('suppress_prefixlength'), 0x7fffffff, { hex: false }))),
  suppress_ifgroup: implemented((_s, o) => (o.d.suppressIfgroup = number(o.w, 'suppress_ifgroup', o.w.value('suppress_ifgroup'), 0x7fffffff))),
  realms: implemented((_s, o) => (o.d.realms = realms(o.w, 'realms'))),
  protocol: implemented((_s, o) => {
    const v = o.w.value('protocol');
    o.d.protocol = o.w.optional(() => number(o.w, 'protocol', v, 255));
  }, { note: 'a number (keepalived takes no names here)' }),
  blackhole: implemented(action('blackhole')),
  unreachable: implemented(action('unreachable')),
  prohibit: implemented(action('prohibit')),
  nop: implemented(action('nop')),
  type: implemented((_s, o) => {
    const v = o.w.value('type');
    const a = RULE_ACTIONS[v];
    if (!a) o.w.fail(`type: '${v}' is not blackhole, unreachable, prohibit or nop`);
    o.d.action = a;
  }),
  no_track: implemented((_s, o) => (o.d.noTrack = true)),
  inet: implemented((_s, o) => sameFamily(o.w, 4, o.d.fam, 'inet')),
  inet6: implemented((_s, o) => sameFamily(o.w, 6, o.d.fam, 'inet6')),
  track_group: warned('track groups are not used: a deleted static rule is put back (as keepalived does without one)', (_s, o) => void o.w.value('track_group')),
};

const RULE_OPTIONAL = ['goto', 'fwmark', 'fwmask', 'iif', 'oif', 'uidRange', 'sport', 'dport', 'ipProto', 'suppressPrefixLength', 'suppressIfgroup', 'realms'] as const;

/** Rules without a preference get 16384, 16383... in the order keepalived reads them (one count per file). */
const unnumbered = new WeakMap<Kit, { next: number }>();

export function ruleLine(e: Statement, kit: Kit, context: string): RuleSpec {
  const w: Words = new Words(e, [e.keyword, ...e.args.map((a) => a.text)], context, kit);
  const d: RuleDraft = { fam: {}, l3mdev: false, invert: false, noTrack: false };
  while (w.peek() !== undefined) {
    const word = w.next()!;
    const entry = Object.hasOwn(RULE_OPTIONS, word) ? RULE_OPTIONS[word]! : w.fail(`unknown option '${word}'`);
    entry.handler?.(e, { w, d, word }, kit);
    if (entry.status === 'warned') kit.warn(e, `${context} ${word}: not supported by vipd, ${entry.note}`);
  }
  if (e.block) fail(e, `${context}: unexpected '{'`);
  if (!d.action) w.fail('no action (table, goto, l3mdev, blackhole, unreachable, prohibit or nop)');
  if (d.action === 'goto' && d.table !== undefined) w.fail(`'goto' and 'table' together`);
  const family = d.fam.family ?? 4;
  let prio = d.priority;
  if (prio === undefined) {
    const n = unnumbered.get(kit) ?? { next: 16384 };
    unnumbered.set(kit, n);
    prio = n.next--;
    kit.warn(e, `${context}: no preference, ${prio} assigned as keepalived does (rules need one: they may be added in any order)`);
  }
  let protocol = d.protocol;
  if (!d.noTrack) {
    if (protocol !== undefined && protocol !== RTPROT_KEEPALIVED) {
      kit.warn(e, `${context}: protocol ${protocol} is replaced by keepalived (18) so the rule can be tracked, as keepalived does (add no_track to keep it)`);
    }
    protocol = RTPROT_KEEPALIVED;
  }
  const spec: RuleSpec = {
    family, action: d.action, table: d.table ?? 0, l3mdev: d.l3mdev, priority: prio,
    invert: d.invert, tos: d.tos ?? 0, noTrack: d.noTrack, where: whereOf(e),
  };
  const opt = <K extends keyof RuleSpec>(k: K, v: RuleSpec[K] | undefined) => {
    if (v !== undefined) spec[k] = v;
  };
  opt('from', fillAny(d.from, family));
  opt('to', fillAny(d.to, family));
  opt('protocol', protocol);
  for (const k of RULE_OPTIONAL) opt(k, d[k]);
  return spec;
}

/** The lines of a block; a line that cannot be used is left out with a warning. */
function lines<T>(st: Statement, kit: Kit, read: (e: Statement) => T | undefined): T[] {
  const out: T[] = [];
  for (const e of kit.needBlock(st)) {
    try {
      const x = read(e);
      if (x !== undefined) out.push(x);
    } catch (err) {
      if (!(err instanceof LineProblem)) throw err;
      kit.warn(e, `${st.keyword}: ${err.message}: line ignored as keepalived does`);
    }
  }
  return out;
}

/** virtual_routes { } / static_routes { }. */
export function routeBlock(st: Statement, kit: Kit, opts: { tracked: boolean }): RouteSpec[] {
  return lines(st, kit, (e) => routeLine(e, kit, st.keyword, opts));
}

/** virtual_rules { } / static_rules { }. */
export function ruleBlock(st: Statement, kit: Kit): RuleSpec[] {
  return lines(st, kit, (e) => ruleLine(e, kit, st.keyword));
}

/** The draft fields that hold lists of routes, rules or addresses. */
type ListKey<T> = { [K in keyof T]-?: NonNullable<T[K]> extends unknown[] ? K : never }[keyof T];

/** A block keyword whose entries are added to `key` (several blocks of one kind add up). */
function appended<T>(key: ListKey<T>, read: (st: Statement, kit: Kit) => unknown[], note: string, block: string): KeywordEntry<T> {
  return implemented((s, d, kit) => {
    const target = d as Record<ListKey<T>, unknown[] | undefined>;
    target[key] = [...target[key] ?? [], ...read(s, kit)];
  }, { note, block, list: true });
}

const routes = (tracked: boolean) => (s: Statement, kit: Kit) => routeBlock(s, kit, { tracked });
const MASTER_ONLY = 'added on MASTER, removed otherwise; a tracked one deleted by someone else moves the instance to BACKUP';

export const VIRTUAL_ROUTES = appended<InstanceDraft>('virtualRoutes', routes(true), MASTER_ONLY, 'virtual_routes options');
export const VIRTUAL_RULES = appended<InstanceDraft>('virtualRules', ruleBlock, MASTER_ONLY, 'virtual_rules options');
export const STATIC_ADDRESSES = appended<ConfigDraft>('staticAddresses', virtualAddresses,
  'added at start, put back when deleted, removed at stop; no dev: default_interface (eth0)', 'virtual_ipaddress options');
export const STATIC_ROUTES = appended<ConfigDraft>('staticRoutes', routes(false),
  'added at start, removed at stop (one deleted by someone else stays deleted, as keepalived)', 'virtual_routes options');
export const STATIC_RULES = appended<ConfigDraft>('staticRules', ruleBlock, 'added at start, put back when deleted, removed at stop', 'virtual_rules options');
