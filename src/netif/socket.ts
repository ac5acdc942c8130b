// A non-blocking socket on the Node event loop (the imperative shell around the addon).
// Readiness comes from uv_poll; each readiness callback reads up to its budget of queued
// datagrams with one recvmmsg. `receive()` drains synchronously, so a caller can also pull
// queued packets at a moment of its choosing (VRRP does before declaring a master down).
import { EventEmitter } from 'node:events';
import { errnoName } from './errno-name.js';
import { nativeAddon, recvmmsgCapacity, type NativeAddon, type NativeMessage, type NativeSocket } from './native.js';
import { encodeSockAddr, decodeSockAddr, type SockAddr } from './sockaddr.js';
import { parseControl, type PacketInfo } from './cmsg.js';
import { ReceiveTimes } from './receive-time.js';
import { SystemError } from '../errors.js';
import {
  AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, IPPROTO_IP, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, IPV6_DROP_MEMBERSHIP,
  IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP, MSG_CTRUNC, MSG_TRUNC, SOCK_RAW, SOL_SOCKET, SO_BINDTODEVICE, SO_ERROR, SO_MARK, SO_TIMESTAMPNS,
} from './constants.js';
import { ipToBytes } from './ip-address.js';

export interface Datagram extends PacketInfo {
  data: Buffer;
  /** Sender, when the family has one (inet, inet6, packet, netlink). */
  source: SockAddr | undefined;
  /** True when the datagram was longer than the receive buffer and was cut. */
  truncated: boolean;
  /** True when its ancillary data (IP_PKTINFO, TTL...) did not fit controlLen and was cut (MSG_CTRUNC). */
  controlTruncated: boolean;
  /**
   * When the kernel received it, on performance.now()'s clock (receiveTimestamps()); absent when
   * not asked for, or not to be trusted (the realtime clock was stepped meanwhile).
   */
  receivedAt?: number;
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

const NO_MESSAGES: NativeMessage[] = [];
/** Datagrams read at most when draining before a socket error (a netlink queue of 8 MiB holds fewer). */
const ERROR_DRAIN = 1 << 17;

function toDatagram([data, addr, control, flags, length, offset]: NativeMessage, times: ReceiveTimes | undefined): Datagram {
  const d: Datagram = {
    data,
    source: decodeSockAddr(addr),
    truncated: (flags & MSG_TRUNC) !== 0 || length > data.length,
    controlTruncated: (flags & MSG_CTRUNC) !== 0,
  };
  if (!control.length) return d;
  const info = parseControl(control);
  if (times && info.kernelTimeMs !== undefined) {
    const at = times.arrival(info.kernelTimeMs, offset);
    if (at !== undefined) d.receivedAt = at;
  }
  return Object.assign(d, info);
}

export class Socket extends EventEmitter<SocketEvents> {
  readonly fd: number;
  readonly family: number;
  #native: NativeAddon;
  /** Owns the fd: closes it if this Socket is garbage-collected without close(). */
  #handle: NativeSocket;
  #watch: unknown;
  #closed = false;
  #maxLen: number;
  #controlLen: number;
  /** Datagrams one recvmmsg returns at most: fewer means the kernel queue ran dry. */
  #batch: number;
  /** Datagrams delivered per readiness callback (start()). */
  #budget = 64;
  /** Datagrams read from the kernel (one recvmmsg) and not delivered yet; #next is the first. */
  #queue: NativeMessage[] = NO_MESSAGES;
  #next = 0;
  /** Set by receiveTimestamps(). */
  #times: ReceiveTimes | undefined;

  private constructor(native: NativeAddon, handle: NativeSocket, family: number, maxLen: number, controlLen: number) {
    super();
    this.#native = native;
    this.#handle = handle;
    this.fd = handle.fd;
    this.family = family;
    this.#maxLen = maxLen;
    this.#controlLen = controlLen;
    this.#batch = recvmmsgCapacity(maxLen);
  }

  /**
   * socket(2). maxLen bounds one received datagram (longer ones are flagged truncated);
   * controlLen bounds ancillary data.
   */
  static open(family: number, type: number, protocol: number, opts: { maxLen?: number; controlLen?: number } = {}): Socket {
    const native = nativeAddon();
    let handle: NativeSocket;
    try {
      handle = native.socket(family, type, protocol);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new SystemError(`socket(${family}, ${type}, ${protocol})`, e, capabilityHint(family, type, e.code));
    }
    return new Socket(native, handle, family, opts.maxLen ?? 65536, opts.controlLen ?? 256);
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

  /**
   * SO_TIMESTAMPNS: every datagram carries the time the kernel received it (Datagram.receivedAt),
   * for deadlines that count from an arrival rather than from when the event loop got to it.
   */
  receiveTimestamps(): void {
    this.setOption(SOL_SOCKET, SO_TIMESTAMPNS, 1);
    this.#times ??= new ReceiveTimes();
  }

  /** SO_MARK: the firewall mark of every packet this socket sends (needs CAP_NET_ADMIN). */
  setMark(mark: number): void {
    this.setOption(SOL_SOCKET, SO_MARK, mark | 0);
  }

  /**
   * connect(2): a datagram socket gets its default peer (and sees that peer's ICMP errors as
   * socket errors); a stream socket starts connecting. True when done at once; false when a
   * stream connect is under way (then await connected()).
   */
  connect(addr: SockAddr): boolean {
    return this.#call(`connect(${JSON.stringify(addr)})`, () => this.#native.connect(this.fd, encodeSockAddr(addr))) === 0;
  }

  /**
   * Resolves once a connect under way is done; rejects with its error (ECONNREFUSED,
   * EHOSTUNREACH...) or when the signal aborts. Not while start() delivers: one poll per fd.
   */
  connected(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#watch) return reject(new Error('connected(): the socket is receiving'));
      let watch: unknown;
      const done = (err?: Error) => {
        if (watch === undefined) return;
        this.#native.unwatch(watch);
        watch = undefined;
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => done(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      try {
        watch = this.#call('connect', () => this.#native.watch(this.fd, (_events, error) => {
          if (error) return done(new SystemError('connect', error));
          const so = this.getIntOption(SOL_SOCKET, SO_ERROR);
          if (so === 0) return done();
          const code = errnoName(so);
          done(new SystemError('connect', Object.assign(new Error(code), { code, errno: so })));
        }, 2));
      } catch (err) {
        return reject(err as Error);
      }
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Hands the fd over to a new owner (new net.Socket({ fd })): this Socket is closed without
   * closing it, and nothing here will close it later.
   */
  detach(): number {
    const fd = this.#call('detach', () => this.#native.detach(this.#handle));
    this.stop();
    this.#closed = true;
    this.#queue = NO_MESSAGES;
    this.#next = 0;
    return fd;
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
    if (this.#next < this.#queue.length) return this.#take();
    const startedAt = this.#times ? performance.now() : 0;
    const m = this.#call('recvmsg', () => this.#native.recvmsg(this.fd, this.#maxLen, this.#controlLen));
    this.#noteRead(startedAt, m ?? undefined, false);
    return m ? toDatagram(m, this.#times) : null;
  }

  /** Up to `max` queued datagrams, read with one system call; empty when none is queued. Never blocks. */
  receiveMany(max = 64): Datagram[] {
    const out: Datagram[] = [];
    while (out.length < max && this.#next < this.#queue.length) out.push(this.#take());
    if (out.length >= max) return out;
    const batch = this.#call('recvmmsg', () => this.#readBatch(max - out.length));
    if (batch) for (const m of batch) out.push(toDatagram(m, this.#times));
    return out;
  }

  /** One recvmmsg of up to `want` datagrams (null: none queued), its receive times noted. */
  #readBatch(want: number): NativeMessage[] | null {
    const startedAt = this.#times ? performance.now() : 0;
    const batch = this.#native.recvmmsg(this.fd, this.#maxLen, this.#controlLen, want);
    this.#noteRead(startedAt, batch?.[0], batch !== null && batch.length < Math.min(want, this.#batch));
    return batch;
  }

  /** A read begun at `startedAt` returned `first` (and more), or nothing; `dry`: it also found the queue empty. */
  #noteRead(startedAt: number, first: NativeMessage | undefined, dry: boolean): void {
    const times = this.#times;
    if (!times) return;
    if (first) times.read(startedAt, performance.now(), first[5], dry);
    else times.empty(startedAt);
  }

  #take(): Datagram {
    const m = this.#queue[this.#next++]!;
    if (this.#next === this.#queue.length) {
      this.#queue = NO_MESSAGES;
      this.#next = 0;
    }
    return toDatagram(m, this.#times);
  }

  /**
   * Starts emitting 'message' for each datagram as it arrives. At most `budget` datagrams are
   * read per readiness callback (with one recvmmsg when they are queued together) so a flood
   * cannot starve timers; the rest wait for the next turn. A socket error (ENOBUFS: a netlink
   * overrun...) is emitted as 'error' after the datagrams queued before it, and delivery goes on.
   */
  start(budget = 64): this {
    if (this.#watch || this.#closed) return this;
    this.#budget = budget;
    const watch = this.#native.watch(this.fd, (_events, error) => {
      if (!error) {
        this.#deliver(watch, this.#budget);
        return;
      }
      // Everything queued arrived before the error: deliver it first, so a resync triggered by
      // the error is never overtaken by older news. EBADF: the fd is gone, nothing to read.
      if (error.code !== 'EBADF') this.#deliver(watch, ERROR_DRAIN);
      if (!this.#closed) this.emit('error', new SystemError('receive', error));
    });
    this.#watch = watch;
    // Read before a stop() and not delivered: the kernel will not signal them again.
    if (this.#next < this.#queue.length) setImmediate(() => this.#deliver(watch, this.#budget));
    return this;
  }

  /** Emits up to `limit` datagrams: what is left of the last batch, then fresh batches. */
  #deliver(watch: unknown, limit: number): void {
    let dry = false;
    try {
      for (let n = 0; n < limit && this.#watch === watch; n++) {
        if (this.#next === this.#queue.length) {
          if (dry) return;
          const want = Math.min(limit - n, this.#batch);
          let batch: NativeMessage[] | null;
          try {
            batch = this.#readBatch(want);
          } catch (err) {
            this.emit('error', new SystemError('recvmmsg', err as NodeJS.ErrnoException));
            return;
          }
          if (!batch) return;
          // Fewer than asked: the queue ran dry, no need to ask again (and see EAGAIN).
          dry = batch.length < want;
          this.#queue = batch;
          this.#next = 0;
        }
        const d = this.#take();
        try {
          this.emit('message', d);
        } catch (err) {
          this.emit('error', err as Error);
        }
      }
    } finally {
      // A throwing 'error' listener left datagrams behind: deliver them on a later turn.
      if (this.#next < this.#queue.length && this.#watch === watch) {
        setImmediate(() => this.#deliver(watch, this.#budget));
      }
    }
  }

  /** Pauses delivery; queued datagrams stay queued until start() or receive(). */
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
    this.#queue = NO_MESSAGES;
    this.#next = 0;
    try {
      this.#native.close(this.#handle);
    } catch {
      // close(2) failing leaves nothing to do: the fd is gone either way.
    }
  }
}

export { AF_INET, AF_INET6, AF_NETLINK, AF_PACKET };
