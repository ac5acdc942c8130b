// Zero-downtime rollout of auth_hmac on a running pair of vipd daemons, as the draft's modes are
// meant to be used: no auth -> receive-only -> permissive -> enforce, then a key rotation (second key
// added, active_key switched node by node, old key removed), each step a rewritten keepalived.conf
// (keys in files, re-read) and a SIGHUP, node by node. The master keeps the VIP, nobody changes
// state, the backup rejects nothing, and the wire shows the trailer appear and the key id change.
import t from 'tap';
import { join } from 'node:path';
import { chmodSync, writeFileSync } from 'node:fs';
import { createLan, capture, type LabNode } from '../helpers/netns-lab.js';
import { requireEnv } from '../helpers/require.js';
import { addressesOf } from '../helpers/addresses.js';
import { sleep } from '../helpers/sleep.js';
import { VIPD, k0sFlags, startVipd, type VipdProc } from '../helpers/vipd-process.js';
import { unpackIp } from '../fixtures/auth-hmac-vectors.js';
import { decodeTrailer, messageLength, TRAILER_LENGTH } from '../../src/vrrp/auth-hmac/index.js';

const KEY1 = '6b31'.repeat(16);
const KEY2 = '6b32'.repeat(20);

function conf(priority: number, vip: string, auth: string[] | undefined, dir: string): string {
  return `vrrp_instance VI {
  state BACKUP
  interface eth0
  version 3
  virtual_router_id 51
  priority ${priority}
  advert_int 0.2
${auth ? `  auth_hmac {\n${auth.map((l) => `    ${l.replace('DIR', dir)}\n`).join('')}  }\n` : ''}  virtual_ipaddress {
    ${vip}/24
  }
}
`;
}

t.test('receive-only -> permissive -> enforce and a key rotation on a running pair, by SIGHUP: no transition', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'tcpdump'] })) return;
  const lab = await createLan(t, ['a', 'b']);
  const [a, b] = [lab.node('a'), lab.node('b')];
  const vip = a.ipv4.replace(/\.\d+$/, '.100');
  writeFileSync(join(lab.dir, 'k1.key'), `hex:${KEY1}\n`);
  writeFileSync(join(lab.dir, 'k2.key'), `hex:${KEY2}\n`);
  for (const k of ['k1.key', 'k2.key']) chmodSync(join(lab.dir, k), 0o600);
  const nodes: Array<{ n: LabNode; priority: number; file: string; sock: string; p?: VipdProc }> = [
    { n: a, priority: 150, file: join(lab.dir, 'a.conf'), sock: join(lab.dir, 'a.sock') },
    { n: b, priority: 100, file: join(lab.dir, 'b.conf'), sock: join(lab.dir, 'b.sock') },
  ];
  for (const x of nodes) {
    writeFileSync(x.file, conf(x.priority, vip, undefined, lab.dir));
    x.p = startVipd(x.n, [...k0sFlags(x.file), '--vrrp'], { statusSocket: x.sock });
  }
  await nodes[0]!.p!.waitState('master', 10_000);
  await nodes[1]!.p!.waitState('backup', 10_000);
  await sleep(1000);
  const cap = await capture(lab, b, 'ip proto 112');
  const settled = nodes.map((x) => x.p!.transitions().length);
  const steps: Array<[string, string[]]> = [
    ['receive-only', ['key 1 file:DIR/k1.key', 'active_key 1', 'mode receive-only']],
    ['permissive', ['key 1 file:DIR/k1.key', 'active_key 1', 'mode permissive']],
    ['enforce', ['key 1 file:DIR/k1.key', 'active_key 1', 'mode enforce']],
    ['key 2 added', ['key 1 file:DIR/k1.key', 'key 2 file:DIR/k2.key', 'active_key 1']],
    ['active_key 2', ['key 1 file:DIR/k1.key', 'key 2 file:DIR/k2.key', 'active_key 2']],
    ['key 1 removed', ['key 2 file:DIR/k2.key', 'active_key 2']],
  ];
  const marks: Array<{ what: string; at: number }> = [];
  for (const [what, auth] of steps) {
    for (const x of nodes) {
      writeFileSync(x.file, conf(x.priority, vip, auth, lab.dir));
      const reloaded = x.p!.waitLog((l) => l.msg === 'reloaded' || /^reload (rejected|failed)/.test(String(l.msg)), 5000);
      x.p!.signal('SIGHUP');
      t.equal((await reloaded).msg, 'reloaded', `${what}: ${x.n.name} reloaded`);
      await sleep(600); // three advert intervals before the next node
    }
    marks.push({ what, at: Date.now() });
    t.ok((await addressesOf(a)).some((x) => x.startsWith(`${vip}/`)) && !(await addressesOf(b)).some((x) => x.startsWith(`${vip}/`)), `${what}: the VIP stays on a`);
  }
  await sleep(600);
  t.same(nodes.map((x) => x.p!.transitions().length), settled, 'no state change on either node through the whole rollout');
  for (const x of nodes) {
    t.ok(x.p!.log.lines.some((l) => String(l.msg).startsWith('VI: updated in place (auth_hmac:')), `${x.n.name}: applied in place`);
  }
  const status = JSON.parse((await b.exec(['node', VIPD, 'status', '--status-socket', nodes[1]!.sock])).stdout) as {
    instances: Array<{ authHmac: { mode: string; activeKey: number; counters: Record<string, number> } }>;
  };
  const c = status.instances[0]!.authHmac.counters;
  t.match(status.instances[0]!.authHmac, { mode: 'enforce', activeKey: 2 });
  t.same([c.malformed, c.unknownKey, c.invalidHmac, c.stale, c.replay], [0, 0, 0, 0, 0], 'b rejected nothing along the way');
  t.ok(c.missingTrailer! > 0 && c.authenticated! > 0, `b tolerated unsigned adverts (${c.missingTrailer}) until a signed (${c.authenticated})`);

  // On the wire: a's adverts gain a trailer after its `permissive` reload and change key id with active_key 2.
  const adverts = (await cap.stop()).flatMap((p) => {
    if (p.data.readUInt16BE(12) !== 0x0800) return [];
    const ip = unpackIp(p.data.subarray(14));
    if (ip.source !== a.ipv4) return [];
    const m = messageLength(ip.payload, 4)!;
    return [{ time: p.time * 1000, keyId: ip.payload.length === m + TRAILER_LENGTH ? decodeTrailer(ip.payload.subarray(m)).keyId : 0 }];
  });
  const at = (what: string) => marks.find((m) => m.what === what)!.at;
  const ids = (from: number, to: number) => [...new Set(adverts.filter((x) => x.time > from && x.time < to).map((x) => x.keyId))];
  t.same(ids(0, at('receive-only')), [0], 'no trailer while receive-only');
  t.same(ids(at('permissive'), at('active_key 2') - 1200), [1], 'key 1 from permissive on');
  t.same(ids(at('active_key 2'), Infinity), [2], 'key 2 after the switch');
  const everything = nodes.map((x) => JSON.stringify(x.p!.log.lines)).join('');
  t.notOk(everything.includes(KEY1) || everything.includes(KEY2), 'no key in either log');
});
