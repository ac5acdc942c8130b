// The keepalived.conf `auth_hmac { }` block of a vrrp_instance, with keepalived 2.4.3's semantics:
//
//   auth_hmac {
//     key ID VALUE         id 1..255, VALUE hex:... | file:PATH | ASCII (keys.ts), 32-64 bytes; repeatable
//     active_key ID        the id that signs; must be one of the keys (receive-only too)
//     anti_replay time|monotonic          default time
//     time_window S        1..300 whole seconds; default max(5, 3 x advert_int), at most 300
//     mode enforce|permissive|receive-only   default enforce
//   }
//
// Where keepalived logs a configuration error and carries on (a bad key, an undefined active_key, which
// make it run with the extension DISABLED), vipd stops with a ConfigError at file:line: a typo must not
// silently turn authentication off. Where keepalived carries on correctly, so do we, with a warning
// (key file readable by others; words after a key value; auth_hmac beside legacy `authentication`,
// which keepalived drops). Messages never contain key material.
//
// Use from the keyword table: newAuthHmacDraft(st) -> AUTH_HMAC_KEYWORDS handlers per statement ->
// finishAuthHmac(draft) -> AuthHmacSpec; once the instance is complete, resolveAuthHmac(spec, ...).
import { ConfigError } from '../../errors.js';
import { decodeKeyValue, HmacKey, KeyValueError, KEY_ID_MAX, KEY_ID_MIN, type KeyFileReader } from './keys.js';
import type { AntiReplay } from './sequence.js';
import { AUTH_MODES, defaultWindowS, WINDOW_MAX_S, WINDOW_MIN_S, type AuthHmacSettings, type AuthMode } from './settings.js';

/** A statement as the config parser has it (structurally the loader's Statement). */
export interface AuthHmacStatement {
  readonly keyword: string;
  readonly args: ReadonlyArray<{ readonly text: string }>;
  readonly file: string;
  readonly line: number;
}

export interface SourceRef {
  readonly file: string;
  readonly line: number;
}

export interface Warning extends SourceRef {
  readonly message: string;
}

/** What the block said, before instance-level checks. */
export interface AuthHmacSpec {
  /** In configuration order. */
  readonly keys: readonly HmacKey[];
  readonly activeKeyId: number;
  readonly antiReplay: AntiReplay;
  /** Only when configured; the default depends on advert_int (resolveAuthHmac). */
  readonly timeWindowS?: number;
  readonly mode: AuthMode;
  readonly where: SourceRef;
  readonly warnings: readonly Warning[];
}

/** The block being read. Mutable on purpose: the keyword handlers fill it in. */
export interface AuthHmacDraft {
  readonly where: SourceRef;
  readonly keys: Map<number, HmacKey>;
  activeKeyId?: number;
  antiReplay?: AntiReplay;
  timeWindowS?: number;
  mode?: AuthMode;
  readonly warnings: Warning[];
}

export interface AuthHmacEnv {
  /** Reads `file:` keys (nodeKeyFileReader on a real system). */
  readonly reader: KeyFileReader;
}

function at(st: SourceRef): SourceRef {
  return { file: st.file, line: st.line };
}

function fail(st: SourceRef, message: string): never {
  throw new ConfigError(`auth_hmac ${message}`, at(st));
}

function arg(st: AuthHmacStatement, i: number): string | undefined {
  return st.args[i]?.text;
}

/** keepalived's unsigned parse: decimal digits, optional '+', leading zeros allowed. */
function parseUnsigned(text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined || !/^\+?\d+$/.test(text)) return undefined;
  const v = Number(text);
  return v >= min && v <= max ? v : undefined;
}

export function newAuthHmacDraft(st: SourceRef): AuthHmacDraft {
  return { where: at(st), keys: new Map(), warnings: [] };
}

type Handler = (st: AuthHmacStatement, draft: AuthHmacDraft) => void;

const ANTI_REPLAY: readonly AntiReplay[] = ['time', 'monotonic'];

/** The statement's one unsigned argument in min..max; `need` and `mustBe` word the errors. */
function unsignedArg(st: AuthHmacStatement, need: string, min: number, max: number, mustBe: string): number {
  const text = arg(st, 0);
  if (text === undefined) fail(st, `${st.keyword} needs ${need}`);
  const v = parseUnsigned(text, min, max);
  if (v === undefined) fail(st, `${st.keyword} '${text}' must be ${mustBe}`);
  return v;
}

/** The statement's one argument, one of `choices` (case matters, as in keepalived). */
function choiceArg<T extends string>(st: AuthHmacStatement, choices: readonly T[]): T {
  const v = arg(st, 0);
  const list = `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`;
  if (v === undefined) fail(st, `${st.keyword} needs ${list}`);
  if (!(choices as readonly string[]).includes(v)) fail(st, `${st.keyword} '${v}' must be ${list}`);
  return v as T;
}

/** Keyword handlers for the block, for the loader's keyword table: (statement, draft) => void. */
export function authHmacKeywords(env: AuthHmacEnv): Readonly<Record<string, Handler>> {
  return {
    key: (st, d) => {
      const idText = arg(st, 0);
      const value = arg(st, 1);
      if (idText === undefined || value === undefined) fail(st, 'key needs an id and a value');
      const id = parseUnsigned(idText, KEY_ID_MIN, KEY_ID_MAX);
      if (id === undefined) fail(st, `key id '${idText}' must be an integer from ${KEY_ID_MIN} to ${KEY_ID_MAX}`);
      if (d.keys.has(id)) fail(st, `key ${id} is defined twice`);
      let decoded;
      try {
        decoded = decodeKeyValue(id, value, env.reader, st.file);
      } catch (err) {
        if (err instanceof KeyValueError) throw new ConfigError(err.message, at(st));
        throw err;
      }
      for (const w of decoded.warnings) d.warnings.push({ ...at(st), message: w });
      if (st.args.length > 2) {
        d.warnings.push({ ...at(st), message: `auth_hmac key ${id}: ${st.args.length - 2} more word(s) after the value are ignored (quote a key that has spaces)` });
      }
      d.keys.set(id, new HmacKey(id, decoded.bytes, decoded.source));
    },
    active_key: (st, d) => {
      d.activeKeyId = unsignedArg(st, 'a key id', KEY_ID_MIN, KEY_ID_MAX, `an integer from ${KEY_ID_MIN} to ${KEY_ID_MAX}`);
    },
    anti_replay: (st, d) => {
      d.antiReplay = choiceArg(st, ANTI_REPLAY);
    },
    time_window: (st, d) => {
      d.timeWindowS = unsignedArg(st, 'a number of seconds', WINDOW_MIN_S, WINDOW_MAX_S, `whole seconds from ${WINDOW_MIN_S} to ${WINDOW_MAX_S}`);
    },
    mode: (st, d) => {
      d.mode = choiceArg(st, AUTH_MODES);
    },
  };
}

/** The block's result. An undefined or missing active_key is an error (keepalived would run unauthenticated). */
export function finishAuthHmac(d: AuthHmacDraft): AuthHmacSpec {
  if (d.keys.size === 0) fail(d.where, 'has no key: add `key ID VALUE`');
  if (d.activeKeyId === undefined) fail(d.where, `has no active_key (keys: ${[...d.keys.keys()].join(', ')})`);
  if (!d.keys.has(d.activeKeyId)) fail(d.where, `active_key ${d.activeKeyId} is not defined (keys: ${[...d.keys.keys()].join(', ')})`);
  return {
    keys: [...d.keys.values()],
    activeKeyId: d.activeKeyId,
    antiReplay: d.antiReplay ?? 'time',
    ...(d.timeWindowS !== undefined ? { timeWindowS: d.timeWindowS } : {}),
    mode: d.mode ?? 'enforce',
    where: d.where,
    warnings: [...d.warnings],
  };
}

/** A whole block at once (tests, library users): unknown keywords are warnings, like the loader's. */
export function parseAuthHmacBlock(st: SourceRef, block: readonly AuthHmacStatement[], env: AuthHmacEnv): AuthHmacSpec {
  const draft = newAuthHmacDraft(st);
  const handlers = authHmacKeywords(env);
  for (const s of block) {
    const h = Object.hasOwn(handlers, s.keyword) ? handlers[s.keyword] : undefined;
    if (h) h(s, draft);
    else draft.warnings.push({ ...at(s), message: `unknown keyword '${s.keyword}' in auth_hmac` });
  }
  return finishAuthHmac(draft);
}

export interface InstanceFacts {
  /** advert_int as configured, seconds (fractions allowed), before any VRRPv3 clamp. */
  readonly advertIntS: number;
  /** vrrp_strict / strict_mode is on for the instance. */
  readonly strict: boolean;
  /** The instance also has a legacy `authentication { }` block. */
  readonly legacyAuthentication: boolean;
}

/**
 * Instance-level checks and defaults: settings ready for the sender and receiver, plus warnings.
 * `dropLegacyAuthentication`: keepalived ignores `authentication { }` beside auth_hmac; so must we.
 */
export function resolveAuthHmac(
  spec: AuthHmacSpec,
  facts: InstanceFacts,
): { readonly settings: AuthHmacSettings; readonly warnings: readonly Warning[]; readonly dropLegacyAuthentication: boolean } {
  if (facts.strict && spec.mode !== 'enforce') fail(spec.where, `mode ${spec.mode}: strict mode requires mode enforce`);
  const warnings = [...spec.warnings];
  if (spec.timeWindowS !== undefined && spec.antiReplay === 'monotonic') {
    warnings.push({ ...spec.where, message: 'auth_hmac time_window has no effect with anti_replay monotonic' });
  }
  if (facts.legacyAuthentication) {
    warnings.push({ ...spec.where, message: 'auth_hmac replaces the authentication { } block, which is ignored (as keepalived does)' });
  }
  const settings: AuthHmacSettings = {
    keys: new Map(spec.keys.map((k) => [k.id, k])),
    activeKeyId: spec.activeKeyId,
    mode: spec.mode,
    antiReplay: spec.antiReplay,
    windowS: spec.timeWindowS ?? defaultWindowS(facts.advertIntS),
  };
  return { settings, warnings, dropLegacyAuthentication: facts.legacyAuthentication };
}
