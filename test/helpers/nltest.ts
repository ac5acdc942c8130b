// Netlink fakes in the style of mdlayher's nltest: a transport that records what a NetlinkConn
// sends and answers with datagrams a test function builds, so conn/genetlink/rtnetlink logic
// runs without a socket.
import { decodeMessages, encodeMessage, type NetlinkMessage } from '../../src/netif/netlink/message.js';
import type { NetlinkDatagram, NetlinkTransport } from '../../src/netif/netlink/transport.js';
import { NLMSG_DONE, NLMSG_ERROR, NLM_F_MULTI } from '../../src/netif/netlink/constants.js';

/** Hex rows (with spaces, newlines and `//` comments) -> bytes. */
export function hex(rows: string): Buffer {
  return Buffer.from(rows.replace(/\/\/[^\n]*/g, '').replace(/[^0-9a-fA-F]/g, ''), 'hex');
}

/** Answers one sent datagram (already split into messages) with datagrams to deliver. */
export type Responder = (reqs: NetlinkMessage[], t: FakeTransport) => Array<Buffer | { data: Buffer; pid?: number; groups?: number; truncated?: boolean }>;

export class FakeTransport implements NetlinkTransport {
  readonly portId: number;
  /** Every datagram sent, in order. */
  readonly sent: Buffer[] = [];
  groups: number[] = [];
  closed = false;
  #onDatagram: ((d: NetlinkDatagram) => void) | undefined;
  #onError: ((e: Error) => void) | undefined;
  #responder: Responder | undefined;

  constructor(responder?: Responder, portId = 4242) {
    this.#responder = responder;
    this.portId = portId;
  }

  send(data: Buffer): void {
    if (this.closed) throw Object.assign(new Error('closed'), { code: 'EBADF' });
    this.sent.push(Buffer.from(data));
    const replies = this.#responder?.(decodeMessages(data), this) ?? [];
    // Replies arrive on a later turn of the event loop, as from a real socket.
    setImmediate(() => {
      for (const r of replies) this.deliver(r);
    });
  }

  start(onDatagram: (d: NetlinkDatagram) => void, onError: (e: Error) => void): void {
    this.#onDatagram = onDatagram;
    this.#onError = onError;
  }

  deliver(r: Buffer | { data: Buffer; pid?: number; groups?: number; truncated?: boolean }): void {
    const d = Buffer.isBuffer(r) ? { data: r } : r;
    this.#onDatagram?.({ data: d.data, pid: d.pid ?? 0, groups: d.groups ?? 0, truncated: d.truncated ?? false });
  }

  fail(e: Error): void {
    this.#onError?.(e);
  }

  joinGroup(group: number): void {
    this.groups.push(group);
  }

  leaveGroup(group: number): void {
    this.groups = this.groups.filter((g) => g !== group);
  }

  close(): void {
    this.closed = true;
  }
}

/** An NLMSG_ERROR answering req: error 0 is an ACK. Capped (header only) like the kernel with NETLINK_CAP_ACK. */
export function ack(req: NetlinkMessage, error = 0, extack?: string): Buffer {
  const hdr = encodeMessage({ type: req.header.type, flags: req.header.flags, sequence: req.header.sequence, pid: req.header.pid, data: Buffer.alloc(0) });
  hdr.writeUInt32LE(req.header.length, 0);
  let tlv = Buffer.alloc(0);
  if (extack) {
    const s = Buffer.from(`${extack}\0`);
    tlv = Buffer.alloc((4 + s.length + 3) & ~3);
    tlv.writeUInt16LE(4 + s.length, 0);
    tlv.writeUInt16LE(1, 2); // NLMSGERR_ATTR_MSG
    s.copy(tlv, 4);
  }
  const body = Buffer.alloc(4 + 16 + tlv.length);
  body.writeInt32LE(error, 0);
  hdr.copy(body, 4, 0, 16);
  tlv.copy(body, 20);
  const flags = 0x100 | (extack ? 0x200 : 0); // NLM_F_CAPPED | NLM_F_ACK_TLVS
  return encodeMessage({ type: NLMSG_ERROR, flags, sequence: req.header.sequence, pid: req.header.pid, data: body });
}

/** A reply message of a given type to req (for dumps pass multi). */
export function reply(req: NetlinkMessage, type: number, data: Buffer, multi = false): Buffer {
  return encodeMessage({ type, flags: multi ? NLM_F_MULTI : 0, sequence: req.header.sequence, pid: req.header.pid, data });
}

export function done(req: NetlinkMessage, error = 0): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(error, 0);
  return encodeMessage({ type: NLMSG_DONE, flags: NLM_F_MULTI, sequence: req.header.sequence, pid: req.header.pid, data: b });
}
