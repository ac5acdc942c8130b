// The routing side of the daemon, keepalived's way: static_ipaddress / static_routes / static_rules
// are added at start and removed at stop; an instance's virtual_routes / virtual_rules are added
// when it becomes MASTER (after its VIPs, which they may use as `src`) and removed when it leaves
// MASTER (and once when it first starts as BACKUP, in case a crash left them). Tracking, over a
// route/rule notification socket: a tracked virtual route or rule that someone else deletes sends
// its instance to BACKUP (it comes back as MASTER after Master_Down_Interval and adds it again); a
// deleted static address or rule is put back; a deleted static route stays deleted. A reload adds
// and removes only what changed (route-plan.ts keys). Every netlink call runs on one queue.
import type { Logger } from 'pino';
import { formatWarning, type RouteSpec, type RuleSpec, type SourceRef, type VirtualAddressSpec } from '../config/types.js';
import type { Address, Route, Rule, RtNetlink, RtNetlinkSubscription } from '../netif/rtnetlink.js';
import {
  addressKey, isSameRoute, isSameRule, routeAddMode, routeDeleteOf, routeDevices, routeKey, routeOf, ruleKey, ruleOf, type RouteSets,
} from './route-plan.js';

/** The rtnetlink calls the route runner makes. */
export type RouteNetlink = Pick<RtNetlink,
  'link' | 'routes' | 'addRoute' | 'deleteRoute' | 'rules' | 'addRule' | 'deleteRule' | 'addresses' | 'addAddress' | 'deleteAddress' | 'subscribe'>;

export interface RouteRunnerHooks {
  /** Sends a MASTER to BACKUP: something it tracks was deleted. */
  resign(instance: string): void;
  /** Resolves once the instance's VIP changes are done. */
  addressesSettled(instance: string): Promise<void>;
}

type Kind = 'address' | 'route' | 'rule';

interface Entry {
  kind: Kind;
  /** The instance a virtual route/rule belongs to; null: static. */
  owner: string | null;
  key: string;
  spec: VirtualAddressSpec | RouteSpec | RuleSpec;
}

interface Installed extends Entry {
  route?: Route;
  rule?: Rule;
  address?: { ifindex: number; address: string; prefixLength: number };
}

const id = (e: Pick<Entry, 'owner' | 'key'>) => `${e.owner ?? ''}\u0000${e.key}`;
const ADD_ORDER: Kind[] = ['address', 'route', 'rule'];
const REMOVE_ORDER: Kind[] = ['rule', 'route', 'address'];

function describe(e: Entry): string {
  if (e.kind === 'address') {
    const a = e.spec as VirtualAddressSpec;
    return `static address ${a.address}/${a.prefixLength} dev ${a.dev}`;
  }
  const label = e.owner === null ? 'static' : 'virtual';
  if (e.kind === 'route') {
    const r = e.spec as RouteSpec;
    return `${label} route ${r.type === 'unicast' ? '' : `${r.type} `}${r.destination.address}/${r.destination.prefixLength}`
      + `${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}${r.table !== 254 ? ` table ${r.table}` : ''}`;
  }
  const r = e.spec as RuleSpec;
  return `${label} rule priority ${r.priority}${r.from ? ` from ${r.from.address}/${r.from.prefixLength}` : ''}`
    + `${r.to ? ` to ${r.to.address}/${r.to.prefixLength}` : ''}${r.action === 'table' ? ` table ${r.table}` : ` ${r.action}`}`;
}

const where = (e: Entry): SourceRef => e.spec.where;

function tracked(e: Entry): boolean {
  if (e.kind === 'address') return true;
  // Static rules are put back; static routes are not (keepalived 2.2.7 and 2.4.3 do not either).
  return e.kind === 'rule' ? !(e.spec as RuleSpec).noTrack : e.owner !== null && !(e.spec as RouteSpec).noTrack;
}

export class RouteRunner {
  #netlink: () => RouteNetlink;
  #hooks: RouteRunnerHooks;
  #log: Logger;
  #sets: RouteSets = { addresses: [], routes: [], rules: [], instances: new Map() };
  #masters = new Set<string>();
  /** Instances whose virtual routes/rules were cleared once at their first non-MASTER state. */
  #cleared = new Set<string>();
  #installed = new Map<string, Installed>();
  #queue: Promise<void> = Promise.resolve();
  #sub: RtNetlinkSubscription | undefined;
  #stopped = false;

  constructor(netlink: () => RouteNetlink, hooks: RouteRunnerHooks, log: Logger) {
    this.#netlink = netlink;
    this.#hooks = hooks;
    this.#log = log;
  }

  /** Start and reload: the new configuration's sets; only what changed is added or removed. */
  apply(sets: RouteSets): Promise<void> {
    this.#sets = sets;
    return this.#enqueue(async () => {
      if (sets.addresses.length || sets.routes.length || sets.rules.length || sets.instances.size) this.#subscribe();
      await this.#reconcile(() => true);
    });
  }

  /** An instance changed state: MASTER adds its virtual routes and rules, anything else removes them. */
  stateChanged(instance: string, state: string): Promise<void> {
    if (state === 'master') this.#masters.add(instance);
    else this.#masters.delete(instance);
    return this.#enqueue(async () => {
      if (state === 'master') await this.#hooks.addressesSettled(instance);
      if (state !== 'master' && !this.#cleared.has(instance)) {
        this.#cleared.add(instance);
        await this.#clearStale(instance);
      }
      await this.#reconcile((owner) => owner === instance);
    });
  }

  /** SIGTERM: everything added is removed (static ones too, as keepalived), the socket closed. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#sets = { addresses: [], routes: [], rules: [], instances: new Map() };
    this.#masters.clear();
    await this.#enqueue(() => this.#reconcile(() => true));
    this.#sub?.close();
    this.#sub = undefined;
  }

  /** What is in place now, for status and tests. */
  installed(): Array<{ kind: Kind; owner: string | null; what: string }> {
    return [...this.#installed.values()].map((e) => ({ kind: e.kind, owner: e.owner, what: describe(e) }));
  }

  #enqueue(fn: () => Promise<void>): Promise<void> {
    const p = this.#queue.then(fn);
    this.#queue = p.catch((err: Error) => this.#log.error({ err }, `routes: ${err.message}`));
    return this.#queue;
  }

  /** Everything that should be in place now. */
  #wanted(): Entry[] {
    const out: Entry[] = [];
    const s = this.#sets;
    for (const a of s.addresses) out.push({ kind: 'address', owner: null, key: addressKey(a), spec: a });
    for (const r of s.routes) out.push({ kind: 'route', owner: null, key: routeKey(r), spec: r });
    for (const r of s.rules) out.push({ kind: 'rule', owner: null, key: ruleKey(r), spec: r });
    for (const [name, v] of s.instances) {
      if (!this.#masters.has(name)) continue;
      for (const r of v.routes) out.push({ kind: 'route', owner: name, key: routeKey(r), spec: r });
      for (const r of v.rules) out.push({ kind: 'rule', owner: name, key: ruleKey(r), spec: r });
    }
    return out;
  }

  async #reconcile(mine: (owner: string | null) => boolean): Promise<void> {
    const wanted = new Map(this.#wanted().filter((e) => mine(e.owner)).map((e) => [id(e), e]));
    const gone = [...this.#installed.values()].filter((e) => mine(e.owner) && !wanted.has(id(e)));
    for (const kind of REMOVE_ORDER) for (const e of gone.filter((x) => x.kind === kind)) await this.#remove(e);
    for (const kind of ADD_ORDER) {
      for (const e of wanted.values()) if (e.kind === kind && !this.#installed.has(id(e))) await this.#add(e);
    }
  }

  async #add(e: Entry): Promise<void> {
    const nl = this.#netlink();
    try {
      const inst: Installed = { ...e };
      if (e.kind === 'address') {
        const a = e.spec as VirtualAddressSpec;
        const link = await nl.link(a.dev!);
        inst.address = { ifindex: link.index, address: a.address, prefixLength: a.prefixLength };
        await nl.addAddress({ ...inst.address, ...(a.label !== undefined ? { label: a.label } : {}), noDad: a.family === 6 }, { exist: 'ok' });
      } else if (e.kind === 'route') {
        const r = e.spec as RouteSpec;
        const index = new Map<string, number>();
        for (const dev of routeDevices(r)) index.set(dev, (await nl.link(dev)).index);
        inst.route = routeOf(r, (dev) => index.get(dev)!);
        await nl.addRoute(inst.route, { mode: routeAddMode(r), exist: 'ok' });
      } else {
        inst.rule = ruleOf(e.spec as RuleSpec);
        await nl.addRule(inst.rule, { exist: 'ok' });
      }
      this.#installed.set(id(e), inst);
      this.#log.info({ instance: e.owner ?? undefined }, `${e.owner ? `${e.owner}: ` : ''}added ${describe(e)}`);
    } catch (err) {
      this.#log.error({ err, instance: e.owner ?? undefined, where: where(e) },
        `${formatWarning({ ...where(e), message: `cannot add ${describe(e)}: ${(err as Error).message}` })}`);
    }
  }

  async #remove(e: Installed): Promise<void> {
    this.#installed.delete(id(e));
    const nl = this.#netlink();
    try {
      if (e.address) await nl.deleteAddress(e.address, { missing: 'ok' });
      if (e.route) await nl.deleteRoute(routeDeleteOf(e.route), { missing: 'ok' });
      if (e.rule) await nl.deleteRule(e.rule, { missing: 'ok' });
      this.#log.info({ instance: e.owner ?? undefined }, `${e.owner ? `${e.owner}: ` : ''}removed ${describe(e)}`);
    } catch (err) {
      this.#log.error({ err, instance: e.owner ?? undefined }, `cannot remove ${describe(e)}: ${(err as Error).message}`);
    }
  }

  /** As keepalived at start: an instance's virtual routes and rules may be left from a crash. */
  async #clearStale(instance: string): Promise<void> {
    const v = this.#sets.instances.get(instance);
    if (!v) return;
    const nl = this.#netlink();
    for (const r of v.rules) await nl.deleteRule(ruleOf(r), { missing: 'ok' }).catch(() => undefined);
    for (const r of v.routes) {
      try {
        const index = new Map<string, number>();
        for (const dev of routeDevices(r)) index.set(dev, (await nl.link(dev)).index);
        await nl.deleteRoute(routeDeleteOf(routeOf(r, (dev) => index.get(dev)!)), { missing: 'ok' });
      } catch {
        // its link is missing: so is the route
      }
    }
  }

  #subscribe(): void {
    if (this.#sub || this.#stopped) return;
    const sub = this.#netlink().subscribe({ routes: true, rules: true });
    sub.on('route', (r, { deleted }) => { if (deleted) this.#deleted('route', (e) => e.route !== undefined && isSameRoute(r, e.route)); });
    sub.on('rule', (r, { deleted }) => { if (deleted) this.#deleted('rule', (e) => e.rule !== undefined && isSameRule(r, e.rule)); });
    sub.on('address', (a, { deleted }) => { if (deleted) this.#deleted('address', (e) => sameAddress(a, e)); });
    sub.on('overrun', () => void this.#enqueue(() => this.#recheckAll()));
    sub.on('error', (err) => this.#log.warn({ err }, `routes: notification: ${err.message}`));
    this.#sub = sub;
  }

  /** A deletion notification that may be one of ours: checked against the kernel (it may be our own, stale). */
  #deleted(kind: Kind, matches: (e: Installed) => boolean): void {
    const hit = [...this.#installed.values()].filter((e) => e.kind === kind && tracked(e) && matches(e));
    if (hit.length) void this.#enqueue(() => this.#recheck(hit));
  }

  async #recheckAll(): Promise<void> {
    await this.#recheck([...this.#installed.values()].filter(tracked));
  }

  async #recheck(candidates: Installed[]): Promise<void> {
    const nl = this.#netlink();
    const routes = candidates.some((e) => e.route) ? await nl.routes() : [];
    const rules = candidates.some((e) => e.rule) ? await nl.rules() : [];
    const addresses = candidates.some((e) => e.address) ? await nl.addresses() : [];
    for (const e of candidates) {
      if (this.#installed.get(id(e)) !== e) continue; // removed or re-added meanwhile
      const present = e.route ? routes.some((r) => isSameRoute(r, e.route!))
        : e.rule ? rules.some((r) => isSameRule(r, e.rule!)) : addresses.some((a) => sameAddress(a, e));
      if (present) continue;
      this.#installed.delete(id(e));
      if (e.owner !== null) {
        this.#log.warn({ instance: e.owner }, `${e.owner}: ${describe(e)} was deleted by someone else: leaving MASTER (as keepalived does; no_track keeps MASTER)`);
        this.#hooks.resign(e.owner);
      } else {
        this.#log.warn(`${describe(e)} was deleted by someone else: putting it back`);
        await this.#add(e);
      }
    }
  }
}

function sameAddress(a: Address, e: Installed): boolean {
  return e.address !== undefined && a.ifindex === e.address.ifindex && a.address === e.address.address && a.prefixLength === e.address.prefixLength;
}
