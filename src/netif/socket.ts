// A non-blocking socket on the Node event loop (the imperative shell around the addon).
// Readiness comes from uv_poll; `receive()` drains synchronously, so a caller can also pull
// queued packets at a moment of its choosing (VRRP does before declaring a master down).
import { EventEmitter } from 'node:events';
import { nativeAddon, type NativeAddon } from './native.js';
import { encodeSockAddr, decodeSockAddr, type SockAddr } from './sockaddr.js';
import { parseControl, type PacketInfo } from './cmsg.js';
import { SystemError } from '../errors.js';
import {
  AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, IPPROTO_IP, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, IPV6_DROP_MEMBERSHIP,
  IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP, MSG_TRUNC, SOCK_RAW, SOL_SOCKET, SO_BINDTODEVICE,
} from './constants.js';
import { ipToBytes } from './ip-address.js';

export interface Datagram extends PacketInfo {
  data: Buffer;
  /** Sender, when the family has one (inet, inet6, packet, netlink). */
  source: SockAddr | undefined;
  /** True when the datagram was longer than the receive buffer and was cut. */
  truncated: boolean;
}

export interface SocketEvents {
  message: [Datagram];
  error: [Error];
}

/** Why a socket() call failed, in words an operator can act on. */
function capabilityHint(family: number, type: number, code: string | undefined): string | undefined {
  if (code !== 'EPERM' && code !== 'EACCES') return undefined;
  if (family === AF_PACKET || type === SOCK_RAW) return 'needs CAP_NET_RAW (run as root or grant cap_net_raw)';
  if (family === AF_NETLINK) return 'needs CAP_NET_ADMIN';
  return undefined;
}

export class Socket extends EventEmitter<SocketEvents> {
  readonly fd: number;
  readonly family: number;
  #native: NativeAddon;
  #watch: unknown;
  #closed = false;
  #maxLen: number;
  #controlLen: number;

  private constructor(native: NativeAddon, fd: number, family: number, maxLen: number, controlLen: number) {
    super();
    this.#native = native;
    this.fd = fd;
    this.family = family;
    this.#maxLen = maxLen;
    this.#controlLen = controlLen;
  }

  /**
   * socket(2). maxLen bounds one received datagram (longer ones are flagged truncated);
   * controlLen bounds ancillary data.
   */
  static open(family: number, type: number, protocol: number, opts: { maxLen?: number; controlLen?: number } = {}): Socket {
    const native = nativeAddon();
    let fd: number;
    try {
      fd = native.socket(family, type, protocol);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new SystemError(`socket(${family}, ${type}, ${protocol})`, e, capabilityHint(family, type, e.code));
    }
    return new Socket(native, fd, family, opts.maxLen ?? 65536, opts.controlLen ?? 256);
  }

  #call<T>(op: string, fn: () => T): T {
    if (this.#closed) throw new SystemError(op, Object.assign(new Error('socket is closed'), { code: 'EBADF', errno: 9 }));
    try {
      return fn();
    } catch (err) {
      throw new SystemError(op, err as NodeJS.ErrnoException);
    }
  }

  setOption(level: number, name: number, value: number | Buffer): void {
    this.#call(`setsockopt(${level}, ${name})`, () => this.#native.setsockopt(this.fd, level, name, value));
  }

  getOption(level: number, name: number, maxLen = 4): Buffer {
    return this.#call(`getsockopt(${level}, ${name})`, () => this.#native.getsockopt(this.fd, level, name, maxLen));
  }

  getIntOption(level: number, name: number): number {
    return this.getOption(level, name, 4).readInt32LE(0);
  }

  bind(addr: SockAddr): void {
    this.#call(`bind(${JSON.stringify(addr)})`, () => this.#native.bind(this.fd, encodeSockAddr(addr)));
  }

  /** SO_BINDTODEVICE: only packets of this interface arrive; sends leave through it. */
  bindToDevice(ifname: string): void {
    this.setOption(SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${ifname}\0`));
  }

  localAddress(): SockAddr | undefined {
    return decodeSockAddr(this.#call('getsockname', () => this.#native.getsockname(this.fd)));
  }

  /** Joins a multicast group on one interface (struct ip_mreqn / ipv6_mreq). */
  joinMulticast(group: string, ifindex: number): void {
    this.#membership(group, ifindex, true);
  }

  leaveMulticast(group: string, ifindex: number): void {
    this.#membership(group, ifindex, false);
  }

  #membership(group: string, ifindex: number, join: boolean): void {
    const g = ipToBytes(group);
    if (g.length === 4) {
      const mreqn = Buffer.alloc(12); // { imr_multiaddr, imr_address, imr_ifindex }
      g.copy(mreqn, 0);
      mreqn.writeInt32LE(ifindex, 8);
      this.setOption(IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, mreqn);
    } else {
      const mreq = Buffer.alloc(20); // { ipv6mr_multiaddr, ipv6mr_interface }
      g.copy(mreq, 0);
      mreq.writeUInt32LE(ifindex, 16);
      this.setOption(IPPROTO_IPV6, join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP, mreq);
    }
  }

  /**
   * sendmsg(2). Returns false when the socket buffer is full (the packet was not sent);
   * throws SystemError for real failures (ENETUNREACH, ENODEV...).
   */
  send(data: Buffer, to?: SockAddr | Buffer, control?: Buffer): boolean {
    // A Buffer is an already encoded sockaddr: senders on a hot path encode theirs once.
    const dest = to ? (Buffer.isBuffer(to) ? to : encodeSockAddr(to)) : null;
    return this.#call('sendmsg', () => this.#native.sendmsg(this.fd, data, dest, control ?? null)) >= 0;
  }

  /** One queued datagram, or null when none is queued. Never blocks. */
  receive(): Datagram | null {
    const m = this.#call('recvmsg', () => this.#native.recvmsg(this.fd, this.#maxLen, this.#controlLen));
    if (!m) return null;
    const [data, addr, control, flags, length] = m;
    const info = control.length ? parseControl(control) : {};
    return {
      data,
      source: decodeSockAddr(addr),
      truncated: (flags & MSG_TRUNC) !== 0 || length > data.length,
      ...info,
    };
  }

  /**
   * Starts emitting 'message' for each datagram as it arrives. At most `budget` datagrams are
   * read per readiness callback so a flood cannot starve timers; the rest wait for the next turn.
   */
  start(budget = 64): this {
    if (this.#watch || this.#closed) return this;
    this.#watch = this.#native.watch(this.fd, (events) => {
      if (events < 0) {
        this.emit('error', new SystemError('poll', Object.assign(new Error(`poll error ${events}`), { errno: -events })));
        return;
      }
      try {
        for (let i = 0; i < budget && !this.#closed; i++) {
          const d = this.receive();
          if (!d) break;
          this.emit('message', d);
        }
      } catch (err) {
        this.emit('error', err as Error);
      }
    });
    return this;
  }

  /** Pauses delivery; queued datagrams stay in the kernel until start() or receive(). */
  stop(): void {
    if (this.#watch) this.#native.unwatch(this.#watch);
    this.#watch = undefined;
  }

  /** Whether this socket keeps the process alive (default yes while started). */
  ref(on = true): void {
    if (this.#watch) this.#native.ref(this.#watch, on);
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.stop();
    this.#closed = true;
    try {
      this.#native.close(this.fd);
    } catch {
      // close(2) failing leaves nothing to do: the fd is gone either way.
    }
  }
}

export { AF_INET, AF_INET6, AF_NETLINK, AF_PACKET };
