// The address-shaped parts of a vrrp_instance: authentication { }, virtual_ipaddress { } (and
// _excluded), unicast_peer { }.
import type { Statement } from '../block-parser.js';
import type { Authentication, UnicastPeer, VirtualAddressSpec } from '../types.js';
import { argText, fail, familyOf, ipText, parseCidr, parseIntText, whereOf } from '../values.js';
import { ipToBytes, bytesToIp } from '../../netif/ip-address.js';
import { implemented, warned, type Kit, type KeywordTable } from './kit.js';

interface AuthDraft {
  type?: Authentication['type'];
  pass?: string;
}

export const AUTHENTICATION: KeywordTable<AuthDraft> = {
  auth_type: implemented((s, d) => {
    const v = argText(s, 0, 'PASS or AH');
    if (v !== 'PASS' && v !== 'AH') fail(s, `auth_type: '${v}' is not PASS or AH`);
    d.type = v;
  }, { note: 'PASS, and AH (IPsec AH with HMAC-MD5-96, as keepalived)' }),
  auth_pass: implemented((s, d, kit) => {
    const v = argText(s, 0, 'password');
    if (v.length === 0) fail(s, `auth_pass: empty password`);
    // keepalived keeps the first 8 characters (the field's size in a VRRPv2 advert) and says so.
    if (v.length > 8) kit.warn(s, `auth_pass: password is ${v.length} characters, truncated to the first 8 as keepalived does`);
    d.pass = v.slice(0, 8);
  }),
};

export function authentication(st: Statement, kit: Kit): Authentication {
  const d: AuthDraft = {};
  kit.apply(kit.needBlock(st), AUTHENTICATION, d, 'authentication');
  if (d.pass === undefined) fail(st, `authentication: no 'auth_pass'`);
  return { type: d.type ?? 'PASS', pass: d.pass };
}

/** One option word of an address line; `value()` takes the word after it. */
interface VipOption {
  spec: VirtualAddressSpec;
  value: () => string;
}

/** The words that may follow an address in virtual_ipaddress { } (as in `ip address add`). */
export const VIRTUAL_IPADDRESS_OPTIONS: KeywordTable<VipOption> = {
  dev: implemented((_s, o) => (o.spec.dev = o.value())),
  label: implemented((_s, o) => (o.spec.label = o.value())),
  no_track: implemented((_s, o) => (o.spec.noTrack = true), { note: 'vipd never leaves MASTER because a VIP was deleted' }),
  brd: implemented((s, o) => (o.spec.broadcast = broadcastText(s, o, 'brd'))),
  broadcast: implemented((s, o) => (o.spec.broadcast = broadcastText(s, o, 'broadcast'))),
  peer: implemented((s, o) => (o.spec.peer = ipText(s, o.value(), 'peer'))),
  scope: implemented((s, o) => {
    const sc = o.value();
    if (!['global', 'site', 'link', 'host', 'nowhere'].includes(sc)) fail(s, `scope: unknown scope '${sc}'`);
    o.spec.scope = sc as VirtualAddressSpec['scope'];
  }),
  preferred_lft: warned('the address keeps a forever lifetime', (_s, o) => o.value()),
  track_group: warned('static track groups are not used', (_s, o) => o.value()),
  use_vmac: warned("no VMAC is created on the address's interface (the instance's use_vmac is)"),
  home: warned('the address is added without the home flag'),
  '-nodad': warned('the address is added with duplicate address detection off anyway'),
  nodad: warned('the address is added with duplicate address detection off anyway'),
  mngtmpaddr: warned('no temporary addresses are managed'),
  noprefixroute: warned('the prefix route is added'),
  autojoin: warned('no multicast group is joined'),
};

export function virtualAddresses(st: Statement, kit: Kit): VirtualAddressSpec[] {
  const out: VirtualAddressSpec[] = [];
  for (const e of kit.needBlock(st)) {
    const { address, prefixLength, family } = parseCidr(e, e.keyword, st.keyword);
    const v: VirtualAddressSpec = { address, prefixLength, family, noTrack: false, where: whereOf(e) };
    const a = e.args.map((t) => t.text);
    for (let i = 0; i < a.length; i++) {
      const opt = a[i]!;
      const entry = Object.hasOwn(VIRTUAL_IPADDRESS_OPTIONS, opt) ? VIRTUAL_IPADDRESS_OPTIONS[opt]! : fail(e, `${st.keyword}: unknown option '${opt}' for ${e.keyword}`);
      const value = (): string => {
        const x = a[++i];
        if (x === undefined) fail(e, `${st.keyword}: '${opt}' needs a value`);
        return x;
      };
      entry.handler?.(e, { spec: v, value }, kit);
      if (entry.status === 'warned') kit.warn(e, `${st.keyword} ${opt}: not supported by vipd, ${entry.note}`);
    }
    if (e.block) fail(e, `${st.keyword}: unexpected '{' after ${e.keyword}`);
    if (settleOptions(e, v, kit, st.keyword)) out.push(v);
  }
  return out;
}

export function unicastPeers(st: Statement, kit: Kit): UnicastPeer[] {
  const out: UnicastPeer[] = [];
  for (const e of kit.needBlock(st)) {
    const peer: UnicastPeer = { address: ipText(e, e.keyword, 'unicast_peer') };
    const a = e.args.map((t) => t.text);
    for (let i = 0; i < a.length; i++) {
      const opt = a[i]!;
      if (opt !== 'min_ttl' && opt !== 'max_ttl') fail(e, `unicast_peer: unknown option '${opt}'`);
      const v = parseIntText(e, a[++i] ?? '', `unicast_peer ${opt}`, 0, 255);
      if (opt === 'min_ttl') peer.minTtl = v;
      else peer.maxTtl = v;
    }
    out.push(peer);
  }
  return out;
}

/** `brd ADDRESS`, or `+` / `-` (the subnet's broadcast / network address, as `ip addr`). */
function broadcastText(s: Statement, o: VipOption, keyword: string): string {
  const text = o.value();
  if (text !== '+' && text !== '-') return ipText(s, text, keyword);
  return text;
}

/** keepalived's checks once the line is read: what it ignores (with a warning), or the VIP it skips. */
function settleOptions(e: Statement, v: VirtualAddressSpec, kit: Kit, block: string): boolean {
  if (v.peer !== undefined && familyOf(v.peer) !== v.family) {
    kit.warn(e, `${block}: peer ${v.peer} is not IPv${v.family} like ${v.address}, ignored as keepalived does`);
    delete v.peer;
  }
  if (v.broadcast !== undefined && v.family === 6) {
    kit.warn(e, `${block}: a broadcast address for IPv6 ${v.address}: the address is skipped, as keepalived does`);
    return false;
  }
  if (v.peer !== undefined) {
    const full = v.family === 4 ? 32 : 128;
    if (v.prefixLength !== full) kit.warn(e, `${block}: ${v.address}/${v.prefixLength} with a peer: the prefix is ignored (/${full}), as keepalived does`);
    v.prefixLength = full;
    if (v.broadcast !== undefined) {
      kit.warn(e, `${block}: broadcast and peer for ${v.address}: the broadcast address is ignored, as keepalived does`);
      delete v.broadcast;
    }
  }
  if (v.broadcast === '+' || v.broadcast === '-') v.broadcast = subnetEdge(v.address, v.prefixLength, v.broadcast === '+');
  if (v.broadcast !== undefined && familyOf(v.broadcast) !== 4) fail(e, `${block}: broadcast ${v.broadcast} is not IPv4`);
  return true;
}

/** The subnet's last (broadcast) or first address. */
function subnetEdge(address: string, prefixLength: number, last: boolean): string {
  const b = ipToBytes(address);
  for (let i = 0; i < 4; i++) {
    const bits = Math.max(0, Math.min(8, prefixLength - i * 8));
    const hostMask = 0xff >> bits;
    b[i] = last ? b[i]! | hostMask : b[i]! & ~hostMask & 0xff;
  }
  return bytesToIp(b);
}
