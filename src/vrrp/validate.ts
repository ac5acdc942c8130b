// Receive-side checks (RFC 5798 7.1, RFC 3768 7.1, RFC 2338 7.1 for v2 authentication), in a fixed order;
// the first that fails is the reason the packet is dropped. No exceptions: a verdict is a value.
//
//   parse (packet.ts):  ip-header, ttl (255; any for unicast instances), version, length, checksum, type
//   validate (here):    vrid, own-advert, unicast-peer (check_unicast_src), ttl (a peer's min/max_ttl),
//                       owner, auth-* (auth_hmac, when the instance has it), invalid-auth-type,
//                       auth-type-mismatch, auth-failure, address-list, interval
import { bytesToIp, ipToBytes } from '../netif/ip-address.js';
import { authDataMatches } from './auth.js';
import { authenticateAdvert } from './auth-hmac/decision.js';
import type { AuthFailure } from './auth-hmac/verify.js';
import type { ReceiveDecision } from './auth-hmac/decision.js';
import type { ReplayState } from './auth-hmac/replay.js';
import type { AuthHmacSettings } from './auth-hmac/settings.js';
import {
  type ParseFailure,
  type PacketMeta,
  type ParseOptions,
  type ReceivedAdvertisement,
  ipv4Payload,
  parseIpv4Packet,
  parseVrrpMessage,
} from './packet.js';
import { AuthType, PRIORITY_OWNER, type ChecksumMode, type IpVersion, type VrrpVersion } from './types.js';

export type DropReason =
  | ParseFailure
  /** Not our virtual router (RFC: "VRID is configured on the receiving interface"). */
  | 'vrid'
  /** Our own advert looped back (multicast loop, or a unicast peer list that names us). */
  | 'own-advert'
  /** Unicast mode with check_unicast_src: the source is not a configured peer. */
  | 'unicast-peer'
  /** We are the address owner (priority 255): RFC 5798 7.1 says discard. */
  | 'owner'
  /** v2: an auth type that does not exist (VRRP-MIB vrrpStatsInvalidAuthType). */
  | 'invalid-auth-type'
  /** v2: a valid auth type that is not ours. */
  | 'auth-type-mismatch'
  /** v2: simple password does not match. */
  | 'auth-failure'
  /** The advert's addresses differ from ours, and the check is strict (see `addressListCheck`). */
  | 'address-list'
  /** v2: Adver Int differs from ours (RFC 3768: MUST discard). v3 learns the interval instead. */
  | 'interval'
  /** auth_hmac: no trailer (enforce), malformed trailer, unknown key id, bad HMAC, stale or replayed. */
  | AuthHmacDropReason;

export type AuthHmacDropReason = `auth-${AuthFailure}`;

/** auth_hmac: what the checks need besides the view (the instance's replay state and wall clock). */
export interface AuthCheck {
  readonly settings: AuthHmacSettings;
  readonly replay: ReplayState;
  /** Wall clock, epoch milliseconds (the trailer carries UTC time). */
  readonly nowMs: number;
}

/** What the validator needs to know about the receiving instance. */
export interface InstanceView {
  readonly version: VrrpVersion;
  readonly vrid: number;
  /** Configured priority; 255 makes us the address owner. */
  readonly priority: number;
  readonly family: IpVersion;
  /** Our virtual addresses of this family. */
  readonly addresses: readonly string[];
  /** Our advertisement interval, centiseconds (v2 compares it). */
  readonly advertIntervalCs: number;
  /**
   * v2 authentication: type 0 (none), 1 with its 8 bytes of data (see auth.ts), or 2 (IPsec AH: the
   * runtime verified the AH header before). Ignored for v3.
   */
  readonly auth?: { readonly type: 0 } | { readonly type: 1; readonly data: Uint8Array } | { readonly type: 2 };
  /** Our source address: adverts from it are our own. */
  readonly primaryAddress?: string;
  /** Unicast mode: the peers (canonical text). */
  readonly unicastPeers?: readonly string[];
  /** keepalived check_unicast_src: adverts from other sources than unicastPeers are dropped. */
  readonly checkUnicastSource?: boolean;
  /** Per peer (canonical text), the TTL range its adverts must arrive with (keepalived min_ttl / max_ttl). */
  readonly peerTtl?: ReadonlyMap<string, { readonly minTtl: number; readonly maxTtl: number }>;
  /** Unicast instance: the parser accepts any TTL (see peerTtl). */
  readonly anyTtl?: boolean;
  /** v3 IPv4 unicast: the group of keepalived's old checksum (see ParseOptions). */
  readonly oldUnicastDestination?: Uint8Array;
  /**
   * Address list mismatch: 'log' (default, keepalived's behaviour) counts it and accepts the advert;
   * 'strict' (RFC 5798 7.1) drops it unless the sender is the owner (priority 255). Dropping a live master's
   * adverts over a VIP list difference (e.g. mid-reload) would make a second master, hence the default.
   */
  readonly addressListCheck?: 'log' | 'strict';
  /** VRRPv3 IPv4 checksum variants accepted (default 'pseudo'). */
  readonly checksum?: ChecksumMode;
  /** auth_hmac: a 28-byte trailer may follow the message (parse option; the AuthCheck verifies it). */
  readonly trailer?: boolean;
}

/** `auth`: the auth_hmac decision, when the checks got that far (the instance keeps its replay state). */
export type Verdict =
  | { readonly ok: true; readonly advert: ReceivedAdvertisement; readonly addressListMismatch: boolean; readonly auth?: ReceiveDecision }
  | { readonly ok: false; readonly reason: DropReason; readonly detail: string; readonly vrid?: number; readonly auth?: ReceiveDecision };

function drop(reason: DropReason, detail: string, vrid?: number): Verdict {
  return vrid === undefined ? { ok: false, reason, detail } : { ok: false, reason, detail, vrid };
}

/**
 * Instance-level checks on an advert that parsed. `auth` (instances with auth_hmac): the trailer is
 * verified, in constant time, right after the checks that need no key; `payload` is the VRRP payload
 * as received (message and trailer).
 */
export function validateAdvertisement(adv: ReceivedAdvertisement, view: InstanceView, auth?: AuthCheck & { readonly payload: Uint8Array }): Verdict {
  const vrid = adv.vrid;
  if (adv.version !== view.version) return drop('version', `VRRP version ${adv.version}, expected ${view.version}`, vrid);
  if (adv.family !== view.family) return drop('version', `IPv${adv.family} advert for an IPv${view.family} instance`, vrid);
  if (vrid !== view.vrid) return drop('vrid', `VRID ${vrid}, expected ${view.vrid}`, vrid);
  if (view.primaryAddress !== undefined && sameAddress(adv.source, view.primaryAddress)) {
    return drop('own-advert', `our own advert from ${adv.source}`, vrid);
  }
  if (view.checkUnicastSource && view.unicastPeers && view.unicastPeers.length > 0 && !includesAddress(view.unicastPeers, adv.source)) {
    return drop('unicast-peer', `${adv.source} is not a unicast peer`, vrid);
  }
  const limits = view.peerTtl?.get(adv.source);
  if (limits && (adv.ttl < limits.minTtl || adv.ttl > limits.maxTtl)) {
    return drop('ttl', `TTL/hop limit ${adv.ttl} from ${adv.source}, expected ${limits.minTtl}..${limits.maxTtl}`, vrid);
  }
  if (view.priority === PRIORITY_OWNER) return drop('owner', 'we are the address owner', vrid);
  let decision: ReceiveDecision | undefined;
  if (auth) {
    decision = authenticateAdvert(auth.payload, { family: adv.family, source: adv.source, nowMs: auth.nowMs }, auth.settings, auth.replay);
    if (!decision.accept) return { ok: false, reason: `auth-${decision.outcome as AuthFailure}`, detail: decision.detail, vrid, auth: decision };
  }
  if (adv.version === 2) {
    const ours = view.auth?.type ?? AuthType.none;
    const theirs = adv.authType ?? AuthType.none;
    if (theirs !== AuthType.none && theirs !== AuthType.simple && theirs !== AuthType.ah) {
      return drop('invalid-auth-type', `unknown auth type ${theirs}`, vrid);
    }
    if (theirs !== ours) return drop('auth-type-mismatch', `auth type ${theirs}, expected ${ours}`, vrid);
    if (view.auth?.type === AuthType.simple && !authDataMatches(adv.authData, view.auth.data)) {
      return drop('auth-failure', 'password mismatch', vrid);
    }
  }
  const mismatch = !sameAddressSet(adv.addresses, view.addresses);
  if (mismatch && view.addressListCheck === 'strict' && adv.priority !== PRIORITY_OWNER) {
    return drop('address-list', `addresses [${adv.addresses.join(', ')}] differ from ours`, vrid);
  }
  if (adv.version === 2 && adv.advertIntervalCs !== view.advertIntervalCs) {
    return drop('interval', `advert interval ${adv.advertIntervalCs / 100}s, ours ${view.advertIntervalCs / 100}s`, vrid);
  }
  return decision
    ? { ok: true, advert: adv, addressListMismatch: mismatch, auth: decision }
    : { ok: true, advert: adv, addressListMismatch: mismatch };
}

/** Parses and validates a whole IPv4 packet from a raw socket. */
export function receiveIpv4Packet(packet: Uint8Array, view: InstanceView, auth?: AuthCheck): Verdict {
  const parsed = parseIpv4Packet(packet, parseOptions(view));
  if (!parsed.ok) return parsed;
  return validateAdvertisement(parsed.advert, view, auth && { ...auth, payload: ipv4Payload(packet) });
}

/** Parses and validates a VRRP message whose IP facts come from the socket (IPv6, or IPv4 without header). */
export function receiveVrrpMessage(payload: Uint8Array, meta: PacketMeta, view: InstanceView, auth?: AuthCheck): Verdict {
  const parsed = parseVrrpMessage(payload, meta, parseOptions(view));
  if (!parsed.ok) return parsed;
  return validateAdvertisement(parsed.advert, view, auth && { ...auth, payload });
}

/** The view carries the parse options (version, checksum) under the same names: no object per packet. */
function parseOptions(view: InstanceView): ParseOptions {
  return view;
}

/**
 * Canonical text of a configured address, cached: the received one is canonical already (bytesToIp),
 * so a comparison is a string comparison and the receive path parses no address text.
 */
const canonicalCache = new Map<string, string>();

function canonical(text: string): string {
  let c = canonicalCache.get(text);
  if (c === undefined) {
    try {
      c = bytesToIp(ipToBytes(text));
    } catch {
      c = text;
    }
    if (canonicalCache.size >= 1024) canonicalCache.clear(); // bounded: configured addresses are few
    canonicalCache.set(text, c);
  }
  return c;
}

/** `received` is canonical (from the parser); `configured` may be any spelling. */
function sameAddress(received: string, configured: string): boolean {
  return received === configured || received === canonical(configured);
}

function includesAddress(configured: readonly string[], received: string): boolean {
  for (const c of configured) if (sameAddress(received, c)) return true;
  return false;
}

function sameAddressSet(received: readonly string[], configured: readonly string[]): boolean {
  if (received.length !== configured.length) return false;
  let inOrder = true;
  for (let i = 0; i < received.length && inOrder; i++) inOrder = sameAddress(received[i]!, configured[i]!);
  if (inOrder) return true;
  return received.every((x) => includesAddress(configured, x)) && configured.every((y) => received.some((x) => sameAddress(x, y)));
}
