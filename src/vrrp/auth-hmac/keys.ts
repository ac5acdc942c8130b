// auth_hmac key material: a key id and 32 to 64 secret bytes, decoded from keepalived.conf's
// `key ID VALUE` forms. The bytes never leave through JSON, util.inspect, String() or an error message:
// every printable form is mask()ed. Pure: reading `file:` keys goes through an injected reader.
//
// VALUE, as keepalived 2.4.3 decodes it (observed with `keepalived -t` and on the wire):
//   hex:DIGITS   pairs of hex digits (either case) are bytes; an odd last digit is a byte of its own
//                (hex:...e1 ends in 0x01); decoding stops at whitespace; any other character is an error.
//                The prefix is lowercase `hex:` only (`HEX:...` is an ASCII key).
//   file:PATH    the file's bytes up to a NUL, trailing CR and LF removed; `hex:` in the file decodes as
//                above, anything else is the key as is (binary allowed; `file:` is not followed twice).
//                A relative PATH is relative to the directory of the configuration file that names it.
//                A file readable by group or others still loads, with a warning.
//   otherwise    the word's bytes (UTF-8), as the tokenizer delivered it (quotes already removed).
import { timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';
import { dirname, isAbsolute, resolve } from 'node:path';

export const KEY_MIN_BYTES = 32;
export const KEY_MAX_BYTES = 64;
export const KEY_ID_MIN = 1;
export const KEY_ID_MAX = 255;

export type KeySource = { readonly kind: 'hex' } | { readonly kind: 'ascii' } | { readonly kind: 'file'; readonly path: string };

/** A configured key. The material is reachable only through material(), for the HMAC code. */
export class HmacKey {
  readonly id: number;
  readonly length: number;
  readonly source: KeySource;
  readonly #bytes: Buffer;

  constructor(id: number, bytes: Uint8Array, source: KeySource = { kind: 'hex' }) {
    if (!Number.isInteger(id) || id < KEY_ID_MIN || id > KEY_ID_MAX) throw new RangeError(`auth_hmac key id ${id} is not 1..255`);
    if (bytes.length < KEY_MIN_BYTES || bytes.length > KEY_MAX_BYTES) {
      throw new RangeError(`auth_hmac key ${id} is ${bytes.length} bytes, not ${KEY_MIN_BYTES} to ${KEY_MAX_BYTES}`);
    }
    this.id = id;
    this.length = bytes.length;
    this.source = source;
    this.#bytes = Buffer.from(bytes);
  }

  /** The secret bytes. Only the HMAC code calls this; never log or serialise the result. */
  material(): Buffer {
    return this.#bytes;
  }

  /** Constant-time comparison of two keys' material (reload: did the key change?). */
  sameMaterial(other: HmacKey): boolean {
    return this.length === other.length && timingSafeEqual(this.#bytes, other.#bytes);
  }

  toJSON(): string {
    return mask(this);
  }

  toString(): string {
    return mask(this);
  }

  [inspect.custom](): string {
    return `HmacKey<${mask(this)}>`;
  }
}

/** What status output and dumps show for a key: id, size and where it came from, never a byte of it. */
export function mask(key: HmacKey): string {
  const from = key.source.kind === 'file' ? `file:${key.source.path}` : key.source.kind;
  return `key ${key.id}: ******** (${key.length} bytes, ${from})`;
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Why a value did not decode. Messages name the key id, never the value. */
export class KeyValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyValueError';
  }
}

/** File access for `file:` keys: bytes of a file, and its permission bits when known. */
export interface KeyFileReader {
  /** The file's bytes. Throws (any error) when it cannot be read. */
  read(path: string): Uint8Array;
  /** st_mode of the file, or undefined when unknown (then no permission warning). */
  mode?(path: string): number | undefined;
}

export interface DecodedKey {
  readonly bytes: Buffer;
  readonly source: KeySource;
  /** Non-fatal findings (file permissions). */
  readonly warnings: readonly string[];
}

/** Hex digits to bytes with keepalived's rules (see the header). undefined when a character is not hex. */
export function decodeHexKey(text: string): Buffer | undefined {
  const ws = text.search(/\s/);
  const digits = ws < 0 ? text : text.slice(0, ws);
  if (!/^[0-9a-fA-F]*$/.test(digits)) return undefined;
  const out = Buffer.alloc(Math.ceil(digits.length / 2));
  for (let i = 0, o = 0; i < digits.length; i += 2, o++) out[o] = parseInt(digits.slice(i, i + 2), 16);
  return out;
}

/**
 * Decodes a `key` VALUE for key `id`. `configFile` is the file the statement is in (relative `file:`
 * paths start from its directory). Throws KeyValueError; checks the decoded length.
 */
export function decodeKeyValue(id: number, value: string, reader: KeyFileReader, configFile: string): DecodedKey {
  let bytes: Buffer;
  let source: KeySource;
  const warnings: string[] = [];
  if (value.startsWith('hex:')) {
    const b = decodeHexKey(value.slice(4));
    if (!b) throw new KeyValueError(`auth_hmac key ${id}: the hex: value has a character that is not a hex digit`);
    bytes = b;
    source = { kind: 'hex' };
  } else if (value.startsWith('file:')) {
    const given = value.slice(5);
    const path = given === '' || isAbsolute(given) ? given : resolve(dirname(configFile), given);
    let raw: Uint8Array;
    try {
      if (path === '') throw new Error('empty path');
      raw = reader.read(path);
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new KeyValueError(`auth_hmac key ${id}: key file '${given}' cannot be read (${why})`);
    }
    const mode = reader.mode?.(path);
    if (mode !== undefined && (mode & 0o077) !== 0) {
      warnings.push(`auth_hmac key ${id}: key file '${path}' is readable by group or others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
    }
    const content = fileKeyContent(raw);
    if (content.subarray(0, 4).toString('latin1') === 'hex:') {
      const b = decodeHexKey(content.subarray(4).toString('latin1'));
      if (!b) throw new KeyValueError(`auth_hmac key ${id}: key file '${path}' holds a hex: value with a character that is not a hex digit`);
      bytes = b;
    } else {
      bytes = content;
    }
    source = { kind: 'file', path };
  } else {
    bytes = Buffer.from(value, 'utf8');
    source = { kind: 'ascii' };
  }
  if (bytes.length < KEY_MIN_BYTES || bytes.length > KEY_MAX_BYTES) {
    const what = source.kind === 'file' ? ` from '${source.path}'` : source.kind === 'hex' ? ' (hex:)' : '';
    throw new KeyValueError(`auth_hmac key ${id}${what} is ${bytes.length} bytes, a key is ${KEY_MIN_BYTES} to ${KEY_MAX_BYTES} bytes`);
  }
  return { bytes, source, warnings };
}

/** A key file's content as keepalived reads it: up to the first NUL, trailing CR/LF removed. */
function fileKeyContent(raw: Uint8Array): Buffer {
  const b = Buffer.from(raw);
  const nul = b.indexOf(0);
  let end = nul < 0 ? b.length : nul;
  while (end > 0 && (b[end - 1] === 0x0a || b[end - 1] === 0x0d)) end--;
  return b.subarray(0, end);
}
