// auth_hmac wire format and verifier: the draft's appendix images and real keepalived 2.4.3 adverts
// verify and are reproduced byte for byte; every single-byte change is rejected with its reason, both by
// the verifier alone and by the whole receive order (RFC checks that need no key, then the verifier).
import t from 'tap';
import { encodeAdvertisement, parseVrrpMessage } from '../../src/vrrp/packet.js';
import { receiveVrrpMessage, type InstanceView } from '../../src/vrrp/validate.js';
import { internetChecksum, pseudoHeaderSum } from '../../src/vrrp/checksum.js';
import { ipToBytes } from '../../src/netif/ip-address.js';
import {
  HmacKey, signAdvertisement, readdress, verifyTrailer, splitPayload, decodeTrailer, emptyReplayState, messageLength,
  TRAILER_LENGTH, type AuthFailure, type VerifyPolicy, type TrailerVerdict,
} from '../../src/vrrp/auth-hmac/index.js';
import {
  APPENDIX_IPV4, APPENDIX_IPV6, APPENDIX_KEY, APPENDIX_SEQUENCE, APPENDIX_TIME_MS, KEEPALIVED_243, KEEPALIVED_KEY_7, unpackIp,
} from '../fixtures/auth-hmac-vectors.js';

const KEY1 = new HmacKey(1, APPENDIX_KEY);
const KEY7 = new HmacKey(7, KEEPALIVED_KEY_7, { kind: 'ascii' });
const policy = (keys: HmacKey[] = [KEY1, KEY7]): VerifyPolicy => ({ keys: new Map(keys.map((k) => [k.id, k])), antiReplay: 'time', windowS: 5 });
const WRONG = new HmacKey(1, Buffer.alloc(32, 0x5a));

type Vector = typeof APPENDIX_IPV4 | typeof APPENDIX_IPV6;
const VECTORS: Array<[string, Vector]> = [['IPv4', APPENDIX_IPV4], ['IPv6', APPENDIX_IPV6]];

function verifyAt(v: { family: 4 | 6; source: string }, payload: Buffer, nowMs = APPENDIX_TIME_MS, keys?: HmacKey[]) {
  return verifyTrailer(payload, { family: v.family, source: v.source, nowMs }, policy(keys), emptyReplayState);
}

/** 'ok' or the failure reason. */
function reasonOf(r: TrailerVerdict): 'ok' | AuthFailure {
  return r.ok ? 'ok' : r.reason;
}

t.test('appendix vectors: verify, and our encoder reproduces them byte for byte', async (t) => {
  for (const [name, v] of VECTORS) {
    const r = verifyAt(v, v.payload);
    t.ok(r.ok, `${name}: verifies`);
    if (r.ok) {
      t.equal(r.keyId, 1);
      t.equal(r.sequence, APPENDIX_SEQUENCE);
      t.equal(r.skewMs, 0);
      t.equal(r.message.length, messageLength(v.payload, v.family), `${name}: message without the trailer`);
    }
    // IPv4: the image's checksum leaves the pseudo-header out (see the fixture), so encode it that way.
    const message = encodeAdvertisement(
      { version: 3, vrid: 51, priority: 200, advertIntervalCs: 100, family: v.family, addresses: [v.vip] },
      v.family === 4 ? { checksum: 'no-pseudo' } : { source: v.source, destination: v.destination },
    );
    const signed = signAdvertisement(message, { family: v.family, source: v.source, destination: v.destination, key: KEY1, sequence: APPENDIX_SEQUENCE });
    t.equal(signed.toString('hex'), v.payload.toString('hex'), `${name}: signAdvertisement reproduces the image`);
    t.equal(reasonOf(verifyAt(v, v.payload, APPENDIX_TIME_MS, [WRONG])), 'bad-hmac', `${name}: another key with the same id does not verify`);
  }
  // With the RFC 9568 pseudo-header checksum (what keepalived sends) only bytes 6-7 change: same trailer.
  const rfc = encodeAdvertisement({ version: 3, vrid: 51, priority: 200, advertIntervalCs: 100, family: 4, addresses: ['192.0.2.100'] }, { source: APPENDIX_IPV4.source, destination: '224.0.0.18' });
  const signed = signAdvertisement(rfc, { family: 4, source: APPENDIX_IPV4.source, key: KEY1, sequence: APPENDIX_SEQUENCE });
  t.equal(signed.subarray(12).toString('hex'), APPENDIX_IPV4.payload.subarray(12).toString('hex'), 'IPv4 trailer independent of the checksum form');
  t.ok(verifyAt(APPENDIX_IPV4, signed).ok);
});

// --- Every byte, flipped ---------------------------------------------------------------------------

const VIEW_BASE = { version: 3 as const, vrid: 51, priority: 100, advertIntervalCs: 100, checksum: 'either' as const };

/**
 * The receive order the instance runs (receiveVrrpMessage with the instance's AuthCheck): RFC parse
 * (checksum over what the RFC covers), the checks that need no key, the verifier, the rest.
 * auth_hmac's drop reasons are `auth-<failure>`: returned without the prefix.
 */
function receive(v: Vector, payload: Buffer): 'ok' | string {
  const view: InstanceView = { ...VIEW_BASE, family: v.family, addresses: [v.vip], trailer: true };
  const settings = { ...policy(), mode: 'enforce' as const, activeKeyId: 1 };
  const r = receiveVrrpMessage(payload, { family: v.family, source: v.source, destination: v.destination, ttl: 255 }, view,
    { settings, replay: emptyReplayState, nowMs: APPENDIX_TIME_MS });
  return r.ok ? 'ok' : r.reason.replace(/^auth-/, '');
}

/** Rewrites the checksum the way a forger would, so the flip reaches the later checks. */
function fixChecksum(v: Vector, payload: Buffer): void {
  const end = v.family === 4 ? messageLength(payload, 4) ?? payload.length : payload.length;
  if (end > payload.length) return; // a flipped address count: nothing to fix
  payload.writeUInt16BE(0, 6);
  const seed = v.family === 4 ? 0 : pseudoHeaderSum(ipToBytes(v.source), ipToBytes(v.destination), payload.length);
  payload.writeUInt16BE(internetChecksum(payload.subarray(0, end), seed), 6);
}

/** Expected reason for XOR 0xff at `offset`, with the checksum fixed up afterwards (except for its own bytes). */
function expected(v: Vector, offset: number): { verifier: AuthFailure | 'ok'; pipeline: string } {
  const m = messageLength(v.payload, v.family)!;
  if (offset === 0) return { verifier: 'bad-hmac', pipeline: 'version' }; // 0x31 -> 0xce: version 12
  if (offset === 1) return { verifier: 'bad-hmac', pipeline: 'vrid' };
  if (offset === 3) return { verifier: 'malformed', pipeline: 'length' }; // 254 addresses do not fit
  if (offset === 6 || offset === 7) return { verifier: 'ok', pipeline: 'checksum' }; // not under the HMAC
  if (offset < m) return { verifier: 'bad-hmac', pipeline: 'bad-hmac' }; // priority, interval, VIP
  const tOff = offset - m;
  if (tOff === 0 || tOff === 2 || tOff === 3) return { verifier: 'malformed', pipeline: 'malformed' }; // ext type, reserved
  if (tOff === 1) return { verifier: 'unknown-key', pipeline: 'unknown-key' };
  return { verifier: 'bad-hmac', pipeline: 'bad-hmac' }; // sequence, HMAC
}

t.test('one flipped byte anywhere is rejected with the right reason', async (t) => {
  for (const [name, v] of VECTORS) {
    t.equal(receive(v, v.payload), 'ok', `${name}: the unmodified image passes the whole receive order`);
    for (let i = 0; i < v.payload.length; i++) {
      const want = expected(v, i);
      const raw = Buffer.from(v.payload);
      raw[i] = raw[i]! ^ 0xff;
      const verdict = verifyAt(v, raw);
      t.equal(verdict.ok ? 'ok' : verdict.reason, want.verifier, `${name} byte ${i}: verifier says ${want.verifier}`);
      const forged = Buffer.from(raw);
      if (i !== 6 && i !== 7) fixChecksum(v, forged);
      t.equal(receive(v, forged), want.pipeline, `${name} byte ${i}: receive order says ${want.pipeline}`);
      // Left as is, the RFC checksum catches a flip wherever it covers the byte (IPv6: everywhere).
      const covered = v.family === 6 || i < messageLength(v.payload, v.family)!;
      const first = i === 0 ? 'version' : i === 3 ? 'length' : 'checksum'; // version and count come before the checksum
      t.equal(receive(v, raw), covered ? first : want.pipeline, `${name} byte ${i}, checksum as is: ${covered ? first : want.pipeline}`);
    }
  }
});

t.test('every length other than message or message + 28 is malformed; exactly the message is missing', async (t) => {
  const v = APPENDIX_IPV4;
  for (let cut = 1; cut <= TRAILER_LENGTH + 3; cut++) {
    const p = cut <= TRAILER_LENGTH ? v.payload.subarray(0, v.payload.length - cut) : Buffer.concat([v.payload, Buffer.alloc(cut - TRAILER_LENGTH)]);
    const want = p.length === 12 ? 'missing' : 'malformed';
    t.equal(reasonOf(verifyAt(v, p)), want, `${p.length} bytes: ${want}`);
  }
  t.equal(reasonOf(verifyAt(v, Buffer.from('3133', 'hex'))), 'malformed', 'shorter than a header');
  t.same(splitPayload(v.payload.subarray(0, 12), 4).kind, 'none');
});

t.test('an all-zero HMAC field never verifies (a sender whose HMAC failed)', async (t) => {
  for (const [name, v] of VECTORS) {
    const p = Buffer.from(v.payload);
    p.fill(0, p.length - 16);
    t.equal(reasonOf(verifyAt(v, p)), 'bad-hmac', name);
  }
});

t.test('the pseudo-header binds source, family and virtual router', async (t) => {
  const v = APPENDIX_IPV4;
  t.equal(reasonOf(verifyAt({ family: 4, source: '198.51.100.11' }, v.payload)), 'bad-hmac', 'another source address');
  const six = APPENDIX_IPV6;
  t.equal(reasonOf(verifyAt({ family: 6, source: 'fe80::11' }, six.payload)), 'bad-hmac', 'another IPv6 source');
  t.equal(reasonOf(verifyAt({ family: 6, source: '::ffff:198.51.100.10' }, v.payload)), 'malformed', 'an IPv4 message does not split as IPv6');
});

// --- keepalived 2.4.3 on the wire ---------------------------------------------------------------------

t.test('keepalived 2.4.3 adverts: verify, fail with a wrong key, and re-encode byte for byte', async (t) => {
  for (const c of KEEPALIVED_243) {
    const ip = unpackIp(c.packet);
    const r = verifyTrailer(ip.payload, { family: ip.family, source: ip.source, nowMs: c.timeMs }, policy(), emptyReplayState);
    t.ok(r.ok, `${c.what}: verifies`);
    if (!r.ok) continue;
    t.ok(Math.abs(r.skewMs) < 50, `${c.what}: timestamp within 50 ms of the capture (${r.skewMs.toFixed(1)} ms)`);
    const wrong = policy([new HmacKey(1, Buffer.alloc(32, 1)), new HmacKey(7, Buffer.alloc(40, 2))]);
    t.equal(reasonOf(verifyTrailer(ip.payload, { family: ip.family, source: ip.source, nowMs: c.timeMs }, wrong, emptyReplayState)), 'bad-hmac', `${c.what}: wrong key`);
    // Same inputs -> same bytes: parse the message, encode it again, sign with their key id and sequence.
    // The RFC parser takes the whole payload (IPv6: its checksum covers the trailer).
    const parsed = parseVrrpMessage(ip.payload, { family: ip.family, source: ip.source, destination: ip.destination, ttl: 255 }, { trailer: true });
    t.ok(parsed.ok, `${c.what}: the message parses on its own`);
    if (!parsed.ok) continue;
    const { version, vrid, priority, advertIntervalCs, family, addresses, authType } = parsed.advert;
    const message = encodeAdvertisement({ version, vrid, priority, advertIntervalCs, family, addresses, authType: authType ?? 0 }, { source: ip.source, destination: ip.destination });
    const key = r.keyId === 7 ? KEY7 : KEY1;
    const again = signAdvertisement(message, { family, source: ip.source, destination: ip.destination, key, sequence: r.sequence });
    t.equal(again.toString('hex'), ip.payload.toString('hex'), `${c.what}: reproduced`);
  }
});

t.test('keepalived 2.4.3 checksums: RFC form over the message (IPv4, v2), whole payload (IPv6)', async (t) => {
  for (const c of KEEPALIVED_243) {
    const ip = unpackIp(c.packet);
    const m = messageLength(ip.payload, ip.family)!;
    const src = ipToBytes(ip.source);
    const dst = ipToBytes(ip.destination);
    const v2 = ip.payload[0]! >> 4 === 2;
    const sum = ip.family === 6
      ? internetChecksum(ip.payload, pseudoHeaderSum(src, dst, ip.payload.length))
      : internetChecksum(ip.payload.subarray(0, m), v2 ? 0 : pseudoHeaderSum(src, dst, m));
    t.equal(sum, 0, c.what);
  }
});

t.test('unicast copies share one sequence and HMAC; readdress only changes the checksum', async (t) => {
  for (const [family, src, peers] of [[6, 'fd00:9::10', ['fd00:9::20', 'fd00:9::30']], [4, '10.9.0.10', ['10.9.0.20', '10.9.0.30']]] as const) {
    const adv = { version: 3 as const, vrid: 9, priority: 100, advertIntervalCs: 100, family, addresses: [family === 6 ? 'fd00:9::1' : '10.9.0.1'] };
    const [m1, m2] = peers.map((to) => encodeAdvertisement(adv, { source: src, destination: to })) as [Buffer, Buffer];
    t.not(m1.readUInt16BE(6), m2.readUInt16BE(6), `IPv${family}: the v3 checksum depends on the destination`);
    const a = signAdvertisement(m1, { family, source: src, destination: peers[0], key: KEY1, sequence: 5n << 32n });
    const b = readdress(a, m2, family, src, peers[1]);
    t.not(a.readUInt16BE(6), b.readUInt16BE(6), `IPv${family}: checksum differs`);
    t.same(a.subarray(8), b.subarray(8), `IPv${family}: everything after the checksum is the same`);
    const end = family === 6 ? b.length : m2.length;
    t.equal(internetChecksum(b.subarray(0, end), pseudoHeaderSum(ipToBytes(src), ipToBytes(peers[1]), end)), 0, `IPv${family}: valid for the second peer`);
    t.ok(verifyTrailer(b, { family, source: src, nowMs: 5000 }, policy(), emptyReplayState).ok, `IPv${family}: verifies`);
    const other = encodeAdvertisement({ ...adv, priority: 99 }, { source: src, destination: peers[1] });
    t.throws(() => readdress(a, other, family, src, peers[1]), /same advert/, `IPv${family}: not for another advert`);
  }
  const four = encodeAdvertisement({ version: 3, vrid: 9, priority: 0, advertIntervalCs: 100, family: 4, addresses: ['10.9.0.1'] }, { source: '10.9.0.10', destination: '224.0.0.18' });
  const s4 = signAdvertisement(four, { family: 4, source: '10.9.0.10', key: KEY1, sequence: 7n << 32n });
  t.same(s4.subarray(0, four.length), four, 'the message is untouched (priority 0 signs like any advert)');
  t.equal(decodeTrailer(s4.subarray(four.length)).sequence, 7n << 32n);
});

t.test('signAdvertisement refuses what is not one advert', async (t) => {
  const message = encodeAdvertisement({ version: 3, vrid: 9, priority: 100, advertIntervalCs: 100, family: 4, addresses: ['10.9.0.1'] }, { source: '10.9.0.10', destination: '224.0.0.18' });
  t.throws(() => signAdvertisement(message, { family: 4, source: 'fd00::1', key: KEY1, sequence: 1n }), /not an IPv4 source/);
  t.throws(() => signAdvertisement(Buffer.concat([message, Buffer.alloc(1)]), { family: 4, source: '10.9.0.10', key: KEY1, sequence: 1n }), /not one VRRP message/);
  t.throws(() => signAdvertisement(message, { family: 6, source: 'fd00::1', key: KEY1, sequence: 1n }), /not one VRRP message|IPv6 checksum/);
  const m6 = encodeAdvertisement({ version: 3, vrid: 9, priority: 100, advertIntervalCs: 100, family: 6, addresses: ['fd00::9'] }, { source: 'fd00::1', destination: 'ff02::12' });
  t.throws(() => signAdvertisement(m6, { family: 6, source: 'fd00::1', key: KEY1, sequence: 1n }), /needs the source and destination/);
});
