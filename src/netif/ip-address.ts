// IP address text <-> bytes, without DNS. Node's net.isIP validates; we pack ourselves so
// codecs stay pure and synchronous.
import { isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 4 | 6;

export function ipFamily(address: string): IpFamily {
  if (isIPv4(address)) return 4;
  if (isIPv6(stripZone(address))) return 6;
  throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
}

function stripZone(address: string): string {
  const pct = address.indexOf('%');
  return pct < 0 ? address : address.slice(0, pct);
}

/** 4 bytes for IPv4, 16 for IPv6. Throws TypeError on anything else. */
export function ipToBytes(address: string): Buffer {
  if (isIPv4(address)) {
    const p = address.split('.');
    return Buffer.from([+p[0]!, +p[1]!, +p[2]!, +p[3]!]);
  }
  const a = stripZone(address);
  if (!isIPv6(a)) throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
  let text = a;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** Canonical text (RFC 5952 for IPv6) from 4 or 16 bytes. */
export function bytesToIp(bytes: Uint8Array): string {
  // IPv4 is on every received advert's path: no intermediate array.
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length !== 16) throw new TypeError(`an IP address has 4 or 16 bytes, not ${bytes.length}`);
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!);
  // Longest run of zero words (length >= 2) becomes "::".
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (best < 0) return hex(words);
  return `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}

/** Compares two addresses of one family as unsigned big-endian numbers (RFC tie-breaks). */
export function compareIp(a: string, b: string): number {
  return Buffer.compare(ipToBytes(a), ipToBytes(b));
}

export function isIpv6LinkLocal(address: string): boolean {
  const b = ipToBytes(address);
  return b.length === 16 && b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
}

/** "aa:bb:cc:dd:ee:ff" <-> 6 bytes. */
export function macToBytes(mac: string): Buffer {
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw new TypeError(`not a MAC address: ${JSON.stringify(mac)}`);
  }
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

export function bytesToMac(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}
