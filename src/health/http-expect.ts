// What an HTTP(S) probe's answer must look like, as pure checks: the status against a list of
// codes and ranges (keepalived status_code, default 200-299) and the body's MD5 (genhash digest).

/** One accepted status: a code, or an inclusive range. */
export type StatusSpec = number | { from: number; to: number };

export const DEFAULT_STATUSES: readonly StatusSpec[] = Object.freeze([{ from: 200, to: 299 }]);

export function statusMatches(code: number, accepted: readonly StatusSpec[] = DEFAULT_STATUSES): boolean {
  return accepted.some((s) => (typeof s === 'number' ? code === s : code >= s.from && code <= s.to));
}

/** "200", "200-299, 301": for failure reasons. */
export function describeStatuses(accepted: readonly StatusSpec[] = DEFAULT_STATUSES): string {
  return accepted.map((s) => (typeof s === 'number' ? String(s) : `${s.from}-${s.to}`)).join(', ');
}

/** Digests compare case-insensitively: genhash prints lowercase, configs may carry either. */
export function digestMatches(actualHex: string, expectedHex: string): boolean {
  return actualHex.toLowerCase() === expectedHex.toLowerCase();
}
