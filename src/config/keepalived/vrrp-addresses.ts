// The address-shaped parts of a vrrp_instance: authentication { }, virtual_ipaddress { } (and
// _excluded), unicast_peer { }.
import type { Statement } from '../block-parser.js';
import type { Authentication, UnicastPeer, VirtualAddressSpec } from '../types.js';
import { argText, fail, familyOf, ipText, isIp, parseCidr, parseIntText, whereOf } from '../values.js';
import { asKeepalived, implemented, warned, type Kit, type KeywordTable } from './kit.js';

interface AuthDraft {
  type?: Authentication['type'];
  /** An auth_type keepalived does not know: it then runs without authentication. */
  unknownType?: boolean;
  pass?: string;
}

export const AUTHENTICATION: KeywordTable<AuthDraft> = {
  auth_type: implemented(asKeepalived((s, d, kit) => {
    const v = argText(s, 0, 'PASS or AH');
    if (v !== 'PASS' && v !== 'AH') fail(s, `auth_type: '${v}' is not PASS or AH`);
    if (v === 'AH') kit.warn(s, 'auth_type AH: not supported by vipd, adverts are sent and accepted without IPsec-AH');
    d.type = v;
  }, { says: 'adverts are sent and accepted without authentication', apply: (d) => (d.unknownType = true) }), { note: 'PASS; AH is accepted with a warning and not performed' }),
  auth_pass: implemented((s, d, kit) => {
    const v = argText(s, 0, 'password');
    if (v.length === 0) return kit.instead(s, `auth_pass: empty password`, 'ignored');
    // keepalived keeps the first 8 characters (the field's size in a VRRPv2 advert) and says so.
    if (v.length > 8) kit.warn(s, `auth_pass: password is ${v.length} characters, truncated to the first 8 as keepalived does`);
    d.pass = v.slice(0, 8);
  }),
};

/** undefined: keepalived runs the instance without authentication. */
export function authentication(st: Statement, kit: Kit): Authentication | undefined {
  const d: AuthDraft = {};
  kit.apply(kit.needBlock(st), AUTHENTICATION, d, 'authentication');
  if (d.unknownType) return undefined;
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
  brd: warned('the address gets no broadcast address', (s, o) => (o.spec.broadcast = ipText(s, o.value(), 'brd'))),
  broadcast: warned('the address gets no broadcast address', (s, o) => (o.spec.broadcast = ipText(s, o.value(), 'broadcast'))),
  peer: warned('the address is added without a peer', (s, o) => (o.spec.peer = ipText(s, o.value(), 'peer'))),
  scope: warned('the address is added with scope global', (s, o) => {
    const sc = o.value();
    if (!['global', 'site', 'link', 'host', 'nowhere'].includes(sc)) fail(s, `scope: unknown scope '${sc}'`);
    o.spec.scope = sc as VirtualAddressSpec['scope'];
  }),
  preferred_lft: warned('the address keeps a forever lifetime', (_s, o) => o.value()),
  track_group: warned('static track groups are not used', (_s, o) => o.value()),
  use_vmac: warned('no VMAC interface is created'),
  home: warned('the address is added without the home flag'),
  '-nodad': warned('the address is added with duplicate address detection off anyway'),
  nodad: warned('the address is added with duplicate address detection off anyway'),
  mngtmpaddr: warned('no temporary addresses are managed'),
  noprefixroute: warned('the prefix route is added'),
  autojoin: warned('no multicast group is joined'),
};

/** Options whose bad value makes keepalived skip the whole address (it ignores other bad options). */
const VIP_SKIPPED_ON_BAD = new Set(['brd', 'broadcast', 'peer']);

export function virtualAddresses(st: Statement, kit: Kit): VirtualAddressSpec[] {
  const out: VirtualAddressSpec[] = [];
  next: for (const e of kit.needBlock(st)) {
    // keepalived skips an address it cannot parse and takes a bad prefix length as the host's.
    const bare = e.keyword.split('/')[0]!;
    if (!isIp(bare)) {
      kit.instead(e, `${st.keyword}: '${e.keyword}' is not a valid IP address`, 'skipped');
      continue;
    }
    let cidr = { address: bare, prefixLength: familyOf(bare) === 4 ? 32 : 128, family: familyOf(bare) };
    kit.tolerate(e, () => (cidr = parseCidr(e, e.keyword, st.keyword)), `using /${cidr.prefixLength}`);
    const { address, prefixLength, family } = cidr;
    const v: VirtualAddressSpec = { address, prefixLength, family, noTrack: false, where: whereOf(e) };
    const a = e.args.map((t) => t.text);
    for (let i = 0; i < a.length; i++) {
      const opt = a[i]!;
      if (!Object.hasOwn(VIRTUAL_IPADDRESS_OPTIONS, opt)) {
        kit.instead(e, `${st.keyword}: unknown option '${opt}' for ${e.keyword}`, 'ignored');
        continue;
      }
      const entry = VIRTUAL_IPADDRESS_OPTIONS[opt]!;
      const value = (): string => {
        const x = a[++i];
        if (x === undefined) fail(e, `${st.keyword}: '${opt}' needs a value`);
        return x;
      };
      const skip = VIP_SKIPPED_ON_BAD.has(opt);
      if (!kit.tolerate(e, () => entry.handler?.(e, { spec: v, value }, kit), skip ? `${e.keyword} is skipped` : `'${opt}' ignored`) && skip) continue next;
      if (entry.status === 'warned') kit.warn(e, `${st.keyword} ${opt}: not supported by vipd, ${entry.note}`);
    }
    if (e.block) fail(e, `${st.keyword}: unexpected '{' after ${e.keyword}`);
    out.push(v);
  }
  return out;
}

export function unicastPeers(st: Statement, kit: Kit): UnicastPeer[] {
  const out: UnicastPeer[] = [];
  for (const e of kit.needBlock(st)) {
    // keepalived skips a peer it cannot parse, and ignores a bad TTL.
    if (!kit.tolerate(e, () => ipText(e, e.keyword, 'unicast_peer'), 'the peer is skipped')) continue;
    const peer: UnicastPeer = { address: e.keyword };
    const a = e.args.map((t) => t.text);
    for (let i = 0; i < a.length; i++) {
      const opt = a[i]!;
      if (opt !== 'min_ttl' && opt !== 'max_ttl') fail(e, `unicast_peer: unknown option '${opt}'`);
      const text = a[++i] ?? '';
      kit.tolerate(e, () => {
        const v = parseIntText(e, text, `unicast_peer ${opt}`, 0, 255);
        if (opt === 'min_ttl') peer.minTtl = v;
        else peer.maxTtl = v;
      }, 'ignored');
    }
    out.push(peer);
  }
  return out;
}
