// One VRRP virtual router on this host: the imperative shell around the pure state machine.
// It turns datagrams and timer expiries into machine events and performs the actions the machine
// returns (send adverts, add/remove VIPs, announce them). It owns no sockets: the router hands it a
// shared channel, address operations and an announcer.
import { EventEmitter } from 'node:events';
import { createMachine, step, timersOf, type Action, type Machine, type MachineEvent, type TimerName, type TransitionReason, type VrrpStateName } from './state-machine.js';
import { receiveIpv4Packet, receiveVrrpMessage, type DropReason, type InstanceView } from './validate.js';
import { encodeAdvertisement } from './packet.js';
import { passwordAuthData } from './auth.js';
import { AuthType, type ChecksumMode } from './types.js';
import { countActions, countDrop, countReceived, emptyStatistics, type VrrpStatistics } from './stats.js';
import { addVirtualAddresses, removeVirtualAddresses, type AddressFailure, type AddressOps, type VirtualAddress } from './virtual-addresses.js';
import type { VrrpChannel, VrrpDatagram } from './channel.js';
import { VRRP_GROUP_V4, VRRP_GROUP_V6 } from './channel.js';
import { setPreciseTimeout, type PreciseTimer } from './precise-timer.js';

/** What an instance is, in the library's terms (the daemon maps keepalived.conf onto this). */
export interface InstanceConfig {
  name: string;
  vrid: number;
  version: 2 | 3;
  family: 4 | 6;
  /** Interface the instance runs on. */
  interface: string;
  /** 1..255; 255 = address owner. */
  priority: number;
  /** Advertisement interval, centiseconds (v2: a multiple of 100). */
  advertIntervalCs: number;
  preempt: boolean;
  preemptDelayMs: number;
  acceptMode: boolean;
  /** VRRPv2 simple password (keepalived auth_type PASS), at most 8 bytes. */
  authPass?: string;
  /** Advertised and held while master. `interface` defaults to the instance's. */
  virtualAddresses: Array<{ address: string; prefixLength: number; interface?: string; label?: string }>;
  /** Held while master but not advertised (keepalived virtual_ipaddress_excluded). */
  excludedAddresses?: Array<{ address: string; prefixLength: number; interface?: string; label?: string }>;
  /** Source of our adverts; default: the interface's primary address (IPv6: its link-local). */
  unicastSource?: string;
  /** Unicast mode: adverts go to, and are accepted only from, these peers. */
  unicastPeers?: string[];
  garp?: Partial<GarpSettings>;
  /** v3 over IPv4: checksum variants to accept / to send. */
  checksum?: ChecksumMode;
  addressListCheck?: 'log' | 'strict';
  downTimerAdverts?: number;
}

/** keepalived's GARP knobs (ms / counts). */
export interface GarpSettings {
  /** Delay of the second burst after becoming master; 0 = none. */
  masterDelayMs: number;
  /** Announcements per VIP per burst. */
  masterRepeat: number;
  /** Refresh period while master; 0 = off. */
  masterRefreshMs: number;
  masterRefreshRepeat: number;
  /** Gap between two announcements on one interface. */
  intervalMs: number;
  /**
   * A master that hears a lower-priority advert (another router believed it was master, so the
   * LAN's last GARPs may be theirs) announces again: `lowerPrioRepeat` now and after
   * `lowerPrioDelayMs` (keepalived's garp_lower_prio_*).
   */
  lowerPrioDelayMs: number;
  lowerPrioRepeat: number;
}

const DEFAULT_GARP: GarpSettings = {
  masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1, intervalMs: 0, lowerPrioDelayMs: 5000, lowerPrioRepeat: 5,
};

export interface LinkInfo { ifindex: number; name: string; mac: string }

export interface Announce {
  gratuitousArp(link: LinkInfo, address: string): void;
  unsolicitedNa(link: LinkInfo, address: string): void;
  /** Builds (and keeps) the frames for `address` ahead of the first announcement. */
  prepare?(link: LinkInfo, address: string): void;
}

/** The monotonic clock and timers an instance uses (injected so tests can drive them). */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  /** For deadlines that decide takeover latency; defaults to setTimeout. */
  setPreciseTimeout?(fn: () => void, ms: number): unknown;
  /** Cancels a handle of either setTimeout. */
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  setPreciseTimeout: (fn, ms) => setPreciseTimeout(fn, ms),
  clearTimeout: (h) => {
    if (h && typeof (h as PreciseTimer).cancel === 'function') (h as PreciseTimer).cancel();
    else clearTimeout(h as NodeJS.Timeout);
  },
};

export interface InstanceEnv {
  channel: VrrpChannel;
  link: LinkInfo;
  /** Links of VIPs that live on another device (`dev` in keepalived.conf), by name. */
  links: Map<string, LinkInfo>;
  /** Our primary address on the link (IPv6: link-local). */
  primaryAddress: string;
  addresses: AddressOps;
  announce: Announce;
  clock?: Clock;
}

export interface StateChange {
  instance: string;
  state: VrrpStateName;
  previous: VrrpStateName;
  reason: TransitionReason;
  detail?: string;
  priority: number;
  at: number;
}

export interface DropEvent { instance: string; reason: DropReason; detail: string; source: string }

export interface InstanceEvents {
  state: [StateChange];
  drop: [DropEvent];
  advert: [{ instance: string; source: string; priority: number; intervalCs: number }];
  'vip-error': [{ instance: string; failures: AddressFailure[]; op: 'add' | 'remove' }];
  'send-error': [{ instance: string; error: Error }];
  garp: [{ instance: string; count: number }];
}

export interface InstanceStatus {
  name: string;
  vrid: number;
  version: 2 | 3;
  family: 4 | 6;
  interface: string;
  state: VrrpStateName;
  priority: number;
  configuredPriority: number;
  master: string | null;
  masterPriority: number | null;
  masterAdvertIntervalCs: number;
  masterDownIntervalMs: number;
  faults: string[];
  virtualAddresses: string[];
  timers: { adverAt: number | null; masterDownAt: number | null };
  stats: VrrpStatistics;
  garpsSent: number;
}

export class VrrpInstance extends EventEmitter<InstanceEvents> {
  readonly name: string;
  #cfg: InstanceConfig;
  #env: InstanceEnv;
  #clock: Clock;
  #machine: Machine;
  #timers = new Map<TimerName | 'garp', unknown>();
  #stats: VrrpStatistics = emptyStatistics();
  #view: InstanceView;
  #vips: VirtualAddress[];
  #garp: GarpSettings;
  #faults = new Set<string>();
  #basePriority: number;
  #priority: number;
  /** VIP operations run one after another, so add/remove never overtake each other. */
  #addrQueue: Promise<unknown> = Promise.resolve();
  #garpTimers = new Set<unknown>();
  #garpsSent = 0;
  #started = false;

  constructor(cfg: InstanceConfig, env: InstanceEnv) {
    super();
    this.name = cfg.name;
    this.#cfg = cfg;
    this.#env = env;
    this.#clock = env.clock ?? realClock;
    this.#basePriority = cfg.priority;
    this.#priority = cfg.priority;
    this.#garp = { ...DEFAULT_GARP, ...cfg.garp };
    this.#machine = createMachine(this.#machineConfig());
    this.#view = this.#makeView();
    this.#vips = this.#resolveVips();
  }

  get state(): VrrpStateName {
    return this.#machine.state;
  }

  get config(): InstanceConfig {
    return this.#cfg;
  }

  get stats(): VrrpStatistics {
    return this.#stats;
  }

  #machineConfig() {
    const c = this.#cfg;
    return {
      version: c.version,
      priority: c.priority,
      advertIntervalCs: c.advertIntervalCs,
      preempt: c.preempt,
      preemptDelayMs: c.preemptDelayMs,
      acceptMode: c.acceptMode,
      primaryAddress: this.#source(),
      ...(c.downTimerAdverts !== undefined ? { downTimerAdverts: c.downTimerAdverts } : {}),
    };
  }

  #source(): string {
    return this.#cfg.unicastSource ?? this.#env.primaryAddress;
  }

  #makeView(): InstanceView {
    const c = this.#cfg;
    return {
      version: c.version,
      vrid: c.vrid,
      priority: c.priority,
      family: c.family,
      addresses: c.virtualAddresses.map((v) => v.address),
      advertIntervalCs: c.advertIntervalCs,
      auth: c.version === 2 && c.authPass !== undefined ? { type: AuthType.simple, data: passwordAuthData(c.authPass) } : { type: AuthType.none },
      primaryAddress: this.#source(),
      ...(c.unicastPeers?.length ? { unicastPeers: c.unicastPeers } : {}),
      ...(c.addressListCheck ? { addressListCheck: c.addressListCheck } : {}),
      ...(c.checksum ? { checksum: c.checksum } : {}),
    };
  }

  #resolveVips(): VirtualAddress[] {
    const all = [...this.#cfg.virtualAddresses, ...(this.#cfg.excludedAddresses ?? [])];
    return all.map((v) => {
      const link = v.interface && v.interface !== this.#env.link.name ? this.#env.links.get(v.interface) : this.#env.link;
      if (!link) throw new Error(`${this.name}: virtual address ${v.address}: no interface ${v.interface}`);
      return { address: v.address, prefixLength: v.prefixLength, ifindex: link.ifindex, ...(v.label ? { label: v.label } : {}) };
    });
  }

  /**
   * Starts the instance: VIPs it would own are removed first (a previous run may have died as
   * master: no stale VIP survives a crash), then the RFC Startup event.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#warmUp();
    await this.#queueAddresses('remove');
    this.#dispatch({ type: 'startup', now: this.#clock.now() });
    if (this.#faults.size) this.#dispatch({ type: 'fault', now: this.#clock.now(), reason: [...this.#faults].join(', ') });
  }

  /** RFC Shutdown: a master sends priority 0 and removes its VIPs. Resolves when the VIPs are gone. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#dispatch({ type: 'shutdown', now: this.#clock.now() });
    this.#started = false;
    for (const h of this.#timers.values()) this.#clock.clearTimeout(h);
    this.#timers.clear();
    this.#stopGarps();
    await this.#addrQueue;
  }

  /** A datagram of this instance's VRID, from the shared channel. */
  receive(d: VrrpDatagram): void {
    if (!this.#started) return;
    const verdict = d.family === 4
      ? receiveIpv4Packet(d.data, this.#view)
      : receiveVrrpMessage(d.data, { family: 6, source: d.source, destination: d.destination ?? VRRP_GROUP_V6, ttl: d.ttl ?? -1 }, this.#view);
    if (!verdict.ok) {
      this.#stats = countDrop(this.#stats, verdict.reason);
      if (verdict.reason !== 'own-advert') this.emit('drop', { instance: this.name, reason: verdict.reason, detail: verdict.detail, source: d.source });
      return;
    }
    const adv = verdict.advert;
    this.#stats = countReceived(this.#stats, adv.priority, verdict.addressListMismatch);
    this.emit('advert', { instance: this.name, source: adv.source, priority: adv.priority, intervalCs: adv.advertIntervalCs });
    const wasMaster = this.#machine.state === 'master';
    this.#dispatch({ type: 'advert', now: this.#clock.now(), priority: adv.priority, advertIntervalCs: adv.advertIntervalCs, source: adv.source });
    // Still master after a (non-resigning) advert: the sender has lower priority and believed it was master.
    if (wasMaster && this.#machine.state === 'master' && adv.priority > 0) this.#lowerPriorityGarps();
  }

  #lastLowerPrioGarp = -Infinity;

  #lowerPriorityGarps(): void {
    const g = this.#garp;
    const now = this.#clock.now();
    if (g.lowerPrioRepeat <= 0 || now - this.#lastLowerPrioGarp < 1000) return; // at most one round a second
    this.#lastLowerPrioGarp = now;
    this.#announce(this.#vips, g.lowerPrioRepeat);
    if (g.lowerPrioDelayMs > 0) {
      const h = this.#clock.setTimeout(() => {
        this.#garpTimers.delete(h);
        if (this.#machine.state === 'master') this.#announce(this.#vips, g.lowerPrioRepeat);
      }, g.lowerPrioDelayMs);
      this.#garpTimers.add(h);
    }
  }

  /** Base priority changed at run time (config reload or API). Tracking adjustments apply on top. */
  setBasePriority(priority: number): void {
    this.#basePriority = priority;
    this.setPriority(priority);
  }

  /** Effective priority (tracking weights applied). */
  setPriority(priority: number): void {
    if (priority === this.#priority) return;
    this.#priority = priority;
    if (this.#started) this.#dispatch({ type: 'set-priority', now: this.#clock.now(), priority });
  }

  get basePriority(): number {
    return this.#basePriority;
  }

  /** A named fault source (tracked interface, script, link) failed or recovered. */
  setFault(source: string, failed: boolean): void {
    const had = this.#faults.size > 0;
    if (failed) this.#faults.add(source);
    else this.#faults.delete(source);
    if (!this.#started) return;
    const now = this.#clock.now();
    if (!had && this.#faults.size > 0) this.#dispatch({ type: 'fault', now, reason: source });
    else if (had && this.#faults.size === 0) this.#dispatch({ type: 'fault-cleared', now });
  }

  /**
   * Replaces the VIP list at run time. A master removes the dropped ones and adds (and announces)
   * the new ones without a state change.
   */
  async setVirtualAddresses(vips: InstanceConfig['virtualAddresses'], excluded: InstanceConfig['excludedAddresses'] = this.#cfg.excludedAddresses): Promise<void> {
    const before = this.#vips;
    this.#cfg = { ...this.#cfg, virtualAddresses: vips, ...(excluded ? { excludedAddresses: excluded } : {}) };
    this.#vips = this.#resolveVips();
    this.#view = this.#makeView();
    if (this.#machine.state !== 'master') return;
    const key = (v: VirtualAddress) => `${v.ifindex}/${v.address}/${v.prefixLength}`;
    const now = new Set(this.#vips.map(key));
    const old = new Set(before.map(key));
    const gone = before.filter((v) => !now.has(key(v)));
    const added = this.#vips.filter((v) => !old.has(key(v)));
    await this.#queue(async () => {
      const f1 = await removeVirtualAddresses(this.#env.addresses, gone);
      const f2 = await addVirtualAddresses(this.#env.addresses, added);
      if (f1.length) this.emit('vip-error', { instance: this.name, failures: f1, op: 'remove' });
      if (f2.length) this.emit('vip-error', { instance: this.name, failures: f2, op: 'add' });
    });
    this.#announce(added);
  }

  #dispatch(event: MachineEvent): void {
    const { machine, actions } = step(this.#machine, event);
    this.#machine = machine;
    this.#stats = countActions(this.#stats, actions);
    for (const a of actions) this.#perform(a, event.now);
  }

  #perform(a: Action, now: number): void {
    switch (a.type) {
      case 'set-timer': {
        const old = this.#timers.get(a.timer);
        if (old !== undefined) this.#clock.clearTimeout(old);
        const timer = a.timer;
        const fire = () => this.#timerFired(timer);
        const ms = Math.max(0, a.at - now);
        this.#timers.set(timer, timer === 'master-down' && this.#clock.setPreciseTimeout
          ? this.#clock.setPreciseTimeout(fire, ms) : this.#clock.setTimeout(fire, ms));
        break;
      }
      case 'cancel-timer': {
        const old = this.#timers.get(a.timer);
        if (old !== undefined) this.#clock.clearTimeout(old);
        this.#timers.delete(a.timer);
        break;
      }
      case 'send-advert':
        this.#sendAdvert(a.priority);
        break;
      case 'add-vips':
        void this.#queueAddresses('add');
        break;
      case 'remove-vips':
        this.#stopGarps();
        void this.#queueAddresses('remove');
        break;
      case 'send-garp':
        this.#startGarps();
        break;
      case 'notify': {
        const change: StateChange = {
          instance: this.name, state: a.state, previous: a.previous, reason: a.reason, priority: this.#machine.priority, at: now,
          ...(a.detail !== undefined ? { detail: a.detail } : {}),
        };
        this.emit('state', change);
        break;
      }
    }
  }

  #timerFired(timer: TimerName): void {
    this.#timers.delete(timer);
    if (!this.#started) return;
    if (timer === 'master-down') {
      // Stall-safe: adverts that queued up while we were not running count before the timer does.
      this.#env.channel.drain();
      if (!this.#started) return;
      this.#dispatch({ type: 'master-down-timer', now: this.#clock.now() });
    } else {
      this.#dispatch({ type: 'adver-timer', now: this.#clock.now() });
    }
  }

  #sendAdvert(priority: number): void {
    const c = this.#cfg;
    // Resigning because our own link went down (the router names that fault `link:<ifname>`): the
    // priority-0 advert cannot leave now, and a unicast one would wait in the kernel's ARP queue and
    // reach the peers stale when the link returns, making backups start a Skew_Time takeover.
    if (priority === 0 && this.#faults.has(`link:${this.#env.link.name}`)) return;
    const source = this.#source();
    for (const to of this.#advertDestinations()) {
      try {
        if (!this.#env.channel.send(this.#advert(priority, to), source, c.unicastPeers?.length ? to : undefined)) {
          this.emit('send-error', { instance: this.name, error: new Error(`advert to ${to} dropped: socket buffer full`) });
        }
      } catch (error) {
        this.emit('send-error', { instance: this.name, error: error as Error });
      }
    }
  }

  #advertDestinations(): string[] {
    const c = this.#cfg;
    return c.unicastPeers?.length ? c.unicastPeers : [c.family === 6 ? VRRP_GROUP_V6 : VRRP_GROUP_V4];
  }

  /** The advert message to one destination (the v3 checksum covers source and destination). */
  #advert(priority: number, to: string): Buffer {
    const c = this.#cfg;
    return encodeAdvertisement({
      version: c.version, vrid: c.vrid, priority, advertIntervalCs: c.advertIntervalCs, family: c.family,
      addresses: c.virtualAddresses.map((v) => v.address),
      ...(c.version === 2 ? (c.authPass !== undefined
        ? { authType: AuthType.simple, authData: passwordAuthData(c.authPass) } : { authType: AuthType.none }) : {}),
    }, { source: this.#source(), destination: to, ...(c.checksum === 'no-pseudo' ? { checksum: 'no-pseudo' as const } : {}) });
  }

  /**
   * A backup runs its takeover code for the first time at the takeover, and V8 compiles lazily:
   * measured ~0.7 ms between the first advert and the first GARP. Running the same code once at
   * start (nothing is sent) makes the real takeover pay only for sending.
   */
  #warmUp(): void {
    try {
      for (const to of this.#advertDestinations()) this.#advert(this.#priority, to);
      for (const v of this.#vips) this.#env.announce.prepare?.(this.#linkOf(v), v.address);
      const scratch = step(createMachine(this.#machineConfig()), { type: 'startup', now: 0 }).machine;
      step(scratch, { type: 'master-down-timer', now: Number.MAX_SAFE_INTEGER });
    } catch {
      // a config the encoder rejects shows up (and is reported) on the first real send
    }
  }

  #queue(fn: () => Promise<void>): Promise<void> {
    const p = this.#addrQueue.then(fn, fn);
    this.#addrQueue = p.catch(() => undefined);
    return p;
  }

  #queueAddresses(op: 'add' | 'remove'): Promise<void> {
    return this.#queue(async () => {
      const failures = op === 'add'
        ? await addVirtualAddresses(this.#env.addresses, this.#vips)
        : await removeVirtualAddresses(this.#env.addresses, this.#vips);
      if (failures.length) this.emit('vip-error', { instance: this.name, failures, op });
    });
  }

  #linkOf(v: VirtualAddress): LinkInfo {
    if (v.ifindex === this.#env.link.ifindex) return this.#env.link;
    for (const l of this.#env.links.values()) if (l.ifindex === v.ifindex) return l;
    return this.#env.link;
  }

  /** One round of announcements for `vips`, `repeat` times, `intervalMs` apart. */
  #announce(vips: VirtualAddress[], repeat = 1): void {
    const once = () => {
      let n = 0;
      for (const v of vips) {
        try {
          const link = this.#linkOf(v);
          if (v.address.includes(':')) this.#env.announce.unsolicitedNa(link, v.address);
          else this.#env.announce.gratuitousArp(link, v.address);
          n++;
        } catch (error) {
          this.emit('send-error', { instance: this.name, error: error as Error });
        }
      }
      this.#garpsSent += n;
      this.emit('garp', { instance: this.name, count: n });
    };
    once();
    for (let i = 1; i < repeat; i++) {
      const h = this.#clock.setTimeout(() => { this.#garpTimers.delete(h); if (this.#machine.state === 'master') once(); }, i * Math.max(1, this.#garp.intervalMs));
      this.#garpTimers.add(h);
    }
  }

  /** keepalived's GARP schedule on becoming master: a burst now, a burst after masterDelay, refreshes. */
  #startGarps(): void {
    this.#stopGarps();
    const g = this.#garp;
    this.#announce(this.#vips, g.masterRepeat);
    if (g.masterDelayMs > 0) {
      const h = this.#clock.setTimeout(() => {
        this.#garpTimers.delete(h);
        if (this.#machine.state === 'master') this.#announce(this.#vips, g.masterRepeat);
      }, g.masterDelayMs);
      this.#garpTimers.add(h);
    }
    if (g.masterRefreshMs > 0) {
      const refresh = () => {
        if (this.#machine.state !== 'master') return;
        this.#announce(this.#vips, g.masterRefreshRepeat);
        const h = this.#clock.setTimeout(() => { this.#garpTimers.delete(h); refresh(); }, g.masterRefreshMs);
        this.#garpTimers.add(h);
      };
      const h = this.#clock.setTimeout(() => { this.#garpTimers.delete(h); refresh(); }, g.masterRefreshMs);
      this.#garpTimers.add(h);
    }
  }

  #stopGarps(): void {
    for (const h of this.#garpTimers) this.#clock.clearTimeout(h);
    this.#garpTimers.clear();
  }

  status(): InstanceStatus {
    const m = this.#machine;
    return {
      name: this.name,
      vrid: this.#cfg.vrid,
      version: this.#cfg.version,
      family: this.#cfg.family,
      interface: this.#env.link.name,
      state: m.state,
      priority: m.priority,
      configuredPriority: this.#cfg.priority,
      master: m.masterAddress,
      masterPriority: m.masterPriority,
      masterAdvertIntervalCs: m.masterAdvertIntervalCs,
      masterDownIntervalMs: timersOf(m).masterDownIntervalMs,
      faults: [...this.#faults],
      virtualAddresses: this.#cfg.virtualAddresses.map((v) => `${v.address}/${v.prefixLength}`),
      timers: { adverAt: m.adverAt, masterDownAt: m.masterDownAt },
      stats: this.#stats,
      garpsSent: this.#garpsSent,
    };
  }
}
