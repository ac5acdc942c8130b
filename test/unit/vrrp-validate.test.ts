// Receive validation: one row per drop reason (RFC 5798 7.1 / RFC 3768 7.1 order), the counter each one
// increments, and the accepted cases. Packets are keepalived captures (test/helpers/vrrp-captures.ts) or
// built with the encoder, which vrrp-packet.test.ts checks against those captures.
import t from 'tap';
import {
  receiveIpv4Packet,
  receiveVrrpMessage,
  encodeAdvertisement,
  passwordAuthData,
  emptyStatistics,
  countDrop,
  countReceived,
  countActions,
  DROP_COUNTER,
  type InstanceView,
  type Advertisement,
  type DropReason,
} from '../../src/vrrp/index.js';
import { V2_PASS_ONE_VIP, V2_PRIORITY_ZERO, V2_UNICAST, V3_IPV4, V3_IPV6, V3_IPV6_SOURCE } from '../helpers/vrrp-captures.js';
import type { AuthCheck } from '../../src/vrrp/validate.js';
import { HmacKey, emptyReplayState, recordAccepted, sequenceAt, signAdvertisement } from '../../src/vrrp/auth-hmac/index.js';

// The keepalived k0s-style instance the V2_PASS_ONE_VIP capture came from, seen from a backup.
const V2_VIEW: InstanceView = {
  version: 2,
  vrid: 51,
  priority: 100,
  family: 4,
  addresses: ['10.99.0.100'],
  advertIntervalCs: 100,
  auth: { type: 1, data: passwordAuthData('k0spass') },
  primaryAddress: '10.99.0.2',
};
const V3_VIEW: InstanceView = { version: 3, vrid: 52, priority: 100, family: 4, addresses: ['10.99.0.102'], advertIntervalCs: 100, primaryAddress: '10.99.0.2' };

/** An IPv4 packet around an encoded advert (what a raw socket delivers). */
function ipv4(adv: Advertisement, opts: { source?: string; destination?: string; ttl?: number; checksum?: 'pseudo' | 'no-pseudo' } = {}): Buffer {
  const source = opts.source ?? '10.99.0.1';
  const destination = opts.destination ?? '224.0.0.18';
  return wrap(encodeAdvertisement(adv, { source, destination, ...(opts.checksum ? { checksum: opts.checksum } : {}) }), source, destination, opts.ttl);
}

function wrap(payload: Buffer, source: string, destination: string, ttl?: number): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payload.length, 2);
  h[8] = ttl ?? 255;
  h[9] = 112;
  Buffer.from(source.split('.').map(Number)).copy(h, 12);
  Buffer.from(destination.split('.').map(Number)).copy(h, 16);
  return Buffer.concat([h, payload]);
}

const V2_ADV: Advertisement = {
  version: 2,
  vrid: 51,
  priority: 200,
  advertIntervalCs: 100,
  family: 4,
  addresses: ['10.99.0.100'],
  authType: 1,
  authData: passwordAuthData('k0spass'),
};

t.test('accepted: keepalived captures against matching instances', async (t) => {
  t.match(receiveIpv4Packet(V2_PASS_ONE_VIP, V2_VIEW), { ok: true, addressListMismatch: false, advert: { priority: 200 } });
  t.match(receiveIpv4Packet(V2_PRIORITY_ZERO, V2_VIEW), { ok: true, advert: { priority: 0 } });
  t.match(receiveIpv4Packet(V3_IPV4, V3_VIEW), { ok: true, advert: { priority: 100, advertIntervalCs: 100 } });
  const v6view: InstanceView = { version: 3, vrid: 53, priority: 100, family: 6, addresses: ['fd00:99:0::101', 'FD00:99::100'], advertIntervalCs: 100 };
  t.match(
    receiveVrrpMessage(V3_IPV6.subarray(40), { family: 6, source: V3_IPV6_SOURCE, destination: 'ff02::12', ttl: 255 }, v6view),
    { ok: true, addressListMismatch: false },
    'address lists compare as sets of addresses, not text',
  );
  const uni: InstanceView = { ...V2_VIEW, vrid: 55, addresses: ['10.99.0.105'], auth: { type: 1, data: passwordAuthData('12345678') }, unicastPeers: ['10.99.0.1', '10.99.0.3'] };
  t.match(receiveIpv4Packet(V2_UNICAST, uni), { ok: true });
  t.match(receiveIpv4Packet(ipv4({ ...V3_ADV(), advertIntervalCs: 250 }), V3_VIEW), { ok: true, advert: { advertIntervalCs: 250 } }, 'v3 accepts (and the machine learns) another interval');
  t.match(receiveIpv4Packet(ipv4({ ...V2_ADV, authType: 0, authData: Buffer.alloc(8) }), { ...V2_VIEW, auth: { type: 0 } }), { ok: true }, 'v2 without auth');
  t.match(receiveIpv4Packet(ipv4({ ...V2_ADV, authType: 0, authData: Buffer.from('garbage!') }), { ...V2_VIEW, auth: { type: 0 } }), { ok: true }, 'auth type 0 ignores the data');
});

function V3_ADV(): Advertisement {
  return { version: 3, vrid: 52, priority: 100, advertIntervalCs: 100, family: 4, addresses: ['10.99.0.102'] };
}

// auth_hmac: a v3 instance with one key, and adverts signed (or not) the ways a forger would.
const NOW = Date.UTC(2026, 11, 1, 12);
const HKEY = new HmacKey(1, Buffer.alloc(32, 7));
const V3_AUTH_VIEW: InstanceView = { ...V3_VIEW, trailer: true };
const AUTH: AuthCheck = { settings: { keys: new Map([[1, HKEY]]), activeKeyId: 1, mode: 'enforce', antiReplay: 'time', windowS: 5 }, replay: emptyReplayState, nowMs: NOW };
function signed(opts: { key?: HmacKey; atMs?: number; trailerByte?: [number, number] } = {}): Buffer {
  const msg = encodeAdvertisement(V3_ADV(), { source: '10.99.0.1', destination: '224.0.0.18' });
  const p = signAdvertisement(msg, { family: 4, source: '10.99.0.1', key: opts.key ?? HKEY, sequence: sequenceAt(opts.atMs ?? NOW) });
  if (opts.trailerByte) p[msg.length + opts.trailerByte[0]] = opts.trailerByte[1];
  return wrap(p, '10.99.0.1', '224.0.0.18');
}
const SEEN: AuthCheck = { ...AUTH, replay: recordAccepted(emptyReplayState, '10.99.0.1', sequenceAt(NOW), AUTH.settings) };

// One row per drop reason; `view` defaults to V2_VIEW.
const DROPS: Array<{ reason: DropReason; name: string; packet: Buffer; view?: InstanceView; auth?: AuthCheck }> = [
  { reason: 'ip-header', name: 'UDP', packet: Buffer.from(V2_PASS_ONE_VIP).fill(17, 9, 10) },
  { reason: 'ttl', name: 'TTL 64 (routed)', packet: ipv4(V2_ADV, { ttl: 64 }) },
  { reason: 'version', name: 'v3 advert to a v2 instance', packet: V3_IPV4 },
  { reason: 'version', name: 'v2 advert to a v3 instance', packet: V2_PASS_ONE_VIP, view: { ...V3_VIEW, vrid: 51 } },
  { reason: 'length', name: 'truncated', packet: V2_PASS_ONE_VIP.subarray(0, 35) },
  { reason: 'checksum', name: 'bad checksum', packet: Buffer.from(V2_PASS_ONE_VIP).fill(0, 26, 28) },
  { reason: 'checksum', name: 'v3 without pseudo-header, RFC mode', packet: ipv4(V3_ADV(), { checksum: 'no-pseudo' }), view: V3_VIEW },
  { reason: 'vrid', name: 'VRID 52', packet: ipv4({ ...V2_ADV, vrid: 52 }) },
  { reason: 'own-advert', name: 'our own advert looped back', packet: ipv4(V2_ADV, { source: '10.99.0.2' }) },
  { reason: 'unicast-peer', name: 'unicast from a stranger', packet: ipv4(V2_ADV, { source: '10.99.0.9', destination: '10.99.0.2' }), view: { ...V2_VIEW, unicastPeers: ['10.99.0.1'], checkUnicastSource: true } },
  { reason: 'owner', name: 'we own the addresses', packet: V2_PASS_ONE_VIP, view: { ...V2_VIEW, priority: 255 } },
  { reason: 'invalid-auth-type', name: 'auth type 7', packet: ipv4({ ...V2_ADV, authType: 7 }) },
  { reason: 'auth-type-mismatch', name: 'no auth, we want PASS', packet: ipv4({ ...V2_ADV, authType: 0, authData: Buffer.alloc(8) }) },
  { reason: 'auth-type-mismatch', name: 'PASS, we want none', packet: V2_PASS_ONE_VIP, view: { ...V2_VIEW, auth: { type: 0 } } },
  { reason: 'auth-type-mismatch', name: 'AH', packet: ipv4({ ...V2_ADV, authType: 2 }) },
  { reason: 'auth-failure', name: 'wrong password', packet: ipv4({ ...V2_ADV, authData: passwordAuthData('k0spasS') }) },
  { reason: 'auth-failure', name: 'password prefix', packet: ipv4({ ...V2_ADV, authData: passwordAuthData('k0spas') }) },
  { reason: 'address-list', name: 'other VIP, strict', packet: ipv4({ ...V2_ADV, addresses: ['10.99.0.200'] }), view: { ...V2_VIEW, addressListCheck: 'strict' } },
  { reason: 'address-list', name: 'extra VIP, strict', packet: ipv4({ ...V2_ADV, addresses: ['10.99.0.100', '10.99.0.101'] }), view: { ...V2_VIEW, addressListCheck: 'strict' } },
  { reason: 'interval', name: 'v2 interval 2 s vs 1 s', packet: ipv4({ ...V2_ADV, advertIntervalCs: 200 }) },
  { reason: 'length', name: 'a trailer without auth_hmac (keepalived: too long)', packet: signed(), view: V3_VIEW },
  { reason: 'auth-missing', name: 'auth_hmac: no trailer', packet: ipv4(V3_ADV()), view: V3_AUTH_VIEW, auth: AUTH },
  { reason: 'auth-malformed', name: 'auth_hmac: extension type 2', packet: signed({ trailerByte: [0, 2] }), view: V3_AUTH_VIEW, auth: AUTH },
  { reason: 'auth-unknown-key', name: 'auth_hmac: key id 9', packet: signed({ key: new HmacKey(9, Buffer.alloc(32, 7)) }), view: V3_AUTH_VIEW, auth: AUTH },
  { reason: 'auth-bad-hmac', name: 'auth_hmac: another key under id 1', packet: signed({ key: new HmacKey(1, Buffer.alloc(32, 8)) }), view: V3_AUTH_VIEW, auth: AUTH },
  { reason: 'auth-stale', name: 'auth_hmac: signed a minute ago', packet: signed({ atMs: NOW - 60_000 }), view: V3_AUTH_VIEW, auth: AUTH },
  { reason: 'auth-replay', name: 'auth_hmac: seen already', packet: signed(), view: V3_AUTH_VIEW, auth: SEEN },
];

t.test('drop reasons, each counted', async (t) => {
  const seen = new Set<DropReason>();
  for (const row of DROPS) {
    const v = receiveIpv4Packet(row.packet, row.view ?? V2_VIEW, row.auth);
    t.match(v, { ok: false, reason: row.reason }, `${row.reason}: ${row.name}`);
    if (!v.ok) {
      const stats = countDrop(emptyStatistics(), v.reason);
      const counter = DROP_COUNTER[row.reason];
      t.equal(stats[counter], 1, `${row.name} counts ${counter}`);
      seen.add(v.reason);
    }
  }
  // The type check needs a packet with a valid checksum and type != 1: covered in vrrp-packet.test.ts.
  const all = Object.keys(DROP_COUNTER).filter((r) => r !== 'type');
  t.same([...seen].sort(), all.sort(), 'every drop reason has a row');
});

t.test('first failing check wins (fixed order)', async (t) => {
  // Bad TTL and bad VRID and wrong password: TTL is reported.
  t.match(receiveIpv4Packet(ipv4({ ...V2_ADV, vrid: 9, authData: Buffer.alloc(8) }, { ttl: 1 }), V2_VIEW), { reason: 'ttl' });
  // Wrong VRID and wrong password: VRID.
  t.match(receiveIpv4Packet(ipv4({ ...V2_ADV, vrid: 9, authData: Buffer.alloc(8) }), V2_VIEW), { reason: 'vrid', vrid: 9 });
  // Wrong password and wrong interval: auth.
  t.match(receiveIpv4Packet(ipv4({ ...V2_ADV, advertIntervalCs: 300, authData: Buffer.alloc(8) }), V2_VIEW), { reason: 'auth-failure' });
});

t.test('address list: logged by default, strict drops unless the owner sent it', async (t) => {
  const other = ipv4({ ...V2_ADV, addresses: ['10.99.0.200'] });
  t.match(receiveIpv4Packet(other, V2_VIEW), { ok: true, addressListMismatch: true });
  const owner = ipv4({ ...V2_ADV, priority: 255, addresses: ['10.99.0.200'] });
  t.match(receiveIpv4Packet(owner, { ...V2_VIEW, addressListCheck: 'strict' }), { ok: true, addressListMismatch: true });
  const s = countReceived(emptyStatistics(), 255, true);
  t.match(s, { rcvdAdvertisements: 1, addressListErrors: 1, priorityZeroPktsRcvd: 0 });
});

t.test('v3 checksum interop switch', async (t) => {
  const old = ipv4(V3_ADV(), { checksum: 'no-pseudo' });
  t.match(receiveIpv4Packet(old, { ...V3_VIEW, checksum: 'either' }), { ok: true, advert: { checksumKind: 'no-pseudo' } });
  t.match(receiveIpv4Packet(V3_IPV4, { ...V3_VIEW, checksum: 'either' }), { ok: true, advert: { checksumKind: 'pseudo' } });
});

t.test('statistics', async (t) => {
  let s = emptyStatistics();
  s = countDrop(s, 'ttl');
  t.equal(s.protoErrReason, 'ipTtlError');
  s = countDrop(s, 'checksum');
  t.match(s, { ipTtlErrors: 1, checksumErrors: 1, protoErrReason: 'checksumError' });
  s = countDrop(s, 'auth-failure');
  t.equal(s.protoErrReason, 'checksumError', 'auth failures are not protocol errors');
  s = countReceived(s, 0);
  t.match(s, { rcvdAdvertisements: 1, priorityZeroPktsRcvd: 1 });
  s = countActions(s, [
    { type: 'add-vips', acceptMode: true },
    { type: 'send-advert', priority: 100 },
    { type: 'notify', state: 'master', previous: 'backup', reason: 'preempted' },
  ]);
  t.match(s, { sentAdvertisements: 1, masterTransitions: 1, newMasterReason: 'preempted' });
  s = countActions(s, [
    { type: 'send-advert', priority: 0 },
    { type: 'notify', state: 'initialize', previous: 'master', reason: 'shutdown' },
  ]);
  t.match(s, { sentAdvertisements: 2, priorityZeroPktsSent: 1, masterTransitions: 1 });
  t.equal(countActions(s, [{ type: 'notify', state: 'master', previous: 'initialize', reason: 'owner' }]).newMasterReason, 'priority');
  t.equal(countActions(s, [{ type: 'notify', state: 'master', previous: 'backup', reason: 'master-down' }]).newMasterReason, 'masterNoResponse');
  t.same(emptyStatistics().newMasterReason, 'notMaster');
});
