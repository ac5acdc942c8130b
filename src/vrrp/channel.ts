// The VRRP wire on one interface and address family: one raw IP protocol-112 socket that
// receives every advertisement of the link (multicast groups joined, unicast accepted) and
// sends ours with TTL / hop limit 255 (or a unicast TTL) and DSCP network control (TOS 0xc0, as
// keepalived). Instances share it and demultiplex by VRID. With IPsec AH (keepalived auth_type AH)
// a second raw socket carries protocol 51: whole IPv4 packets both ways (IP_HDRINCL), since the
// AH covers the IP header. A channel may be bound to no interface (a unicast instance without
// one, keepalived 2.4). Bytes only: parsing and validation are the pure codec's job.
import { EventEmitter } from 'node:events';
import { Socket } from '../netif/socket.js';
import {
  AF_INET, AF_INET6, IPPROTO_AH, IPPROTO_IP, IPPROTO_IPV6, IPPROTO_VRRP, IP_HDRINCL, IP_MULTICAST_IF, IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL, IP_PKTINFO, IP_RECVTTL, IP_TOS, IP_TRANSPARENT, IP_TTL, IPV6_MULTICAST_HOPS, IPV6_MULTICAST_IF, IPV6_MULTICAST_LOOP,
  IPV6_RECVHOPLIMIT, IPV6_RECVPKTINFO, IPV6_TCLASS, IPV6_TRANSPARENT, IPV6_UNICAST_HOPS, SOCK_RAW, SOL_SOCKET, SO_RCVBUF,
} from '../netif/constants.js';
import { ipv4PacketInfo, ipv4Ttl, ipv6HopLimit, ipv6PacketInfo } from '../netif/cmsg.js';
import { encodeSockAddr } from '../netif/sockaddr.js';
import { VRRP_MULTICAST_IPV4, VRRP_MULTICAST_IPV6 } from './types.js';
import type { OffloadTarget } from './advert-sender.js';

export const VRRP_GROUP_V4 = VRRP_MULTICAST_IPV4;
export const VRRP_GROUP_V6 = VRRP_MULTICAST_IPV6;

/** What an instance needs of the wire: send its adverts, and pull in what is queued (stall-safe rule). */
export interface AdvertChannel {
  /**
   * Sends one VRRP message from `source` to `to` (default: the VRRP group), with TTL / hop limit
   * `ttl` (default 255). False: the socket buffer was full.
   */
  send(message: Buffer, source: string, to?: string, ttl?: number): boolean;
  /** IPv4 with IPsec AH: sends a whole IPv4 packet (see auth-ah.ts) to `to`. */
  sendAh?(packet: Buffer, to: string): boolean;
  /** Delivers every datagram already queued, synchronously; returns how many. */
  drain(): number;
  /**
   * What send(message, source, to, ttl) would use, for the addon's advert thread (advert-sender.ts):
   * the socket's fd, and per destination the encoded sockaddr and control messages.
   */
  offloadTarget?(source: string, destinations: readonly string[], ttl: number): OffloadTarget;
}

/** One received protocol-112 datagram with what the kernel knows about it. */
export interface VrrpDatagram {
  /** IPv4: the whole IP packet (header included). IPv6: the VRRP message only. */
  data: Buffer;
  family: 4 | 6;
  source: string;
  /** Destination address (group or our unicast address). */
  destination: string | undefined;
  /** TTL / hop limit as received (IPv4: also in the header). */
  ttl: number | undefined;
  ifindex: number | undefined;
  truncated: boolean;
  /** 51: the IPv4 packet carries an IPsec AH (from the AH socket). */
  protocol?: 51;
  /** When the kernel received it (performance.now() ms): timers an advert restarts count from here. */
  receivedAt?: number;
}

export interface ChannelOptions {
  family: 4 | 6;
  /** '' (and ifindex 0): bound to no interface. */
  ifname: string;
  ifindex: number;
  /** Receive buffer size; adverts are small, so the default holds thousands. */
  receiveBuffer?: number;
}

export interface ChannelEvents {
  datagram: [VrrpDatagram];
  error: [Error];
}

export class VrrpChannel extends EventEmitter<ChannelEvents> implements AdvertChannel {
  readonly family: 4 | 6;
  readonly ifname: string;
  readonly ifindex: number;
  #socket: Socket;
  #ah: Socket | undefined;
  #opts: ChannelOptions;
  #joined = new Set<string>();
  #started = false;

  private constructor(opts: ChannelOptions, socket: Socket) {
    super();
    this.family = opts.family;
    this.ifname = opts.ifname;
    this.ifindex = opts.ifindex;
    this.#opts = opts;
    this.#socket = socket;
  }

  static open(opts: ChannelOptions): VrrpChannel {
    const s = openSocket(opts, IPPROTO_VRRP);
    const ch = new VrrpChannel(opts, s);
    s.on('message', (d) => ch.#deliver(d));
    s.on('error', (e) => ch.emit('error', e));
    return ch;
  }

  /** Joins a multicast group (default the VRRP group; not needed for unicast-only instances). */
  joinGroup(group: string = this.family === 6 ? VRRP_GROUP_V6 : VRRP_GROUP_V4): void {
    if (this.#joined.has(group)) return;
    this.#socket.joinMulticast(group, this.ifindex);
    this.#ah?.joinMulticast(group, this.ifindex);
    this.#joined.add(group);
  }

  /** Opens the IPsec AH socket (IPv4): AH datagrams arrive with protocol 51, sendAh() sends. */
  enableAh(): void {
    if (this.#ah || this.family !== 4) return;
    const s = openSocket(this.#opts, IPPROTO_AH);
    try {
      s.setOption(IPPROTO_IP, IP_HDRINCL, 1);
      for (const g of this.#joined) s.joinMulticast(g, this.ifindex);
    } catch (err) {
      s.close();
      throw err;
    }
    s.on('message', (d) => this.#deliver(d, IPPROTO_AH));
    s.on('error', (e) => this.emit('error', e));
    this.#ah = s;
    if (this.#started) s.start();
  }

  start(): this {
    this.#started = true;
    this.#socket.start();
    this.#ah?.start();
    return this;
  }

  /**
   * Reads and delivers everything already queued, synchronously. The runtime calls this before
   * acting on a master-down timeout, so adverts that arrived while the process was stalled
   * count before the timer does. Returns how many datagrams were delivered.
   */
  drain(limit = 10_000): number {
    let n = 0;
    for (const [s, protocol] of [[this.#socket, undefined], [this.#ah, IPPROTO_AH]] as const) {
      for (; s && n < limit; n++) {
        const d = s.receive();
        if (!d) break;
        this.#deliver(d, protocol);
      }
    }
    return n;
  }

  #deliver(d: import('../netif/socket.js').Datagram, protocol?: typeof IPPROTO_AH): void {
    const src = d.source;
    if (!src || (src.family !== 'inet' && src.family !== 'inet6')) return;
    this.emit('datagram', {
      data: d.data,
      family: this.family,
      source: src.address,
      destination: d.destination,
      ttl: d.ttl,
      ifindex: d.ifindex,
      truncated: d.truncated,
      ...(protocol ? { protocol } : {}),
      receivedAt: d.receivedAt,
    });
  }

  /**
   * Sends one VRRP message (without IP header: the kernel adds it) from `source` to `to`
   * (the VRRP group by default) with TTL / hop limit `ttl`. Returns false when the socket buffer was full.
   */
  send(message: Buffer, source: string, to?: string, ttl = 255): boolean {
    const { dest, control } = this.#route(to ?? (this.family === 6 ? VRRP_GROUP_V6 : VRRP_GROUP_V4), source, ttl);
    return this.#socket.send(message, dest, control);
  }

  offloadTarget(source: string, destinations: readonly string[], ttl: number): OffloadTarget {
    return { fd: this.#socket.fd, routes: destinations.map((to) => this.#route(to, source, ttl)) };
  }

  /** A whole IPv4 packet with an AH (IP_HDRINCL: its source, TTL and protocol are ours) to `to`. */
  sendAh(packet: Buffer, to: string): boolean {
    if (!this.#ah) throw new Error(`${this.ifname || 'unbound channel'}: IPsec AH is not enabled`);
    return this.#ah.send(packet, this.#route(to, '', 255).dest);
  }

  /** Encoded sockaddr and IP_PKTINFO (and a TTL other than 255) per (destination, source, TTL): built once, reused every advert. */
  #routes = new Map<string, { dest: Buffer; control: Buffer }>();

  #route(to: string, source: string, ttl: number): { dest: Buffer; control: Buffer } {
    const key = `${to}|${source}|${ttl}`;
    let r = this.#routes.get(key);
    if (!r) {
      const index = this.ifindex || undefined;
      const hops = ttl === 255 ? [] : [this.family === 6 ? ipv6HopLimit(ttl) : ipv4Ttl(ttl)];
      r = this.family === 6
        ? { dest: encodeSockAddr({ family: 'inet6', address: to, scopeId: this.ifindex }), control: Buffer.concat([ipv6PacketInfo({ ...(index ? { ifindex: index } : {}), source }), ...hops]) }
        : { dest: encodeSockAddr({ family: 'inet', address: to }), control: Buffer.concat([ipv4PacketInfo({ ...(index ? { ifindex: index } : {}), source }), ...hops]) };
      if (this.#routes.size > 1024) this.#routes.clear(); // bounded: peers and sources are few
      this.#routes.set(key, r);
    }
    return r;
  }

  close(): void {
    this.#socket.close();
    this.#ah?.close();
    this.removeAllListeners('datagram');
  }
}

/** A raw socket of `protocol` on the channel's interface (or none), TTL 255, TOS network control. */
function openSocket(opts: ChannelOptions, protocol: number): Socket {
  const v6 = opts.family === 6;
  const s = Socket.open(v6 ? AF_INET6 : AF_INET, SOCK_RAW, protocol, { maxLen: 2048, controlLen: 256 });
  try {
    if (opts.ifname) s.bindToDevice(opts.ifname);
    // Unbound (a unicast instance without an interface): its source may be on no local interface
    // (asymmetric routing); keepalived 2.4 sends from it all the same.
    else s.setOption(v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_TRANSPARENT : IP_TRANSPARENT, 1);
    s.setOption(SOL_SOCKET, SO_RCVBUF, opts.receiveBuffer ?? 1 << 20);
    // The master-down timer counts from an advert's arrival (RFC 5798 6.4.2), not from when the
    // event loop got to it (0.25-1 ms later, more under load).
    s.receiveTimestamps();
    if (v6) {
      s.setOption(IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
      s.setOption(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
      s.setOption(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255);
      s.setOption(IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255);
      s.setOption(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0);
      s.setOption(IPPROTO_IPV6, IPV6_TCLASS, 0xc0);
      if (opts.ifindex) {
        const ifx = Buffer.alloc(4);
        ifx.writeUInt32LE(opts.ifindex, 0);
        s.setOption(IPPROTO_IPV6, IPV6_MULTICAST_IF, ifx);
      }
    } else {
      s.setOption(IPPROTO_IP, IP_PKTINFO, 1);
      s.setOption(IPPROTO_IP, IP_RECVTTL, 1);
      s.setOption(IPPROTO_IP, IP_MULTICAST_TTL, 255);
      s.setOption(IPPROTO_IP, IP_TTL, 255);
      s.setOption(IPPROTO_IP, IP_MULTICAST_LOOP, 0);
      s.setOption(IPPROTO_IP, IP_TOS, 0xc0);
      if (opts.ifindex) {
        const mreqn = Buffer.alloc(12); // struct ip_mreqn: pick the interface by index
        mreqn.writeInt32LE(opts.ifindex, 8);
        s.setOption(IPPROTO_IP, IP_MULTICAST_IF, mreqn);
      }
    }
  } catch (err) {
    s.close();
    throw err;
  }
  return s;
}
