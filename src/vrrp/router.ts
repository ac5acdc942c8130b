// The VRRP side of a host: every instance, the channels they share (one per interface and address
// family, demultiplexed by VRID), link-state tracking, and tracking weights. This is the typed
// library entry point: create a router, add instances from config objects, listen to events.
import { EventEmitter } from 'node:events';
import { RtNetlink, type RtNetlinkSubscription } from '../netif/rtnetlink.js';
import type { Link } from '../netif/rtnetlink/link.js';
import { Announcer } from '../netif/announce.js';
import { isIpv6LinkLocal } from '../netif/ip-address.js';
import { VipdError } from '../errors.js';
import { VrrpChannel, type VrrpDatagram } from './channel.js';
import { IFF_RUNNING, IFF_UP } from '../netif/rtnetlink/constants.js';
import { VrrpInstance, type AcceptFilter, type Announce, type AuthHmacMemory, type InstanceEvents, type InstanceStatus, type LinkInfo } from './instance.js';
import type { Clock } from './clock.js';
import { resolveInstanceConfig, type InstanceConfig, type ResolvedInstanceConfig } from './instance-config.js';
import { ahKeyOf, canonicalIp, isUnicast, multicastGroupOf, otherInterfacesOf } from './instance-views.js';
import { vridOf, vridOfIpv4Packet } from './packet.js';
import { effectivePriority } from './track/tracker-state.js';
import { asTracked, upDownEffect } from './track/effect.js';
import { procSysctl, virtualLinkOf, VirtualLinks, type SysctlOps } from './virtual-link.js';
import { NftFilter } from './accept-filter.js';
import { nftAvailable } from '../netif/nftables.js';
import { AH_LENGTH, IPPROTO_AH } from './auth-ah.js';
import { isMulticast, instancesConflict } from './demux.js';
import { AdvertSender } from './advert-sender.js';
import { offloadEnabled } from './advert-offload.js';
import { realClock } from './clock.js';

/** Instance events the router re-emits, so one listener sees every instance. */
export const RELAYED_EVENTS: ReadonlyArray<keyof InstanceEvents> = [
  'state', 'drop', 'advert', 'vip-error', 'send-error', 'garp', 'late-advert', 'priority', 'faults', 'lower-priority', 'auth-notice',
];

/** A tracking source known when an instance is added: it counts from the start (no transition through BACKUP). */
export interface InitialTracking { source: string; ok: boolean; weight: number }

export interface RouterEvents extends InstanceEvents {
  /** A datagram for a VRID no instance here runs (counted; common on shared LANs). */
  'unknown-vrid': [{ vrid: number | undefined; source: string; interface: string }];
  /** Something an instance asked for that this host cannot do (e.g. no_accept without nftables). */
  warning: [{ instance: string; message: string }];
  error: [Error];
}

/** The router's nftables side: no_accept blocks and VMAC rules (NftFilter). */
export interface RouterFilter extends AcceptFilter {
  addVmac(name: string, base: string, family: 4 | 6): Promise<void>;
  removeVmac(name: string): Promise<void>;
}

export interface RouterOptions {
  rtnetlink?: RtNetlink;
  announce?: Announce;
  clock?: Clock;
  /**
   * no_accept and VMAC rules. Default: vipd's nftables tables (ip/ip6 vipd_vrrp) when `nft` is
   * installed; null: none (no_accept instances then accept, with a 'warning').
   */
  filter?: RouterFilter | null;
  /** Where VMAC sysctls are written. Default /proc/sys. */
  sysctl?: SysctlOps;
  /** Name prefix of VMACs and ipvlans without a name (keepalived vmac_prefix). Default 'vrrp'. */
  vmacPrefix?: string;
  /**
   * A master's periodic adverts leave from a thread of the addon, under a lease the event loop
   * renews (advert-offload.ts). Default true; false (or VIPD_ADVERT_OFFLOAD=0 in the environment)
   * keeps them on the event loop's timers. Off with a clock that does not run in real time.
   */
  advertOffload?: boolean;
}

interface Tracked { ok: boolean; weight: number }

interface Entry {
  instance: VrrpInstance;
  channel: VrrpChannel;
  channelKey: string;
  link: LinkInfo;
  /** The VMAC or ipvlan created for the instance. */
  virtualLink?: { name: string; vmac: boolean };
  /** Tracking sources by name: the instance's own link, track_interface, scripts... */
  tracked: Map<string, Tracked>;
  /** Tracked links: weight and reverse (the instance's own link: weight 0). */
  trackedLinks: Map<string, { weight: number; reverse: boolean }>;
  /** The instance's own link has carrier (known from the link events). */
  linkRunning: boolean;
  /** track_src_ip: the source address whose absence is a fault. */
  trackedSource?: string;
}

const NO_LINK: LinkInfo = { ifindex: 0, name: '', mac: '' };

function isRunning(l: Link): boolean {
  return (l.flags & IFF_UP) !== 0 && (l.flags & IFF_RUNNING) !== 0;
}

/** The VRID of an IPv4 packet carrying an AH then VRRP. */
function vridOfAhPacket(packet: Uint8Array): number | undefined {
  if (packet.length < 20) return undefined;
  const at = (packet[0]! & 0x0f) * 4 + AH_LENGTH + 1;
  return packet.length > at ? packet[at] : undefined;
}

export class VrrpRouter extends EventEmitter<RouterEvents> {
  #rt: RtNetlink;
  #ownRt: boolean;
  #announce: Announce;
  #announcer: Announcer | undefined;
  #clock: Clock | undefined;
  #channels = new Map<string, { channel: VrrpChannel; users: number }>();
  #entries = new Map<string, Entry>();
  #subscription: RtNetlinkSubscription | undefined;
  #unknownVrid = 0;
  #filter: RouterFilter | null | undefined;
  #vlinks: VirtualLinks;
  #vmacPrefix: string;
  /** auth_hmac replay marks and send sequences of instances, kept when one restarts. */
  #authMemory = new Map<string, AuthHmacMemory>();
  #advertSender: AdvertSender | undefined;

  constructor(opts: RouterOptions = {}) {
    super();
    this.#filter = opts.filter;
    this.#vmacPrefix = opts.vmacPrefix ?? 'vrrp';
    this.#rt = opts.rtnetlink ?? RtNetlink.open();
    this.#ownRt = !opts.rtnetlink;
    if (opts.announce) {
      this.#announce = opts.announce;
    } else {
      const a = Announcer.open();
      this.#announcer = a;
      this.#announce = {
        gratuitousArp: (link, address) => { a.gratuitousArp(link, address); },
        unsolicitedNa: (link, address) => { a.unsolicitedNa(link, address); },
        prepare: (link, address) => a.prepare(link, address),
      };
    }
    this.#clock = opts.clock;
    const clock = opts.clock ?? realClock;
    if (offloadEnabled(opts.advertOffload, process.env, clock.fromPerformanceTime !== undefined)) this.#advertSender = new AdvertSender(clock);
    this.#vlinks = new VirtualLinks(this.#rt, opts.sysctl ?? procSysctl);
    this.#subscription = this.#rt.subscribe();
    this.#subscription.on('link', (l, { deleted }) => this.#onLink(l, deleted));
    this.#subscription.on('address', () => { void this.#checkSources(); });
    this.#subscription.on('overrun', () => { void this.#resyncLinks(); void this.#checkSources(); });
  }

  /** The nftables side, made on first use (undefined when there is none). */
  #filterFor(): RouterFilter | undefined {
    if (this.#filter === undefined) this.#filter = nftAvailable() ? new NftFilter() : null;
    return this.#filter ?? undefined;
  }

  get rtnetlink(): RtNetlink {
    return this.#rt;
  }

  get unknownVridCount(): number {
    return this.#unknownVrid;
  }

  instance(name: string): VrrpInstance | undefined {
    return this.#entries.get(name)?.instance;
  }

  instances(): VrrpInstance[] {
    return [...this.#entries.values()].map((e) => e.instance);
  }

  /**
   * Creates and starts an instance. Only name, vrid, interface and virtualAddresses are needed; the
   * rest defaults as keepalived.conf does (see InstanceConfig). Rejects (touching nothing) when the
   * config is invalid or its interface or addresses are unusable.
   */
  async add(config: InstanceConfig, opts: { tracked?: InitialTracking[] } = {}): Promise<VrrpInstance> {
    const cfg = resolveInstanceConfig(config);
    if (this.#entries.has(cfg.name)) throw new VipdError('VIPD_ERR_DUPLICATE', `VRRP instance ${cfg.name} exists already`);
    for (const e of this.#entries.values()) {
      const why = instancesConflict(e.instance.config, cfg);
      if (why) throw new VipdError('VIPD_ERR_DUPLICATE', `VRRP instances ${e.instance.config.name} and ${cfg.name} both use VRID ${cfg.vrid} on ${cfg.interface || 'no interface'} (IPv${cfg.family}): ${why}`);
    }
    const base = cfg.interface ? await this.#rt.link(cfg.interface) : undefined;
    const links = new Map<string, LinkInfo>();
    for (const ifname of otherInterfacesOf(cfg)) {
      const o = await this.#rt.link(ifname);
      links.set(ifname, { ifindex: o.index, name: o.name, mac: o.mac });
    }
    const spec = virtualLinkOf(cfg, this.#vmacPrefix);
    const filter = this.#filterFor();
    if (!filter && cfg.acceptMode === false && cfg.priority !== 255) {
      this.emit('warning', { instance: cfg.name, message: 'no_accept needs nftables (the nft command): traffic to the VIPs is accepted' });
    }
    const basePrimary = base ? cfg.unicastSource ?? await this.#primaryAddress(base.index, cfg) : cfg.unicastSource!;
    let vlink: Link | undefined;
    if (spec && base) {
      vlink = await this.#vlinks.create(spec, base, cfg.family === 6 ? basePrimary : undefined);
      if (spec.kind === 'macvlan' && filter) await filter.addVmac(spec.name, base.name, cfg.family).catch((e: Error) => this.emit('warning', { instance: cfg.name, message: e.message }));
    }
    const undo = async () => {
      if (!spec || !vlink) return;
      if (spec.kind === 'macvlan') await filter?.removeVmac(spec.name).catch(() => undefined);
      await this.#vlinks.remove(spec.name).catch(() => undefined);
    };
    let entry: Entry;
    try {
      const wire = vlink && !spec!.xmitBase ? vlink : base;
      // An IPv4 ipvlan sends from its own address (keepalived needs one there).
      const primary = spec?.kind === 'ipvlan' && spec.address && cfg.family === 4 && !cfg.unicastSource ? spec.address.address : basePrimary;
      const channelKey = `${wire?.index ?? 'any'}/${cfg.family}`;
      let ch = this.#channels.get(channelKey);
      if (!ch) {
        const channel = VrrpChannel.open({ family: cfg.family, ifname: wire?.name ?? '', ifindex: wire?.index ?? 0 });
        channel.on('datagram', (d) => this.#dispatch(channel, d));
        channel.on('error', (e) => this.#error(e));
        channel.start();
        ch = { channel, users: 0 };
        this.#channels.set(channelKey, ch);
      }
      const link: LinkInfo = vlink ? { ifindex: vlink.index, name: vlink.name, mac: vlink.mac } : base ? { ifindex: base.index, name: base.name, mac: base.mac } : NO_LINK;
      let instance: VrrpInstance;
      try {
        if (ahKeyOf(cfg)) ch.channel.enableAh();
        instance = new VrrpInstance(cfg, {
          channel: ch.channel, link, links, primaryAddress: primary, addresses: this.#rt, announce: this.#announce, authMemory: this.#authMemory,
          ...(filter ? { filter } : {}),
          ...(this.#advertSender ? { advertSender: this.#advertSender } : {}),
          ...(this.#clock ? { clock: this.#clock } : {}),
        });
      } catch (err) {
        this.#release(channelKey);
        throw err;
      }
      if (!isUnicast(cfg)) ch.channel.joinGroup(multicastGroupOf(cfg));
      ch.users++;
      entry = {
        instance, channel: ch.channel, channelKey, link, tracked: new Map(), trackedLinks: new Map(), linkRunning: base ? isRunning(base) : true,
        ...(spec && vlink ? { virtualLink: { name: spec.name, vmac: spec.kind === 'macvlan' } } : {}),
        ...(cfg.trackSource && cfg.unicastSource ? { trackedSource: canonicalIp(cfg.unicastSource) } : {}),
      };
    } catch (err) {
      await undo();
      throw err;
    }
    const { instance } = entry;
    // Re-emit instance events on the router so one listener sees every instance.
    const relay = this.emit.bind(this) as (event: string, arg: unknown) => boolean;
    const source = instance as unknown as EventEmitter;
    for (const ev of RELAYED_EVENTS) source.on(ev, (x: unknown) => relay(ev, x));
    this.#entries.set(cfg.name, entry);
    // The instance's own link is tracked with weight 0: link down means FAULT (keepalived's default,
    // unless dont_track_primary).
    for (const t of opts.tracked ?? []) entry.tracked.set(t.source, { ok: t.ok, weight: t.weight });
    if (base && !cfg.dontTrackPrimary) {
      entry.trackedLinks.set(base.name, { weight: 0, reverse: false });
      this.#setTracked(entry, `link:${base.name}`, isRunning(base), 0);
    }
    if (entry.trackedSource) await this.#checkSource(entry);
    await instance.start();
    return instance;
  }

  /** Closes a channel no instance uses. */
  #release(key: string): void {
    const ch = this.#channels.get(key);
    if (ch && ch.users === 0) {
      ch.channel.close();
      this.#channels.delete(key);
    }
  }

  async #primaryAddress(ifindex: number, cfg: ResolvedInstanceConfig): Promise<string> {
    const vips = new Set(cfg.virtualAddresses.map((v) => canonicalIp(v.address)));
    const addrs = (await this.#rt.addresses({ ifindex, family: cfg.family })).filter((a) => !vips.has(canonicalIp(a.address)));
    const pick = cfg.family === 6 ? addrs.find((a) => isIpv6LinkLocal(a.address)) : addrs.find((a) => a.scope === 0) ?? addrs[0];
    if (!pick) {
      throw new VipdError('VIPD_ERR_NO_ADDRESS', `${cfg.name}: interface ${cfg.interface} has no ${cfg.family === 6 ? 'IPv6 link-local' : 'IPv4'} address to send adverts from`);
    }
    return pick.address;
  }

  #dispatch(channel: VrrpChannel, d: VrrpDatagram): void {
    const vrid = d.protocol === IPPROTO_AH ? vridOfAhPacket(d.data) : d.family === 4 ? vridOfIpv4Packet(d.data) : vridOf(d.data);
    let first: Entry | undefined;
    let more = false;
    for (const e of this.#entries.values()) {
      if (e.channel !== channel || e.instance.config.vrid !== vrid) continue;
      if (first) more = true;
      else first = e;
    }
    if (!first) {
      this.#unknownVrid++;
      this.emit('unknown-vrid', { vrid, source: d.source, interface: channel.ifname });
      return;
    }
    if (!more) {
      first.instance.receive(d);
      return;
    }
    // keepalived keeps instances of one VRID apart by multicast group, and by unicast peers.
    const dst = d.destination === undefined ? undefined : canonicalIp(d.destination);
    const mc = dst !== undefined && isMulticast(dst);
    let fallback: Entry | undefined;
    for (const e of this.#entries.values()) {
      const c = e.instance.config;
      if (e.channel !== channel || c.vrid !== vrid) continue;
      if (mc ? !isUnicast(c) && multicastGroupOf(c) === dst : isUnicast(c) && c.unicastPeers.some((p) => canonicalIp(p) === d.source)) {
        e.instance.receive(d);
        return;
      }
      if (!mc && isUnicast(c)) fallback ??= e;
    }
    // A unicast advert from a stranger: the first unicast instance of the VRID (check_unicast_src decides there).
    if (fallback) fallback.instance.receive(d);
  }

  /** Stops an instance gracefully (priority 0 if master, VIPs removed) and forgets it. */
  async remove(name: string): Promise<void> {
    const e = this.#entries.get(name);
    if (!e) return;
    this.#entries.delete(name);
    await e.instance.stop();
    e.instance.removeAllListeners();
    const ch = this.#channels.get(e.channelKey);
    if (ch) ch.users--;
    this.#release(e.channelKey);
    if (e.virtualLink) {
      if (e.virtualLink.vmac) await this.#filter?.removeVmac(e.virtualLink.name).catch((err: Error) => this.#error(err));
      await this.#vlinks.remove(e.virtualLink.name).catch((err: Error) => this.#error(err));
    }
  }

  /** track_src_ip: FAULT while the instance's source address is on no local interface. */
  async #checkSource(e: Entry): Promise<void> {
    const want = e.trackedSource;
    if (!want) return;
    const family = e.instance.config.family;
    const present = (await this.#rt.addresses({ family })).some((a) => canonicalIp(a.address) === want);
    this.#setTracked(e, `source:${want}`, present, 0);
  }

  async #checkSources(): Promise<void> {
    try {
      for (const e of this.#entries.values()) if (e.trackedSource) await this.#checkSource(e);
    } catch (err) {
      this.#error(err as Error);
    }
  }

  /**
   * track_interface: `weight` 0 means FAULT when the link is down, else a priority change;
   * `reverse` turns that around (keepalived's `weight N reverse`).
   */
  async trackInterface(instance: string, ifname: string, weight = 0, reverse = false): Promise<void> {
    const e = this.#entries.get(instance);
    if (!e) throw new VipdError('VIPD_ERR_NO_INSTANCE', `no VRRP instance ${instance}`);
    const l = await this.#rt.link(ifname);
    e.trackedLinks.set(l.name, { weight, reverse });
    this.#setLink(e, l.name, isRunning(l));
  }

  #setLink(e: Entry, ifname: string, up: boolean): void {
    const t = e.trackedLinks.get(ifname);
    if (!t) return;
    const { ok, weight } = asTracked(upDownEffect(up, t.weight, t.reverse));
    this.#setTracked(e, `link:${ifname}`, ok, weight);
  }

  /** A tracked thing (script, HTTP/TCP probe...) changed; recomputes the instance's priority and fault state. */
  setTracked(instance: string, source: string, ok: boolean, weight: number): void {
    const e = this.#entries.get(instance);
    if (e) this.#setTracked(e, source, ok, weight);
  }

  #setTracked(e: Entry, source: string, ok: boolean, weight: number): void {
    e.tracked.set(source, { ok, weight });
    this.#applyTracking(e);
  }

  #applyTracking(e: Entry): void {
    const { priority } = effectivePriority(e.instance.basePriority, [...e.tracked.values()]);
    // One fault source per weight-0 tracker, so a FAULT's reason names what failed.
    for (const [name, t] of e.tracked) if (t.weight === 0) e.instance.setFault(name, !t.ok);
    e.instance.setPriority(priority);
  }

  #onLink(l: Link, deleted: boolean): void {
    // A VMAC or ipvlan deleted under us (by hand): the instance cannot work on it.
    for (const e of this.#entries.values()) {
      if (deleted && e.virtualLink && e.link.ifindex === l.index) this.#setTracked(e, `link:${e.virtualLink.name}`, false, 0);
    }
    for (const e of this.#entries.values()) {
      this.#setLink(e, l.name, !deleted && isRunning(l));
      if (l.name !== e.link.name) continue;
      const was = e.linkRunning;
      e.linkRunning = !deleted && isRunning(l);
      if (!was && e.linkRunning) e.instance.linkRestored();
    }
  }

  async #resyncLinks(): Promise<void> {
    try {
      for (const l of await this.#rt.links()) this.#onLink(l, false);
    } catch (err) {
      this.#error(err as Error);
    }
  }

  /** Socket and resync failures: reported to listeners; with none, they must not crash the process. */
  #error(e: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', e);
  }

  status(): InstanceStatus[] {
    return this.instances().map((i) => i.status());
  }

  /** Stops every instance (priority-0 adverts, VIPs removed) and closes every socket. */
  async close(): Promise<void> {
    await Promise.all([...this.#entries.keys()].map((n) => this.remove(n)));
    this.#advertSender?.close();
    this.#subscription?.close();
    this.#announcer?.close();
    if (this.#ownRt) this.#rt.close();
  }
}
