// What NetlinkConn needs from a socket, so the request/reply logic runs against a fake in unit
// tests (test/helpers/nltest.ts) and against a real AF_NETLINK socket in production.
import { Socket } from '../socket.js';
import {
  AF_NETLINK, NETLINK_ADD_MEMBERSHIP, NETLINK_DROP_MEMBERSHIP, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, SOCK_RAW,
  SOL_NETLINK, SOL_SOCKET, SO_RCVBUF, SO_RCVBUFFORCE, SO_SNDBUF,
} from '../constants.js';

export interface NetlinkDatagram {
  data: Buffer;
  /** Sender's port id: 0 for the kernel. */
  pid: number;
  /** Multicast group mask the datagram was sent to; 0 for unicast replies. */
  groups: number;
  truncated: boolean;
}

export interface NetlinkTransport {
  /** Our port id (nl_pid), known after bind. */
  readonly portId: number;
  /** Sends one datagram to the kernel; throws on failure. */
  send(data: Buffer): void;
  /** Starts delivering datagrams and socket errors (ENOBUFS...) asynchronously. */
  start(onDatagram: (d: NetlinkDatagram) => void, onError: (e: Error) => void): void;
  joinGroup(group: number): void;
  leaveGroup(group: number): void;
  /** Whether the socket keeps the process alive (optional). */
  ref?(on: boolean): void;
  close(): void;
}

/** Netlink dump datagrams are at most 32 KiB; extended ACKs echoing a request can be larger. */
const RECV_MAX = 1 << 17;
/** Large receive buffer: a link flap on a busy host can queue many notifications at once. */
const RCVBUF = 8 << 20;

export interface SocketTransportOptions {
  /** SO_RCVBUF(FORCE) in bytes (default 8 MiB; the kernel doubles it and has a floor of ~4 KiB). */
  receiveBufferBytes?: number;
}

export class SocketTransport implements NetlinkTransport {
  readonly portId: number;
  #sock: Socket;

  constructor(protocol: number, groups = 0, opts: SocketTransportOptions = {}) {
    const sock = Socket.open(AF_NETLINK, SOCK_RAW, protocol, { maxLen: RECV_MAX, controlLen: 64 });
    try {
      const rcvbuf = opts.receiveBufferBytes ?? RCVBUF;
      try {
        sock.setOption(SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf);
      } catch {
        sock.setOption(SOL_SOCKET, SO_RCVBUF, rcvbuf); // without CAP_NET_ADMIN: capped at rmem_max
      }
      sock.setOption(SOL_SOCKET, SO_SNDBUF, 1 << 20);
      // Both are optional kernel features (4.12 / 4.20): without them errors are just terser.
      for (const opt of [NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK]) {
        try {
          sock.setOption(SOL_NETLINK, opt, 1);
        } catch {
          // older kernel
        }
      }
      sock.bind({ family: 'netlink', pid: 0, groups });
      const local = sock.localAddress();
      this.portId = local?.family === 'netlink' ? local.pid ?? 0 : 0;
    } catch (err) {
      sock.close();
      throw err;
    }
    this.#sock = sock;
  }

  send(data: Buffer): void {
    if (!this.#sock.send(data, { family: 'netlink', pid: 0, groups: 0 })) {
      throw Object.assign(new Error('netlink send buffer full (EAGAIN)'), { code: 'EAGAIN' });
    }
  }

  start(onDatagram: (d: NetlinkDatagram) => void, onError: (e: Error) => void): void {
    this.#sock.on('message', (d) => {
      const src = d.source?.family === 'netlink' ? d.source : undefined;
      onDatagram({ data: d.data, pid: src?.pid ?? 0, groups: src?.groups ?? 0, truncated: d.truncated });
    });
    this.#sock.on('error', onError);
    this.#sock.start();
  }

  joinGroup(group: number): void {
    this.#sock.setOption(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group);
  }

  leaveGroup(group: number): void {
    this.#sock.setOption(SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, group);
  }

  /** Whether the socket keeps the process alive. */
  ref(on: boolean): void {
    this.#sock.ref(on);
  }

  close(): void {
    this.#sock.close();
  }
}
