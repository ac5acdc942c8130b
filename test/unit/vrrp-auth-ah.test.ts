// IPsec AH adverts (keepalived auth_type AH): golden packets captured from keepalived 2.2.7 and
// 2.4.3 talking to each other (auth_pass secret12, VRID 44, VIPs 10.77.0.100 and .101).
import t from 'tap';
import { encodeAhPacket, nextAhSequence, parseAhPacket } from '../../src/vrrp/auth-ah.js';
import { passwordAuthData } from '../../src/vrrp/auth.js';
import { encodeAdvertisement, parseVrrpMessage } from '../../src/vrrp/packet.js';
import { resolveInstanceConfig } from '../../src/vrrp/instance-config.js';
import { advertOf, ahKeyOf, receiveViewOf } from '../../src/vrrp/instance-views.js';
import { validateAdvertisement } from '../../src/vrrp/validate.js';

const KEY = passwordAuthData('secret12');
// 2.2.7, 10.77.0.11 master priority 200, its first advert (seq 1).
const KA227 = Buffer.from(
  '45c0004400010000ff33d05b0a4d000be0000012' // IPv4: TOS 0xc0, ID 1, TTL 255, protocol 51
  + '700400000a4d000b00000001c88240dc7918b73a22f1232e' // AH: next 112, len 4, SPI 10.77.0.11, seq 1, ICV
  + '212cc8020201ff6c0a4d00640a4d00650000000000000000', // VRRPv2 auth type 2, zero auth data
  'hex');
// 2.4.3, 10.77.0.12 resigning (priority 0) with seq 12: it carried on from the 11 it had accepted.
const KA243 = Buffer.from(
  '45c0004400060000ff33d0550a4d000ce0000012'
  + '700400000a4d000c0000000c4c27ffc3514f2d0042962a66'
  + '212c00020201c76d0a4d00640a4d00650000000000000000',
  'hex');

t.test('keepalived\'s AH adverts verify and unwrap', async (t) => {
  const a = parseAhPacket(KA227, KEY);
  t.match(a, { ok: true, seq: 1, source: '10.77.0.11', destination: '224.0.0.18', ttl: 255 });
  const b = parseAhPacket(KA243, KEY);
  t.match(b, { ok: true, seq: 12, source: '10.77.0.12' });
  if (!a.ok) return;
  const adv = parseVrrpMessage(a.vrrp, { family: 4, source: a.source, destination: a.destination, ttl: a.ttl });
  t.match(adv, { ok: true, advert: { version: 2, vrid: 44, priority: 200, authType: 2, addresses: ['10.77.0.100', '10.77.0.101'] } });
  t.same(parseAhPacket(KA227, passwordAuthData('secret13')), { ok: false, reason: 'auth-failure', detail: 'AH authentication data (HMAC-MD5-96) does not match' });
  const zeroPadded = Buffer.concat([Buffer.from('secret12'), Buffer.alloc(8)]);
  t.match(parseAhPacket(KA227, zeroPadded), { ok: true }, 'HMAC zero-pads a short key: 8 or 16 bytes are one key');
});

t.test('mutable fields are outside the ICV, everything else inside', async (t) => {
  const mutable = Buffer.from(KA227);
  mutable[1] = 0x00; // TOS
  mutable[10] = 0x12; // header checksum
  t.match(parseAhPacket(mutable, KEY), { ok: true });
  for (const [at, what] of [[8, 'TTL'], [4, 'identification'], [15, 'source'], [26, 'SPI'], [31, 'sequence number'], [46, 'priority'], [60, 'a VIP']] as const) {
    const p = Buffer.from(KA227);
    p[at] = p[at]! ^ 1;
    t.match(parseAhPacket(p, KEY), { ok: false, reason: 'auth-failure' }, `${what} is covered`);
  }
});

t.test('what we build is what keepalived sends', async (t) => {
  const cfg = resolveInstanceConfig({
    name: 'VI', vrid: 44, interface: 'eth0', priority: 200, auth: { type: 'ah', password: 'secret12' }, virtualAddresses: ['10.77.0.100/24', '10.77.0.101/24'],
  });
  t.same(ahKeyOf(cfg), KEY);
  const vrrp = encodeAdvertisement(advertOf(cfg, 200));
  const ours = encodeAhPacket(vrrp, { source: '10.77.0.11', destination: '224.0.0.18', ttl: 255, seq: 1, key: ahKeyOf(cfg)! });
  const theirs = Buffer.from(KA227);
  theirs[10] = 0; // the kernel fills the IP header checksum in (IP_HDRINCL)
  theirs[11] = 0;
  t.equal(ours.toString('hex'), theirs.toString('hex'));
  // The inner advert passes the RFC checks of an AH instance, and is a mismatch for the others.
  const p = parseAhPacket(ours, KEY);
  if (!p.ok) return t.fail(p.detail);
  const adv = parseVrrpMessage(p.vrrp, { family: 4, source: p.source, destination: p.destination, ttl: p.ttl });
  if (!adv.ok) return t.fail(adv.detail);
  t.match(validateAdvertisement(adv.advert, receiveViewOf({ ...cfg, priority: 100 }, '10.77.0.12')), { ok: true });
  const pass = resolveInstanceConfig({ ...cfg, auth: { type: 'pass', password: 'secret12' } });
  t.match(validateAdvertisement(adv.advert, receiveViewOf(pass, '10.77.0.12')), { ok: false, reason: 'auth-type-mismatch' });
  t.equal(ahKeyOf(resolveInstanceConfig({ ...cfg, version: 3, advertIntervalCs: 100 })), undefined, 'v3 has no authentication (keepalived ignores it)');
});

t.test('malformed AH packets are reasons, never exceptions', async (t) => {
  const rows: Array<[string, Buffer, string]> = [
    ['empty', Buffer.alloc(0), 'ip-header'],
    ['short', KA227.subarray(0, 30), 'ip-header'],
    ['not AH', Buffer.from(KA227).fill(112, 9, 10), 'ip-header'],
    ['AH around something else', Buffer.from(KA227).fill(6, 20, 21), 'ip-header'],
    ['another ICV size', Buffer.from(KA227).fill(6, 21, 22), 'auth-failure'],
    ['fragment', Buffer.from(KA227).fill(0x20, 6, 7), 'ip-header'],
  ];
  for (const [name, p, reason] of rows) t.match(parseAhPacket(p, KEY), { ok: false, reason }, name);
});

t.test('sequence numbers follow the highest seen and skip 0 on wrap', async (t) => {
  t.equal(nextAhSequence(0), 1);
  t.equal(nextAhSequence(11), 12);
  t.equal(nextAhSequence(0xffffffff), 1);
});
