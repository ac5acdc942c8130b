// keepalived 2.4.3 with auth_hmac as the reference: two of them on a namespace LAN, every kind of
// instance at once (v3 IPv4, v3 IPv6, v2; multicast and unicast; a second key id), adverts captured on
// the wire. Our verifier accepts every one of theirs in order (each sequence above the last, priority 0
// on shutdown included), rejects them under a wrong key, and our encoder rebuilds each payload byte for
// byte from the same inputs (message fields, source, destination, key, sequence).
import t from 'tap';
import { createLan, capture, waitFor, stopProcess, type LabNode } from '../helpers/netns-lab.js';
import { requireKeepalived243, startKeepalived, keepalivedConf, type KaInstance } from '../helpers/keepalived-peer.js';
import { unpackIp, type IpFacts } from '../fixtures/auth-hmac-vectors.js';
import { encodeAdvertisement, parseVrrpMessage } from '../../src/vrrp/packet.js';
import {
  HmacKey, verifyTrailer, signAdvertisement, emptyReplayState, splitPayload, type ReplayState, type VerifyPolicy,
} from '../../src/vrrp/auth-hmac/index.js';

const HEX_KEY = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const ASCII_KEY = 'k0s-auth-hmac-ascii-key-of-36-bytes!';
const KEYS = [new HmacKey(1, Buffer.from(HEX_KEY, 'hex')), new HmacKey(7, Buffer.from(ASCII_KEY), { kind: 'ascii' })];
const POLICY: VerifyPolicy = { keys: new Map(KEYS.map((k) => [k.id, k])), antiReplay: 'time', windowS: 5 };
const WRONG: VerifyPolicy = { ...POLICY, keys: new Map([[1, new HmacKey(1, Buffer.alloc(32, 0xee))], [7, new HmacKey(7, Buffer.alloc(36, 0xee))]]) };

interface Case { name: string; vrid: number; version: 2 | 3; family: 4 | 6; unicast: boolean; activeKey: number }
const CASES: Case[] = [
  { name: 'v3 IPv4 multicast', vrid: 51, version: 3, family: 4, unicast: false, activeKey: 1 },
  { name: 'v3 IPv6 multicast', vrid: 52, version: 3, family: 6, unicast: false, activeKey: 1 },
  { name: 'v2 multicast', vrid: 53, version: 2, family: 4, unicast: false, activeKey: 1 },
  { name: 'v3 IPv4 unicast', vrid: 54, version: 3, family: 4, unicast: true, activeKey: 1 },
  { name: 'v3 IPv6 unicast', vrid: 55, version: 3, family: 6, unicast: true, activeKey: 1 },
  { name: 'v2 unicast', vrid: 56, version: 2, family: 4, unicast: true, activeKey: 1 },
  { name: 'v3 IPv4 multicast, ASCII key 7', vrid: 57, version: 3, family: 4, unicast: false, activeKey: 7 },
];

function instances(me: LabNode, peer: LabNode, priority: number): KaInstance[] {
  return CASES.map((c) => ({
    name: `VI_${c.vrid}`, vrid: c.vrid, priority, version: c.version,
    vip: c.family === 4 ? `10.250.${c.vrid}.1/24` : `fd00:250:${c.vrid}::1/64`,
    ...(c.unicast ? { unicast: c.family === 4 ? { src: me.ipv4, peers: [peer.ipv4] } : { src: me.ipv6, peers: [peer.ipv6] } } : {}),
    authHmac: [`key 1 hex:${HEX_KEY}`, `key 7 "${ASCII_KEY}"`, `active_key ${c.activeKey}`],
  }));
}

interface Seen { time: number; ip: IpFacts }

t.test('keepalived 2.4.3 auth_hmac adverts: verified, rejected under a wrong key, rebuilt byte for byte', async (t) => {
  const bin = await requireKeepalived243(t, ['ip', 'tcpdump']);
  if (!bin) return;
  const lab = await createLan(t, ['a', 'b']);
  const [a, b] = [lab.node('a'), lab.node('b')];
  const cap = await capture(lab, b, 'ip proto 112 or ip6 proto 112');
  const ka = startKeepalived(bin, lab, a, keepalivedConf(instances(a, b, 150)), 'a');
  const kb = startKeepalived(bin, lab, b, keepalivedConf(instances(b, a, 100)), 'b');
  try {
    // a (150) becomes master of every instance; b (100) stays backup until a says priority 0.
    await waitFor(() => CASES.every((c) => ka.log().includes(`(VI_${c.vrid}) Entering MASTER STATE`)), { timeoutMs: 15_000, message: 'a master of every instance' });
    await new Promise((r) => setTimeout(r, 2500));
    await stopProcess(ka.child, 5000);
    await waitFor(() => CASES.every((c) => kb.log().includes(`(VI_${c.vrid}) Entering MASTER STATE`)), { timeoutMs: 15_000, message: 'b takes over after priority 0' });
    await new Promise((r) => setTimeout(r, 1200));
  } catch (err) {
    t.comment(`a:\n${ka.log().slice(-3000)}\nb:\n${kb.log().slice(-3000)}`);
    throw err;
  }
  const packets = await cap.stop();
  const byVrid = new Map<number, Seen[]>();
  for (const p of packets) {
    const ethertype = p.data.readUInt16BE(12);
    if (ethertype !== 0x0800 && ethertype !== 0x86dd) continue;
    const ip = unpackIp(p.data.subarray(14));
    const vrid = ip.payload[1]!;
    byVrid.set(vrid, [...(byVrid.get(vrid) ?? []), { time: p.time * 1000, ip }]);
  }

  for (const c of CASES) {
    const seen = (byVrid.get(c.vrid) ?? []).filter((s) => s.ip.family === c.family);
    const fromA = seen.filter((s) => s.ip.source === (c.family === 4 ? a.ipv4 : c.unicast ? a.ipv6 : a.linkLocal));
    const fromB = seen.filter((s) => s.ip.source === (c.family === 4 ? b.ipv4 : c.unicast ? b.ipv6 : b.linkLocal));
    t.ok(fromA.length >= 3, `${c.name}: adverts from a (${fromA.length})`);
    t.ok(fromB.length >= 1, `${c.name}: adverts from b after a stopped (${fromB.length})`);
    t.ok(fromA.some((s) => s.ip.payload[2] === 0), `${c.name}: a's priority 0 advert is there`);
    let replay: ReplayState = emptyReplayState;
    let verified = 0;
    let rebuilt = 0;
    for (const s of [...fromA, ...fromB]) {
      const { ip } = s;
      t.equal(splitPayload(ip.payload, ip.family).kind, 'trailer', `${c.name}: carries a trailer`);
      const v = verifyTrailer(ip.payload, { family: ip.family, source: ip.source, nowMs: s.time }, POLICY, replay);
      if (!v.ok) {
        t.fail(`${c.name}: advert from ${ip.source} priority ${ip.payload[2]} rejected: ${v.reason} (${v.detail})`);
        continue;
      }
      verified++;
      replay = v.replay;
      t.equal(v.keyId, c.activeKey, `${c.name}: signed with active_key ${c.activeKey}`);
      const wrong = verifyTrailer(ip.payload, { family: ip.family, source: ip.source, nowMs: s.time }, WRONG, emptyReplayState);
      t.equal(wrong.ok ? 'ok' : wrong.reason, 'bad-hmac', `${c.name}: a wrong key is a bad HMAC`);
      const parsed = parseVrrpMessage(ip.payload, { ...ip, ttl: 255 }, { checksum: 'either', trailer: true });
      if (!parsed.ok) {
        t.fail(`${c.name}: message does not parse: ${parsed.reason}`);
        continue;
      }
      const { version, vrid, priority, advertIntervalCs, family, addresses, authType } = parsed.advert;
      const message = encodeAdvertisement({ version, vrid, priority, advertIntervalCs, family, addresses, authType: authType ?? 0 }, { source: ip.source, destination: ip.destination });
      const again = signAdvertisement(message, { family, source: ip.source, destination: ip.destination, key: KEYS.find((k) => k.id === v.keyId)!, sequence: v.sequence });
      if (again.equals(ip.payload)) rebuilt++;
      else t.equal(again.toString('hex'), ip.payload.toString('hex'), `${c.name}: rebuilt byte for byte`);
    }
    t.equal(verified, fromA.length + fromB.length, `${c.name}: every advert verified, in order, by one receiver state (${verified})`);
    t.equal(rebuilt, verified, `${c.name}: every advert rebuilt byte for byte (${rebuilt})`);
    // A second receiver that has seen them all rejects each one again as a replay.
    const again = fromA.slice(0, 3).map((s) => verifyTrailer(s.ip.payload, { family: s.ip.family, source: s.ip.source, nowMs: s.time + 1000 }, POLICY, replay));
    t.same(again.map((r) => (r.ok ? 'ok' : r.reason)), ['replay', 'replay', 'replay'], `${c.name}: replayed within the window: replay`);
    const late = verifyTrailer(fromA[0]!.ip.payload, { family: c.family, source: fromA[0]!.ip.source, nowMs: fromA[0]!.time + 60_000 }, POLICY, emptyReplayState);
    t.equal(late.ok ? 'ok' : late.reason, 'stale', `${c.name}: replayed a minute later: stale`);
  }
  const complaints = (ka.log() + kb.log()).split('\n').filter((l) => /authentication|HMAC|trailer|malformed|replay|stale/i.test(l));
  t.same(complaints, [], 'the two keepalived accepted each other');
});
