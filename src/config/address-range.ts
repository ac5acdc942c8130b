// Address ranges of virtual_server_group entries as numbers, so a range of any size (IPv4 or IPv6)
// is checked at parse time and walked one address at a time when it is mapped.
import { bytesToIp, ipToBytes } from '../netif/ip-address.js';

export function ipToBigInt(address: string): bigint {
  let n = 0n;
  for (const b of ipToBytes(address)) n = (n << 8n) | BigInt(b);
  return n;
}

export function bigIntToIp(n: bigint, family: 4 | 6): string {
  const bytes = new Uint8Array(family === 4 ? 4 : 16);
  for (let i = bytes.length - 1; i >= 0; i--) {
    bytes[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return bytesToIp(bytes);
}

/** Number of addresses from first to last, inclusive (0 when last < first). */
export function rangeSize(first: string, last: string): bigint {
  const d = ipToBigInt(last) - ipToBigInt(first);
  return d < 0n ? 0n : d + 1n;
}

/** Every address from first to last, inclusive, lazily (a /16 is 65,536 of them). */
export function* addressesIn(first: string, last: string, family: 4 | 6): Generator<string> {
  const end = ipToBigInt(last);
  for (let n = ipToBigInt(first); n <= end; n++) yield bigIntToIp(n, family);
}
