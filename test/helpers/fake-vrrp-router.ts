// A VrrpRouter stand-in for daemon tests without raw sockets: real VrrpInstance objects (so their
// configuration is validated and their state machine runs) on a channel that records adverts, VIPs
// on a real RtNetlink client over FakeRtnetlinkKernel, announcements counted. It rejects what the
// real router rejects at add(): a duplicate name, a VRID used twice on one interface and family, a
// missing link, no address to send from. Tracking follows the router: weight-0 sources are faults.
import { EventEmitter } from 'node:events';
import { VrrpInstance, type Clock, type InstanceConfig, type InstanceStatus, type LinkInfo } from '../../src/vrrp/instance.js';
import { resolveInstanceConfig } from '../../src/vrrp/instance-config.js';
import type { InitialTracking, RouterEvents } from '../../src/vrrp/router.js';
import type { VrrpChannel } from '../../src/vrrp/channel.js';
import { effectivePriority } from '../../src/vrrp/track/tracker-state.js';
import { asTracked, upDownEffect } from '../../src/vrrp/track/effect.js';
import { VipdError } from '../../src/errors.js';
import { instancesConflict } from '../../src/vrrp/demux.js';
import { RELAYED_EVENTS } from '../../src/vrrp/router.js';
import type { RtNetlink } from '../../src/netif/rtnetlink.js';
import type { VrrpRouterPort } from '../../src/daemon/deps.js';

interface Entry { instance: VrrpInstance; tracked: Map<string, { ok: boolean; weight: number }>; link: LinkInfo }

export class FakeVrrpRouter extends EventEmitter<RouterEvents> implements VrrpRouterPort {
  readonly rt: RtNetlink;
  readonly clock: Clock;
  /** Adverts "sent": instance name -> count. */
  readonly sent = new Map<string, number>();
  garps = 0;
  closed = false;
  #entries = new Map<string, Entry>();

  constructor(rt: RtNetlink, clock: Clock) {
    super();
    this.rt = rt;
    this.clock = clock;
  }

  get unknownVridCount(): number {
    return 0;
  }

  instance(name: string): VrrpInstance | undefined {
    return this.#entries.get(name)?.instance;
  }

  async add(input: InstanceConfig, opts: { tracked?: InitialTracking[] } = {}): Promise<VrrpInstance> {
    const cfg = resolveInstanceConfig(input);
    if (this.#entries.has(cfg.name)) throw new VipdError('VIPD_ERR_DUPLICATE', `VRRP instance ${cfg.name} exists already`);
    for (const e of this.#entries.values()) {
      const c = e.instance.config;
      // The real router's rule (src/vrrp/demux.ts).
      const why = instancesConflict(c, cfg);
      if (why) throw new VipdError('VIPD_ERR_DUPLICATE', `VRRP instances ${c.name} and ${cfg.name} both use VRID ${cfg.vrid} on ${cfg.interface}: ${why}`);
    }
    const l = await this.rt.link(cfg.interface);
    const link: LinkInfo = { ifindex: l.index, name: l.name, mac: l.mac };
    const links = new Map<string, LinkInfo>();
    for (const v of [...cfg.virtualAddresses, ...(cfg.excludedAddresses ?? [])]) {
      if (v.interface && v.interface !== l.name && !links.has(v.interface)) {
        const o = await this.rt.link(v.interface);
        links.set(v.interface, { ifindex: o.index, name: o.name, mac: o.mac });
      }
    }
    const vips = new Set(cfg.virtualAddresses.map((v) => v.address));
    const own = (await this.rt.addresses({ ifindex: l.index, family: cfg.family })).filter((a) => !vips.has(a.address));
    const primary = cfg.unicastSource ?? (cfg.family === 6 ? own.find((a) => a.address.startsWith('fe80')) : own[0])?.address;
    if (!primary) throw new VipdError('VIPD_ERR_NO_ADDRESS', `${cfg.name}: interface ${cfg.interface} has no address to send adverts from`);
    const channel = {
      send: () => { this.sent.set(cfg.name, (this.sent.get(cfg.name) ?? 0) + 1); return true; },
      drain: () => undefined,
      joinGroup: () => undefined,
    } as unknown as VrrpChannel;
    const instance = new VrrpInstance(cfg, {
      channel, link, links, primaryAddress: primary, addresses: this.rt, clock: this.clock,
      announce: { gratuitousArp: () => { this.garps++; }, unsolicitedNa: () => { this.garps++; } },
    });
    const relay = this.emit.bind(this) as (event: string, arg: unknown) => boolean;
    for (const ev of RELAYED_EVENTS) (instance as unknown as EventEmitter).on(ev, (x: unknown) => relay(ev, x));
    const entry: Entry = { instance, tracked: new Map(), link };
    this.#entries.set(cfg.name, entry);
    for (const t of opts.tracked ?? []) entry.tracked.set(t.source, { ok: t.ok, weight: t.weight });
    this.#set(entry, `link:${l.name}`, true, 0);
    await instance.start();
    return instance;
  }

  async remove(name: string): Promise<void> {
    const e = this.#entries.get(name);
    if (!e) return;
    this.#entries.delete(name);
    await e.instance.stop();
    e.instance.removeAllListeners();
  }

  async trackInterface(instance: string, ifname: string, weight = 0, reverse = false): Promise<void> {
    const e = this.#entries.get(instance);
    if (!e) throw new VipdError('VIPD_ERR_NO_INSTANCE', `no VRRP instance ${instance}`);
    const l = await this.rt.link(ifname);
    const t = asTracked(upDownEffect((l.flags & 0x41) === 0x41, weight, reverse));
    this.#set(e, `link:${l.name}`, t.ok, t.weight);
  }

  setTracked(instance: string, source: string, ok: boolean, weight: number): void {
    const e = this.#entries.get(instance);
    if (e) this.#set(e, source, ok, weight);
  }

  /** What the router computed from the tracking sources of an instance. */
  tracked(instance: string): Map<string, { ok: boolean; weight: number }> | undefined {
    return this.#entries.get(instance)?.tracked;
  }

  #set(e: Entry, source: string, ok: boolean, weight: number): void {
    e.tracked.set(source, { ok, weight });
    const { priority } = effectivePriority(e.instance.basePriority, [...e.tracked.values()]);
    for (const [name, t] of e.tracked) if (t.weight === 0) e.instance.setFault(name, !t.ok);
    e.instance.setPriority(priority);
  }

  status(): InstanceStatus[] {
    return [...this.#entries.values()].map((e) => e.instance.status());
  }

  async close(): Promise<void> {
    await Promise.all([...this.#entries.keys()].map((n) => this.remove(n)));
    this.closed = true;
  }
}
