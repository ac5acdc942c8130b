// The address-shaped parts of a vrrp_instance: authentication { }, virtual_ipaddress { } (and
// _excluded), unicast_peer { }.
import type { Statement } from '../block-parser.js';
import type { Authentication, UnicastPeer, VirtualAddressSpec } from '../types.js';
import { argText, fail, ipText, parseCidr, parseIntText, whereOf } from '../values.js';
import { implemented, type Kit, type KeywordTable } from './kit.js';

interface AuthDraft {
  type?: Authentication['type'];
  pass?: string;
}

export const AUTHENTICATION: KeywordTable<AuthDraft> = {
  auth_type: implemented((s, d) => {
    const v = argText(s, 0, 'PASS or AH');
    if (v !== 'PASS' && v !== 'AH') fail(s, `auth_type: '${v}' is not PASS or AH`);
    d.type = v;
  }),
  auth_pass: implemented((s, d) => {
    const v = argText(s, 0, 'password');
    if (v.length === 0) fail(s, `auth_pass: empty password`);
    if (v.length > 8) fail(s, `auth_pass: password is ${v.length} characters, at most 8 are allowed`);
    d.pass = v;
  }),
};

export function authentication(st: Statement, kit: Kit): Authentication {
  const d: AuthDraft = {};
  kit.apply(kit.needBlock(st), AUTHENTICATION, d, 'authentication');
  if (d.pass === undefined) fail(st, `authentication: no 'auth_pass'`);
  return { type: d.type ?? 'PASS', pass: d.pass };
}

const UNSUPPORTED = 'is not supported by vipd, ignored';

export function virtualAddresses(st: Statement, kit: Kit): VirtualAddressSpec[] {
  const out: VirtualAddressSpec[] = [];
  for (const e of kit.needBlock(st)) {
    const { address, prefixLength, family } = parseCidr(e, e.keyword, st.keyword);
    const v: VirtualAddressSpec = { address, prefixLength, family, noTrack: false, where: whereOf(e) };
    const a = e.args.map((t) => t.text);
    for (let i = 0; i < a.length; i++) {
      const opt = a[i]!;
      const val = (): string => {
        const x = a[++i];
        if (x === undefined) fail(e, `${st.keyword}: '${opt}' needs a value`);
        return x;
      };
      switch (opt) {
        case 'dev':
          v.dev = val();
          break;
        case 'label':
          v.label = val();
          break;
        case 'brd':
        case 'broadcast':
          v.broadcast = ipText(e, val(), `${st.keyword} brd`);
          break;
        case 'peer':
          v.peer = ipText(e, val(), `${st.keyword} peer`);
          break;
        case 'scope': {
          const sc = val();
          if (!['global', 'site', 'link', 'host', 'nowhere'].includes(sc)) fail(e, `${st.keyword}: unknown scope '${sc}'`);
          v.scope = sc as VirtualAddressSpec['scope'];
          break;
        }
        case 'no_track':
          v.noTrack = true;
          break;
        case 'preferred_lft':
        case 'track_group':
          kit.warn(e, `${st.keyword}: '${opt}' ${UNSUPPORTED}`);
          val();
          break;
        case 'use_vmac':
        case 'home':
        case '-nodad':
        case 'nodad':
        case 'mngtmpaddr':
        case 'noprefixroute':
        case 'autojoin':
          kit.warn(e, `${st.keyword}: '${opt}' ${UNSUPPORTED}`);
          break;
        default:
          fail(e, `${st.keyword}: unknown option '${opt}' for ${e.keyword}`);
      }
    }
    if (e.block) fail(e, `${st.keyword}: unexpected '{' after ${e.keyword}`);
    out.push(v);
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
