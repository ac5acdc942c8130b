// Go's time.ParseDuration grammar (k0s's metav1.Duration fields such as delayLoop):
// an optional sign, then one or more <decimal><unit> terms; units ns us µs μs ms s m h.
// "0" alone is allowed. Returns seconds, or undefined when the text is not a duration.

const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  '\u00b5s': 1e-6, // µs (micro sign)
  '\u03bcs': 1e-6, // μs (Greek mu)
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

// Escaped: one non-ASCII character makes V8 hold the whole bundled daemon as a two-byte string.
const TERM = /^(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/;

export function parseGoDuration(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  // Sum in integer nanoseconds so 1m30s and 1.5s are exact.
  let nanos = 0n;
  while (s.length > 0) {
    const m = TERM.exec(s);
    if (!m) return undefined;
    const [intPart, fracPart = ''] = m[1]!.split('.') as [string, string?];
    const unitNs = BigInt(Math.round(UNIT_SECONDS[m[2]!]! * 1e9));
    nanos += BigInt(intPart || '0') * unitNs;
    if (fracPart) nanos += (BigInt(fracPart) * unitNs) / 10n ** BigInt(fracPart.length);
    s = s.slice(m[0].length);
  }
  return (sign * Number(nanos)) / 1e9;
}

/** Go's Duration.Truncate(time.Microsecond), in seconds. */
export function truncateToMicroseconds(seconds: number): number {
  return Math.trunc(Math.round(seconds * 1e9) / 1e3) / 1e6;
}
