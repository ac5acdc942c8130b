// Fakes for driving a VrrpInstance without sockets, netlink or real time: a virtual clock, a channel
// that records what is sent and holds what is "queued on the socket", address operations that keep a
// set, and an announcer that records GARPs / NAs. Every record carries the virtual time it happened.
import type { Clock } from '../../src/vrrp/clock.js';
import type { AdvertChannel, VrrpDatagram } from '../../src/vrrp/channel.js';
import type { AddressOps } from '../../src/vrrp/virtual-addresses.js';
import type { Announce, InstanceEnv, LinkInfo } from '../../src/vrrp/instance.js';
import { encodeAdvertisement, parseVrrpMessage, type ReceivedAdvertisement } from '../../src/vrrp/packet.js';
import { ipToBytes } from '../../src/netif/ip-address.js';
import { VRRP_MULTICAST_IPV4, VRRP_MULTICAST_IPV6, type Advertisement } from '../../src/vrrp/types.js';

interface Timer { id: number; at: number; fn: () => void; precise: boolean }

/** Time moves only when told. Timers due at the same time run in the order they were set. */
export class VirtualClock implements Clock {
  #now: number;
  #timers = new Map<number, Timer>();
  #seq = 0;
  /** How many precise (master-down) timers were set. */
  preciseTimers = 0;

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    return this.#add(fn, ms, false);
  }

  setPreciseTimeout(fn: () => void, ms: number): unknown {
    this.preciseTimers++;
    return this.#add(fn, ms, true);
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  #add(fn: () => void, ms: number, precise: boolean): number {
    const id = ++this.#seq;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, ms), fn, precise });
    return id;
  }

  /** Pending timers, soonest first. */
  pending(): Array<{ at: number; precise: boolean }> {
    return [...this.#timers.values()].sort((a, b) => a.at - b.at || a.id - b.id).map((t) => ({ at: t.at, precise: t.precise }));
  }

  /** Runs every timer due up to now + ms, each at its own time, then sets the clock to now + ms. */
  advance(ms: number): void {
    this.advanceTo(this.#now + ms);
  }

  advanceTo(until: number): void {
    for (;;) {
      let next: Timer | undefined;
      for (const t of this.#timers.values()) if (t.at <= until && (!next || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
      if (!next) break;
      this.#timers.delete(next.id);
      this.#now = Math.max(this.#now, next.at);
      next.fn();
    }
    this.#now = Math.max(this.#now, until);
  }

  /** The process did not run for `ms`: time passes, no timer fires (they fire late on the next advance). */
  stall(ms: number): void {
    this.#now += ms;
  }
}

export interface SentAdvert { at: number; source: string; to: string | undefined; message: Buffer; advert: ReceivedAdvertisement; ttl: number; ah?: Buffer }

/** Records our adverts (decoded); `queue` holds datagrams "on the socket" until drain() delivers them. */
export class FakeChannel implements AdvertChannel {
  sent: SentAdvert[] = [];
  queue: VrrpDatagram[] = [];
  deliver: (d: VrrpDatagram) => void = () => undefined;
  drains = 0;
  /** Make send() report a full socket buffer. */
  full = false;
  readonly #clock: Clock;
  readonly #family: 4 | 6;

  constructor(clock: Clock, family: 4 | 6 = 4) {
    this.#clock = clock;
    this.#family = family;
  }

  send(message: Buffer, source: string, to?: string, ttl = 255): boolean {
    const destination = to ?? (this.#family === 6 ? VRRP_MULTICAST_IPV6 : VRRP_MULTICAST_IPV4);
    // Any checksum form we may send (keepalived's old unicast one included).
    const r = parseVrrpMessage(message, { family: this.#family, source, destination, ttl: 255 }, { checksum: 'either', oldUnicastDestination: ipToBytes(VRRP_MULTICAST_IPV4), trailer: true });
    if (!r.ok) throw new Error(`we sent an advert that does not parse: ${r.detail}`);
    this.sent.push({ at: this.#clock.now(), source, to, message, advert: r.advert, ttl });
    return !this.full;
  }

  /** IPsec AH: the whole IPv4 packet; recorded with the VRRP message inside it. */
  sendAh(packet: Buffer, to: string): boolean {
    const message = packet.subarray(44);
    const source = `${packet[12]}.${packet[13]}.${packet[14]}.${packet[15]}`;
    const r = parseVrrpMessage(message, { family: 4, source, destination: to, ttl: 255 }, {});
    if (!r.ok) throw new Error(`we sent an AH advert that does not parse: ${r.detail}`);
    this.sent.push({ at: this.#clock.now(), source, to, message, advert: r.advert, ttl: packet[8]!, ah: packet });
    return !this.full;
  }

  drain(): number {
    this.drains++;
    const q = this.queue;
    this.queue = [];
    for (const d of q) this.deliver(d);
    return q.length;
  }
}

/** The addresses present on the fake host, and every call made. */
export class FakeAddressOps implements AddressOps {
  present = new Set<string>();
  calls: Array<{ op: 'add' | 'delete'; address: string; ifindex: number }> = [];
  /** Addresses whose add fails. */
  failing = new Set<string>();

  async addAddress(a: { ifindex: number; address: string; prefixLength: number }): Promise<void> {
    this.calls.push({ op: 'add', address: a.address, ifindex: a.ifindex });
    if (this.failing.has(a.address)) throw new Error(`cannot add ${a.address}`);
    this.present.add(`${a.address}/${a.prefixLength}`);
  }

  async deleteAddress(a: { ifindex: number; address: string; prefixLength: number }): Promise<void> {
    this.calls.push({ op: 'delete', address: a.address, ifindex: a.ifindex });
    this.present.delete(`${a.address}/${a.prefixLength}`);
  }
}

export interface Announcement { at: number; kind: 'garp' | 'na'; ifname: string; address: string }

export class FakeAnnouncer implements Announce {
  sent: Announcement[] = [];
  prepared: string[] = [];
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  gratuitousArp(link: LinkInfo, address: string): void {
    this.sent.push({ at: this.#clock.now(), kind: 'garp', ifname: link.name, address });
  }

  unsolicitedNa(link: LinkInfo, address: string): void {
    this.sent.push({ at: this.#clock.now(), kind: 'na', ifname: link.name, address });
  }

  prepare(_link: LinkInfo, address: string): void {
    this.prepared.push(address);
  }
}

export const ETH0: LinkInfo = { ifindex: 2, name: 'eth0', mac: '02:00:00:00:00:02' };

export interface FakeEnv extends InstanceEnv {
  clock: VirtualClock;
  channel: FakeChannel;
  addresses: FakeAddressOps;
  announce: FakeAnnouncer;
}

export function fakeEnv(opts: { family?: 4 | 6; primaryAddress?: string; links?: LinkInfo[] } = {}): FakeEnv {
  const clock = new VirtualClock();
  const family = opts.family ?? 4;
  return {
    clock,
    channel: new FakeChannel(clock, family),
    link: ETH0,
    links: new Map((opts.links ?? []).map((l) => [l.name, l])),
    primaryAddress: opts.primaryAddress ?? (family === 6 ? 'fe80::2' : '10.0.0.2'),
    addresses: new FakeAddressOps(),
    announce: new FakeAnnouncer(clock),
  };
}

/** A datagram as the channel delivers it: IPv4 with its header (TTL 255), IPv6 the VRRP message only. */
export function advertDatagram(adv: Advertisement, source: string, opts: { destination?: string; ttl?: number } = {}): VrrpDatagram {
  const destination = opts.destination ?? (adv.family === 6 ? VRRP_MULTICAST_IPV6 : VRRP_MULTICAST_IPV4);
  const ttl = opts.ttl ?? 255;
  return payloadDatagram(encodeAdvertisement(adv, { source, destination }), adv.family, source, { destination, ttl });
}

/** A datagram around a VRRP payload as sent (e.g. with an auth_hmac trailer). */
export function payloadDatagram(payload: Buffer, family: 4 | 6, source: string, opts: { destination?: string; ttl?: number } = {}): VrrpDatagram {
  const destination = opts.destination ?? (family === 6 ? VRRP_MULTICAST_IPV6 : VRRP_MULTICAST_IPV4);
  const ttl = opts.ttl ?? 255;
  if (family === 6) return { data: payload, family: 6, source, destination, ttl, ifindex: ETH0.ifindex, truncated: false };
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payload.length, 2);
  h[8] = ttl;
  h[9] = 112;
  ipToBytes(source).copy(h, 12);
  ipToBytes(destination).copy(h, 16);
  return { data: Buffer.concat([h, payload]), family: 4, source, destination, ttl, ifindex: ETH0.ifindex, truncated: false };
}

/** Lets the fake address operations (promises) settle. */
export const settle = () => new Promise<void>((r) => setImmediate(r));
