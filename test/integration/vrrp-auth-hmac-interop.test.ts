// vipd (the daemon, from keepalived.conf) and keepalived 2.4.3 in the same virtual routers, every
// advert signed with auth_hmac: v3 IPv4, v3 IPv6 and v2, multicast and unicast, all at once. For each
// kind two VRIDs: in A vipd has the higher priority, in B keepalived has. Election; cutting vipd's link
// moves A to keepalived, restoring it brings A back (preemption); cutting keepalived's link moves B to
// vipd, restoring it brings B back. Neither side drops or complains about one advert of the other's.
import t from 'tap';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { createLan, waitFor, type LabNode } from '../helpers/netns-lab.js';
import { requireKeepalived243, startKeepalived, keepalivedConf, type KaInstance } from '../helpers/keepalived-peer.js';
import { addressesOf } from '../helpers/addresses.js';
import { VIPD, k0sFlags, startVipd } from '../helpers/vipd-process.js';

const HEX_KEY = '4a6f686e6e792062652067306f642c204a6f686e6e792062652067306f64210a';
const ASCII_KEY = 'vipd <-> keepalived 2.4.3, key seven';

interface Kind { name: string; version: 2 | 3; family: 4 | 6; unicast: boolean; vrid: number }
const KINDS: Kind[] = [
  { name: 'v3 IPv4 multicast', version: 3, family: 4, unicast: false, vrid: 60 },
  { name: 'v3 IPv4 unicast', version: 3, family: 4, unicast: true, vrid: 62 },
  { name: 'v3 IPv6 multicast', version: 3, family: 6, unicast: false, vrid: 64 },
  { name: 'v3 IPv6 unicast', version: 3, family: 6, unicast: true, vrid: 66 },
  { name: 'v2 multicast', version: 2, family: 4, unicast: false, vrid: 68 },
  { name: 'v2 unicast', version: 2, family: 4, unicast: true, vrid: 70 },
];

const vipOf = (k: Kind, which: 0 | 1) => (k.family === 4 ? `10.251.${k.vrid + which}.1` : `fd00:251:${k.vrid + which}::1`);

/** The instances of one side: A (vrid) and B (vrid + 1) of every kind; `high` is this side's priority in A. */
function instances(me: LabNode, peer: LabNode, side: 'vipd' | 'kad'): KaInstance[] {
  return KINDS.flatMap((k) => ([0, 1] as const).map((which) => {
    const wins = (which === 0) === (side === 'vipd');
    return {
      name: `${which === 0 ? 'A' : 'B'}${k.vrid}`, vrid: k.vrid + which, priority: wins ? 200 : 100, version: k.version,
      vip: `${vipOf(k, which)}/${k.family === 4 ? 24 : 64}`,
      ...(k.unicast ? { unicast: k.family === 4 ? { src: me.ipv4, peers: [peer.ipv4] } : { src: me.ipv6, peers: [peer.ipv6] } } : {}),
      // keepalived's syntax for each key form; A and B sign with different key ids.
      authHmac: [`key 1 hex:${HEX_KEY}`, `key 7 "${ASCII_KEY}"`, `active_key ${which === 0 ? 1 : 7}`],
    };
  }));
}

t.test('vipd and keepalived 2.4.3 with auth_hmac: election, takeover and preemption both ways, every kind of instance', async (t) => {
  const bin = await requireKeepalived243(t, ['ip']);
  if (!bin) return;
  const lab = await createLan(t, ['vipd', 'kad']);
  const [v, k] = [lab.node('vipd'), lab.node('kad')];
  const conf = join(lab.dir, 'vipd.conf');
  writeFileSync(conf, keepalivedConf(instances(v, k, 'vipd')));
  // keepalived's own defaults, IPv6 unicast adverts with hop limit 64 included (vipd takes any TTL on unicast).
  const kad = startKeepalived(bin, lab, k, keepalivedConf(instances(k, v, 'kad')), 'kad');
  const sock = join(lab.dir, 'vipd.sock');
  const vipd = startVipd(v, [...k0sFlags(conf), '--vrrp'], { statusSocket: sock });
  const where = async () => {
    const held = new Map<string, string[]>();
    for (const n of [v, k]) for (const a of await addressesOf(n)) held.set(a.split('/')[0]!, [...(held.get(a.split('/')[0]!) ?? []), n.name]);
    return held;
  };
  /** Every kind's A on `a`, B on `b` (exactly one holder each). */
  const expect = async (a: string, b: string, what: string) => {
    let last = '';
    try {
      await waitFor(async () => {
        const held = await where();
        const wrong = KINDS.flatMap((kd) => ([0, 1] as const).map((w) => ({ kd, w, who: (held.get(vipOf(kd, w)) ?? []).join('+') || 'nobody' })))
          .filter((x) => x.who !== (x.w === 0 ? a : b));
        last = wrong.map((x) => `${x.kd.name} ${x.w === 0 ? 'A' : 'B'} on ${x.who}`).join('; ');
        return wrong.length === 0;
      }, { timeoutMs: 15_000, intervalMs: 200, message: `${what}` });
    } catch (err) {
      t.comment(`still wrong: ${last}\nkeepalived:\n${kad.log().slice(-3000)}\nvipd:\n${vipd.log.lines.slice(-30).map((l) => JSON.stringify(l)).join('\n')}`);
      throw err;
    }
    t.pass(what);
  };
  await expect('vipd', 'kad', 'election: A on vipd (200), B on keepalived (200)');
  await v.cut();
  await expect('kad', 'kad', "vipd's link cut: keepalived takes A over");
  await v.restore();
  await expect('vipd', 'kad', "vipd's link back: vipd preempts A");
  await k.cut();
  await expect('vipd', 'vipd', "keepalived's link cut: vipd takes B over");
  await k.restore();
  await expect('vipd', 'kad', "keepalived's link back: keepalived preempts B");

  const status = JSON.parse((await v.exec(['node', VIPD, 'status', '--status-socket', sock])).stdout) as {
    instances: Array<{ name: string; authHmac?: { mode: string; counters: Record<string, number> } }>;
  };
  for (const i of status.instances) {
    const c = i.authHmac?.counters ?? {};
    t.ok((c.authenticated ?? 0) >= 2, `${i.name}: vipd authenticated keepalived's adverts (${c.authenticated})`);
    t.same({ missing: c.missingTrailer, malformed: c.malformed, unknownKey: c.unknownKey, badHmac: c.invalidHmac, stale: c.stale, replay: c.replay },
      { missing: 0, malformed: 0, unknownKey: 0, badHmac: 0, stale: 0, replay: 0 }, `${i.name}: none rejected`);
  }
  const drops = vipd.log.lines.filter((l) => typeof l.reason === 'string' && l.reason !== 'own-advert' && String(l.msg).includes('dropped advert'));
  t.same(drops.map((d) => `${String(d.instance)}: ${String(d.reason)} ${String(d.detail)}`), [], "vipd dropped none of keepalived's adverts");
  const complaints = kad.log().split('\n').filter((l) => /authentication|HMAC|trailer|malformed|replay|stale|too long|checksum|invalid/i.test(l));
  t.same(complaints, [], "keepalived accepted every advert of vipd's");
});
