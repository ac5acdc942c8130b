// RTM_*RULE: struct fib_rule_hdr + FRA_* attributes (policy routing rules). Pure request builders
// and reply decoder. Attributes go out in iproute2's order for the same `ip rule` arguments
// written in this order: table from to priority iif oif fwmark realms uidrange l3mdev
// suppress_prefixlength suppress_ifgroup goto ipproto sport dport, then protocol.
import { DecodeError } from '../../errors.js';
import { AttributeDecoder, AttributeEncoder } from '../netlink/attributes.js';
import type { NetlinkRequest } from '../netlink/conn.js';
import { NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL } from '../netlink/constants.js';
import type { NetlinkMessage } from '../netlink/message.js';
import { bytesToIp, ipFamily, ipToBytes, type IpFamily } from '../ip-address.js';
import { AF_INET, AF_INET6 } from '../constants.js';
import {
  FIB_RULE_HDR_LEN, FRA_DPORT_RANGE, FRA_DST, FRA_FLOW, FRA_FWMARK, FRA_FWMASK, FRA_GOTO, FRA_IIFNAME, FRA_IP_PROTO, FRA_L3MDEV,
  FRA_OIFNAME, FRA_PRIORITY, FRA_PROTOCOL, FRA_SPORT_RANGE, FRA_SRC, FRA_SUPPRESS_IFGROUP, FRA_SUPPRESS_PREFIXLEN, FRA_TABLE,
  FRA_UID_RANGE, RTM_DELRULE, RTM_GETRULE, RTM_NEWRULE, RT_TABLE_UNSPEC,
} from './constants.js';

export interface Range { start: number; end: number }

/** A rule as the kernel holds it (decoded), or as a request carries it. */
export interface Rule {
  family: IpFamily;
  /** FRA_SRC (`from`); with srcLength 0 it matches every source (keepalived sends `from all` so). */
  source?: string;
  srcLength: number;
  /** FRA_DST (`to`). */
  destination?: string;
  dstLength: number;
  tos: number;
  /** Any table id; 256 and above travel in FRA_TABLE. 0 for actions other than FR_ACT_TO_TBL. */
  table: number;
  /** FR_ACT_*. */
  action: number;
  /** FIB_RULE_* (FIB_RULE_INVERT: `not`). */
  flags: number;
  /** FRA_PRIORITY (`priority`/`preference`/`order`). */
  priority?: number;
  iifname?: string;
  oifname?: string;
  fwmark?: number;
  fwmask?: number;
  /** FRA_FLOW: realms, (from << 16) | to. */
  realms?: number;
  uidRange?: Range;
  /** FRA_L3MDEV: look the table up from the L3 master device (VRF). */
  l3mdev?: boolean;
  suppressPrefixLength?: number;
  suppressIfgroup?: number;
  /** FRA_GOTO: the priority of the rule to continue at (action FR_ACT_GOTO). */
  goto?: number;
  ipProto?: number;
  sportRange?: Range;
  dportRange?: Range;
  /** FRA_PROTOCOL: RTPROT_* of who added the rule. */
  protocol?: number;
}

function afOf(family: IpFamily): number {
  return family === 4 ? AF_INET : AF_INET6;
}

/** struct fib_rule_hdr { u8 family, dst_len, src_len, tos, table, res1, res2, action; u32 flags }. */
export function encodeFibRuleHdr(h: { family?: number; dstLength?: number; srcLength?: number; tos?: number; table?: number; action?: number; flags?: number }): Buffer {
  const b = Buffer.alloc(FIB_RULE_HDR_LEN);
  const u8 = (v: number | undefined, at: number, what: string) => {
    const x = v ?? 0;
    if (!Number.isInteger(x) || x < 0 || x > 255) throw new RangeError(`${what} ${x} is not in 0..255`);
    b.writeUInt8(x, at);
  };
  u8(h.family, 0, 'family');
  u8(h.dstLength, 1, 'destination prefix length');
  u8(h.srcLength, 2, 'source prefix length');
  u8(h.tos, 3, 'tos');
  u8(h.table, 4, 'table');
  u8(h.action, 7, 'action');
  b.writeUInt32LE((h.flags ?? 0) >>> 0, 8);
  return b;
}

function address(family: IpFamily, a: string, what: string): Buffer {
  if (ipFamily(a) !== family) throw new TypeError(`${what} ${a} is not IPv${family}`);
  return ipToBytes(a);
}

function range(b: Range, bytes: 2 | 4, what: string): Buffer {
  const max = bytes === 2 ? 0xffff : 0xffffffff;
  for (const v of [b.start, b.end]) if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} ${v} is not in 0..${max}`);
  const out = Buffer.alloc(bytes * 2);
  if (bytes === 2) {
    out.writeUInt16LE(b.start, 0);
    out.writeUInt16LE(b.end, 2);
  } else {
    out.writeUInt32LE(b.start, 0);
    out.writeUInt32LE(b.end, 4);
  }
  return out;
}

function ruleBody(r: Rule): Buffer {
  const max = r.family === 4 ? 32 : 128;
  for (const [len, what] of [[r.srcLength, 'source'], [r.dstLength, 'destination']] as const) {
    if (!Number.isInteger(len) || len < 0 || len > max) throw new RangeError(`${what} prefix length ${len} is not in 0..${max}`);
  }
  if (!Number.isInteger(r.table) || r.table < 0 || r.table > 0xffffffff) throw new RangeError(`table ${r.table} is not in 0..4294967295`);
  const wide = r.table > 255;
  const hdr = encodeFibRuleHdr({
    family: afOf(r.family), dstLength: r.dstLength, srcLength: r.srcLength, tos: r.tos, table: wide ? RT_TABLE_UNSPEC : r.table,
    action: r.action, flags: r.flags,
  });
  const e = new AttributeEncoder();
  if (wide) e.uint32(FRA_TABLE, r.table);
  if (r.source !== undefined) e.bytes(FRA_SRC, address(r.family, r.source, 'source'));
  if (r.destination !== undefined) e.bytes(FRA_DST, address(r.family, r.destination, 'destination'));
  if (r.priority !== undefined) e.uint32(FRA_PRIORITY, r.priority);
  if (r.iifname !== undefined) e.string(FRA_IIFNAME, r.iifname);
  if (r.oifname !== undefined) e.string(FRA_OIFNAME, r.oifname);
  if (r.fwmark !== undefined) e.uint32(FRA_FWMARK, r.fwmark);
  if (r.fwmask !== undefined) e.uint32(FRA_FWMASK, r.fwmask);
  if (r.realms !== undefined) e.uint32(FRA_FLOW, r.realms);
  if (r.uidRange !== undefined) e.bytes(FRA_UID_RANGE, range(r.uidRange, 4, 'uid'));
  if (r.l3mdev) e.uint8(FRA_L3MDEV, 1);
  if (r.suppressPrefixLength !== undefined) e.uint32(FRA_SUPPRESS_PREFIXLEN, r.suppressPrefixLength);
  if (r.suppressIfgroup !== undefined) e.uint32(FRA_SUPPRESS_IFGROUP, r.suppressIfgroup);
  if (r.goto !== undefined) e.uint32(FRA_GOTO, r.goto);
  if (r.ipProto !== undefined) e.uint8(FRA_IP_PROTO, r.ipProto);
  if (r.sportRange !== undefined) e.bytes(FRA_SPORT_RANGE, range(r.sportRange, 2, 'port'));
  if (r.dportRange !== undefined) e.bytes(FRA_DPORT_RANGE, range(r.dportRange, 2, 'port'));
  if (r.protocol !== undefined) e.uint8(FRA_PROTOCOL, r.protocol);
  return Buffer.concat([hdr, e.encode()]);
}

/** RTM_NEWRULE with NLM_F_CREATE|NLM_F_EXCL (`ip rule add`: EEXIST when the same rule is there). */
export function addRuleRequest(r: Rule): NetlinkRequest {
  return { type: RTM_NEWRULE, flags: NLM_F_CREATE | NLM_F_EXCL, data: ruleBody(r) };
}

/** RTM_DELRULE: the kernel deletes the first rule matching every field given. */
export function deleteRuleRequest(r: Rule): NetlinkRequest {
  return { type: RTM_DELRULE, flags: 0, data: ruleBody(r) };
}

export function dumpRulesRequest(filter: { family?: IpFamily } = {}): NetlinkRequest {
  return { type: RTM_GETRULE, flags: NLM_F_DUMP, data: encodeFibRuleHdr({ family: filter.family ? afOf(filter.family) : 0 }) };
}

function decodeRange(d: AttributeDecoder, bytes: 2 | 4): Range {
  if (d.length !== bytes * 2) throw new DecodeError(`rule attribute ${d.type} has ${d.length} bytes, not ${bytes * 2}`);
  const b = d.bytes();
  return bytes === 2 ? { start: b.readUInt16LE(0), end: b.readUInt16LE(2) } : { start: b.readUInt32LE(0), end: b.readUInt32LE(4) };
}

/** An RTM_NEWRULE/RTM_DELRULE message; null for families other than IPv4/IPv6. */
export function decodeRule(m: NetlinkMessage): Rule | null {
  if (m.data.length < FIB_RULE_HDR_LEN) throw new DecodeError(`fib_rule_hdr truncated: ${m.data.length} of ${FIB_RULE_HDR_LEN} bytes`);
  const af = m.data.readUInt8(0);
  if (af !== AF_INET && af !== AF_INET6) return null;
  const family: IpFamily = af === AF_INET ? 4 : 6;
  const r: Rule = {
    family, dstLength: m.data.readUInt8(1), srcLength: m.data.readUInt8(2), tos: m.data.readUInt8(3), table: m.data.readUInt8(4),
    action: m.data.readUInt8(7), flags: m.data.readUInt32LE(8),
  };
  const want = family === 4 ? 4 : 16;
  const d = new AttributeDecoder(m.data.subarray(FIB_RULE_HDR_LEN), FIB_RULE_HDR_LEN);
  const ip = (): string | undefined => {
    // iproute2 sends `from all` as an empty FRA_SRC: nothing to match.
    if (d.length === 0) return undefined;
    if (d.length !== want) throw new DecodeError(`IPv${family} address attribute ${d.type} has ${d.length} bytes, not ${want}`);
    return bytesToIp(d.bytes());
  };
  const set = <K extends keyof Rule>(k: K, v: Rule[K] | undefined) => {
    if (v !== undefined) r[k] = v;
  };
  while (d.next()) {
    switch (d.type) {
      case FRA_TABLE: r.table = d.uint32(); break;
      case FRA_SRC: set('source', ip()); break;
      case FRA_DST: set('destination', ip()); break;
      case FRA_PRIORITY: r.priority = d.uint32(); break;
      case FRA_IIFNAME: r.iifname = d.string(); break;
      case FRA_OIFNAME: r.oifname = d.string(); break;
      case FRA_FWMARK: r.fwmark = d.uint32(); break;
      case FRA_FWMASK: r.fwmask = d.uint32(); break;
      case FRA_FLOW: r.realms = d.uint32(); break;
      case FRA_UID_RANGE: r.uidRange = decodeRange(d, 4); break;
      case FRA_L3MDEV: r.l3mdev = d.uint8() !== 0; break;
      case FRA_SUPPRESS_PREFIXLEN: {
        // Dumps carry it on every rule: all ones (-1) means not set.
        const v = d.uint32();
        if (v !== 0xffffffff) r.suppressPrefixLength = v;
        break;
      }
      case FRA_SUPPRESS_IFGROUP: r.suppressIfgroup = d.uint32(); break;
      case FRA_GOTO: r.goto = d.uint32(); break;
      case FRA_IP_PROTO: r.ipProto = d.uint8(); break;
      case FRA_SPORT_RANGE: r.sportRange = decodeRange(d, 2); break;
      case FRA_DPORT_RANGE: r.dportRange = decodeRange(d, 2); break;
      case FRA_PROTOCOL: r.protocol = d.uint8(); break;
      default: break;
    }
  }
  const err = d.err();
  if (err) throw err;
  return r;
}
