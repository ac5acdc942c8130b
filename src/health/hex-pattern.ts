// keepalived's HEX_STR (UDP_CHECK payload / require_reply), pure: whitespace-separated words of
// hex digits, each word read two digits at a time from the left with a last odd digit as its own
// byte ("Ab12f 3 456" -> ab 12 0f 03 45 06, as keepalived 2.2.7 sends it). In a reply pattern an
// x or X digit matches any nibble.

/** A reply pattern: the bytes, and per byte which bits must match. */
export interface HexPattern {
  bytes: Buffer;
  mask: Buffer;
}

export class HexStringError extends Error {}

/** A payload: hex digits only. */
export function parseHexString(text: string): Buffer {
  const p = parseHexPattern(text, false);
  return p.bytes;
}

/** A reply pattern: hex digits and x/X wildcards. */
export function parseHexPattern(text: string, wildcards = true): HexPattern {
  const bytes: number[] = [];
  const mask: number[] = [];
  const digit = (c: string): [number, number] => {
    if (wildcards && (c === 'x' || c === 'X')) return [0, 0];
    if (!/^[0-9a-fA-F]$/.test(c)) throw new HexStringError(`'${c}' is not a hex digit${wildcards ? ' or x' : ''}`);
    return [parseInt(c, 16), 0xf];
  };
  for (const word of text.split(/\s+/).filter(Boolean)) {
    for (let i = 0; i < word.length; i += 2) {
      const hi = word[i]!;
      const lo = word[i + 1];
      if (lo === undefined) {
        const [v, m] = digit(hi);
        bytes.push(v);
        mask.push(m);
      } else {
        const [a, am] = digit(hi);
        const [b, bm] = digit(lo);
        bytes.push((a << 4) | b);
        mask.push((am << 4) | bm);
      }
    }
  }
  if (bytes.length === 0) throw new HexStringError('no hex digits');
  return { bytes: Buffer.from(bytes), mask: Buffer.from(mask) };
}

/** keepalived: the reply must equal the pattern over the shorter of the two. */
export function replyMatchesPattern(reply: Buffer, p: HexPattern): boolean {
  const n = Math.min(reply.length, p.bytes.length);
  for (let i = 0; i < n; i++) {
    const m = p.mask[i]!;
    if ((reply[i]! & m) !== (p.bytes[i]! & m)) return false;
  }
  return true;
}

/** "ab 12 0x" style, for logs and the dump. */
export function formatHexPattern(p: HexPattern): string {
  return [...p.bytes].map((b, i) => {
    const m = p.mask[i]!;
    const hi = m & 0xf0 ? (b >> 4).toString(16) : 'x';
    const lo = m & 0x0f ? (b & 0xf).toString(16) : 'x';
    return hi + lo;
  }).join(' ');
}
