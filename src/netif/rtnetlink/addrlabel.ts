// RTM_*ADDRLABEL: IPv6 address labels (RFC 6724 policy table), struct ifaddrlblmsg + IFAL_*.
import { DecodeError } from '../../errors.js';
import { AttributeDecoder, AttributeEncoder } from '../netlink/attributes.js';
import type { NetlinkRequest } from '../netlink/conn.js';
import { NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REPLACE } from '../netlink/constants.js';
import type { NetlinkMessage } from '../netlink/message.js';
import { bytesToIp, ipFamily, ipToBytes } from '../ip-address.js';
import { AF_INET6 } from '../constants.js';
import { IFADDRLBLMSG_LEN, IFAL_ADDRESS, IFAL_LABEL, RTM_DELADDRLABEL, RTM_GETADDRLABEL, RTM_NEWADDRLABEL } from './constants.js';
import type { ExistPolicy } from './address.js';

export interface AddressLabel {
  prefix: string;
  prefixLength: number;
  label: number;
  /** 0 or absent: any interface. */
  ifindex?: number;
}

/** struct ifaddrlblmsg { u8 family; u8 reserved; u8 prefixlen; u8 flags; u32 index; u32 seq }. */
export function encodeIfaddrlblmsg(m: { prefixLength?: number; index?: number }): Buffer {
  const b = Buffer.alloc(IFADDRLBLMSG_LEN);
  b.writeUInt8(AF_INET6, 0);
  b.writeUInt8(m.prefixLength ?? 0, 2);
  b.writeUInt32LE(m.index ?? 0, 4);
  return b;
}

export function decodeAddressLabel(m: NetlinkMessage): AddressLabel {
  if (m.data.length < IFADDRLBLMSG_LEN) throw new DecodeError(`ifaddrlblmsg truncated: ${m.data.length} of ${IFADDRLBLMSG_LEN} bytes`);
  const out: AddressLabel = { prefix: '', prefixLength: m.data.readUInt8(2), label: 0 };
  const index = m.data.readUInt32LE(4);
  if (index) out.ifindex = index;
  const d = new AttributeDecoder(m.data.subarray(IFADDRLBLMSG_LEN), IFADDRLBLMSG_LEN);
  while (d.next()) {
    if (d.type === IFAL_ADDRESS) {
      if (d.length !== 16) throw new DecodeError(`IFAL_ADDRESS has ${d.length} bytes, not 16`);
      out.prefix = bytesToIp(d.bytes());
    } else if (d.type === IFAL_LABEL) {
      out.label = d.uint32();
    }
  }
  const err = d.err();
  if (err) throw err;
  if (!out.prefix) throw new DecodeError('address label message lacks IFAL_ADDRESS');
  return out;
}

function body(l: AddressLabel): Buffer {
  if (ipFamily(l.prefix) !== 6) throw new RangeError(`address labels are IPv6 only: ${l.prefix}`);
  if (!Number.isInteger(l.prefixLength) || l.prefixLength < 0 || l.prefixLength > 128) {
    throw new RangeError(`prefix length ${l.prefixLength} is not in 0..128`);
  }
  // Same order as `ip addrlabel add`: IFAL_LABEL then IFAL_ADDRESS.
  const attrs = new AttributeEncoder().uint32(IFAL_LABEL, l.label).bytes(IFAL_ADDRESS, ipToBytes(l.prefix)).encode();
  return Buffer.concat([encodeIfaddrlblmsg({ prefixLength: l.prefixLength, index: l.ifindex ?? 0 }), attrs]);
}

export function addAddressLabelRequest(l: AddressLabel, exist: ExistPolicy = 'error'): NetlinkRequest {
  return { type: RTM_NEWADDRLABEL, flags: NLM_F_CREATE | (exist === 'replace' ? NLM_F_REPLACE : NLM_F_EXCL), data: body(l) };
}

/** The kernel matches prefix, length and ifindex, but insists on some label (any but 0xffffffff). */
export function deleteAddressLabelRequest(l: AddressLabel): NetlinkRequest {
  return { type: RTM_DELADDRLABEL, flags: 0, data: body(l) };
}

export function dumpAddressLabelsRequest(): NetlinkRequest {
  return { type: RTM_GETADDRLABEL, flags: NLM_F_DUMP, data: encodeIfaddrlblmsg({}) };
}
