// The VRRP wire on one interface and address family: one raw IP protocol-112 socket that
// receives every advertisement of the link (multicast group joined, unicast accepted) and
// sends ours with TTL / hop limit 255. Instances share it and demultiplex by VRID.
// Bytes only: parsing and validation are the pure codec's job.
import { EventEmitter } from 'node:events';
import { Socket } from '../netif/socket.js';
import {
  AF_INET, AF_INET6, IPPROTO_IP, IPPROTO_IPV6, IPPROTO_VRRP, IP_MULTICAST_IF, IP_MULTICAST_LOOP, IP_MULTICAST_TTL,
  IP_PKTINFO, IP_RECVTTL, IP_TTL, IPV6_MULTICAST_HOPS, IPV6_MULTICAST_IF, IPV6_MULTICAST_LOOP, IPV6_RECVHOPLIMIT,
  IPV6_RECVPKTINFO, IPV6_UNICAST_HOPS, SOCK_RAW, SOL_SOCKET, SO_RCVBUF,
} from '../netif/constants.js';
import { ipv4PacketInfo, ipv6PacketInfo } from '../netif/cmsg.js';
import { encodeSockAddr } from '../netif/sockaddr.js';
import { VRRP_MULTICAST_IPV4, VRRP_MULTICAST_IPV6 } from './types.js';

export const VRRP_GROUP_V4 = VRRP_MULTICAST_IPV4;
export const VRRP_GROUP_V6 = VRRP_MULTICAST_IPV6;

/** What an instance needs of the wire: send its adverts, and pull in what is queued (stall-safe rule). */
export interface AdvertChannel {
  /** Sends one VRRP message from `source` to `to` (default: the group). False: the socket buffer was full. */
  send(message: Buffer, source: string, to?: string): boolean;
  /** Delivers every datagram already queued, synchronously; returns how many. */
  drain(): number;
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
}

export interface ChannelOptions {
  family: 4 | 6;
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
  #joined = false;

  private constructor(opts: ChannelOptions, socket: Socket) {
    super();
    this.family = opts.family;
    this.ifname = opts.ifname;
    this.ifindex = opts.ifindex;
    this.#socket = socket;
  }

  static open(opts: ChannelOptions): VrrpChannel {
    const v6 = opts.family === 6;
    const s = Socket.open(v6 ? AF_INET6 : AF_INET, SOCK_RAW, IPPROTO_VRRP, { maxLen: 2048, controlLen: 256 });
    try {
      s.bindToDevice(opts.ifname);
      s.setOption(SOL_SOCKET, SO_RCVBUF, opts.receiveBuffer ?? 1 << 20);
      if (v6) {
        s.setOption(IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
        s.setOption(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
        s.setOption(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255);
        s.setOption(IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255);
        s.setOption(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0);
        const ifx = Buffer.alloc(4);
        ifx.writeUInt32LE(opts.ifindex, 0);
        s.setOption(IPPROTO_IPV6, IPV6_MULTICAST_IF, ifx);
      } else {
        s.setOption(IPPROTO_IP, IP_PKTINFO, 1);
        s.setOption(IPPROTO_IP, IP_RECVTTL, 1);
        s.setOption(IPPROTO_IP, IP_MULTICAST_TTL, 255);
        s.setOption(IPPROTO_IP, IP_TTL, 255);
        s.setOption(IPPROTO_IP, IP_MULTICAST_LOOP, 0);
        const mreqn = Buffer.alloc(12); // struct ip_mreqn: pick the interface by index
        mreqn.writeInt32LE(opts.ifindex, 8);
        s.setOption(IPPROTO_IP, IP_MULTICAST_IF, mreqn);
      }
    } catch (err) {
      s.close();
      throw err;
    }
    const ch = new VrrpChannel(opts, s);
    s.on('message', (d) => ch.#deliver(d));
    s.on('error', (e) => ch.emit('error', e));
    return ch;
  }

  /** Joins the VRRP multicast group (not needed for unicast-only instances). */
  joinGroup(): void {
    if (this.#joined) return;
    this.#socket.joinMulticast(this.family === 6 ? VRRP_GROUP_V6 : VRRP_GROUP_V4, this.ifindex);
    this.#joined = true;
  }

  start(): this {
    this.#socket.start();
    return this;
  }

  /**
   * Reads and delivers everything already queued, synchronously. The runtime calls this before
   * acting on a master-down timeout, so adverts that arrived while the process was stalled
   * count before the timer does. Returns how many datagrams were delivered.
   */
  drain(limit = 10_000): number {
    let n = 0;
    for (; n < limit; n++) {
      const d = this.#socket.receive();
      if (!d) break;
      this.#deliver(d);
    }
    return n;
  }

  #deliver(d: import('../netif/socket.js').Datagram): void {
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
    });
  }

  /**
   * Sends one VRRP message (without IP header: the kernel adds it) from `source` to `to`
   * (the multicast group by default). Returns false when the socket buffer was full.
   */
  send(message: Buffer, source: string, to?: string): boolean {
    const { dest, control } = this.#route(to ?? (this.family === 6 ? VRRP_GROUP_V6 : VRRP_GROUP_V4), source);
    return this.#socket.send(message, dest, control);
  }

  /** Encoded sockaddr and IP_PKTINFO per (destination, source): built once, reused every advert. */
  #routes = new Map<string, { dest: Buffer; control: Buffer }>();

  #route(to: string, source: string): { dest: Buffer; control: Buffer } {
    const key = `${to}|${source}`;
    let r = this.#routes.get(key);
    if (!r) {
      r = this.family === 6
        ? { dest: encodeSockAddr({ family: 'inet6', address: to, scopeId: this.ifindex }), control: ipv6PacketInfo({ ifindex: this.ifindex, source }) }
        : { dest: encodeSockAddr({ family: 'inet', address: to }), control: ipv4PacketInfo({ ifindex: this.ifindex, source }) };
      if (this.#routes.size > 1024) this.#routes.clear(); // bounded: peers and sources are few
      this.#routes.set(key, r);
    }
    return r;
  }

  close(): void {
    this.#socket.close();
    this.removeAllListeners('datagram');
  }
}
