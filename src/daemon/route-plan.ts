// What the route runner holds, decided without touching anything: the static addresses, routes
// and rules, and each instance's virtual routes and rules (from the config); the netlink requests
// a RouteSpec / RuleSpec stands for (as keepalived 2.2.7 sends them); whether a kernel route or
// rule is one of ours (for tracking). The runner diffs keys: a reload touches only what changed.
import { isDeepStrictEqual } from 'node:util';
import type { RouteSpec, RuleActionName, RuleSpec, RouteTypeName, VipdConfig, VirtualAddressSpec } from '../config/types.js';
import type { Route, RouteAddMode, Rule } from '../netif/rtnetlink.js';
import {
  FR_ACT_BLACKHOLE, FR_ACT_GOTO, FR_ACT_NOP, FR_ACT_PROHIBIT, FR_ACT_TO_TBL, FR_ACT_UNREACHABLE, FIB_RULE_INVERT, RTNH_F_ONLINK,
  RTN_ANYCAST, RTN_BLACKHOLE, RTN_BROADCAST, RTN_LOCAL, RTN_MULTICAST, RTN_NAT, RTN_PROHIBIT, RTN_THROW, RTN_UNICAST, RTN_UNREACHABLE,
  RTN_UNSPEC, RT_SCOPE_NOWHERE,
} from '../netif/rtnetlink/constants.js';

/** Everything routing-shaped a configuration asks for. */
export interface RouteSets {
  addresses: VirtualAddressSpec[];
  routes: RouteSpec[];
  rules: RuleSpec[];
  /** Instance name -> its virtual routes and rules (instances without any are left out). */
  instances: Map<string, { routes: RouteSpec[]; rules: RuleSpec[] }>;
}

export function routeSets(config: VipdConfig): RouteSets {
  const instances = new Map<string, { routes: RouteSpec[]; rules: RuleSpec[] }>();
  for (const i of config.vrrpInstances) {
    const routes = i.virtualRoutes ?? [];
    const rules = i.virtualRules ?? [];
    if (routes.length || rules.length) instances.set(i.name, { routes, rules });
  }
  return { addresses: config.staticAddresses ?? [], routes: config.staticRoutes ?? [], rules: config.staticRules ?? [], instances };
}

function withoutWhere(v: object): unknown {
  return JSON.stringify(v, (k, x: unknown) => (k === 'where' ? undefined : x));
}

/** Same key, same kernel object: moving a line in the file changes nothing. */
export const routeKey = (r: RouteSpec): string => `route ${withoutWhere(r) as string}`;
export const ruleKey = (r: RuleSpec): string => `rule ${withoutWhere(r) as string}`;
export const addressKey = (a: VirtualAddressSpec): string => `address ${withoutWhere(a) as string}`;

const RTN: Record<RouteTypeName, number> = {
  unicast: RTN_UNICAST, local: RTN_LOCAL, broadcast: RTN_BROADCAST, anycast: RTN_ANYCAST, multicast: RTN_MULTICAST,
  blackhole: RTN_BLACKHOLE, unreachable: RTN_UNREACHABLE, prohibit: RTN_PROHIBIT, throw: RTN_THROW, nat: RTN_NAT,
};

const FR_ACT: Record<RuleActionName, number> = {
  table: FR_ACT_TO_TBL, goto: FR_ACT_GOTO, nop: FR_ACT_NOP, blackhole: FR_ACT_BLACKHOLE, unreachable: FR_ACT_UNREACHABLE, prohibit: FR_ACT_PROHIBIT,
};

/** The devices a route names (its own and its nexthops'), to resolve before building it. */
export function routeDevices(r: RouteSpec): string[] {
  return [...new Set([...(r.dev ? [r.dev] : []), ...r.nexthops.flatMap((h) => (h.dev ? [h.dev] : []))])];
}

/** The RTM_NEWROUTE body; `ifindex` maps every name of routeDevices(r). */
export function routeOf(r: RouteSpec, ifindex: (dev: string) => number): Route {
  const out: Route = {
    family: r.family, destination: r.destination.address, dstLength: r.destination.prefixLength, srcLength: r.source?.prefixLength ?? 0,
    tos: r.tos, table: r.table, protocol: r.protocol, scope: r.scope, type: RTN[r.type], flags: r.onlink ? RTNH_F_ONLINK : 0,
  };
  if (r.source) out.source = r.source.address;
  if (r.preferredSource !== undefined) out.preferredSource = r.preferredSource;
  if (r.gateway !== undefined) out.gateway = r.gateway;
  if (r.dev !== undefined) out.ifindex = ifindex(r.dev);
  if (r.metric !== undefined) out.priority = r.metric;
  if (r.realms !== undefined) out.realms = r.realms;
  if (Object.keys(r.metrics).length) out.metrics = { ...r.metrics };
  if (r.nexthops.length) {
    out.nexthops = r.nexthops.map((h) => ({
      ...(h.gateway !== undefined ? { gateway: h.gateway } : {}), ...(h.dev !== undefined ? { ifindex: ifindex(h.dev) } : {}),
      ...(h.weight !== undefined ? { weight: h.weight } : {}), flags: h.onlink ? RTNH_F_ONLINK : 0,
      ...(h.realms !== undefined ? { realms: h.realms } : {}),
    }));
  }
  if (r.pref !== undefined) out.pref = r.pref;
  if (r.expires !== undefined) out.expires = r.expires;
  if (r.ttlPropagate !== undefined) out.ttlPropagate = r.ttlPropagate;
  return out;
}

/** keepalived prepends unicast routes (the kernel's default), adds the other types, appends on `append`. */
export function routeAddMode(r: RouteSpec): RouteAddMode {
  return r.append ? 'append' : r.type === 'unicast' ? 'prepend' : 'add';
}

/** The RTM_DELROUTE body: as the add, any scope unless one was given, any type for unicast. */
export function routeDeleteOf(add: Route): Route {
  return { ...add, scope: add.scope === 0 ? RT_SCOPE_NOWHERE : add.scope, type: add.type === RTN_UNICAST ? RTN_UNSPEC : add.type };
}

export function ruleOf(r: RuleSpec): Rule {
  const out: Rule = {
    family: r.family, srcLength: r.from?.prefixLength ?? 0, dstLength: r.to?.prefixLength ?? 0, tos: r.tos, table: r.table,
    action: FR_ACT[r.action], flags: r.invert ? FIB_RULE_INVERT : 0, priority: r.priority,
  };
  if (r.from) out.source = r.from.address;
  if (r.to) out.destination = r.to.address;
  if (r.iif !== undefined) out.iifname = r.iif;
  if (r.oif !== undefined) out.oifname = r.oif;
  if (r.fwmark !== undefined) out.fwmark = r.fwmark;
  if (r.fwmask !== undefined) out.fwmask = r.fwmask;
  if (r.realms !== undefined) out.realms = r.realms;
  if (r.uidRange) out.uidRange = r.uidRange;
  if (r.l3mdev) out.l3mdev = true;
  if (r.suppressPrefixLength !== undefined) out.suppressPrefixLength = r.suppressPrefixLength;
  if (r.suppressIfgroup !== undefined) out.suppressIfgroup = r.suppressIfgroup;
  if (r.goto !== undefined) out.goto = r.goto;
  if (r.ipProto !== undefined) out.ipProto = r.ipProto;
  if (r.sport) out.sportRange = r.sport;
  if (r.dport) out.dportRange = r.dport;
  if (r.protocol !== undefined) out.protocol = r.protocol;
  return out;
}

const ANY = (family: 4 | 6) => (family === 4 ? '0.0.0.0' : '::');

/** A kernel route (dump or notification) is the one `want` added: the fields the kernel keys routes on. */
export function isSameRoute(k: Route, want: Route): boolean {
  const defaultMetric = want.family === 6 ? 1024 : 0;
  return k.family === want.family && k.table === want.table && k.dstLength === want.dstLength && k.tos === want.tos
    && (k.destination ?? ANY(k.family)) === want.destination && k.srcLength === want.srcLength
    && (k.source ?? ANY(k.family)) === (want.source ?? ANY(want.family))
    && (k.priority ?? 0) === (want.priority ?? defaultMetric) && k.type === want.type && k.protocol === want.protocol
    && (want.ifindex === undefined || k.ifindex === want.ifindex) && (want.gateway === undefined || k.gateway === want.gateway);
}

/** A kernel rule is the one `want` added. */
export function isSameRule(k: Rule, want: Rule): boolean {
  return k.family === want.family && k.priority === want.priority && k.table === want.table && k.action === want.action
    && k.flags === want.flags && k.tos === want.tos && k.srcLength === want.srcLength && k.dstLength === want.dstLength
    && (k.source ?? ANY(k.family)) === (want.source ?? ANY(want.family)) && (k.destination ?? ANY(k.family)) === (want.destination ?? ANY(want.family))
    && k.iifname === want.iifname && k.oifname === want.oifname && k.fwmark === want.fwmark && k.goto === want.goto
    && (want.protocol === undefined || k.protocol === want.protocol) && isDeepStrictEqual(k.uidRange, want.uidRange)
    && isDeepStrictEqual(k.sportRange, want.sportRange) && isDeepStrictEqual(k.dportRange, want.dportRange) && k.ipProto === want.ipProto;
}
