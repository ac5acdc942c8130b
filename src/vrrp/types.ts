// Wire-level VRRP types shared by the codec, the validator and the statistics.
// Intervals are centiseconds everywhere (the VRRPv3 wire unit); a VRRPv2 interval of N seconds is N*100 cs.

/** IP protocol number of VRRP (RFC 5798 section 5.1.1.3 / 5.1.2.3). */
export const IPPROTO_VRRP = 112;
/** The IPv4 and IPv6 multicast groups adverts go to (RFC 5798 sections 5.1.1.2, 5.1.2.2). */
export const VRRP_MULTICAST_IPV4 = '224.0.0.18';
export const VRRP_MULTICAST_IPV6 = 'ff02::12';
/** Adverts are sent, and must arrive, with TTL / hop limit 255 (not routed). */
export const VRRP_TTL = 255;
/** The only VRRP packet type (RFC 5798 section 5.2.2). */
export const VRRP_TYPE_ADVERTISEMENT = 1;
/** Priority of the router that owns the virtual addresses (RFC 5798 section 5.2.4). */
export const PRIORITY_OWNER = 255;
/** Priority a master sends when it stops being master (RFC 5798 section 5.2.4). */
export const PRIORITY_STOP = 0;

export type VrrpVersion = 2 | 3;
export type IpVersion = 4 | 6;

/** VRRPv2 authentication types (RFC 2338 section 5.3.6, kept for compatibility by RFC 3768). */
export const AuthType = {
  none: 0,
  /** Simple text password, 8 bytes zero-padded (keepalived `auth_type PASS`). */
  simple: 1,
  /** IP Authentication Header (RFC 2338). Recognised on the wire, not implemented. */
  ah: 2,
} as const;
export type AuthTypeValue = (typeof AuthType)[keyof typeof AuthType];

/** A VRRP advertisement, independent of version. */
export interface Advertisement {
  readonly version: VrrpVersion;
  readonly vrid: number;
  readonly priority: number;
  /** v2: Adver Int seconds * 100; v3: Max Adver Int (12 bits). */
  readonly advertIntervalCs: number;
  /** Address family of `addresses` (v2 is IPv4 only). */
  readonly family: IpVersion;
  /** The virtual addresses, canonical text. */
  readonly addresses: readonly string[];
  /** v2 only: auth type and the 8 bytes of authentication data. Ignored for v3. */
  readonly authType?: number;
  readonly authData?: Uint8Array;
}

/**
 * How a VRRPv3 IPv4 checksum is computed. RFC 5798 5.2.8 / RFC 9568 include the IPv4 pseudo-header;
 * some implementations (old keepalived, some vendors) leave it out.
 *  - 'pseudo': RFC only; 'no-pseudo': the old way only; 'either' (receive only): accept both.
 */
export type ChecksumMode = 'pseudo' | 'no-pseudo' | 'either';
