// The keepalived.conf auth_hmac block. Every row was run through keepalived 2.4.3 (`keepalived -t`, and
// for the decoded bytes a live advert verified against the candidate key): where it accepts, we accept
// the same bytes; where it reports an error, we raise a ConfigError at file:line (keepalived would go on
// with the extension disabled). Key material never appears in a message, a warning or a printout.
import t from 'tap';
import { inspect } from 'node:util';
import { ConfigError } from '../../src/errors.js';
import {
  parseAuthHmacBlock, resolveAuthHmac, mask, HmacKey, decodeHexKey, type AuthHmacStatement, type KeyFileReader, type AuthHmacSpec,
} from '../../src/vrrp/auth-hmac/index.js';

const K = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const KB = Buffer.from(K, 'hex');
const A32 = 'abcdefghijklmnopqrstuvwxyz012345';
const CONF = '/etc/keepalived/keepalived.conf';

/** In-memory files: path -> [bytes, st_mode]. */
function reader(files: Record<string, [string | Buffer, number?]>): KeyFileReader {
  return {
    read(path) {
      const f = files[path];
      if (!f) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
      return Buffer.from(f[0]);
    },
    mode: (path) => (files[path] ? 0o100000 | (files[path]![1] ?? 0o600) : undefined),
  };
}

const FILES = reader({
  '/k/hexnl': [`hex:${K}\n`],
  '/k/hexcrlf': [`hex:${K}\r\n`],
  '/k/hexsp': [`hex:${K}  \n`],
  '/k/ascii-crlf': [`${A32}\r\n`],
  '/k/twonl': [`${A32}\n\n`],
  '/k/spaces': [`  ${A32}  \n`],
  '/k/tab': [`${A32}\t\n`],
  '/k/nul': [Buffer.concat([Buffer.from(A32), Buffer.from([0]), Buffer.from('tail')])],
  '/k/binary': [Buffer.from(Array.from({ length: 40 }, (_, i) => (i * 37 + 1) % 255 + 1))],
  '/k/world': [A32, 0o644],
  '/k/empty': [''],
  '/k/twolines': [`${A32}\n${A32}\n`],
  '/k/nested': ['file:/k/hexnl\n'],
  '/k/upper': [`HEX:${K.slice(0, 56)}\n`],
  '/etc/keepalived/keys/rel': [`hex:${K}`],
});

/** `lines` as statements: words split on blanks, "double quotes" keep blanks (the loader's tokenizer does that). */
function block(lines: string[], file = CONF): AuthHmacStatement[] {
  return lines.map((l, i) => {
    const words = [...l.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => ({ text: m[1] ?? m[2]! }));
    return { keyword: words[0]!.text, args: words.slice(1), file, line: 10 + i };
  });
}

function parse(lines: string[], files = FILES): AuthHmacSpec {
  return parseAuthHmacBlock({ file: CONF, line: 9 }, block(lines), { reader: files });
}

const ok: Array<[string, string[], Buffer | string]> = [
  ['hex, 32 bytes', [`key 1 hex:${K}`], KB],
  ['hex digits in upper case', [`key 1 hex:${K.toUpperCase()}`], KB],
  ['hex, 64 bytes', [`key 1 hex:${K}${K}`], Buffer.concat([KB, KB])],
  ['odd hex: the last digit is a byte (…e1 -> 0x01)', [`key 1 hex:${K.slice(0, 63)}`], Buffer.concat([KB.subarray(0, 31), Buffer.from([1])])],
  ['odd hex: 65 digits, 33 bytes', [`key 1 hex:${K}0`], Buffer.concat([KB, Buffer.from([0])])],
  ['ASCII, 32 bytes', [`key 1 ${A32}`], A32],
  ['ASCII, 64 bytes', [`key 1 ${A32}${A32}`], A32 + A32],
  ['HEX: is not the hex prefix: an ASCII key', [`key 1 HEX:${K.slice(0, 56)}`], `HEX:${K.slice(0, 56)}`],
  ['a quoted key keeps its blank', ['key 1 "abcdefghijklmnop qrstuvwxyz0123456"'], 'abcdefghijklmnop qrstuvwxyz0123456'],
  ['file: hex with newline', ['key 1 file:/k/hexnl'], KB],
  ['file: hex with CRLF', ['key 1 file:/k/hexcrlf'], KB],
  ['file: hex, blanks after the digits', ['key 1 file:/k/hexsp'], KB],
  ['file: ASCII with CRLF', ['key 1 file:/k/ascii-crlf'], A32],
  ['file: every trailing newline goes', ['key 1 file:/k/twonl'], A32],
  ['file: blanks are part of the key', ['key 1 file:/k/spaces'], `  ${A32}  `],
  ['file: a trailing tab stays', ['key 1 file:/k/tab'], `${A32}\t`],
  ['file: up to the first NUL', ['key 1 file:/k/nul'], A32],
  ['file: binary bytes', ['key 1 file:/k/binary'], Buffer.from(Array.from({ length: 40 }, (_, i) => (i * 37 + 1) % 255 + 1))],
  ['file: HEX: in a file is ASCII too', ['key 1 file:/k/upper'], `HEX:${K.slice(0, 56)}`],
  ['file: relative to the configuration file', ['key 1 file:keys/rel'], KB],
  ['key id with leading zeros', [`key 007 hex:${K}`, 'active_key 7'], KB],
  ['key id with a plus sign', [`key +1 hex:${K}`], KB],
];

t.test('key values keepalived accepts decode to the same bytes', async (t) => {
  for (const [what, lines, want] of ok) {
    const activeGiven = lines.some((l) => l.startsWith('active_key'));
    const spec = parse([...lines, ...(activeGiven ? [] : ['active_key 1'])]);
    const key = spec.keys[0]!;
    t.same(key.material(), Buffer.isBuffer(want) ? want : Buffer.from(want, 'utf8'), what);
  }
});

t.test('the other keywords and their defaults', async (t) => {
  const d = parse([`key 1 hex:${K}`, 'active_key 1']);
  t.same([d.activeKeyId, d.antiReplay, d.mode, d.timeWindowS], [1, 'time', 'enforce', undefined]);
  const all = parse([`key 1 hex:${K}`, `key 2 ${A32}`, 'active_key 2', 'anti_replay monotonic', 'time_window 010', 'mode receive-only']);
  t.same([all.keys.map((k) => k.id), all.activeKeyId, all.antiReplay, all.timeWindowS, all.mode], [[1, 2], 2, 'monotonic', 10, 'receive-only']);
  const twice = parse([`key 1 hex:${K}`, `key 2 hex:${K}`, 'active_key 1', 'active_key 2', 'mode permissive', 'mode enforce', 'time_window 9', 'time_window 10']);
  t.same([twice.activeKeyId, twice.mode, twice.timeWindowS], [2, 'enforce', 10], 'the last one wins, as in keepalived');
  const before = parse(['active_key 1', `key 1 hex:${K}`]);
  t.equal(before.activeKeyId, 1, 'active_key may come before its key');
  t.same(parse([`key 1 hex:${K}`, 'active_key 1', 'mode permissive']).mode, 'permissive');
});

t.test('warnings: the key still loads', async (t) => {
  const world = parse(['key 1 file:/k/world', 'active_key 1']);
  t.match(world.warnings.map((w) => w.message), [/readable by group or others.*mode 644/]);
  t.same([world.warnings[0]!.file, world.warnings[0]!.line], [CONF, 10]);
  const extra = parse([`key 1 ${A32} more words`, 'active_key 1']);
  t.match(extra.warnings.map((w) => w.message), [/2 more word\(s\) after the value are ignored/]);
  t.notMatch(extra.warnings[0]!.message, /more words|abcdef/);
  const unknown = parse([`key 1 hex:${K}`, 'active_key 1', 'foo bar']);
  t.match(unknown.warnings.map((w) => w.message), [/unknown keyword 'foo'/]);
});

const errors: Array<[string, string[], RegExp, number?]> = [
  ['ASCII 31 bytes', ['key 1 abcdefghijklmnopqrstuvwxyz01234'], /key 1 is 31 bytes, a key is 32 to 64 bytes/],
  ['ASCII 65 bytes', [`key 1 ${A32}${A32}x`], /key 1 is 65 bytes/],
  ['hex 31 bytes', [`key 1 hex:${K.slice(0, 62)}`], /key 1 \(hex:\) is 31 bytes/],
  ['hex 65 bytes (129 digits)', [`key 1 hex:${K}${K}0`], /key 1 \(hex:\) is 65 bytes/],
  ['hex with a bad character', [`key 1 hex:${K.slice(0, 62)}zz`], /key 1: the hex: value has a character that is not a hex digit/],
  ['hex with 0x', [`key 1 hex:0x${K}`], /not a hex digit/],
  ['hex: and nothing', ['key 1 hex:'], /key 1 \(hex:\) is 0 bytes/],
  ['blank inside an inline hex key: the first word only', [`key 1 hex:${K.slice(0, 32)} ${K.slice(32)}`], /is 16 bytes/],
  ['HEX: prefix, 68 ASCII bytes', [`key 1 HEX:${K}`], /key 1 is 68 bytes/],
  ['key id 0', [`key 0 hex:${K}`], /key id '0' must be an integer from 1 to 255/],
  ['key id 256', [`key 256 hex:${K}`], /key id '256' must be/],
  ['key id abc', [`key abc hex:${K}`], /key id 'abc' must be/],
  ['key id 0x1', [`key 0x1 hex:${K}`], /key id '0x1' must be/],
  ['key without a value', ['key 1'], /key needs an id and a value/],
  ['key twice', [`key 1 hex:${K}`, `key 1 hex:${K}`], /key 1 is defined twice/, 11],
  ['file missing', ['key 1 file:/k/missing'], /key file '\/k\/missing' cannot be read \(ENOENT\)/],
  ['file: and nothing', ['key 1 file:'], /key file '' cannot be read/],
  ['file empty', ['key 1 file:/k/empty'], /from '\/k\/empty' is 0 bytes/],
  ['file with two lines', ['key 1 file:/k/twolines'], /is 65 bytes/],
  ['file: is not followed twice', ['key 1 file:/k/nested'], /from '\/k\/nested' is 13 bytes/],
  ['active_key 0', [`key 1 hex:${K}`, 'active_key 0'], /active_key '0' must be an integer from 1 to 255/, 11],
  ['active_key without id', [`key 1 hex:${K}`, 'active_key'], /active_key needs a key id/, 11],
  ['anti_replay other', [`key 1 hex:${K}`, 'active_key 1', 'anti_replay sometimes'], /anti_replay 'sometimes' must be time or monotonic/, 12],
  ['anti_replay without value', [`key 1 hex:${K}`, 'active_key 1', 'anti_replay'], /anti_replay needs time or monotonic/, 12],
  ['time_window 0', [`key 1 hex:${K}`, 'active_key 1', 'time_window 0'], /time_window '0' must be whole seconds from 1 to 300/, 12],
  ['time_window 301', [`key 1 hex:${K}`, 'active_key 1', 'time_window 301'], /time_window '301'/, 12],
  ['time_window 1.5', [`key 1 hex:${K}`, 'active_key 1', 'time_window 1.5'], /time_window '1.5'/, 12],
  ['time_window abc', [`key 1 hex:${K}`, 'active_key 1', 'time_window abc'], /time_window 'abc'/, 12],
  ['mode lax', [`key 1 hex:${K}`, 'active_key 1', 'mode lax'], /mode 'lax' must be enforce, permissive or receive-only/, 12],
  ['mode in capitals', [`key 1 hex:${K}`, 'active_key 1', 'mode ENFORCE'], /mode 'ENFORCE'/, 12],
  ['an empty block', [], /has no key/, 9],
  ['no active_key', [`key 1 hex:${K}`], /has no active_key \(keys: 1\)/, 9],
  ['no active_key, receive-only too', [`key 1 hex:${K}`, 'mode receive-only'], /has no active_key/, 9],
  ['active_key not defined', [`key 1 hex:${K}`, 'active_key 2'], /active_key 2 is not defined \(keys: 1\)/, 9],
  ['a bad key is not skipped: its active_key would be undefined', ['key 1 abc', 'active_key 1'], /key 1 is 3 bytes/],
];

t.test('keepalived reports an error (and disables the extension): ConfigError at file:line', async (t) => {
  for (const [what, lines, message, line = 10] of errors) {
    try {
      parse(lines);
      t.fail(`${what}: accepted`);
    } catch (err) {
      t.ok(err instanceof ConfigError, `${what}: a ConfigError`);
      const e = err as ConfigError;
      t.match(e.message, message, what);
      t.same([e.file, e.line], [CONF, line], `${what}: at the statement`);
      for (const l of lines) {
        const value = l.split(/\s+/)[2];
        if (value && value.length >= 8 && !value.startsWith('file:')) t.notOk(e.message.includes(value.replace(/^hex:/, '')), `${what}: the value is not in the message`);
      }
    }
  }
});

t.test('instance-level rules', async (t) => {
  const spec = parse([`key 1 hex:${K}`, 'active_key 1', 'mode permissive']);
  t.throws(() => resolveAuthHmac(spec, { advertIntS: 1, strict: true, legacyAuthentication: false }), /strict mode requires mode enforce/);
  const strictOk = resolveAuthHmac(parse([`key 1 hex:${K}`, 'active_key 1']), { advertIntS: 1, strict: true, legacyAuthentication: false });
  t.equal(strictOk.settings.mode, 'enforce');
  const legacy = resolveAuthHmac(spec, { advertIntS: 1, strict: false, legacyAuthentication: true });
  t.ok(legacy.dropLegacyAuthentication, 'auth_hmac wins over authentication { }, as in keepalived');
  t.match(legacy.warnings.map((w) => w.message), [/replaces the authentication \{ \} block/]);
  const mono = resolveAuthHmac(parse([`key 1 hex:${K}`, 'active_key 1', 'anti_replay monotonic', 'time_window 9']), { advertIntS: 1, strict: false, legacyAuthentication: false });
  t.match(mono.warnings.map((w) => w.message), [/no effect with anti_replay monotonic/]);
  t.equal(resolveAuthHmac(parse([`key 1 hex:${K}`, 'active_key 1']), { advertIntS: 6.6, strict: false, legacyAuthentication: false }).settings.windowS, 18, 'default window from advert_int');
  t.equal(resolveAuthHmac(parse([`key 1 hex:${K}`, 'active_key 1', 'time_window 7']), { advertIntS: 6.6, strict: false, legacyAuthentication: false }).settings.windowS, 7);
  const s = resolveAuthHmac(parse([`key 3 hex:${K}`, `key 9 ${A32}`, 'active_key 9']), { advertIntS: 1, strict: false, legacyAuthentication: false }).settings;
  t.same([[...s.keys.keys()], s.activeKeyId], [[3, 9], 9]);
});

t.test('keys never print: mask, JSON, inspect, String', async (t) => {
  const spec = parse([`key 1 hex:${K}`, `key 2 ${A32}`, 'key 3 file:/k/hexnl', 'active_key 1']);
  const [hex, ascii, file] = spec.keys as [HmacKey, HmacKey, HmacKey];
  t.equal(mask(hex), 'key 1: ******** (32 bytes, hex)');
  t.equal(mask(ascii), 'key 2: ******** (32 bytes, ascii)');
  t.equal(mask(file), 'key 3: ******** (32 bytes, file:/k/hexnl)');
  const printed = [JSON.stringify(spec), inspect(spec, { depth: 10 }), String(hex), `${ascii}`, inspect(file, { showHidden: true })].join('\n');
  for (const secret of [K, A32, KB.toString('latin1'), KB.toString('base64'), '0, 1, 2, 3, 4, 5']) t.notOk(printed.includes(secret), `no ${secret.slice(0, 12)}… in printouts`);
  t.ok(hex.sameMaterial(file), 'same bytes from hex: and from the file');
  t.notOk(hex.sameMaterial(ascii));
  t.throws(() => new HmacKey(1, Buffer.alloc(31)), /31 bytes/);
  t.throws(() => new HmacKey(0, Buffer.alloc(32)), /not 1..255/);
});

t.test('decodeHexKey', async (t) => {
  t.same(decodeHexKey('0aFf'), Buffer.from([0x0a, 0xff]));
  t.same(decodeHexKey('abc'), Buffer.from([0xab, 0x0c]));
  t.same(decodeHexKey('0011 ignored'), Buffer.from([0x00, 0x11]), 'stops at a blank');
  t.equal(decodeHexKey('00x1'), undefined);
  t.same(decodeHexKey(''), Buffer.alloc(0));
});
