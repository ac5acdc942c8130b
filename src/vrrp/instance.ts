// One VRRP virtual router on this host: the imperative shell around the pure state machine.
// It turns datagrams and timer expiries into machine events and performs the actions the machine
// returns (send adverts, add/remove VIPs, announce them). It owns no sockets: the router hands it a
// shared channel, address operations and an announcer. What it sends and checks is derived from its
// config (instance-views.ts); when it announces is the GARP schedule's (garp-schedule.ts).
import { EventEmitter } from 'node:events';
import { createMachine, masterDownIntervalOf, step, type Action, type Machine, type MachineEvent, type TimerName, type TransitionReason, type VrrpStateName } from './state-machine.js';
import { receiveIpv4Packet, receiveVrrpMessage, type DropReason, type InstanceView, type Verdict } from './validate.js';
import { encodeAdvertisement } from './packet.js';
import { countActions, countDrop, countLateAdvert, countReceived, emptyStatistics, type VrrpStatistics } from './stats.js';
import { addVirtualAddresses, removeVirtualAddresses, type AddressFailure, type AddressOps, type VirtualAddress } from './virtual-addresses.js';
import type { AdvertChannel, VrrpDatagram } from './channel.js';
import { VRRP_MULTICAST_IPV6 } from './types.js';
import { realClock, receivedAtOn, type Clock } from './clock.js';
import { resolveInstanceConfig, type AuthHmacConfig, type InstanceConfig, type ResolvedInstanceConfig } from './instance-config.js';
import { InstanceAuth, authNotice, type AuthHmacMemory, type AuthHmacStatus, type AuthNoticeEvent } from './instance-auth.js';
import {
  advertDestinationsOf, advertIntervalMsOf, advertOf, ahKeyOf, encodeOptionsOf, heldAddressesOf, machineConfigOf, receiveViewOf, sendTtlOf, sourceOf,
} from './instance-views.js';
import { encodeAhPacket, nextAhSequence, parseAhPacket, IPPROTO_AH } from './auth-ah.js';
import { onAddressesAdded, onBecomeMaster, onLowerPriorityAdvert, type GarpRound } from './garp-schedule.js';
import { GarpTimer } from './garp-timer.js';
import { offloadPlan, offloadRefusal, planChanged, type OffloadPlan } from './advert-offload.js';
import type { AdvertCounts, AdvertSchedule, AdvertScheduler } from './advert-sender.js';

export { realClock, type Clock } from './clock.js';
export type { AuthHmacMemory, AuthHmacStatus, AuthNoticeEvent } from './instance-auth.js';
export {
  DEFAULT_GARP, resolveInstanceConfig,
  type AuthHmacConfig, type GarpSettings, type InstanceConfig, type ResolvedInstanceConfig, type ResolvedVirtualAddress, type VirtualAddressConfig, type VirtualAddressInput,
} from './instance-config.js';

export interface LinkInfo { ifindex: number; name: string; mac: string }

export interface Announce {
  gratuitousArp(link: LinkInfo, address: string): void;
  unsolicitedNa(link: LinkInfo, address: string): void;
  /** Builds (and keeps) the frames for `address` ahead of the first announcement. */
  prepare?(link: LinkInfo, address: string): void;
}

/**
 * keepalived no_accept: traffic to (and from) a master's VIPs is dropped while it is not the
 * address owner (nftables). `block` runs before the VIPs are added, `unblock` after they are removed.
 */
export interface AcceptFilter {
  block(instance: string, addresses: readonly string[]): Promise<void>;
  unblock(instance: string): Promise<void>;
}

export interface InstanceEnv {
  /** The wire: a VrrpChannel, shared by the instances of one link and family. */
  channel: AdvertChannel;
  /** The instance's link: its interface, or its VMAC / ipvlan (name and ifindex 0: none, unicast only). */
  link: LinkInfo;
  /** Links of VIPs that live on another device (`dev` in keepalived.conf), by name. */
  links: Map<string, LinkInfo>;
  /** Our primary address on the link (IPv6: link-local). */
  primaryAddress: string;
  addresses: AddressOps;
  announce: Announce;
  /** Enforces acceptMode false (no_accept); without it such an instance accepts like any other. */
  filter?: AcceptFilter;
  clock?: Clock;
  /** auth_hmac: wall clock, epoch ms (the trailer carries UTC time). Default Date.now. */
  wallClock?: () => number;
  /** auth_hmac: replay marks and send sequence kept across restarts of the instance (the router's). */
  authMemory?: Map<string, AuthHmacMemory>;
  /** The addon's advert thread: a master's periodic adverts leave from it when advert-offload.ts allows. */
  advertSender?: AdvertScheduler;
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

/**
 * An advert of ours, as master, that left more than one advertisement interval after it was due.
 * From the advert thread: `count` such adverts since its last report, lateMs the worst.
 */
export interface LateAdvertEvent { instance: string; lateMs: number; intervalMs: number; count?: number }

/** The effective priority changed (tracking weights); `state` is the state it changed in. */
export interface PriorityChange { instance: string; state: VrrpStateName; priority: number; previous: number }

/** The named fault sources of an instance changed (after any state change they caused). */
export interface FaultsChange { instance: string; faults: string[] }

/** Decides, when a member's Master_Down_Timer expires, whether it may become master now (sync groups). */
export type MasterGate = (instance: string) => boolean;

export interface InstanceEvents {
  state: [StateChange];
  drop: [DropEvent];
  advert: [{ instance: string; source: string; priority: number; intervalCs: number }];
  'vip-error': [{ instance: string; failures: AddressFailure[]; op: 'add' | 'remove' }];
  'send-error': [{ instance: string; error: Error }];
  garp: [{ instance: string; count: number }];
  'late-advert': [LateAdvertEvent];
  priority: [PriorityChange];
  faults: [FaultsChange];
  /** As master, an advert with a lower priority (keepalived's notify_master_rx_lower_pri). */
  'lower-priority': [{ instance: string; source: string; priority: number }];
  /** auth_hmac: an accepted advert worth a log line (tolerated missing trailer, clock skew). */
  'auth-notice': [AuthNoticeEvent];
}

export interface InstanceStatus {
  name: string;
  vrid: number;
  version: 2 | 3;
  family: 4 | 6;
  interface: string;
  state: VrrpStateName;
  priority: number;
  /** The base priority (configured, or set at run time), before tracking weights. */
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
  /** Our adverts sent, as master, more than one interval late (event loop or CPU stalls). */
  lateAdverts: number;
  /** Accept_Mode in effect: false drops traffic to the VIPs while master (no_accept). */
  acceptMode: boolean;
  /** The VMAC or ipvlan the instance runs on, if any. */
  vmac?: string;
  /** auth_hmac settings (keys masked) and counters, when the instance has it. */
  authHmac?: AuthHmacStatus;
}

/** A master's adverts for one config: encoded messages by priority and destination, where they go. */
interface AdvertCache { cfg: ResolvedInstanceConfig; byKey: Map<string, Buffer>; destinations: readonly string[]; ttl: number }

export class VrrpInstance extends EventEmitter<InstanceEvents> {
  readonly name: string;
  #cfg: ResolvedInstanceConfig;
  #env: InstanceEnv;
  #clock: Clock;
  #machine: Machine;
  #timers = new Map<TimerName, unknown>();
  #stats: VrrpStatistics = emptyStatistics();
  // Derived from #cfg (instance-views.ts); recomputed when the config changes at run time.
  #source: string;
  #view: InstanceView;
  #vips: VirtualAddress[];
  #faults = new Set<string>();
  #basePriority: number;
  #priority: number;
  /** VIP operations run one after another, so add/remove never overtake each other. */
  #addrQueue: Promise<unknown> = Promise.resolve();
  #garps: GarpTimer;
  #garpsSent = 0;
  #started = false;
  /** IPsec AH: the key, and the last sequence number sent or accepted. */
  #ahKey: Buffer | undefined;
  #ahSeq = 0;
  #blocked = false;
  #gate: MasterGate | undefined;
  #auth: InstanceAuth | undefined;
  /** The advert thread's schedule of this instance (active while it sends our periodic adverts). */
  #offload: AdvertSchedule | undefined;
  #offloadPlan: OffloadPlan | undefined;
  /** When the thread's next advert is due (clock ms), as of its last report. */
  #offloadNextAt: number | null = null;
  /** The thread failed us once (no addon...): adverts stay on the event loop. */
  #offloadBroken = false;

  /** Throws ConfigError (touching nothing) on a config that cannot run. */
  constructor(cfg: InstanceConfig, env: InstanceEnv) {
    super();
    this.#cfg = resolveInstanceConfig(cfg);
    this.name = this.#cfg.name;
    this.#env = env;
    this.#clock = env.clock ?? realClock;
    this.#basePriority = this.#cfg.priority;
    this.#priority = this.#cfg.priority;
    this.#source = sourceOf(this.#cfg, env.primaryAddress);
    this.#machine = createMachine(machineConfigOf(this.#cfg, this.#source));
    this.#view = receiveViewOf(this.#cfg, this.#source);
    this.#vips = this.#heldAddresses();
    this.#ahKey = ahKeyOf(this.#cfg);
    this.#garps = new GarpTimer(this.#cfg.garp, this.#clock, (round) => this.#announce(round));
    // keepalived unicast_fault_no_peer: unicast was asked for and no peer is left.
    if (this.#cfg.unicast && this.#cfg.unicastFaultNoPeer && this.#cfg.unicastPeers.length === 0) this.#faults.add('no unicast peer');
    this.#auth = this.#newAuth();
  }

  #authKey(): string {
    return `${this.#env.link.ifindex}/${this.#cfg.family}/${this.#cfg.vrid}`;
  }

  #newAuth(): InstanceAuth | undefined {
    const s = this.#cfg.authHmac;
    return s && new InstanceAuth(s, this.#env.wallClock ?? Date.now, this.#env.authMemory?.get(this.#authKey()));
  }

  #saveAuth(): void {
    if (this.#auth) this.#env.authMemory?.set(this.#authKey(), this.#auth.memory());
  }

  get state(): VrrpStateName {
    return this.#machine.state;
  }

  /** The config with every default filled in. */
  get config(): ResolvedInstanceConfig {
    return this.#cfg;
  }

  get stats(): VrrpStatistics {
    return this.#stats;
  }

  /** The instance's interface means its link (a VMAC or ipvlan when it runs on one). */
  #heldAddresses(): VirtualAddress[] {
    const { link, links } = this.#env;
    return heldAddressesOf(this.#cfg, (ifname) => (ifname === this.#cfg.interface || ifname === link.name ? link.ifindex : links.get(ifname)?.ifindex));
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
    const now = this.#clock.now();
    // Tracking known before the start counts from the start: the machine starts at the effective
    // priority, and a fault known now goes INITIALIZE -> FAULT without a BACKUP in between (keepalived).
    if (this.#priority !== this.#machine.priority) this.#dispatch({ type: 'set-priority', now, priority: this.#priority });
    if (this.#faults.size) this.#dispatch({ type: 'fault', now, reason: [...this.#faults].join(', ') });
    else this.#dispatch({ type: 'startup', now });
  }

  /** RFC Shutdown: a master sends priority 0 and removes its VIPs. Resolves when the VIPs are gone. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#dispatch({ type: 'shutdown', now: this.#clock.now() });
    this.#started = false;
    this.#stopOffload();
    this.#saveAuth();
    for (const h of this.#timers.values()) this.#clock.clearTimeout(h);
    this.#timers.clear();
    this.#garps.cancel();
    await this.#addrQueue;
  }

  /**
   * A datagram of this instance's VRID, from the shared channel. Order: parse (an IPsec AH is
   * checked and taken off first), the RFC checks that need no key, the auth_hmac trailer (when
   * configured), the rest of the RFC checks, then the state machine. A dropped advert never reaches
   * the machine, so it cannot move our own timers.
   */
  receive(d: VrrpDatagram): void {
    if (!this.#started) return;
    const verdict = this.#verdict(d);
    if (verdict.auth) this.#recordAuth(verdict.auth, d.source);
    if (!verdict.ok) {
      this.#stats = countDrop(this.#stats, verdict.reason);
      if (verdict.reason !== 'own-advert') this.emit('drop', { instance: this.name, reason: verdict.reason, detail: verdict.detail, source: d.source });
      return;
    }
    const adv = verdict.advert;
    this.#stats = countReceived(this.#stats, adv.priority, verdict.addressListMismatch);
    this.emit('advert', { instance: this.name, source: adv.source, priority: adv.priority, intervalCs: adv.advertIntervalCs });
    const wasMaster = this.#machine.state === 'master';
    const now = this.#clock.now();
    this.#dispatch({
      type: 'advert', now, receivedAt: receivedAtOn(this.#clock, d.receivedAt, now), priority: adv.priority, advertIntervalCs: adv.advertIntervalCs, source: adv.source,
    });
    // Still master after a (non-resigning) advert: the sender has lower priority and believed it was master.
    if (wasMaster && this.#machine.state === 'master' && adv.priority > 0) {
      this.#garps.update(onLowerPriorityAdvert);
      this.emit('lower-priority', { instance: this.name, source: adv.source, priority: adv.priority });
    }
  }

  #verdict(d: VrrpDatagram): Verdict {
    const ah = d.protocol === IPPROTO_AH;
    if (ah !== (this.#ahKey !== undefined)) {
      return ah
        ? { ok: false, reason: 'auth-type-mismatch', detail: 'an IPsec AH advert, and this instance does not use AH' }
        : { ok: false, reason: 'auth-type-mismatch', detail: 'an advert without IPsec AH, and this instance uses AH' };
    }
    if (ah) {
      const p = parseAhPacket(d.data, this.#ahKey!);
      if (!p.ok) return p;
      // keepalived's anti-replay: one counter, the highest sequence number sent or authenticated;
      // an advert at or below it is dropped, and the next one we send goes above it.
      if (p.seq <= this.#ahSeq) return { ok: false, reason: 'auth-failure', detail: `IPsec AH sequence number ${p.seq} already processed (ours is ${this.#ahSeq})` };
      this.#ahSeq = p.seq;
      return receiveVrrpMessage(p.vrrp, { family: 4, source: p.source, destination: p.destination, ttl: p.ttl }, this.#view);
    }
    const auth = this.#auth?.check();
    return d.family === 4
      ? receiveIpv4Packet(d.data, this.#view, auth)
      : receiveVrrpMessage(d.data, { family: 6, source: d.source, destination: d.destination ?? VRRP_MULTICAST_IPV6, ttl: d.ttl ?? -1 }, this.#view, auth);
  }

  #recordAuth(decision: NonNullable<Verdict['auth']>, source: string): void {
    const auth = this.#auth!;
    auth.record(decision);
    const notice = authNotice(this.name, source, decision, auth.settings.mode);
    if (notice) this.emit('auth-notice', notice);
  }

  /**
   * auth_hmac changed at run time (SIGHUP: keys, active key, mode, window). No state change: the
   * replay marks and the send sequence carry on; undefined turns it off. Rejects (changing
   * nothing) what resolveInstanceConfig rejects.
   */
  setAuthHmac(authHmac: AuthHmacConfig | undefined): void {
    const { authHmac: _old, ...rest } = this.#cfg;
    const cfg = resolveInstanceConfig(authHmac ? { ...rest, authHmac } : rest);
    this.#saveAuth();
    this.#cfg = cfg;
    this.#view = receiveViewOf(cfg, this.#source);
    if (cfg.authHmac && this.#auth) this.#auth.update(cfg.authHmac);
    else this.#auth = this.#newAuth();
    this.#replan();
  }

  /** Base priority changed at run time (config reload or API). Tracking adjustments apply on top. */
  setBasePriority(priority: number): void {
    this.#basePriority = priority;
    if ((priority === 255) !== (this.#cfg.priority === 255)) {
      // To or from the address owner: the machine's config changes (and so what the receive checks
      // drop, and, in strict mode, Accept_Mode).
      const cfg = resolveInstanceConfig({ ...this.#cfg, priority, ...(this.#cfg.strict ? { acceptMode: priority === 255 } : {}) });
      this.#cfg = cfg;
      this.#view = receiveViewOf(cfg, this.#source);
      this.#priority = priority === 255 ? 255 : this.#priority;
      if (this.#started) this.#dispatch({ type: 'reconfigure', now: this.#clock.now(), config: machineConfigOf(cfg, this.#source) });
      else this.#machine = createMachine(machineConfigOf(cfg, this.#source));
      this.#refilter();
      this.#replan();
    }
    this.setPriority(priority);
  }

  /** A master's no_accept filter after a change of owner status: an owner always accepts. */
  #refilter(): void {
    const filter = this.#env.filter;
    if (!filter || this.#machine.state !== 'master') return;
    const block = !this.#cfg.acceptMode && this.#cfg.priority !== 255;
    if (block === this.#blocked) return;
    void this.#queue(() => block
      ? this.#filter(() => filter.block(this.name, this.#vips.map((v) => v.address)), true)
      : this.#filter(() => filter.unblock(this.name), false));
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
    if (failed === this.#faults.has(source)) return;
    if (failed) this.#faults.add(source);
    else this.#faults.delete(source);
    if (this.#started) {
      const now = this.#clock.now();
      if (!had && this.#faults.size > 0) this.#dispatch({ type: 'fault', now, reason: source });
      else if (had && this.#faults.size === 0) this.#dispatch({ type: 'fault-cleared', now });
    }
    this.emit('faults', { instance: this.name, faults: [...this.#faults] });
  }

  /** The fault sources now (a sync group tells its own from the members'). */
  get faults(): readonly string[] {
    return [...this.#faults];
  }

  /** Backup whose Master_Down_Timer expired while a sync group held it back. */
  get wantsMaster(): boolean {
    return this.#machine.wantsMaster;
  }

  /** A sync group's say on taking over (undefined: none). */
  setMasterGate(gate: MasterGate | undefined): void {
    this.#gate = gate;
  }

  /** A sync group moves this member along with another: Backup -> Master, or Master -> Backup. */
  syncTo(state: 'master' | 'backup'): void {
    if (!this.#started) return;
    this.#dispatch({ type: state === 'master' ? 'sync-master' : 'sync-backup', now: this.#clock.now() });
  }

  /** The interface's link came back while master (dont_track_primary): the VIPs are announced again, as keepalived does. */
  linkRestored(): void {
    if (this.#started && this.#machine.state === 'master') this.#garps.update(onBecomeMaster);
  }

  /** A master goes to BACKUP (priority 0 advert, VIPs removed) and takes over again after Master_Down_Interval. */
  resign(): void {
    if (this.#started) this.#dispatch({ type: 'resign', now: this.#clock.now() });
  }

  /** Resolves once the VIP additions and removals queued so far are done. */
  async addressesSettled(): Promise<void> {
    await this.#addrQueue;
  }

  /**
   * Replaces the VIP list at run time. A master removes the dropped ones and adds (and announces)
   * the new ones without a state change. Rejects (changing nothing) on addresses that cannot be used.
   */
  async setVirtualAddresses(vips: InstanceConfig['virtualAddresses'], excluded: InstanceConfig['excludedAddresses'] = this.#cfg.excludedAddresses): Promise<void> {
    const cfg = resolveInstanceConfig({ ...this.#cfg, virtualAddresses: vips, excludedAddresses: excluded ?? [] });
    const before = this.#vips;
    const previous = this.#cfg;
    this.#cfg = cfg;
    try {
      this.#vips = this.#heldAddresses();
    } catch (err) {
      this.#cfg = previous;
      throw err;
    }
    this.#view = receiveViewOf(cfg, this.#source);
    if (this.#machine.state !== 'master') return;
    this.#replan();
    const key = (v: VirtualAddress) => `${v.ifindex}/${v.address}/${v.prefixLength}`;
    const now = new Set(this.#vips.map(key));
    const old = new Set(before.map(key));
    const gone = before.filter((v) => !now.has(key(v)));
    const added = this.#vips.filter((v) => !old.has(key(v)));
    await this.#queue(async () => {
      const filter = this.#env.filter;
      if (this.#blocked && filter) await this.#filter(() => filter.block(this.name, this.#vips.map((v) => v.address)), true);
      const f1 = await removeVirtualAddresses(this.#env.addresses, gone);
      const f2 = await addVirtualAddresses(this.#env.addresses, added);
      if (f1.length) this.emit('vip-error', { instance: this.name, failures: f1, op: 'remove' });
      if (f2.length) this.emit('vip-error', { instance: this.name, failures: f2, op: 'add' });
    });
    if (this.#machine.state === 'master') this.#garps.update((g, t) => onAddressesAdded(g, t, added));
  }

  #dispatch(event: MachineEvent): void {
    const before = this.#machine.priority;
    const { machine, actions } = step(this.#machine, event);
    this.#machine = machine;
    this.#stats = countActions(this.#stats, actions);
    for (const a of actions) this.#perform(a, event.now);
    if (machine.priority !== before) this.emit('priority', { instance: this.name, state: machine.state, priority: machine.priority, previous: before });
  }

  #perform(a: Action, now: number): void {
    switch (a.type) {
      case 'set-timer': {
        const old = this.#timers.get(a.timer);
        if (old !== undefined) this.#clock.clearTimeout(old);
        this.#timers.delete(a.timer);
        if (a.timer === 'adver' && this.#offloadAdverts(a.at - this.#clock.now())) break;
        const timer = a.timer;
        const fire = () => this.#timerFired(timer);
        // From the clock as it is now: `now` is the event's, and work since then must not push the deadline out.
        const ms = Math.max(0, a.at - this.#clock.now());
        this.#timers.set(timer, timer === 'master-down' && this.#clock.setPreciseTimeout
          ? this.#clock.setPreciseTimeout(fire, ms) : this.#clock.setTimeout(fire, ms));
        break;
      }
      case 'cancel-timer': {
        const old = this.#timers.get(a.timer);
        if (old !== undefined) this.#clock.clearTimeout(old);
        this.#timers.delete(a.timer);
        // Leaving master: the thread stops before any advert of ours (priority 0) is sent below.
        if (a.timer === 'adver') this.#stopOffload();
        break;
      }
      case 'send-advert':
        this.#sendAdvert(a.priority);
        break;
      case 'add-vips':
        void this.#queueAddresses('add', !a.acceptMode && this.#cfg.priority !== 255);
        break;
      case 'remove-vips':
        this.#garps.cancel();
        void this.#queueAddresses('remove');
        break;
      case 'send-garp':
        this.#garps.update(onBecomeMaster);
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
      const held = this.#gate !== undefined && this.#machine.state === 'backup' && !this.#gate(this.name);
      this.#dispatch({ type: 'master-down-timer', now: this.#clock.now(), held });
    } else {
      const due = this.#machine.adverAt;
      const now = this.#clock.now();
      this.#dispatch({ type: 'adver-timer', now });
      if (due !== null && this.#machine.state === 'master') this.#checkLate(now - due);
    }
  }

  /**
   * Hands our periodic adverts to the advert thread, the first one `firstInMs` from now (undefined:
   * a running schedule keeps its deadline). False when they must stay on the event loop (a
   * running schedule is then stopped).
   */
  #offloadAdverts(firstInMs: number | undefined): boolean {
    const sender = this.#env.advertSender;
    const channel = this.#env.channel;
    const refusal = offloadRefusal(this.#cfg, { sender: sender !== undefined && !this.#offloadBroken, channel: channel.offloadTarget !== undefined });
    if (refusal || this.#machine.state !== 'master' || !this.#started) {
      this.#stopOffload();
      return false;
    }
    const { ttl, destinations } = this.#encodedFor();
    const priority = this.#machine.priority;
    const plan = offloadPlan(priority, destinations, ttl, advertIntervalMsOf(this.#cfg), (to) => this.#advert(priority, to));
    if (firstInMs === undefined && this.#offload?.active && !planChanged(this.#offloadPlan, plan)) return true;
    try {
      this.#offload ??= sender!.open({ counted: (c) => this.#offloadCounted(c), failed: (i, e) => this.#offloadFailed(i, e) });
      this.#offload.set(plan, channel.offloadTarget!(this.#source, destinations, ttl), firstInMs);
    } catch (error) {
      this.#offloadBroken = true;
      this.emit('send-error', { instance: this.name, error: new Error(`advert thread unavailable, adverts stay on the event loop: ${(error as Error).message}`) });
      this.#stopOffload();
      return false;
    }
    this.#offloadPlan = plan;
    if (firstInMs !== undefined) this.#offloadNextAt = this.#clock.now() + firstInMs;
    return true;
  }

  /** Takes our adverts back from the thread (nothing of it is sent once this returns). */
  #stopOffload(): void {
    if (!this.#offload?.active) return;
    this.#offload.stop();
    this.#offloadPlan = undefined;
    this.#offloadNextAt = null;
  }

  /**
   * The config changed (addresses, auth, owner status): a master whose adverts the thread sends
   * hands over the new bytes on the same deadline, or, when they may no longer be offloaded,
   * takes its adverts back onto its own timer at the deadline the thread had.
   */
  #replan(): void {
    if (!this.#offload?.active) return;
    const nextAt = this.#offloadNextAt ?? this.#clock.now() + advertIntervalMsOf(this.#cfg);
    if (this.#offloadAdverts(undefined)) return;
    // The machine's adverAt went stale while the thread advertised: the timer counts from the thread's deadline.
    this.#machine = { ...this.#machine, adverAt: nextAt };
    this.#perform({ type: 'set-timer', timer: 'adver', at: nextAt }, this.#clock.now());
  }

  #offloadCounted(c: AdvertCounts): void {
    if (c.sent > 0) this.#stats = { ...this.#stats, sentAdvertisements: this.#stats.sentAdvertisements + c.sent };
    if (c.late > 0) {
      this.#stats = { ...this.#stats, lateAdverts: this.#stats.lateAdverts + c.late };
      this.emit('late-advert', { instance: this.name, lateMs: c.worstLateMs, intervalMs: advertIntervalMsOf(this.#cfg), count: c.late });
    }
    if (this.#offload?.active) this.#offloadNextAt = this.#clock.now() + c.nextInMs;
  }

  #offloadFailed(index: number, error: NodeJS.ErrnoException): void {
    const to = this.#offloadPlan?.adverts[index]?.to ?? '?';
    const err = error.code === 'EAGAIN' ? new Error(`advert to ${to} dropped: socket buffer full`) : error;
    this.emit('send-error', { instance: this.name, error: err });
  }

  /** Counts an advert that left more than one interval after it was due. */
  #checkLate(lateMs: number): void {
    const intervalMs = advertIntervalMsOf(this.#cfg);
    if (lateMs <= intervalMs) return;
    this.#stats = countLateAdvert(this.#stats);
    this.emit('late-advert', { instance: this.name, lateMs, intervalMs });
  }

  #sendAdvert(priority: number): void {
    // Resigning because our own link went down (the router names that fault `link:<ifname>`): the
    // priority-0 advert cannot leave now, and a unicast one would wait in the kernel's ARP queue and
    // reach the peers stale when the link returns, making backups start a Skew_Time takeover.
    if (priority === 0 && (this.#faults.has(`link:${this.#cfg.interface}`) || this.#faults.has(`link:${this.#env.link.name}`))) return;
    const { ttl, destinations } = this.#encodedFor();
    const sign = this.#auth?.signer(this.#cfg.family, this.#source);
    for (const to of destinations) {
      try {
        const msg = this.#advert(priority, to);
        const sent = this.#ahKey ? this.#sendAh(msg, to, ttl) : this.#env.channel.send(sign ? sign(msg, to) : msg, this.#source, to, ttl);
        if (!sent) this.emit('send-error', { instance: this.name, error: new Error(`advert to ${to} dropped: socket buffer full`) });
      } catch (error) {
        this.emit('send-error', { instance: this.name, error: error as Error });
      }
    }
  }

  /**
   * Our encoded adverts by priority and destination, for the config they were built from: a master
   * sends the same bytes every interval, so they are encoded once, not per advert (~15 % of the
   * daemon's CPU at 10 ms adverts). The socket and the signer copy, never write into them.
   */
  #encoded: AdvertCache | undefined;

  /** The advert cache of the current config (destinations too: they parse addresses). */
  #encodedFor(): AdvertCache {
    if (this.#encoded?.cfg !== this.#cfg) {
      this.#encoded = { cfg: this.#cfg, byKey: new Map(), destinations: advertDestinationsOf(this.#cfg), ttl: sendTtlOf(this.#cfg) };
    }
    return this.#encoded;
  }

  /** keepalived auth_type AH: the advert inside an IPsec AH, the whole IPv4 packet built here. */
  #sendAh(msg: Buffer, to: string, ttl: number): boolean {
    const ch = this.#env.channel;
    if (!ch.sendAh) throw new Error('the channel cannot send IPsec AH packets');
    this.#ahSeq = nextAhSequence(this.#ahSeq);
    return ch.sendAh(encodeAhPacket(msg, { source: this.#source, destination: to, ttl, seq: this.#ahSeq, key: this.#ahKey! }), to);
  }

  /** The advert message to one destination. */
  #advert(priority: number, to: string): Buffer {
    const cache = this.#encodedFor();
    const key = `${priority}|${to}`;
    let message = cache.byKey.get(key);
    if (!message) {
      message = encodeAdvertisement(advertOf(this.#cfg, priority), encodeOptionsOf(this.#cfg, this.#source, to));
      cache.byKey.set(key, message);
    }
    return message;
  }

  /**
   * A backup runs its takeover code for the first time at the takeover, and V8 compiles lazily:
   * measured ~0.7 ms between the first advert and the first GARP. Running the same code once at
   * start (nothing is sent) makes the real takeover pay only for sending.
   */
  #warmUp(): void {
    try {
      for (const to of advertDestinationsOf(this.#cfg)) {
        const message = this.#advert(this.#priority, to);
        this.#auth?.warmUp(message, this.#cfg.family, this.#source, to);
      }
      for (const v of this.#vips) this.#env.announce.prepare?.(this.#linkOf(v), v.address);
      const scratch = step(createMachine(machineConfigOf(this.#cfg, this.#source)), { type: 'startup', now: 0 }).machine;
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

  /** VIPs added (behind the no_accept filter when `block`) or removed (and the filter lifted). */
  #queueAddresses(op: 'add' | 'remove', block = false): Promise<void> {
    return this.#queue(async () => {
      const filter = this.#env.filter;
      if (op === 'add' && block && filter) await this.#filter(() => filter.block(this.name, this.#vips.map((v) => v.address)), true);
      const failures = op === 'add'
        ? await addVirtualAddresses(this.#env.addresses, this.#vips)
        : await removeVirtualAddresses(this.#env.addresses, this.#vips);
      if (failures.length) this.emit('vip-error', { instance: this.name, failures, op });
      if (op === 'remove' && this.#blocked && filter) await this.#filter(() => filter.unblock(this.name), false);
    });
  }

  async #filter(fn: () => Promise<void>, blocked: boolean): Promise<void> {
    try {
      await fn();
      this.#blocked = blocked;
    } catch (error) {
      this.emit('send-error', { instance: this.name, error: new Error(`no_accept filter: ${(error as Error).message}`) });
    }
  }

  #linkOf(v: VirtualAddress): LinkInfo {
    if (v.ifindex === this.#env.link.ifindex) return this.#env.link;
    for (const l of this.#env.links.values()) if (l.ifindex === v.ifindex) return l;
    return this.#env.link;
  }

  /**
   * keepalived garp_extra_if: the addresses on interfaces other than the instance's own, on VMACs
   * only unless `all` (then every address the instance holds).
   */
  #extraIfAddresses(): VirtualAddress[] {
    if (this.#cfg.garp.extraIfAll) return this.#vips;
    const onVmac = this.#env.link.name !== this.#cfg.interface;
    return onVmac ? this.#vips.filter((v) => v.ifindex === this.#env.link.ifindex) : [];
  }

  /** One round of the GARP schedule: one GARP / NA per address. */
  #announce(round: GarpRound): void {
    const vips = round.addresses === 'all' ? this.#vips : round.addresses === 'extra' ? this.#extraIfAddresses() : round.addresses;
    if (vips.length === 0) return;
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
  }

  status(): InstanceStatus {
    const m = this.#machine;
    return {
      name: this.name,
      vrid: this.#cfg.vrid,
      version: this.#cfg.version,
      family: this.#cfg.family,
      interface: this.#cfg.interface,
      state: m.state,
      priority: m.priority,
      configuredPriority: this.#basePriority,
      master: m.masterAddress,
      masterPriority: m.masterPriority,
      masterAdvertIntervalCs: m.masterAdvertIntervalCs,
      masterDownIntervalMs: masterDownIntervalOf(m),
      faults: [...this.#faults],
      virtualAddresses: this.#cfg.virtualAddresses.map((v) => `${v.address}/${v.prefixLength}`),
      timers: { adverAt: this.#offload?.active ? this.#offloadNextAt : m.adverAt, masterDownAt: m.masterDownAt },
      stats: this.#stats,
      garpsSent: this.#garpsSent,
      lateAdverts: this.#stats.lateAdverts,
      acceptMode: this.#cfg.acceptMode || this.#cfg.priority === 255,
      ...(this.#env.link.name !== this.#cfg.interface ? { vmac: this.#env.link.name } : {}),
      ...(this.#auth ? { authHmac: this.#auth.status() } : {}),
    };
  }
}
