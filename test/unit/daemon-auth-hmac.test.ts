// auth_hmac in the daemon on a fake host: `file:` keys read at start and again on SIGHUP (a new key,
// a new mode applied in place: no transition), a broken key file rejects the reload and keeps the
// running keys, every auth_hmac drop reason counted in `vipd status` and the metrics, and no key
// material anywhere in the logs (--dump-conf included), the SIGUSR1 dump or the status.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runDaemon } from '../../src/daemon/run.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { renderMetrics } from '../../src/daemon/metrics.js';
import type { DaemonOptions } from '../../src/daemon/options.js';
import { parseKeepalivedConfig } from '../../src/config/index.js';
import { encodeAdvertisement } from '../../src/vrrp/packet.js';
import { HmacKey, sequenceAt, signAdvertisement } from '../../src/vrrp/auth-hmac/index.js';
import { captureLogger, fakeHost, settle } from '../helpers/daemon-fakes.js';
import { payloadDatagram } from '../helpers/vrrp-fakes.js';
import { requireEnv } from '../helpers/require.js';

const FILE_KEY_1 = '5e'.repeat(32);
const FILE_KEY_2 = 'a7'.repeat(40);
const ASCII = 'k0s-second-key-of-thirty-two-b!!';
const SECRETS = [FILE_KEY_1, FILE_KEY_2, ASCII, Buffer.from(ASCII).toString('hex'), Buffer.from(FILE_KEY_1, 'hex').toString('base64')];

const conf = (mode: string) => `vrrp_instance VI {
  interface eth0
  virtual_router_id 51
  version 3
  priority 150
  auth_hmac {
    key 1 file:hmac.key
    key 2 "${ASCII}"
    active_key 1
    mode ${mode}
  }
  virtual_ipaddress {
    10.99.2.10/24
  }
}
`;

function options(dir: string): DaemonOptions {
  return {
    configFile: join(dir, 'keepalived.conf'), logDetail: true, dumpConf: true, vrrpOnly: true, checkOnly: false,
    statusSocket: join(dir, 'vipd.sock'), dumpFile: join(dir, 'vipd.json'), nice: 0, jsonLogs: true,
  };
}

const msgs = (lines: Array<Record<string, unknown>>) => lines.map((l) => String(l.msg));

async function until(lines: Array<Record<string, unknown>>, msg: string, from = 0): Promise<void> {
  for (let i = 0; i < 2000 && !msgs(lines.slice(from)).includes(msg); i++) await settle(1);
}

t.test('file: keys re-read on SIGHUP and applied in place; a broken key file keeps the running keys; no key printed', async (t) => {
  if (!requireEnv(t, { root: true })) return; // the capability check wants CAP_NET_ADMIN and CAP_NET_RAW
  const dir = t.testdir({ 'keepalived.conf': conf('receive-only'), 'hmac.key': `hex:${FILE_KEY_1}\n` });
  const host = fakeHost();
  const { log, lines } = captureLogger();
  const opts = options(dir);
  const exit = runDaemon(opts, { deps: host.deps, log });
  await until(lines, 'started');
  host.clock.advance(4000); // Master_Down_Interval: the instance is master while its auth_hmac changes
  await settle();
  const dump = () => {
    const n = lines.length;
    process.emit('SIGUSR1');
    t.ok(msgs(lines.slice(n)).some((m) => m.startsWith('state dumped')), 'dumped');
    return JSON.parse(readFileSync(opts.dumpFile, 'utf8')) as { instances: Array<{ authHmac: { mode: string; keys: string[] } }> };
  };
  t.match(dump().instances[0]!.authHmac, { mode: 'receive-only', keys: [`key 1: ******** (32 bytes, file:${join(dir, 'hmac.key')})`, 'key 2: ******** (32 bytes, ascii)'] });

  writeFileSync(join(dir, 'hmac.key'), `hex:${FILE_KEY_2}\n`);
  writeFileSync(opts.configFile, conf('permissive'));
  let from = lines.length;
  process.emit('SIGHUP');
  await until(lines, 'reloaded', from);
  t.ok(msgs(lines.slice(from)).includes('VI: updated in place (auth_hmac: mode receive-only -> permissive, key 1 changed)'), 'the new file key and mode, in place');
  t.equal(host.router().instance('VI')!.config.authHmac!.keys.get(1)!.length, 40, 'the key file was read again');
  t.same(dump().instances[0]!.authHmac.keys[0], `key 1: ******** (40 bytes, file:${join(dir, 'hmac.key')})`);

  writeFileSync(join(dir, 'hmac.key'), 'hex:0011\n');
  writeFileSync(opts.configFile, conf('enforce'));
  from = lines.length;
  process.emit('SIGHUP');
  await until(lines, 'reloading', from);
  await settle();
  const rejected = lines.slice(from).find((l) => String(l.msg).startsWith('reload rejected'));
  t.match(rejected?.msg, /reload rejected, the running configuration stays: .*keepalived.conf:7: auth_hmac key 1 from '.*hmac.key' is 2 bytes, a key is 32 to 64 bytes/);
  t.equal(dump().instances[0]!.authHmac.mode, 'permissive', 'still running the last good keys and mode');
  t.same(lines.filter((l) => typeof l.state === 'string' && typeof l.previous === 'string').map((l) => `${String(l.previous)}->${String(l.state)}`),
    ['initialize->backup', 'backup->master'], 'no transition from any reload');

  process.emit('SIGTERM');
  t.equal(await exit, 0);
  t.ok(lines.some((l) => l.config !== undefined), '--dump-conf logged the configuration');
  const everything = JSON.stringify(lines) + readFileSync(opts.dumpFile, 'utf8');
  for (const s of SECRETS) t.notOk(everything.includes(s), 'no key material in the logs or the dump');
});

t.test('every auth_hmac drop reason is counted in vipd status and the metrics', async (t) => {
  const host = fakeHost();
  const { log } = captureLogger();
  const d = new Daemon(log, { logDetail: false, vrrpOnly: true, checkOnly: false }, host.deps);
  const text = conf('enforce').replace('file:hmac.key', `hex:${FILE_KEY_1}`);
  await d.start(parseKeepalivedConfig(text, { file: '/k/keepalived.conf', configId: 'x' }).config);
  const inst = host.router().instance('VI')!;
  const key1 = new HmacKey(1, Buffer.from(FILE_KEY_1, 'hex'));
  const send = (opts: { key?: HmacKey | null; atMs?: number; trailer?: (p: Buffer) => void }) => {
    const msg = encodeAdvertisement({ version: 3, vrid: 51, priority: 100, advertIntervalCs: 100, family: 4, addresses: ['10.99.2.10'] }, { source: '10.99.2.7', destination: '224.0.0.18' });
    const p = opts.key === null ? msg : signAdvertisement(msg, { family: 4, source: '10.99.2.7', key: opts.key ?? key1, sequence: sequenceAt(opts.atMs ?? Date.now()) });
    opts.trailer?.(p);
    inst.receive(payloadDatagram(p, 4, '10.99.2.7'));
    return p;
  };
  const genuine = send({});
  inst.receive(payloadDatagram(genuine, 4, '10.99.2.7')); // replay
  send({ key: null });
  send({ trailer: (p) => { p[14] = 1; } }); // the trailer's reserved field
  send({ key: new HmacKey(9, Buffer.alloc(32, 1)) });
  send({ key: new HmacKey(1, Buffer.alloc(32, 1)) });
  send({ atMs: Date.now() - 600_000 });
  const status = d.status() as { instances: Array<{ authHmac: { counters: Record<string, number> }; stats: { authFailures: number } }> };
  t.same(status.instances[0]!.authHmac.counters, {
    authenticated: 1, missingTrailer: 1, malformed: 1, unknownKey: 1, invalidHmac: 1, stale: 1, replay: 1, clockSkewWarnings: 0,
  }, 'vipd status: one of each');
  t.equal(status.instances[0]!.stats.authFailures, 6, 'and six authentication failures');
  const metrics = renderMetrics(d.metrics());
  for (const r of ['authenticated', 'missingTrailer', 'malformed', 'unknownKey', 'invalidHmac', 'stale', 'replay']) {
    t.ok(metrics.includes(`vipd_vrrp_auth_hmac_adverts_total{instance="VI",result="${r}"} 1`), `metric for ${r}`);
  }
  t.ok(metrics.includes('vipd_vrrp_drops_total{instance="VI",reason="authFailures"} 6'));
  t.ok(metrics.includes('vipd_vrrp_auth_hmac_mode{instance="VI",mode="enforce"} 1'));
  for (const s of SECRETS) t.notOk(JSON.stringify(status).includes(s) || metrics.includes(s), 'no key material');
  await d.stop();
});
