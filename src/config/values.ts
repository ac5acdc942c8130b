// Typed readers for statement arguments. Every failure is a ConfigError at the statement's
// file:line, with the keyword first so the message says what was wrong where.
import { isIPv6 } from 'node:net';
import { ConfigError } from '../errors.js';
import type { Statement } from './block-parser.js';
import type { SourceRef } from './types.js';

export function whereOf(st: { file: string; line: number }): SourceRef {
  return { file: st.file, line: st.line };
}

export function fail(st: { file: string; line: number }, message: string): never {
  throw new ConfigError(message, whereOf(st));
}

/** A keyword without the value it needs: keepalived refuses to start on it ("missing a parameter"). */
export class MissingValueError extends ConfigError {}

export function argText(st: Statement, i: number, what: string): string {
  const t = st.args[i];
  if (t === undefined) throw new MissingValueError(`${st.keyword}: missing ${what}`, whereOf(st));
  return t.text;
}

export function optArg(st: Statement, i: number): string | undefined {
  return st.args[i]?.text;
}

/** /^\d+$/ from `from` on, without a regex (it runs for every port and weight of a big file). */
function digitsFrom(text: string, from: number): boolean {
  if (from >= text.length) return false;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** /^\d+$/ */
export function isDigits(text: string): boolean {
  return digitsFrom(text, 0);
}

/** A decimal integer as written (sign allowed), whatever its range: /^[+-]?\d+$/. */
export function isIntegerText(text: string): boolean {
  const c = text.charCodeAt(0);
  return digitsFrom(text, c === 0x2b || c === 0x2d ? 1 : 0);
}
// Go's strconv.FormatFloat output and plain decimals: 60, 1.5, 6e+01, .5
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function parseIntText(st: Statement, text: string, what: string, min: number, max: number): number {
  if (!isIntegerText(text)) fail(st, `${what}: '${text}' is not an integer`);
  const v = Number(text);
  if (v < min || v > max) fail(st, `${what}: ${text} is out of range ${min}..${max}`);
  return v;
}

export function intArg(st: Statement, i: number, min: number, max: number, what = 'value'): number {
  return parseIntText(st, argText(st, i, what), st.keyword, min, max);
}

/** A <TIMER>: seconds, fractional and exponent forms allowed, never negative. */
export function parseTimerText(st: Statement, text: string, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!FLOAT.test(text)) fail(st, `${what}: '${text}' is not a number of seconds`);
  const v = Number(text);
  if (!Number.isFinite(v)) fail(st, `${what}: '${text}' is not a number of seconds`);
  if (v < 0) fail(st, `${what}: ${text} must not be negative`);
  if (v > max) fail(st, `${what}: ${text} is out of range 0..${max}`);
  return v;
}

export function timerArg(st: Statement, i: number, max?: number): number {
  return parseTimerText(st, argText(st, i, 'seconds'), st.keyword, max);
}

const TRUE = new Set(['on', 'true', 'yes']);
const FALSE = new Set(['off', 'false', 'no']);

/** <BOOL>, where a bare keyword means true. */
export function boolArg(st: Statement, i: number): boolean {
  const t = optArg(st, i);
  if (t === undefined) return true;
  const l = t.toLowerCase();
  if (TRUE.has(l)) return true;
  if (FALSE.has(l)) return false;
  fail(st, `${st.keyword}: '${t}' is not one of on|off|true|false|yes|no`);
}

export function isIp(text: string): boolean {
  return isIPv4Text(text) || isIPv6(text.split('%')[0]!);
}

export function familyOf(text: string): 4 | 6 {
  return isIPv4Text(text) ? 4 : 6;
}

/**
 * node:net's isIPv4 without its regex (several per server of a big file): the same strings, four
 * decimal octets 0-255 joined by dots, none with a leading zero.
 */
export function isIPv4Text(s: string): boolean {
  const n = s.length;
  let i = 0;
  for (let part = 1; ; part++) {
    const start = i;
    let v = 0;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      if (i - start === 3) return false;
      v = v * 10 + (c - 0x30);
      i++;
    }
    const len = i - start;
    if (len === 0 || v > 255 || (len > 1 && s.charCodeAt(start) === 0x30)) return false;
    if (part === 4) return i === n;
    if (i === n || s.charCodeAt(i) !== 0x2e) return false;
    i++;
  }
}

export function ipText(st: Statement, text: string, what: string): string {
  if (!isIp(text)) fail(st, `${what}: '${text}' is not a valid IP address`);
  return text;
}

export function ipArg(st: Statement, i: number, what = st.keyword): string {
  return ipText(st, argText(st, i, 'IP address'), what);
}

/** `addr[/prefix]` with the prefix checked against the family; prefix defaults to the host length. */
export function parseCidr(st: Statement, text: string, what: string): { address: string; prefixLength: number; family: 4 | 6 } {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  if (!isIp(address)) fail(st, `${what}: '${text}' is not a valid IP address`);
  const family = familyOf(address);
  const max = family === 4 ? 32 : 128;
  if (slash < 0) return { address, prefixLength: max, family };
  const p = text.slice(slash + 1);
  if (!/^\d+$/.test(p) || Number(p) > max) fail(st, `${what}: '${text}' has an invalid prefix length (0..${max})`);
  return { address, prefixLength: Number(p), family };
}

export function portText(st: Statement, text: string, what: string, min = 1): number {
  const v = isDigits(text) ? Number(text) : NaN;
  if (!(v >= min && v <= 65535)) fail(st, `${what}: '${text}' is not a valid port (${min}..65535)`);
  return v;
}

/** A <TIMER> that must be greater than 0. */
export function positiveTimer(st: Statement): number {
  const v = timerArg(st, 0);
  if (v === 0) fail(st, `${st.keyword}: must be greater than 0`);
  return v;
}
