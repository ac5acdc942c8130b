// Sends the gratuitous ARPs and unsolicited neighbour advertisements that move an address to this
// host's MAC after a failover, through an AF_PACKET socket (whole Ethernet frames, so the source
// address and hop limit are exactly what ND and ARP receivers expect).
import { encodeGratuitousArp, type GratuitousArpForm } from './arp.js';
import { AF_PACKET, ETH_P_ARP, ETH_P_IPV6, SOCK_RAW } from './constants.js';
import { BROADCAST_MAC } from './ethernet.js';
import { encodeUnsolicitedNa } from './ndp.js';
import { Socket } from './socket.js';
import { encodeSockAddr } from './sockaddr.js';

const ALL_NODES_MAC = '33:33:00:00:00:01';

/** The link to announce on: its index and its MAC (the MAC the address should map to). */
export interface AnnounceLink {
  ifindex: number;
  mac: string;
}

/**
 * One send-only AF_PACKET socket for any number of announcements. Protocol 0: the kernel
 * queues nothing to it, so it needs no reading. Sends return false when the socket buffer is full
 * (the frame was not sent); other failures throw SystemError (ENXIO/ENODEV for a gone link,
 * ENETDOWN for a link that is down).
 */
export class Announcer {
  #socket: Socket;

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** Needs CAP_NET_RAW. */
  static open(): Announcer {
    return new Announcer(Socket.open(AF_PACKET, SOCK_RAW, 0));
  }

  gratuitousArp(link: AnnounceLink, address: string, opts: { form?: GratuitousArpForm } = {}): boolean {
    const form = opts.form ?? 'request';
    const frame = this.#frame(`arp|${link.mac}|${address}|${form}`, () => encodeGratuitousArp({ mac: link.mac, address, form }));
    return this.#socket.send(frame, this.#dest(link.ifindex, ETH_P_ARP, BROADCAST_MAC));
  }

  /** Unsolicited NA (Override set) to ff02::1 for `address`; `router` sets the Router flag. */
  unsolicitedNa(link: AnnounceLink, address: string, opts: { router?: boolean; source?: string } = {}): boolean {
    const frame = this.#frame(`na|${link.mac}|${address}|${opts.router ? 1 : 0}|${opts.source ?? ''}`,
      () => encodeUnsolicitedNa({ mac: link.mac, address, router: opts.router, source: opts.source }));
    return this.#socket.send(frame, this.#dest(link.ifindex, ETH_P_IPV6, ALL_NODES_MAC));
  }

  /** Builds the default frame for `address` now, so the first announcement only sends. */
  prepare(link: AnnounceLink, address: string): void {
    if (address.includes(':')) {
      this.#frame(`na|${link.mac}|${address}|0|`, () => encodeUnsolicitedNa({ mac: link.mac, address }));
      this.#dest(link.ifindex, ETH_P_IPV6, ALL_NODES_MAC);
    } else {
      this.#frame(`arp|${link.mac}|${address}|request`, () => encodeGratuitousArp({ mac: link.mac, address, form: 'request' }));
      this.#dest(link.ifindex, ETH_P_ARP, BROADCAST_MAC);
    }
  }

  #dests = new Map<string, Buffer>();

  /** The encoded sockaddr_ll of a link-layer destination, built once. */
  #dest(ifindex: number, protocol: number, mac: string): Buffer {
    const key = `${ifindex}|${protocol}|${mac}`;
    let d = this.#dests.get(key);
    if (!d) {
      d = encodeSockAddr({ family: 'packet', ifindex, protocol, address: mac });
      if (this.#dests.size > 4096) this.#dests.clear();
      this.#dests.set(key, d);
    }
    return d;
  }

  /** Frames never change for a (MAC, address) pair: built once, sent many times. */
  #frames = new Map<string, Buffer>();

  #frame(key: string, build: () => Buffer): Buffer {
    let f = this.#frames.get(key);
    if (!f) {
      f = build();
      if (this.#frames.size > 4096) this.#frames.clear();
      this.#frames.set(key, f);
    }
    return f;
  }

  close(): void {
    this.#socket.close();
  }
}

/** One gratuitous ARP (opens and closes a socket; use Announcer for repeated sends). */
export function sendGratuitousArp(link: AnnounceLink, address: string, opts: { form: GratuitousArpForm }): boolean {
  const a = Announcer.open();
  try {
    return a.gratuitousArp(link, address, opts);
  } finally {
    a.close();
  }
}

/** One unsolicited neighbour advertisement (opens and closes a socket; use Announcer for repeated sends). */
export function sendUnsolicitedNa(link: AnnounceLink, address: string, opts: { router?: boolean; source?: string } = {}): boolean {
  const a = Announcer.open();
  try {
    return a.unsolicitedNa(link, address, opts);
  } finally {
    a.close();
  }
}
