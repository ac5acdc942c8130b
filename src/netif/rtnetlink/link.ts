// RTM_*LINK: struct ifinfomsg + IFLA_* attributes. Pure request builders and reply decoder.
import { DecodeError } from '../../errors.js';
import { AttributeDecoder, AttributeEncoder } from '../netlink/attributes.js';
import type { NetlinkRequest } from '../netlink/conn.js';
import { NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL } from '../netlink/constants.js';
import type { NetlinkMessage } from '../netlink/message.js';
import { bytesToMac, macToBytes } from '../ip-address.js';
import {
  IFF_UP, IFINFOMSG_LEN, IFLA_ADDRESS, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_IPVLAN_FLAGS, IFLA_IPVLAN_MODE,
  IFLA_LINK, IFLA_LINKINFO, IFLA_MACVLAN_MODE, IFLA_MASTER, IFLA_MTU, IFLA_OPERSTATE, IPVLAN_F_PRIVATE, IPVLAN_F_VEPA,
  IPVLAN_MODE_L2, MACVLAN_MODE_BRIDGE, MACVLAN_MODE_PASSTHRU, MACVLAN_MODE_PRIVATE, MACVLAN_MODE_VEPA, OPERSTATES,
  RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK,
} from './constants.js';

export interface Link {
  index: number;
  name: string;
  /** Link-layer address as "aa:bb:cc:dd:ee:ff"; '' when the link has none. */
  mac: string;
  /** IFF_* flags. */
  flags: number;
  /** IFF_UP: administratively up. */
  up: boolean;
  /** RFC 2863 state: 'up', 'down', 'lowerlayerdown', 'unknown'... */
  operstate: string;
  /** IFLA_INFO_KIND: 'veth', 'dummy', 'macvlan'...; absent for physical devices. */
  kind?: string;
  mtu: number;
  /** IFLA_LINK: the lower device (macvlan parent, veth peer). */
  parent?: number;
  /** IFLA_MASTER: the bridge/bond this link is enslaved to. */
  master?: number;
}

export type MacvlanMode = 'private' | 'vepa' | 'bridge' | 'passthru';
/** ipvlan flags of an L2 ipvlan (its mode is always L2 here, as keepalived's). */
export type IpvlanMode = 'bridge' | 'private' | 'vepa';

export interface CreateLinkSpec {
  name: string;
  kind: 'dummy' | 'macvlan' | 'ipvlan';
  /** ifindex of the lower device (macvlan, ipvlan). */
  parent?: number;
  /** macvlan mode, or ipvlan L2 flags. */
  mode?: MacvlanMode | IpvlanMode;
  /** Link-layer address "aa:bb:cc:dd:ee:ff" (IFLA_ADDRESS). */
  mac?: string;
  up?: boolean;
}

const IPVLAN_FLAGS: Record<IpvlanMode, number> = { bridge: 0, private: IPVLAN_F_PRIVATE, vepa: IPVLAN_F_VEPA };

const MACVLAN_MODES: Record<MacvlanMode, number> = {
  private: MACVLAN_MODE_PRIVATE, vepa: MACVLAN_MODE_VEPA, bridge: MACVLAN_MODE_BRIDGE, passthru: MACVLAN_MODE_PASSTHRU,
};

/** struct ifinfomsg { u8 family; u8 pad; u16 type; s32 index; u32 flags; u32 change }. */
export function encodeIfinfomsg(m: { family?: number; type?: number; index?: number; flags?: number; change?: number } = {}): Buffer {
  const b = Buffer.alloc(IFINFOMSG_LEN);
  b.writeUInt8(m.family ?? 0, 0);
  b.writeUInt16LE(m.type ?? 0, 2);
  b.writeInt32LE(m.index ?? 0, 4);
  b.writeUInt32LE((m.flags ?? 0) >>> 0, 8);
  b.writeUInt32LE((m.change ?? 0) >>> 0, 12);
  return b;
}

export function decodeLink(m: NetlinkMessage): Link {
  if (m.data.length < IFINFOMSG_LEN) throw new DecodeError(`ifinfomsg truncated: ${m.data.length} of ${IFINFOMSG_LEN} bytes`);
  const flags = m.data.readUInt32LE(8);
  const link: Link = {
    index: m.data.readInt32LE(4), name: '', mac: '', flags, up: (flags & IFF_UP) !== 0, operstate: 'unknown', mtu: 0,
  };
  const d = new AttributeDecoder(m.data.subarray(IFINFOMSG_LEN), IFINFOMSG_LEN);
  while (d.next()) {
    switch (d.type) {
      case IFLA_IFNAME: link.name = d.string(); break;
      case IFLA_ADDRESS: link.mac = bytesToMac(d.bytes()); break;
      case IFLA_MTU: link.mtu = d.uint32(); break;
      case IFLA_LINK: link.parent = d.uint32(); break;
      case IFLA_MASTER: link.master = d.uint32(); break;
      case IFLA_OPERSTATE: {
        const s = d.uint8();
        link.operstate = OPERSTATES[s] ?? `state ${s}`;
        break;
      }
      case IFLA_LINKINFO:
        d.nested((info) => {
          while (info.next()) if (info.type === IFLA_INFO_KIND) link.kind = info.string();
        });
        break;
      default:
        break;
    }
  }
  const err = d.err();
  if (err) throw err;
  return link;
}

export function dumpLinksRequest(): NetlinkRequest {
  return { type: RTM_GETLINK, flags: NLM_F_DUMP, data: encodeIfinfomsg() };
}

/** RTM_GETLINK of one link by index or by name (IFLA_IFNAME). */
export function getLinkRequest(which: number | string): NetlinkRequest {
  if (typeof which === 'number') return { type: RTM_GETLINK, flags: 0, data: encodeIfinfomsg({ index: which }) };
  const attrs = new AttributeEncoder().string(IFLA_IFNAME, which).encode();
  return { type: RTM_GETLINK, flags: 0, data: Buffer.concat([encodeIfinfomsg(), attrs]) };
}

/** RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL, laid out as `ip link add` does. */
export function createLinkRequest(spec: CreateLinkSpec): NetlinkRequest {
  const e = new AttributeEncoder();
  // iproute2's order: address, lower device, name, link info.
  if (spec.mac !== undefined) e.bytes(IFLA_ADDRESS, macToBytes(spec.mac));
  if (spec.parent !== undefined) e.uint32(IFLA_LINK, spec.parent);
  e.string(IFLA_IFNAME, spec.name);
  e.nested(IFLA_LINKINFO, (info) => {
    // iproute2 sends the kind without a NUL (NLA_STRING accepts both); match it byte for byte.
    info.bytes(IFLA_INFO_KIND, Buffer.from(spec.kind));
    if (spec.kind === 'macvlan' && spec.mode) {
      const mode = MACVLAN_MODES[spec.mode as MacvlanMode];
      if (mode === undefined) throw new Error(`macvlan mode ${spec.mode} does not exist`);
      info.nested(IFLA_INFO_DATA, (data) => data.uint32(IFLA_MACVLAN_MODE, mode));
    }
    if (spec.kind === 'ipvlan') {
      const flags = IPVLAN_FLAGS[(spec.mode ?? 'bridge') as IpvlanMode];
      if (flags === undefined) throw new Error(`ipvlan mode ${spec.mode} does not exist`);
      // u16 attributes, as iproute2 sends them (`ip link add ... type ipvlan mode l2 private`).
      info.nested(IFLA_INFO_DATA, (data) => data.uint16(IFLA_IPVLAN_MODE, IPVLAN_MODE_L2).uint16(IFLA_IPVLAN_FLAGS, flags));
    }
  });
  const hdr = encodeIfinfomsg(spec.up ? { flags: IFF_UP, change: IFF_UP } : {});
  return { type: RTM_NEWLINK, flags: NLM_F_CREATE | NLM_F_EXCL, data: Buffer.concat([hdr, e.encode()]) };
}

export function deleteLinkRequest(which: number | string): NetlinkRequest {
  if (typeof which === 'number') return { type: RTM_DELLINK, flags: 0, data: encodeIfinfomsg({ index: which }) };
  const attrs = new AttributeEncoder().string(IFLA_IFNAME, which).encode();
  return { type: RTM_DELLINK, flags: 0, data: Buffer.concat([encodeIfinfomsg(), attrs]) };
}

/** `ip link set dev X up|down`: RTM_NEWLINK changing only IFF_UP. */
export function setLinkUpRequest(index: number, up: boolean): NetlinkRequest {
  return { type: RTM_NEWLINK, flags: 0, data: encodeIfinfomsg({ index, flags: up ? IFF_UP : 0, change: IFF_UP }) };
}
