// A track file's value and what it means for FILE_CHECK, pure (keepalived.conf(5) "Track files",
// checked against keepalived 2.2.7): the file holds a number in text, read like strtol(3) with
// base 0 (leading blanks, sign, 0x hex, 0 octal, trailing junk ignored; no number = 0; outside
// the 32-bit range = 0). With weight 0 a non-zero value is a failure; otherwise value x weight
// (negated with `reverse`) is added to the real server's weight, and a result of -2^31 or less
// is a failure.

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

export function parseTrackFileValue(text: string): number {
  const m = /^[ \t\n\r\f\v]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/.exec(text);
  if (!m) return 0;
  const digits = m[2]!;
  const magnitude = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits[0] === '0' ? parseInt(digits, 8) : Number(digits);
  const v = m[1] === '-' ? -magnitude : magnitude;
  return v < INT32_MIN || v > INT32_MAX ? 0 : v;
}

export interface FileCheckVerdict {
  ok: boolean;
  /** Added to the configured weight (absent with weight 0). */
  add?: number;
  reason?: string;
}

export function fileCheckVerdict(value: number, weight: number, reverse: boolean): FileCheckVerdict {
  if (weight === 0) return value === 0 ? { ok: true } : { ok: false, reason: `value ${value} (weight 0: non-zero is a failure)` };
  const result = value * weight * (reverse ? -1 : 1);
  if (result <= INT32_MIN) return { ok: false, reason: `value ${value} x weight ${reverse ? -weight : weight} is ${result} (-2147483648 or less is a failure)` };
  return { ok: true, add: result };
}
