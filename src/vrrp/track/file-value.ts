// The number in a track_file, read the way keepalived reads it: strtol(text, NULL, 0) on what the
// file holds (leading white space, a sign, 0x for hex, a leading 0 for octal, digits up to the
// first other character; nothing readable is 0). A number outside a C int is not a value at all:
// keepalived logs "Invalid number" and keeps the previous one.

const INT_MAX = 2 ** 31 - 1;
const INT_MIN = -(2 ** 31);

/** The value, or undefined when it is out of int range (the caller keeps the previous value). */
export function parseTrackFileValue(text: string): number | undefined {
  let i = 0;
  while (i < text.length && ' \t\n\v\f\r'.includes(text[i]!)) i++;
  let sign = 1n;
  if (text[i] === '+' || text[i] === '-') {
    if (text[i] === '-') sign = -1n;
    i++;
  }
  let base = 10n;
  let digits = '0123456789';
  if (text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && /[0-9a-fA-F]/.test(text[i + 2] ?? '')) {
    base = 16n;
    digits = '0123456789abcdef';
    i += 2;
  } else if (text[i] === '0') {
    base = 8n;
    digits = '01234567';
  }
  let v = 0n;
  for (; i < text.length; i++) {
    const d = digits.indexOf(text[i]!.toLowerCase());
    if (d < 0) break;
    v = v * base + BigInt(d);
    if (v > 2n ** 63n) break; // strtol saturates (ERANGE); anything this big is out of range below
  }
  const n = sign * v;
  if (n > BigInt(INT_MAX) || n < BigInt(INT_MIN)) return undefined;
  return Number(n);
}

/** What init_file writes: the value and a newline (keepalived's format). */
export function trackFileContent(value: number): string {
  return `${value}\n`;
}
