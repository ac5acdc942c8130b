// auth_hmac { } in keepalived.conf, end to end through the loader, the mapping to the library's
// InstanceConfig and the reload plan: keys of every form (hex:, file:, ASCII), keepalived's defaults,
// the legacy `authentication` dropped with a warning, strict mode's rule, blocks that add up, keys
// never in the model's printed forms, and a SIGHUP that changes auth_hmac planned in place.
import t from 'tap';
import { inspect } from 'node:util';
import { MemoryConfigFs, parseKeepalivedConfig, type VipdConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { instanceConfig } from '../../src/daemon/config-mapping.js';
import { planReload } from '../../src/daemon/reload-plan.js';
import { formatWarning } from '../../src/config/types.js';
import type { KeyFileReader } from '../../src/vrrp/auth-hmac/keys.js';

const HEX = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const ASCII = 'an ascii key of thirty-two bytes';
const FILE_HEX = 'f0'.repeat(40);
/** A raw (binary) key file's bytes: read up to a NUL, as keepalived, so none here. */
const RAW = 'a1b2'.repeat(16);

function load(body: string, opts: { global?: string; files?: Record<string, string>; reader?: KeyFileReader } = {}) {
  const text = `${opts.global ?? ''}vrrp_instance VI {
  interface eth0
  virtual_router_id 51
  version 3
  advert_int 2
${body}  virtual_ipaddress {
    10.0.0.10/24
  }
}
`;
  return parseKeepalivedConfig(text, { file: '/k/keepalived.conf', fs: new MemoryConfigFs(opts.files ?? {}), configId: 'x', ...(opts.reader ? { keyReader: opts.reader } : {}) });
}

const BLOCK = (lines: string[]) => `  auth_hmac {\n${lines.map((l) => `    ${l}\n`).join('')}  }\n`;

t.test('keys of every form, defaults, mapping to the library', async (t) => {
  const { config, warnings } = load(BLOCK([`key 1 hex:${HEX}`, `key 7 "${ASCII}"`, 'key 9 file:keys/nine.key', 'active_key 7']), {
    files: { '/k/keys/nine.key': `hex:${FILE_HEX}\n` },
  });
  t.same(warnings, []);
  const spec = config.vrrpInstances[0]!.authHmac!;
  t.same(spec.keys.map((k) => [k.id, k.length, k.source]), [[1, 32, { kind: 'hex' }], [7, 32, { kind: 'ascii' }], [9, 40, { kind: 'file', path: '/k/keys/nine.key' }]],
    'ids, sizes, origins (a relative file: is relative to the config file)');
  t.same(spec.keys[2]!.material().toString('hex'), FILE_HEX, 'the file key decoded');
  t.match(spec, { activeKey: 7, mode: 'enforce', antiReplay: 'time', timeWindow: 6, where: { file: '/k/keepalived.conf', line: 6 } }, "keepalived's defaults: enforce, time, window 3 x advert_int");
  const lib = instanceConfig(config.vrrpInstances[0]!, config);
  t.match(lib.authHmac, { activeKeyId: 7, mode: 'enforce', antiReplay: 'time', windowS: 6 });
  t.same([...lib.authHmac!.keys.keys()], [1, 7, 9]);
  for (const text of [JSON.stringify(config), inspect(config, { depth: 20 }), JSON.stringify(lib), inspect(lib, { depth: 20 })]) {
    t.notOk(text.includes(HEX) || text.includes(ASCII) || text.includes(FILE_HEX.slice(0, 16)), 'no key material in the printed model (--dump-conf)');
  }
  t.ok(JSON.stringify(config).includes('key 9: ******** (40 bytes, file:/k/keys/nine.key)'), 'keys print masked');
});

t.test('every setting, and keepalived 2.4.3 semantics around the block', async (t) => {
  const { config } = load(BLOCK([`key 1 hex:${HEX}`, 'active_key 1', 'anti_replay monotonic', 'time_window 30', 'mode permissive']));
  t.match(config.vrrpInstances[0]!.authHmac, { mode: 'permissive', antiReplay: 'monotonic', timeWindow: 30 });

  const legacy = load(`  authentication {\n    auth_type PASS\n    auth_pass secret\n  }\n${BLOCK([`key 1 hex:${HEX}`, 'active_key 1'])}`);
  t.equal(legacy.config.vrrpInstances[0]!.authentication, undefined, 'legacy authentication dropped beside auth_hmac');
  t.match(legacy.warnings.map(formatWarning), [/keepalived.conf:10: auth_hmac replaces the authentication \{ \} block, which is ignored/]);
  t.equal(instanceConfig(legacy.config.vrrpInstances[0]!, legacy.config).auth, undefined, 'no password on the wire either');

  // keepalived 2.4.3 -t: "auth_hmac cannot be combined with authentication, dropping legacy auth" (AH too).
  const ah = load(`  authentication {\n    auth_type AH\n    auth_pass secret\n  }\n${BLOCK([`key 1 hex:${HEX}`, 'active_key 1'])}`);
  t.equal(ah.config.vrrpInstances[0]!.authentication, undefined, 'auth_type AH dropped beside auth_hmac');
  t.match(ah.warnings.map(formatWarning), [/keepalived.conf:10: auth_hmac replaces the authentication \{ \} block, which is ignored/]);
  const ahLib = instanceConfig(ah.config.vrrpInstances[0]!, ah.config);
  t.match(ahLib, { auth: undefined, authHmac: { activeKeyId: 1 } }, 'adverts carry the HMAC trailer, no IPsec AH');

  const two = load(BLOCK([`key 1 hex:${HEX}`]) + BLOCK([`key 2 "${ASCII}"`, 'active_key 2']));
  t.same(two.config.vrrpInstances[0]!.authHmac!.keys.map((k) => k.id), [1, 2], 'two blocks add up (keepalived accepts them)');

  t.throws(() => load(BLOCK([`key 1 hex:${HEX}`, 'active_key 1', 'mode receive-only']), { global: 'global_defs {\n  vrrp_strict\n}\n' }),
    { message: /keepalived.conf:9: auth_hmac mode receive-only: strict mode requires mode enforce/ }, 'strict mode requires enforce (file:line)');
  const strict = load(BLOCK([`key 1 hex:${HEX}`, 'active_key 1']), { global: 'global_defs {\n  vrrp_strict\n}\n' });
  t.equal(strict.config.vrrpInstances[0]!.authHmac!.mode, 'enforce', 'strict with enforce runs');

  const loose = load(BLOCK(['key 1 file:/etc/k.key', 'active_key 1']), { reader: { read: () => Buffer.from(RAW, 'hex'), mode: () => 0o100644 } });
  t.match(loose.warnings.map(formatWarning), [/keepalived.conf:7: auth_hmac key 1: key file '\/etc\/k.key' is readable by group or others \(mode 644\); chmod 600 it/]);
  t.throws(() => load(BLOCK(['key 1 file:/etc/missing.key', 'active_key 1'])), ConfigError, 'a key file that cannot be read stops the load');
  t.throws(() => load(BLOCK(['key 1 tooshort', 'active_key 1'])), { message: /auth_hmac key 1 is 8 bytes, a key is 32 to 64 bytes/ });
  const unknown = load(BLOCK([`key 1 hex:${HEX}`, 'active_key 1', 'colour blue']));
  t.match(unknown.warnings.map(formatWarning), [/unknown keyword 'colour' in auth_hmac/]);
});

t.test('a SIGHUP that changes auth_hmac is planned in place; key bytes are compared, not their names', async (t) => {
  const reader = (hex: string): KeyFileReader => ({ read: () => Buffer.from(hex, 'hex'), mode: () => 0o100600 });
  const conf = (lines: string[], keyHex = RAW): VipdConfig => load(BLOCK(lines), { reader: reader(keyHex) }).config;
  const base = ['key 1 file:/etc/k.key', 'active_key 1', 'mode receive-only'];
  const step = (a: VipdConfig, b: VipdConfig) => planReload(a, b).instances[0]!;
  t.match(step(conf(base), conf(base)), { kind: 'keep' }, 'same bytes: nothing to do');
  t.match(step(conf(base), conf(['key 1 file:/etc/k.key', 'active_key 1', 'mode permissive'])), { kind: 'update', changes: { authHmac: ['mode receive-only -> permissive'] } });
  t.match(step(conf(base), conf(base, 'ee'.repeat(32))), { kind: 'update', changes: { authHmac: ['key 1 changed'] } }, 'the key file changed under the same name');
  t.match(step(conf(base), conf([...base, `key 2 "${ASCII}"`, 'active_key 2'])), { kind: 'update', changes: { authHmac: ['active_key 1 -> 2', 'key 2 added'] } });
  const plain = load('').config;
  t.match(step(plain, conf(base)), { kind: 'update', changes: { authHmac: ['auth_hmac on (mode receive-only)'] } }, 'turning it on is in place too');
  t.match(step(conf(base), plain), { kind: 'update', changes: { authHmac: ['auth_hmac off'] } });
});
