// rtnetlink client: links, addresses, IPv6 address labels, routes, rules, and change notifications.
// Wire layouts live in rtnetlink/{link,address,addrlabel,route,rule}.ts; this file is the imperative shell.
import { EventEmitter } from 'node:events';
import { VipdError } from '../errors.js';
import { NetlinkConn, type NetlinkConnOptions } from './netlink/conn.js';
import { NetlinkError } from './netlink/errors.js';
import type { NetlinkMessage } from './netlink/message.js';
import type { NetlinkTransport } from './netlink/transport.js';
import { NETLINK_ROUTE } from './constants.js';
import { bytesToMac, macToBytes, type IpFamily } from './ip-address.js';
import {
  RTM_DELADDR, RTM_DELLINK, RTM_DELROUTE, RTM_DELRULE, RTM_NEWADDR, RTM_NEWADDRLABEL, RTM_NEWLINK, RTM_NEWROUTE, RTM_NEWRULE,
  RTMGRP_IPV4_IFADDR, RTMGRP_IPV4_ROUTE, RTMGRP_IPV4_RULE, RTMGRP_IPV6_IFADDR, RTMGRP_IPV6_ROUTE, RTMGRP_IPV6_RULE, RTMGRP_LINK, rtmName,
} from './rtnetlink/constants.js';
import {
  createLinkRequest, decodeLink, deleteLinkRequest, dumpLinksRequest, getLinkRequest, setLinkUpRequest,
  type CreateLinkSpec, type Link,
} from './rtnetlink/link.js';
import {
  addAddressRequest, decodeAddress, deleteAddressRequest, dumpAddressesRequest, type Address, type AddressSpec,
  type ExistPolicy,
} from './rtnetlink/address.js';
import {
  addAddressLabelRequest, decodeAddressLabel, deleteAddressLabelRequest, dumpAddressLabelsRequest, type AddressLabel,
} from './rtnetlink/addrlabel.js';
import { addRouteRequest, decodeRoute, deleteRouteRequest, dumpRoutesRequest, type Route, type RouteAddMode } from './rtnetlink/route.js';
import { addRuleRequest, decodeRule, deleteRuleRequest, dumpRulesRequest, type Rule } from './rtnetlink/rule.js';

export type { Link, CreateLinkSpec, MacvlanMode } from './rtnetlink/link.js';
export type { Address, AddressSpec, ExistPolicy } from './rtnetlink/address.js';
export type { AddressLabel } from './rtnetlink/addrlabel.js';
export type { Route, RouteAddMode, RouteMetrics, RouteNextHop } from './rtnetlink/route.js';
export type { Rule, Range } from './rtnetlink/rule.js';

/** A link asked for by name, index or MAC does not exist. */
export class NoLinkError extends VipdError {
  readonly link: string | number;
  constructor(link: string | number, options?: { cause?: unknown }) {
    super('VIPD_ERR_NO_LINK', `no such link: ${link}`, options);
    this.link = link;
  }
}

const MAC_RE = /^[0-9a-f]{1,2}([:-][0-9a-f]{1,2}){5}$/i;

/** errnos that mean "the address is not there" on delete (ENODEV: its link is gone too). */
const MISSING = new Set(['EADDRNOTAVAIL', 'ENOENT', 'ESRCH', 'ENODEV']);

function missing(err: unknown): boolean {
  return err instanceof NetlinkError && MISSING.has(err.syscallCode);
}

function exists(err: unknown): boolean {
  return err instanceof NetlinkError && err.syscallCode === 'EEXIST';
}

export interface RtNetlinkEvents {
  link: [Link, { deleted: boolean }];
  address: [Address, { deleted: boolean }];
  /** Only on a subscription opened with `{ routes: true }`. */
  route: [Route, { deleted: boolean }];
  /** Only on a subscription opened with `{ rules: true }`. */
  rule: [Rule, { deleted: boolean }];
  /** Notifications were lost (ENOBUFS): re-read links() and addresses() to resync. */
  overrun: [Error];
  /** A notification that does not decode. Emitted only when listened to. */
  error: [Error];
}

/**
 * Link and address notifications on their own socket (RTMGRP_LINK, RTMGRP_IPV4_IFADDR,
 * RTMGRP_IPV6_IFADDR), and routes and rules when asked for (RTMGRP_IPV4/IPV6_ROUTE, _RULE).
 */
export class RtNetlinkSubscription extends EventEmitter<RtNetlinkEvents> {
  readonly #conn: NetlinkConn;

  constructor(conn: NetlinkConn) {
    super();
    this.#conn = conn;
    conn.on('notification', (m) => this.#onMessage(m));
    conn.on('overrun', (e) => this.emit('overrun', e));
    conn.on('error', (e) => this.#error(e));
  }

  #onMessage(m: NetlinkMessage): void {
    try {
      switch (m.header.type) {
        case RTM_NEWLINK:
        case RTM_DELLINK:
          this.emit('link', decodeLink(m), { deleted: m.header.type === RTM_DELLINK });
          break;
        case RTM_NEWADDR:
        case RTM_DELADDR: {
          const a = decodeAddress(m);
          if (a) this.emit('address', a, { deleted: m.header.type === RTM_DELADDR });
          break;
        }
        case RTM_NEWROUTE:
        case RTM_DELROUTE: {
          const r = decodeRoute(m);
          if (r) this.emit('route', r, { deleted: m.header.type === RTM_DELROUTE });
          break;
        }
        case RTM_NEWRULE:
        case RTM_DELRULE: {
          const r = decodeRule(m);
          if (r) this.emit('rule', r, { deleted: m.header.type === RTM_DELRULE });
          break;
        }
        default:
          break;
      }
    } catch (err) {
      this.#error(err as Error);
    }
  }

  #error(e: Error): void {
    if (this.listenerCount('error')) this.emit('error', e);
  }

  close(): void {
    this.#conn.close();
  }
}

export class RtNetlink {
  readonly conn: NetlinkConn;
  readonly #openConn: (groups: number) => NetlinkConn;
  readonly #subs = new Set<RtNetlinkSubscription>();

  /** openConn opens further connections (for subscribe()); defaults to real NETLINK_ROUTE sockets. */
  constructor(conn: NetlinkConn, openConn?: (groups: number) => NetlinkConn) {
    this.conn = conn;
    this.#openConn = openConn ?? ((groups) => NetlinkConn.open(NETLINK_ROUTE, { groups, typeName: rtmName }));
  }

  static open(opts: NetlinkConnOptions = {}): RtNetlink {
    return new RtNetlink(NetlinkConn.open(NETLINK_ROUTE, { typeName: rtmName, ...opts }));
  }

  /** Over fake transports (tests): `make(groups)` returns a fresh transport. */
  static fromTransport(make: (groups: number) => NetlinkTransport): RtNetlink {
    const open = (groups: number) => new NetlinkConn(make(groups), { groups, typeName: rtmName });
    return new RtNetlink(open(0), open);
  }

  async links(): Promise<Link[]> {
    const parts = await this.conn.request(dumpLinksRequest());
    return parts.filter((m) => m.header.type === RTM_NEWLINK).map(decodeLink);
  }

  /** One link by name, ifindex or MAC ("aa:bb:..."). Missing: NoLinkError (VIPD_ERR_NO_LINK). */
  async link(which: string | number): Promise<Link> {
    if (typeof which === 'string' && MAC_RE.test(which)) {
      const mac = bytesToMac(macToBytes(which));
      const found = (await this.links()).find((l) => l.mac === mac);
      if (!found) throw new NoLinkError(which);
      return found;
    }
    try {
      const parts = await this.conn.request(getLinkRequest(which));
      const m = parts.find((p) => p.header.type === RTM_NEWLINK);
      if (!m) throw new NoLinkError(which);
      return decodeLink(m);
    } catch (err) {
      if (err instanceof NetlinkError && (err.syscallCode === 'ENODEV' || err.syscallCode === 'ENOENT')) {
        throw new NoLinkError(which, { cause: err });
      }
      throw err;
    }
  }

  async addresses(filter: { ifindex?: number; family?: IpFamily } = {}): Promise<Address[]> {
    const parts = await this.conn.request(dumpAddressesRequest(filter));
    const out: Address[] = [];
    for (const m of parts) {
      if (m.header.type !== RTM_NEWADDR) continue;
      const a = decodeAddress(m);
      // Kernels without strict checking ignore the ifindex filter: apply it here as well.
      if (!a || (filter.ifindex && a.ifindex !== filter.ifindex) || (filter.family && a.family !== filter.family)) continue;
      out.push(a);
    }
    return out;
  }

  /** Adds an address; with exist:'ok' an address already there is success, 'replace' updates it. */
  async addAddress(a: AddressSpec, opts: { exist?: ExistPolicy } = {}): Promise<void> {
    try {
      await this.conn.request(addAddressRequest(a, opts.exist ?? 'error'));
    } catch (err) {
      if (opts.exist === 'ok' && err instanceof NetlinkError && err.syscallCode === 'EEXIST') return;
      throw err;
    }
  }

  /** Deletes an address; with missing:'ok' an address (or link) already gone is success. */
  async deleteAddress(a: { ifindex: number; address: string; prefixLength: number; peer?: string }, opts: { missing?: 'ok' | 'error' } = {}): Promise<void> {
    try {
      await this.conn.request(deleteAddressRequest(a));
    } catch (err) {
      if (opts.missing === 'ok' && err instanceof NetlinkError && MISSING.has(err.syscallCode)) return;
      throw err;
    }
  }

  async createLink(spec: CreateLinkSpec, opts: { exist?: 'ok' | 'error' } = {}): Promise<void> {
    try {
      await this.conn.request(createLinkRequest(spec));
    } catch (err) {
      if (opts.exist === 'ok' && err instanceof NetlinkError && err.syscallCode === 'EEXIST') return;
      throw err;
    }
  }

  async deleteLink(which: string | number, opts: { missing?: 'ok' | 'error' } = {}): Promise<void> {
    try {
      await this.conn.request(deleteLinkRequest(which));
    } catch (err) {
      if (err instanceof NetlinkError && (err.syscallCode === 'ENODEV' || err.syscallCode === 'ENOENT')) {
        if (opts.missing === 'ok') return;
        throw new NoLinkError(which, { cause: err });
      }
      throw err;
    }
  }

  async setLinkUp(ifindex: number, up: boolean): Promise<void> {
    await this.conn.request(setLinkUpRequest(ifindex, up));
  }

  async addressLabels(): Promise<AddressLabel[]> {
    const parts = await this.conn.request(dumpAddressLabelsRequest());
    return parts.filter((m) => m.header.type === RTM_NEWADDRLABEL).map(decodeAddressLabel);
  }

  async addAddressLabel(l: AddressLabel, opts: { exist?: ExistPolicy } = {}): Promise<void> {
    try {
      await this.conn.request(addAddressLabelRequest(l, opts.exist ?? 'error'));
    } catch (err) {
      if (opts.exist === 'ok' && err instanceof NetlinkError && err.syscallCode === 'EEXIST') return;
      throw err;
    }
  }

  async deleteAddressLabel(l: AddressLabel, opts: { missing?: 'ok' | 'error' } = {}): Promise<void> {
    try {
      await this.conn.request(deleteAddressLabelRequest(l));
    } catch (err) {
      if (opts.missing === 'ok' && err instanceof NetlinkError && MISSING.has(err.syscallCode)) return;
      throw err;
    }
  }

  /** Every route of one family (or both), of every table; `table` keeps one table's. */
  async routes(filter: { family?: IpFamily; table?: number } = {}): Promise<Route[]> {
    const parts = await this.conn.request(dumpRoutesRequest(filter));
    const out: Route[] = [];
    for (const m of parts) {
      if (m.header.type !== RTM_NEWROUTE) continue;
      const r = decodeRoute(m);
      if (!r || (filter.family && r.family !== filter.family) || (filter.table !== undefined && r.table !== filter.table)) continue;
      out.push(r);
    }
    return out;
  }

  /** Adds a route (`mode` as `ip route add|prepend|append|replace`); with exist:'ok' EEXIST is success. */
  async addRoute(r: Route, opts: { mode?: RouteAddMode; exist?: 'ok' | 'error' } = {}): Promise<void> {
    try {
      await this.conn.request(addRouteRequest(r, opts.mode ?? 'add'));
    } catch (err) {
      if (opts.exist === 'ok' && exists(err)) return;
      throw err;
    }
  }

  /** Deletes the first route matching `r`; with missing:'ok' a route (or link) already gone is success. */
  async deleteRoute(r: Route, opts: { missing?: 'ok' | 'error' } = {}): Promise<void> {
    try {
      await this.conn.request(deleteRouteRequest(r));
    } catch (err) {
      if (opts.missing === 'ok' && missing(err)) return;
      throw err;
    }
  }

  async rules(filter: { family?: IpFamily } = {}): Promise<Rule[]> {
    const parts = await this.conn.request(dumpRulesRequest(filter));
    const out: Rule[] = [];
    for (const m of parts) {
      if (m.header.type !== RTM_NEWRULE) continue;
      const r = decodeRule(m);
      if (r && (!filter.family || r.family === filter.family)) out.push(r);
    }
    return out;
  }

  /** Adds a rule; with exist:'ok' the same rule already there is success. */
  async addRule(r: Rule, opts: { exist?: 'ok' | 'error' } = {}): Promise<void> {
    try {
      await this.conn.request(addRuleRequest(r));
    } catch (err) {
      if (opts.exist === 'ok' && exists(err)) return;
      throw err;
    }
  }

  /** Deletes the first rule matching `r`; with missing:'ok' a rule already gone is success. */
  async deleteRule(r: Rule, opts: { missing?: 'ok' | 'error' } = {}): Promise<void> {
    try {
      await this.conn.request(deleteRuleRequest(r));
    } catch (err) {
      if (opts.missing === 'ok' && missing(err)) return;
      throw err;
    }
  }

  /**
   * Opens a notification socket for link and address changes (and route and rule changes when
   * asked: they are many on a router). close() it (or this client) when done.
   */
  subscribe(opts: { routes?: boolean; rules?: boolean } = {}): RtNetlinkSubscription {
    const groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR
      | (opts.routes ? RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE : 0) | (opts.rules ? RTMGRP_IPV4_RULE | RTMGRP_IPV6_RULE : 0);
    const sub = new RtNetlinkSubscription(this.#openConn(groups));
    this.#subs.add(sub);
    const close = sub.close.bind(sub);
    sub.close = () => {
      this.#subs.delete(sub);
      close();
    };
    return sub;
  }

  close(): void {
    for (const s of [...this.#subs]) s.close();
    this.conn.close();
  }
}
