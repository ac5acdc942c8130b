// How many virtual addresses one advert carries on a link, as keepalived 2.4.3 decides it: the rest
// are held while master but not advertised (its "excess moved to eVIPs"). Measured black-box
// (keepalived -n -l on links of MTU 600, 1000 and 1500): the IP header, the VRRP header, VRRPv2's 8
// bytes of authentication data, 16 bytes keepalived keeps free, and the 28-byte auth_hmac trailer
// when the instance signs, come off the MTU; what is left holds whole addresses, at most 255.
import { AUTH_DATA_LENGTH } from './auth.js';
import { TRAILER_LENGTH } from './auth-hmac/trailer.js';
import { VRRP_HEADER_LENGTH } from './packet.js';
import type { IpVersion, VrrpVersion } from './types.js';

const IP_HEADER = { 4: 20, 6: 40 } as const;
const KEEPALIVED_SPARE = 16;
const MAX_ADDRESSES = 255;

export interface AdvertShape {
  readonly mtu: number;
  readonly family: IpVersion;
  readonly version: VrrpVersion;
  /** The adverts carry an auth_hmac trailer (28 bytes). */
  readonly trailer: boolean;
}

export function maxAdvertisedAddresses(s: AdvertShape): number {
  const room = s.mtu - IP_HEADER[s.family] - VRRP_HEADER_LENGTH - KEEPALIVED_SPARE
    - (s.version === 2 ? AUTH_DATA_LENGTH : 0) - (s.trailer ? TRAILER_LENGTH : 0);
  return Math.max(0, Math.min(MAX_ADDRESSES, Math.floor(room / (s.family === 4 ? 4 : 16))));
}
