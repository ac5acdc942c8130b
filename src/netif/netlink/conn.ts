// A netlink connection: sequence numbers, replies matched to requests by sequence and port id,
// dumps gathered until NLMSG_DONE, ACKs, several requests in one sendmsg, and notifications.
// Nothing here throws out of the event loop: bad replies reject the request they belong to.
import { EventEmitter } from 'node:events';
import { DecodeError, SystemError, VipdError } from '../../errors.js';
import { decodeDone, decodeError, decodeHeader, encodeMessage, type NetlinkMessage } from './message.js';
import { NetlinkError } from './errors.js';
import {
  NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_MULTI, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN,
} from './constants.js';
import { SocketTransport, type NetlinkDatagram, type NetlinkTransport } from './transport.js';
import { NLMSG_HDRLEN } from './align.js';

export interface NetlinkRequest {
  type: number;
  flags: number;
  data: Buffer;
  /** Names the request in errors ('IPVS_CMD_NEW_SERVICE'); defaults to the type's name. */
  op?: string;
}

export interface NetlinkConnOptions {
  /** Legacy multicast group mask to bind to (RTMGRP_*). */
  groups?: number;
  /** Names request types in errors ('RTM_NEWADDR'); defaults to the number. */
  typeName?: (type: number) => string;
  /** A request with no reply after this long is rejected (ETIMEDOUT). Default 30 s. */
  timeoutMs?: number;
  /** Socket receive buffer in bytes (NetlinkConn.open only; default 8 MiB). */
  receiveBufferBytes?: number;
}

export interface NetlinkConnEvents {
  /** A message nobody asked for: a multicast notification. */
  notification: [NetlinkMessage];
  /** The kernel dropped messages for us (ENOBUFS): state seen through notifications is stale, resync. */
  overrun: [Error];
  /** A datagram that does not decode, outside of any request. Emitted only when listened to. */
  error: [Error];
}

interface Pending {
  op: string;
  sequence: number;
  parts: NetlinkMessage[];
  /** The caller asked for an ACK: wait for it even after a single reply. */
  ack: boolean;
  /** Last request of a batch: the earlier ones were sent without NLM_F_ACK and end with it. */
  quietBefore?: Pending[];
  resolve: (parts: NetlinkMessage[]) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

export class NetlinkConn extends EventEmitter<NetlinkConnEvents> {
  readonly #t: NetlinkTransport;
  readonly #pending = new Map<number, Pending>();
  readonly #typeName: (type: number) => string;
  readonly #timeoutMs: number;
  #seq: number;
  #closed = false;
  /** Bound to or joined a multicast group: notifications keep the process alive. */
  #subscribed: boolean;

  constructor(transport: NetlinkTransport, opts: NetlinkConnOptions = {}) {
    super();
    this.#t = transport;
    this.#typeName = opts.typeName ?? ((t) => `netlink type ${t}`);
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#subscribed = (opts.groups ?? 0) !== 0;
    // A random start keeps our sequence numbers apart from an earlier run's stale replies.
    this.#seq = (Math.floor(Math.random() * 0x7fffffff) + 1) >>> 0;
    transport.start((d) => this.#onDatagram(d), (e) => this.#onSocketError(e));
    this.#updateRef();
  }

  /** Opens an AF_NETLINK socket: NETLINK_ROUTE = 0, NETLINK_GENERIC = 16. */
  static open(protocol: number, opts: NetlinkConnOptions = {}): NetlinkConn {
    return new NetlinkConn(new SocketTransport(protocol, opts.groups ?? 0, { receiveBufferBytes: opts.receiveBufferBytes }), opts);
  }

  get portId(): number {
    return this.#t.portId;
  }

  get closed(): boolean {
    return this.#closed;
  }

  #nextSeq(): number {
    this.#seq = (this.#seq + 1) >>> 0;
    if (this.#seq === 0) this.#seq = 1; // 0 is what notifications carry
    return this.#seq;
  }

  /**
   * Sends one request and waits for its answer: the ACK (NLM_F_ACK is always asked for), the
   * reply of a GET, or every part of a dump until NLMSG_DONE. Resolves with the data messages.
   */
  request(m: NetlinkRequest): Promise<NetlinkMessage[]> {
    return this.#send([m])[0]!;
  }

  /**
   * Several requests in ONE sendmsg; each is matched to its own answer by sequence number.
   * Results come in order: the data messages, or the NetlinkError the kernel answered with.
   * Failures that are not the kernel's answer (a closed socket, a reply that does not decode)
   * reject the whole batch.
   */
  async batch(ms: NetlinkRequest[]): Promise<Array<NetlinkMessage[] | NetlinkError>> {
    if (ms.length === 0) return [];
    const settled = await Promise.allSettled(this.#send(ms));
    const out: Array<NetlinkMessage[] | NetlinkError> = [];
    for (const s of settled) {
      if (s.status === 'fulfilled') out.push(s.value);
      else if (s.reason instanceof NetlinkError) out.push(s.reason);
      else throw s.reason;
    }
    return out;
  }

  #send(ms: NetlinkRequest[]): Array<Promise<NetlinkMessage[]>> {
    if (this.#closed) {
      const err = new VipdError('VIPD_ERR_CLOSED', 'netlink connection is closed');
      return ms.map(() => Promise.reject(err));
    }
    const promises: Array<Promise<NetlinkMessage[]>> = [];
    const frames: Buffer[] = [];
    const entries: Pending[] = [];
    // In a batch only the last request asks for an ACK: the kernel answers errors anyway and handles
    // one write in order, so the last ACK proves every quiet request before it succeeded. One reply
    // instead of one per request (10,000 IPVS changes: 10,000 fewer datagrams to read).
    const quiet: Pending[] = [];
    ms.forEach((m, i) => {
      const sequence = this.#nextSeq();
      const isQuiet = i < ms.length - 1 && (m.flags & NLM_F_DUMP) !== NLM_F_DUMP;
      const flags = m.flags | NLM_F_REQUEST | (isQuiet ? 0 : NLM_F_ACK);
      frames.push(encodeMessage({ type: m.type, flags, sequence, pid: this.#t.portId, data: m.data }));
      let entry!: Pending;
      promises.push(new Promise<NetlinkMessage[]>((resolve, reject) => {
        entry = { op: m.op ?? this.#typeName(m.type), sequence, parts: [], ack: !isQuiet, resolve, reject, timer: undefined };
      }));
      entries.push(entry);
      if (isQuiet) quiet.push(entry);
      else if (quiet.length) entry.quietBefore = quiet.splice(0);
    });
    for (const e of entries) {
      this.#pending.set(e.sequence, e);
      e.timer = setTimeout(() => {
        this.#settle(e, new NetlinkError(e.op, 110 /* ETIMEDOUT */, { extack: `no reply within ${this.#timeoutMs} ms`, sequence: e.sequence }));
      }, this.#timeoutMs);
    }
    this.#updateRef();
    try {
      this.#t.send(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
    } catch (err) {
      const e = err instanceof VipdError ? err : new SystemError('sendmsg(netlink)', err as NodeJS.ErrnoException);
      for (const p of entries) this.#settle(p, e);
    }
    return promises;
  }

  #settle(p: Pending, outcome: NetlinkMessage[] | Error): void {
    if (this.#pending.get(p.sequence) !== p) return;
    this.#pending.delete(p.sequence);
    if (p.timer) clearTimeout(p.timer);
    this.#updateRef();
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
    // The kernel answered the last request of a batch: the quiet ones before it that got no error
    // succeeded. Any other failure (timeout, closed socket) leaves their fate unknown: same error.
    if (p.quietBefore) {
      const kernelAnswered = !(outcome instanceof Error) || outcome instanceof NetlinkError;
      for (const q of p.quietBefore) this.#settle(q, kernelAnswered ? q.parts : outcome as Error);
    }
  }

  #onDatagram(d: NetlinkDatagram): void {
    if (this.#closed) return;
    // Only the kernel (port 0) answers us; anything else is another process talking to our port.
    if (d.pid !== 0) return;
    if (d.truncated) {
      this.#fail(d.data, new DecodeError(`netlink datagram truncated by the receive buffer (${d.data.length} bytes kept)`));
      return;
    }
    let off = 0;
    while (off < d.data.length) {
      let header;
      try {
        header = decodeHeader(d.data, off);
        if (header.length < NLMSG_HDRLEN) throw new DecodeError(`netlink message length ${header.length} is shorter than its header`, off);
        if (off + header.length > d.data.length) {
          throw new DecodeError(`netlink message length ${header.length} runs past the datagram (${d.data.length - off} bytes left)`, off);
        }
      } catch (err) {
        this.#fail(d.data.subarray(off), err as Error);
        return;
      }
      const m: NetlinkMessage = { header, data: d.data.subarray(off + NLMSG_HDRLEN, off + header.length) };
      off += (header.length + 3) & ~3;
      // Multicast copies of changes (even of our own requests) are notifications, not replies.
      if (d.groups !== 0) {
        this.emit('notification', m);
        continue;
      }
      const p = header.pid === this.#t.portId ? this.#pending.get(header.sequence) : undefined;
      if (!p) {
        if (header.type !== NLMSG_ERROR && header.type !== NLMSG_DONE) this.emit('notification', m);
        continue; // a late ACK of a finished request, or an answer meant for nobody
      }
      this.#deliver(p, m);
    }
  }

  #deliver(p: Pending, m: NetlinkMessage): void {
    try {
      switch (m.header.type) {
        case NLMSG_NOOP:
          return;
        case NLMSG_ERROR: {
          const e = decodeError(m);
          if (e.error === 0) this.#settle(p, p.parts);
          else this.#settle(p, new NetlinkError(p.op, -e.error, { extack: e.extack, offset: e.offset, sequence: p.sequence }));
          return;
        }
        case NLMSG_DONE: {
          const e = decodeDone(m);
          if (e.error < 0) {
            const ext = 'extack' in e ? e : {};
            this.#settle(p, new NetlinkError(p.op, -e.error, { ...ext, sequence: p.sequence }));
          } else if (m.header.flags & NLM_F_DUMP_INTR) {
            // The table changed during the dump: the parts are inconsistent, the caller retries.
            this.#settle(p, new NetlinkError(p.op, 4 /* EINTR */, { extack: 'dump interrupted by a change, retry', sequence: p.sequence }));
          } else {
            this.#settle(p, p.parts);
          }
          return;
        }
        case NLMSG_OVERRUN:
          this.#settle(p, new DecodeError(`${p.op}: NLMSG_OVERRUN, data lost`));
          return;
        default:
          p.parts.push(m);
          // A single reply without ACK or MULTI is the whole answer.
          if (!(m.header.flags & NLM_F_MULTI) && !p.ack) this.#settle(p, p.parts);
      }
    } catch (err) {
      this.#settle(p, err as Error);
    }
  }

  /** A datagram that does not decode: reject the request it seems to belong to, or all. */
  #fail(bytes: Buffer, err: Error): void {
    const seq = bytes.length >= 12 ? bytes.readUInt32LE(8) : undefined;
    const p = seq !== undefined ? this.#pending.get(seq) : undefined;
    if (p) {
      this.#settle(p, err);
    } else if (this.#pending.size) {
      for (const q of [...this.#pending.values()]) this.#settle(q, err);
    } else if (this.listenerCount('error')) {
      this.emit('error', err);
    }
  }

  #onSocketError(err: Error): void {
    const code = (err as { syscallCode?: string; code?: string }).syscallCode ?? (err as { code?: string }).code;
    // ENOBUFS: our receive queue overflowed. Replies may be lost, so nothing pending can be trusted.
    if (code === 'ENOBUFS') {
      for (const q of [...this.#pending.values()]) this.#settle(q, err);
      this.emit('overrun', err);
      return;
    }
    if (this.#pending.size) for (const q of [...this.#pending.values()]) this.#settle(q, err);
    else if (this.listenerCount('error')) this.emit('error', err);
  }

  /** NETLINK_ADD_MEMBERSHIP: a group number (RTNLGRP_LINK = 1...), not a mask. */
  joinGroup(group: number): void {
    this.#t.joinGroup(group);
    this.#subscribed = true;
    this.#updateRef();
  }

  leaveGroup(group: number): void {
    this.#t.leaveGroup(group);
  }

  /** Idle request sockets do not hold the process open; subscribed or busy ones do. */
  #updateRef(): void {
    this.#t.ref?.(!this.#closed && (this.#subscribed || this.#pending.size > 0));
  }

  /** Closes the socket; pending requests are rejected. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const err = new VipdError('VIPD_ERR_CLOSED', 'netlink connection closed');
    for (const q of [...this.#pending.values()]) this.#settle(q, err);
    this.#t.close();
  }
}
