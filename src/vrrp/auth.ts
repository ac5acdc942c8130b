// VRRPv2 simple text authentication (RFC 2338 5.3.6.1; keepalived `auth_type PASS`): up to 8 bytes of the
// password, zero-padded to the 8-byte Authentication Data field. keepalived uses only the first 8 bytes of a
// longer password; so do we (the config layer rejects them for k0s, whose authPass is at most 8 characters).
import { timingSafeEqual } from 'node:crypto';

export const AUTH_DATA_LENGTH = 8;

/** The 8 bytes a password puts on the wire. */
export function passwordAuthData(password: string): Buffer {
  const out = Buffer.alloc(AUTH_DATA_LENGTH);
  Buffer.from(password, 'utf8').copy(out, 0, 0, AUTH_DATA_LENGTH);
  return out;
}

/** True if a password is usable as-is (at most 8 bytes, as keepalived and k0s require). */
export function isValidPassword(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') <= AUTH_DATA_LENGTH;
}

/** Compares received authentication data with the expected 8 bytes, in constant time. */
export function authDataMatches(received: Uint8Array | undefined, expected: Uint8Array): boolean {
  if (!received || received.length !== AUTH_DATA_LENGTH || expected.length !== AUTH_DATA_LENGTH) return false;
  return timingSafeEqual(received, expected);
}
