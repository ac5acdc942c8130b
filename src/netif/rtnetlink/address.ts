// RTM_*ADDR: struct ifaddrmsg + IFA_* attributes. Pure request builders and reply decoder.
import { DecodeError } from '../../errors.js';
import { AttributeDecoder, AttributeEncoder } from '../netlink/attributes.js';
import type { NetlinkRequest } from '../netlink/conn.js';
import { NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REPLACE } from '../netlink/constants.js';
import type { NetlinkMessage } from '../netlink/message.js';
import { bytesToIp, ipFamily, ipToBytes, type IpFamily } from '../ip-address.js';
import { AF_INET, AF_INET6 } from '../constants.js';
import {
  IFADDRMSG_LEN, IFA_ADDRESS, IFA_BROADCAST, IFA_F_NODAD, IFA_FLAGS, IFA_LABEL, IFA_LOCAL, RTM_DELADDR, RTM_GETADDR, RTM_NEWADDR,
} from './constants.js';

export interface Address {
  ifindex: number;
  address: string;
  prefixLength: number;
  family: IpFamily;
  /** IFA_LABEL (IPv4 only): 'eth0' or an alias such as 'eth0:vip'. */
  label?: string;
  /** IFA_F_* flags (from IFA_FLAGS when present: it holds the bits that do not fit ifa_flags). */
  flags: number;
  /** RT_SCOPE_*: 0 global, 253 link, 254 host. */
  scope: number;
  /** IFA_ADDRESS when it differs from IFA_LOCAL: the peer of a point-to-point address. */
  peer?: string;
}

export interface AddressSpec {
  ifindex: number;
  address: string;
  prefixLength: number;
  /** IPv4 only; the kernel keeps no labels on IPv6 addresses. */
  label?: string;
  flags?: number;
  scope?: number;
  /** IFA_F_NODAD: usable at once, no duplicate address detection (IPv6). */
  noDad?: boolean;
  /** IFA_BROADCAST (IPv4; `ip addr add ... brd`). */
  broadcast?: string;
  /** The other end of a point-to-point address (`peer`): IFA_ADDRESS; deleting needs it too. */
  peer?: string;
}

export type ExistPolicy = 'ok' | 'error' | 'replace';

function afOf(family: IpFamily): number {
  return family === 4 ? AF_INET : AF_INET6;
}

/** struct ifaddrmsg { u8 family; u8 prefixlen; u8 flags; u8 scope; u32 index }. */
export function encodeIfaddrmsg(m: { family?: number; prefixLength?: number; flags?: number; scope?: number; index?: number }): Buffer {
  const b = Buffer.alloc(IFADDRMSG_LEN);
  b.writeUInt8(m.family ?? 0, 0);
  b.writeUInt8(m.prefixLength ?? 0, 1);
  b.writeUInt8((m.flags ?? 0) & 0xff, 2);
  b.writeUInt8(m.scope ?? 0, 3);
  b.writeUInt32LE(m.index ?? 0, 4);
  return b;
}

/** An RTM_NEWADDR/RTM_DELADDR message; null for families other than IPv4/IPv6. */
export function decodeAddress(m: NetlinkMessage): Address | null {
  if (m.data.length < IFADDRMSG_LEN) throw new DecodeError(`ifaddrmsg truncated: ${m.data.length} of ${IFADDRMSG_LEN} bytes`);
  const af = m.data.readUInt8(0);
  if (af !== AF_INET && af !== AF_INET6) return null;
  const family: IpFamily = af === AF_INET ? 4 : 6;
  const want = family === 4 ? 4 : 16;
  let local: string | undefined;
  let address: string | undefined;
  let label: string | undefined;
  let flags = m.data.readUInt8(2);
  const d = new AttributeDecoder(m.data.subarray(IFADDRMSG_LEN), IFADDRMSG_LEN);
  const ip = (): string | undefined => {
    if (d.length !== want) throw new DecodeError(`IPv${family} address attribute ${d.type} has ${d.length} bytes, not ${want}`);
    return bytesToIp(d.bytes());
  };
  while (d.next()) {
    switch (d.type) {
      case IFA_LOCAL: local = ip(); break;
      case IFA_ADDRESS: address = ip(); break;
      case IFA_LABEL: label = d.string(); break;
      case IFA_FLAGS: flags = d.uint32(); break;
      default: break;
    }
  }
  const err = d.err();
  if (err) throw err;
  const main = local ?? address;
  if (!main) throw new DecodeError('address message has neither IFA_LOCAL nor IFA_ADDRESS');
  const out: Address = {
    ifindex: m.data.readUInt32LE(4), address: main, prefixLength: m.data.readUInt8(1), family, flags, scope: m.data.readUInt8(3),
  };
  if (label !== undefined) out.label = label;
  if (local && address && local !== address) out.peer = address;
  return out;
}

/** RTM_GETADDR dump; the kernel filters by family, and by ifindex under NETLINK_GET_STRICT_CHK. */
export function dumpAddressesRequest(filter: { ifindex?: number; family?: IpFamily } = {}): NetlinkRequest {
  const data = encodeIfaddrmsg({ family: filter.family ? afOf(filter.family) : 0, index: filter.ifindex ?? 0 });
  return { type: RTM_GETADDR, flags: NLM_F_DUMP, data };
}

function addressBody(a: AddressSpec, withExtras: boolean): Buffer {
  const family = ipFamily(a.address);
  const max = family === 4 ? 32 : 128;
  if (!Number.isInteger(a.prefixLength) || a.prefixLength < 0 || a.prefixLength > max) {
    throw new RangeError(`prefix length ${a.prefixLength} is not in 0..${max} for ${a.address}`);
  }
  const flags = withExtras ? (a.flags ?? 0) | (a.noDad ? IFA_F_NODAD : 0) : 0;
  const hdr = encodeIfaddrmsg({
    family: afOf(family), prefixLength: a.prefixLength, flags, scope: withExtras ? a.scope ?? 0 : 0, index: a.ifindex,
  });
  const bytes = ipToBytes(a.address);
  const peer = a.peer === undefined ? undefined : ipToBytes(a.peer);
  if (peer && peer.length !== bytes.length) throw new RangeError(`peer ${a.peer} is not of ${a.address}'s family`);
  const broadcast = withExtras && a.broadcast !== undefined && family === 4 ? ipToBytes(a.broadcast) : undefined;
  if (broadcast && broadcast.length !== 4) throw new RangeError(`broadcast ${a.broadcast} is not IPv4`);
  // Same order as `ip addr add A/N [peer P] [brd B] [label L]`: IFA_LOCAL, IFA_ADDRESS (peer),
  // IFA_BROADCAST, IFA_LABEL, IFA_ADDRESS (local, without a peer), IFA_FLAGS when the flags need 32 bits.
  const e = new AttributeEncoder().bytes(IFA_LOCAL, bytes);
  if (peer) e.bytes(IFA_ADDRESS, peer);
  if (broadcast) e.bytes(IFA_BROADCAST, broadcast);
  if (withExtras && a.label !== undefined && family === 4) e.string(IFA_LABEL, a.label);
  if (!peer) e.bytes(IFA_ADDRESS, bytes);
  if (flags > 0xff) e.uint32(IFA_FLAGS, flags);
  return Buffer.concat([hdr, e.encode()]);
}

/** RTM_NEWADDR: NLM_F_CREATE|NLM_F_EXCL (EEXIST when present), or NLM_F_REPLACE for 'replace'. */
export function addAddressRequest(a: AddressSpec, exist: ExistPolicy = 'error'): NetlinkRequest {
  const flags = NLM_F_CREATE | (exist === 'replace' ? NLM_F_REPLACE : NLM_F_EXCL);
  return { type: RTM_NEWADDR, flags, data: addressBody(a, true) };
}

export function deleteAddressRequest(a: { ifindex: number; address: string; prefixLength: number; peer?: string }): NetlinkRequest {
  return { type: RTM_DELADDR, flags: 0, data: addressBody(a, false) };
}
