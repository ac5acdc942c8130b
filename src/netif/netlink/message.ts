// struct nlmsghdr framing: encode one message, split a datagram into messages, and read the
// payloads of the control messages (NLMSG_ERROR, NLMSG_DONE).
import { DecodeError } from '../../errors.js';
import { align, NLMSG_HDRLEN } from './align.js';
import { AttributeDecoder } from './attributes.js';
import {
  NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSG_DONE, NLMSG_ERROR,
} from './constants.js';

export interface NetlinkHeader {
  /** nlmsg_len: header plus payload, unpadded. */
  length: number;
  type: number;
  flags: number;
  sequence: number;
  /** nlmsg_pid: port id of the sender (0 for the kernel) or of the request's sender. */
  pid: number;
}

export interface NetlinkMessage {
  header: NetlinkHeader;
  /** Payload after the nlmsghdr. */
  data: Buffer;
}

export function encodeMessage(m: { type: number; flags: number; sequence?: number; pid?: number; data: Buffer }): Buffer {
  const length = NLMSG_HDRLEN + m.data.length;
  if (length > 0xffffffff) throw new DecodeError(`netlink message of ${length} bytes is too long`);
  const b = Buffer.alloc(align(length));
  b.writeUInt32LE(length, 0);
  b.writeUInt16LE(m.type & 0xffff, 4);
  b.writeUInt16LE(m.flags & 0xffff, 6);
  b.writeUInt32LE((m.sequence ?? 0) >>> 0, 8);
  b.writeUInt32LE((m.pid ?? 0) >>> 0, 12);
  m.data.copy(b, NLMSG_HDRLEN);
  return b;
}

export function decodeHeader(b: Buffer, offset = 0): NetlinkHeader {
  if (b.length - offset < NLMSG_HDRLEN) {
    throw new DecodeError(`netlink header truncated: ${b.length - offset} of ${NLMSG_HDRLEN} bytes`, offset);
  }
  return {
    length: b.readUInt32LE(offset),
    type: b.readUInt16LE(offset + 4),
    flags: b.readUInt16LE(offset + 6),
    sequence: b.readUInt32LE(offset + 8),
    pid: b.readUInt32LE(offset + 12),
  };
}

/**
 * Splits one datagram into its messages. Strict: a header that does not fit, a length shorter
 * than the header or running past the datagram is a DecodeError (the kernel never sends those).
 */
export function decodeMessages(b: Buffer): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  let off = 0;
  while (off < b.length) {
    const header = decodeHeader(b, off);
    if (header.length < NLMSG_HDRLEN) {
      throw new DecodeError(`netlink message length ${header.length} is shorter than its header`, off);
    }
    if (off + header.length > b.length) {
      throw new DecodeError(`netlink message length ${header.length} runs past the datagram (${b.length - off} bytes left)`, off);
    }
    out.push({ header, data: b.subarray(off + NLMSG_HDRLEN, off + header.length) });
    off += align(header.length);
  }
  return out;
}

/** struct nlmsgerr plus the extended ACK attributes, as read from an NLMSG_ERROR. */
export interface ErrorPayload {
  /** 0 for an ACK, else a negative errno. */
  error: number;
  /** Header of the request being answered. */
  request: NetlinkHeader;
  extack?: string;
  offset?: number;
}

/**
 * Reads an NLMSG_ERROR payload: int error, the request's nlmsghdr (followed by the whole request
 * unless NLM_F_CAPPED), then NLMSGERR_ATTR_* when NLM_F_ACK_TLVS.
 */
export function decodeError(m: NetlinkMessage): ErrorPayload {
  if (m.header.type !== NLMSG_ERROR) throw new DecodeError(`not an NLMSG_ERROR: type ${m.header.type}`);
  if (m.data.length < 4 + NLMSG_HDRLEN) {
    throw new DecodeError(`NLMSG_ERROR payload truncated: ${m.data.length} of ${4 + NLMSG_HDRLEN} bytes`);
  }
  const error = m.data.readInt32LE(0);
  const request = decodeHeader(m.data, 4);
  const out: ErrorPayload = { error, request };
  if (m.header.flags & NLM_F_ACK_TLVS) {
    let tlvStart = 4 + NLMSG_HDRLEN;
    if (!(m.header.flags & NLM_F_CAPPED)) tlvStart = 4 + align(request.length);
    if (tlvStart > m.data.length) {
      throw new DecodeError(`NLMSG_ERROR echoes a ${request.length}-byte request but has ${m.data.length - 4} bytes`);
    }
    Object.assign(out, decodeExtack(m.data.subarray(tlvStart)));
  }
  return out;
}

/** NLMSG_DONE carries an int: 0, or a negative errno when a dump failed part-way. */
export function decodeDone(m: NetlinkMessage): ErrorPayload | { error: number } {
  if (m.header.type !== NLMSG_DONE) throw new DecodeError(`not an NLMSG_DONE: type ${m.header.type}`);
  // Some families send an empty NLMSG_DONE.
  if (m.data.length < 4) return { error: 0 };
  const error = m.data.readInt32LE(0);
  if (m.header.flags & NLM_F_ACK_TLVS) return { error, ...decodeExtack(m.data.subarray(4)) };
  return { error };
}

function decodeExtack(b: Buffer): { extack?: string; offset?: number } {
  const out: { extack?: string; offset?: number } = {};
  const d = new AttributeDecoder(b);
  while (d.next()) {
    if (d.type === NLMSGERR_ATTR_MSG) out.extack = d.string();
    else if (d.type === NLMSGERR_ATTR_OFFS) out.offset = d.uint32();
  }
  const err = d.err();
  if (err) throw err;
  return out;
}
