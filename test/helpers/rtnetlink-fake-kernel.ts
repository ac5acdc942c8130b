// An in-memory rtnetlink kernel behind nltest's FakeTransport (like ipvs-fake-kernel.ts for IPVS):
// links, addresses, IPv6 address labels, routes and rules, decoded and answered with the real
// codecs, so a real RtNetlink client runs against it. Route, rule and address changes are sent to
// subscriptions (route/rule groups) like the kernel's notifications; remove*() act as someone else. `autoLinks` makes any asked-for name exist (an up link with an
// IPv4 and a link-local IPv6 address), for tests that generate interface names.
import { RtNetlink } from '../../src/netif/rtnetlink.js';
import { AttributeEncoder } from '../../src/netif/netlink/attributes.js';
import type { NetlinkMessage } from '../../src/netif/netlink/message.js';
import { decodeLink, encodeIfinfomsg } from '../../src/netif/rtnetlink/link.js';
import { decodeAddress, encodeIfaddrmsg } from '../../src/netif/rtnetlink/address.js';
import { decodeAddressLabel } from '../../src/netif/rtnetlink/addrlabel.js';
import { addRouteRequest, decodeRoute, type Route } from '../../src/netif/rtnetlink/route.js';
import { addRuleRequest, decodeRule, type Rule } from '../../src/netif/rtnetlink/rule.js';
import { ipToBytes, macToBytes } from '../../src/netif/ip-address.js';
import {
  RTM_DELADDR, RTM_DELADDRLABEL, RTM_DELLINK, RTM_DELROUTE, RTM_DELRULE, RTM_GETADDR, RTM_GETADDRLABEL, RTM_GETLINK, RTM_GETROUTE,
  RTM_GETRULE, RTM_NEWADDR, RTM_NEWADDRLABEL, RTM_NEWLINK, RTM_NEWROUTE, RTM_NEWRULE, RTMGRP_IPV4_IFADDR, RTMGRP_IPV4_ROUTE,
  RTMGRP_IPV4_RULE, RTMGRP_IPV6_IFADDR, RTMGRP_IPV6_ROUTE, RTMGRP_IPV6_RULE, RT_SCOPE_NOWHERE,
} from '../../src/netif/rtnetlink/constants.js';
import { encodeMessage } from '../../src/netif/netlink/message.js';
import { FakeTransport, ack, done, reply } from './nltest.js';

const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;
const IFF_LOWER_UP = 0x10000;
const errno = { EEXIST: -17, ENODEV: -19, EADDRNOTAVAIL: -99, ENOENT: -2, ESRCH: -3 };

export interface FakeLink { index: number; name: string; mac: string; flags: number; kind?: string }
export interface FakeAddress { ifindex: number; address: string; prefixLength: number; label?: string }

export class FakeRtnetlinkKernel {
  readonly links = new Map<string, FakeLink>();
  readonly addresses: FakeAddress[] = [];
  readonly labels: Array<{ prefix: string; prefixLength: number; label: number }> = [];
  readonly routes: Route[] = [];
  readonly rules: Rule[] = [];
  readonly #subscribers = new Set<{ transport: FakeTransport; groups: number }>();
  /** Request types seen, in order (RTM_* numbers). */
  readonly requests: number[] = [];
  autoLinks: boolean;
  #next = 2;

  constructor(opts: { autoLinks?: boolean } = {}) {
    this.autoLinks = opts.autoLinks ?? false;
  }

  /** Adds an up link with an IPv4 address (10.99.<index>.1/24) and an IPv6 link-local. */
  addLink(name: string, opts: { kind?: string; up?: boolean; ipv4?: string } = {}): FakeLink {
    const index = this.#next++;
    const link: FakeLink = {
      index, name, mac: `02:00:00:00:${(index >> 8).toString(16).padStart(2, '0')}:${(index & 0xff).toString(16).padStart(2, '0')}`,
      flags: opts.up === false ? 0 : IFF_UP | IFF_RUNNING | IFF_LOWER_UP, ...(opts.kind ? { kind: opts.kind } : {}),
    };
    this.links.set(name, link);
    if (opts.kind !== 'dummy') {
      this.addresses.push({ ifindex: index, address: opts.ipv4 ?? `10.99.${index & 0xff}.1`, prefixLength: 24 });
      this.addresses.push({ ifindex: index, address: `fe80::${index.toString(16)}`, prefixLength: 64 });
    }
    return link;
  }

  addressesOf(name: string): string[] {
    const l = this.links.get(name);
    return l ? this.addresses.filter((a) => a.ifindex === l.index).map((a) => `${a.address}/${a.prefixLength}`) : [];
  }

  /** A real RtNetlink client over this kernel. */
  client(): RtNetlink {
    return RtNetlink.fromTransport((groups) => {
      const transport = new FakeTransport((reqs) => reqs.map((r) => this.#answer(r)));
      if (groups) this.#subscribers.add({ transport, groups });
      return transport;
    });
  }

  /** Someone else deletes routes (notified like the kernel does). */
  removeRoutes(pred: (r: Route) => boolean): number {
    return this.#drop(this.routes, pred, (r) => this.#notify(RTM_DELROUTE, addRouteRequest(r).data, r.family === 4 ? RTMGRP_IPV4_ROUTE : RTMGRP_IPV6_ROUTE));
  }

  removeRules(pred: (r: Rule) => boolean): number {
    return this.#drop(this.rules, pred, (r) => this.#notify(RTM_DELRULE, addRuleRequest(r).data, r.family === 4 ? RTMGRP_IPV4_RULE : RTMGRP_IPV6_RULE));
  }

  removeAddresses(pred: (a: FakeAddress) => boolean): number {
    return this.#drop(this.addresses, pred, (a) => this.#notify(RTM_DELADDR, addressBody(a), a.address.includes(':') ? RTMGRP_IPV6_IFADDR : RTMGRP_IPV4_IFADDR));
  }

  #drop<T>(list: T[], pred: (x: T) => boolean, notify: (x: T) => void): number {
    const gone = list.filter(pred);
    for (const x of gone) {
      list.splice(list.indexOf(x), 1);
      notify(x);
    }
    return gone.length;
  }

  #notify(type: number, data: Buffer, group: number): void {
    const msg = encodeMessage({ type, flags: 0, sequence: 0, pid: 0, data });
    for (const s of this.#subscribers) {
      if (s.transport.closed) this.#subscribers.delete(s);
      else if (s.groups & group) setImmediate(() => s.transport.deliver({ data: msg, groups: group }));
    }
  }

  #find(which: string | number): FakeLink | undefined {
    for (const l of this.links.values()) if (l.name === which || l.index === which) return l;
    if (typeof which === 'string' && which && this.autoLinks) return this.addLink(which);
    return undefined;
  }

  #answer(r: NetlinkMessage): Buffer {
    this.requests.push(r.header.type);
    const dump = (r.header.flags & 0x300) !== 0;
    switch (r.header.type) {
      case RTM_GETLINK: {
        if (dump) return Buffer.concat([...[...this.links.values()].map((l) => reply(r, RTM_NEWLINK, linkBody(l), true)), done(r)]);
        const q = decodeLink(r);
        const l = this.#find(q.name || q.index);
        return l ? Buffer.concat([reply(r, RTM_NEWLINK, linkBody(l)), ack(r)]) : ack(r, errno.ENODEV);
      }
      case RTM_NEWLINK: {
        const q = decodeLink(r);
        if (!q.name) return ack(r); // set up/down of an index: accepted
        if (this.links.has(q.name)) return ack(r, errno.EEXIST);
        this.addLink(q.name, { kind: q.kind ?? 'dummy', up: false });
        return ack(r);
      }
      case RTM_DELLINK: {
        const q = decodeLink(r);
        const l = this.#find(q.name || q.index);
        if (!l) return ack(r, errno.ENODEV);
        this.links.delete(l.name);
        return ack(r);
      }
      case RTM_GETADDR:
        return Buffer.concat([...this.addresses.map((a) => reply(r, RTM_NEWADDR, addressBody(a), true)), done(r)]);
      case RTM_NEWADDR: {
        const a = decodeAddress(r)!;
        if (![...this.links.values()].some((l) => l.index === a.ifindex)) return ack(r, errno.ENODEV);
        if (this.addresses.some((x) => x.ifindex === a.ifindex && x.address === a.address)) return ack(r, errno.EEXIST);
        this.addresses.push({ ifindex: a.ifindex, address: a.address, prefixLength: a.prefixLength, ...(a.label ? { label: a.label } : {}) });
        return ack(r);
      }
      case RTM_DELADDR: {
        const a = decodeAddress(r)!;
        const i = this.addresses.findIndex((x) => x.ifindex === a.ifindex && x.address === a.address && x.prefixLength === a.prefixLength);
        if (i < 0) return ack(r, errno.EADDRNOTAVAIL);
        this.addresses.splice(i, 1);
        return ack(r);
      }
      case RTM_GETADDRLABEL:
        return done(r);
      case RTM_NEWADDRLABEL: {
        const l = decodeAddressLabel(r);
        if (this.labels.some((x) => x.prefix === l.prefix && x.prefixLength === l.prefixLength)) return ack(r, errno.EEXIST);
        this.labels.push({ prefix: l.prefix, prefixLength: l.prefixLength, label: l.label });
        return ack(r);
      }
      case RTM_DELADDRLABEL: {
        const l = decodeAddressLabel(r);
        const i = this.labels.findIndex((x) => x.prefix === l.prefix && x.prefixLength === l.prefixLength);
        if (i < 0) return ack(r, errno.ENOENT);
        this.labels.splice(i, 1);
        return ack(r);
      }
      case RTM_GETROUTE:
        return Buffer.concat([...this.routes.map((x) => reply(r, RTM_NEWROUTE, addRouteRequest(x).data, true)), done(r)]);
      case RTM_NEWROUTE: {
        const x = decodeRoute(r)!;
        if (x.ifindex !== undefined && ![...this.links.values()].some((l) => l.index === x.ifindex)) return ack(r, errno.ENODEV);
        if (x.family === 6) x.priority ??= 1024; // the kernel's IPv6 default metric
        if (this.routes.some((o) => routeKey(o) === routeKey(x))) return ack(r, errno.EEXIST);
        this.routes.push(x);
        this.#notify(RTM_NEWROUTE, addRouteRequest(x).data, x.family === 4 ? RTMGRP_IPV4_ROUTE : RTMGRP_IPV6_ROUTE);
        return ack(r);
      }
      case RTM_DELROUTE: {
        const x = decodeRoute(r)!;
        const o = this.routes.find((k) => routeKey(k) === routeKey({ ...k, ...x, priority: x.priority ?? k.priority }) && (x.scope === RT_SCOPE_NOWHERE || k.scope === x.scope)
          && (x.type === 0 || k.type === x.type) && (x.ifindex === undefined || k.ifindex === x.ifindex) && (x.gateway === undefined || k.gateway === x.gateway));
        if (!o) return ack(r, errno.ESRCH);
        this.removeRoutes((k) => k === o);
        return ack(r);
      }
      case RTM_GETRULE:
        return Buffer.concat([...this.rules.map((x) => reply(r, RTM_NEWRULE, addRuleRequest(x).data, true)), done(r)]);
      case RTM_NEWRULE: {
        const x = decodeRule(r)!;
        if (this.rules.some((o) => JSON.stringify(o) === JSON.stringify(x))) return ack(r, errno.EEXIST);
        this.rules.push(x);
        this.#notify(RTM_NEWRULE, addRuleRequest(x).data, x.family === 4 ? RTMGRP_IPV4_RULE : RTMGRP_IPV6_RULE);
        return ack(r);
      }
      case RTM_DELRULE: {
        const x = decodeRule(r)!;
        const o = this.rules.find((k) => k.family === x.family && k.priority === x.priority && k.table === x.table && (x.action === 0 || k.action === x.action));
        if (!o) return ack(r, errno.ENOENT);
        this.removeRules((k) => k === o);
        return ack(r);
      }
      default:
        return ack(r, -95); // EOPNOTSUPP
    }
  }
}

/** What identifies a route to the (fake) kernel: family, table, prefix, tos, metric. */
function routeKey(r: Route): string {
  return `${r.family} ${r.table} ${r.destination ?? ''}/${r.dstLength} ${r.tos} ${r.priority ?? 0}`;
}

function linkBody(l: FakeLink): Buffer {
  const e = new AttributeEncoder().string(3, l.name).bytes(1, macToBytes(l.mac)).uint32(4, 1500).uint8(16, l.flags & IFF_RUNNING ? 6 : 2);
  if (l.kind) e.nested(18, (i) => i.string(1, l.kind!));
  return Buffer.concat([encodeIfinfomsg({ index: l.index, flags: l.flags }), e.encode()]);
}

function addressBody(a: FakeAddress): Buffer {
  const v6 = a.address.includes(':');
  const bytes = ipToBytes(a.address);
  const scope = v6 && a.address.startsWith('fe80') ? 253 : 0;
  const e = new AttributeEncoder().bytes(2, bytes).bytes(1, bytes);
  if (a.label) e.string(3, a.label);
  return Buffer.concat([encodeIfaddrmsg({ family: v6 ? 10 : 2, prefixLength: a.prefixLength, scope, index: a.ifindex }), e.encode()]);
}
