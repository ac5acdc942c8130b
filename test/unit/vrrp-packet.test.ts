// VRRP codec: golden keepalived captures (test/helpers/vrrp-captures.ts) decode to the expected values and
// our encoder reproduces them byte for byte; error tables for every parse failure; round trips (fast-check).
import t from 'tap';
import fc from 'fast-check';
import {
  encodeAdvertisement,
  parseIpv4Packet,
  parseVrrpMessage,
  passwordAuthData,
  internetChecksum,
  pseudoHeaderSum,
  type Advertisement,
  type ParseResult,
} from '../../src/vrrp/index.js';
import { ipToBytes } from '../../src/netif/ip-address.js';
import {
  hex,
  V2_PASS_TWO_VIPS,
  V2_PASS_ONE_VIP,
  V2_PRIORITY_ZERO,
  V2_UNICAST,
  V3_IPV4,
  V3_IPV4_HALF_SECOND,
  V3_IPV6,
  V3_IPV6_SOURCE,
} from '../helpers/vrrp-captures.js';

function ok(r: ParseResult) {
  if (!r.ok) throw new Error(`parse failed: ${r.reason} ${r.detail}`);
  return r.advert;
}

const IPV4_GOLDEN: Array<{ name: string; packet: Buffer; expect: Partial<Advertisement> & { source: string; destination: string }; password?: string }> = [
  {
    name: 'v2 PASS, two VIPs',
    packet: V2_PASS_TWO_VIPS,
    password: 'k0spass',
    expect: { version: 2, vrid: 51, priority: 200, advertIntervalCs: 100, authType: 1, addresses: ['10.99.0.100', '10.99.0.101'], source: '10.99.0.1', destination: '224.0.0.18' },
  },
  {
    name: 'v2 PASS, one VIP',
    packet: V2_PASS_ONE_VIP,
    password: 'k0spass',
    expect: { version: 2, vrid: 51, priority: 200, advertIntervalCs: 100, authType: 1, addresses: ['10.99.0.100'], source: '10.99.0.1', destination: '224.0.0.18' },
  },
  {
    name: 'v2 priority 0 on shutdown',
    packet: V2_PRIORITY_ZERO,
    password: 'k0spass',
    expect: { version: 2, vrid: 51, priority: 0, advertIntervalCs: 100, authType: 1, addresses: ['10.99.0.100'], source: '10.99.0.1', destination: '224.0.0.18' },
  },
  {
    name: 'v2 unicast, 8-byte password',
    packet: V2_UNICAST,
    password: '12345678',
    expect: { version: 2, vrid: 55, priority: 200, advertIntervalCs: 100, authType: 1, addresses: ['10.99.0.105'], source: '10.99.0.1', destination: '10.99.0.2' },
  },
  {
    name: 'v3 IPv4',
    packet: V3_IPV4,
    expect: { version: 3, vrid: 52, priority: 100, advertIntervalCs: 100, addresses: ['10.99.0.102'], source: '10.99.0.1', destination: '224.0.0.18' },
  },
  {
    name: 'v3 IPv4, 50 cs',
    packet: V3_IPV4_HALF_SECOND,
    expect: { version: 3, vrid: 54, priority: 254, advertIntervalCs: 50, addresses: ['10.99.0.104'], source: '10.99.0.1', destination: '224.0.0.18' },
  },
];

t.test('keepalived IPv4 captures decode and re-encode byte for byte', async (t) => {
  for (const g of IPV4_GOLDEN) {
    const adv = ok(parseIpv4Packet(g.packet));
    t.match(adv, { ...g.expect, family: 4, ttl: 255 }, g.name);
    t.equal(adv.checksumKind, adv.version === 2 ? 'v2' : 'pseudo', `${g.name}: checksum kind`);
    if (g.password) t.same(adv.authData, passwordAuthData(g.password), `${g.name}: auth data`);
    const encoded = encodeAdvertisement(
      {
        version: adv.version,
        vrid: adv.vrid,
        priority: adv.priority,
        advertIntervalCs: adv.advertIntervalCs,
        family: 4,
        addresses: adv.addresses,
        ...(g.password ? { authType: 1, authData: passwordAuthData(g.password) } : {}),
      },
      { source: g.expect.source, destination: g.expect.destination },
    );
    t.equal(encoded.toString('hex'), g.packet.subarray(20).toString('hex'), `${g.name}: encoder matches keepalived`);
  }
});

t.test('keepalived IPv6 capture decodes from the payload and re-encodes', async (t) => {
  const payload = V3_IPV6.subarray(40);
  const meta = { family: 6 as const, source: V3_IPV6_SOURCE, destination: 'ff02::12', ttl: 255 };
  const adv = ok(parseVrrpMessage(payload, meta));
  t.match(adv, { version: 3, vrid: 53, priority: 150, advertIntervalCs: 100, family: 6, addresses: ['fd00:99::100', 'fd00:99::101'], source: V3_IPV6_SOURCE });
  const encoded = encodeAdvertisement(adv, { source: V3_IPV6_SOURCE, destination: 'ff02::12' });
  t.equal(encoded.toString('hex'), payload.toString('hex'));
  // The checksum covers the pseudo-header: another source makes it wrong.
  const other = parseVrrpMessage(payload, { ...meta, source: 'fe80::1' });
  t.match(other, { ok: false, reason: 'checksum', vrid: 53 });
});

t.test('v3 IPv4 checksum: RFC pseudo-header, the interop variant without it, and the receive modes', async (t) => {
  const adv: Advertisement = { version: 3, vrid: 52, priority: 100, advertIntervalCs: 100, family: 4, addresses: ['10.99.0.102'] };
  const where = { source: '10.99.0.1', destination: '224.0.0.18' };
  const rfc = encodeAdvertisement(adv, where);
  const old = encodeAdvertisement(adv, { ...where, checksum: 'no-pseudo' });
  t.equal(rfc.readUInt16BE(6), 0x74aa, 'pseudo-header checksum is what keepalived sends');
  t.not(old.readUInt16BE(6), 0x74aa);
  t.equal(internetChecksum(old), 0, 'no-pseudo checksum covers the message only');
  const meta = { family: 4 as const, ...where, ttl: 255 };
  t.match(parseVrrpMessage(old, meta), { ok: false, reason: 'checksum' }, 'default mode rejects the old checksum');
  t.match(parseVrrpMessage(old, meta, { checksum: 'either' }), { ok: true, advert: { checksumKind: 'no-pseudo' } });
  t.match(parseVrrpMessage(old, meta, { checksum: 'no-pseudo' }), { ok: true, advert: { checksumKind: 'no-pseudo' } });
  t.match(parseVrrpMessage(rfc, meta, { checksum: 'either' }), { ok: true, advert: { checksumKind: 'pseudo' } });
  t.match(parseVrrpMessage(rfc, meta, { checksum: 'no-pseudo' }), { ok: false, reason: 'checksum' });
  t.equal(internetChecksum(rfc, pseudoHeaderSum(ipToBytes(where.source), ipToBytes(where.destination), rfc.length)), 0);
});

t.test('encoder output for new values checked with tshark', async (t) => {
  // Both payloads were wrapped in an IP header, written to a pcap (LINKTYPE_RAW) and dissected with
  // `tshark -V` (Wireshark 4.0, Debian 12): "Checksum: 0xc7ae [correct]" and "Checksum: 0x8788 [correct]".
  const v6 = encodeAdvertisement(
    { version: 3, vrid: 1, priority: 255, advertIntervalCs: 4095, family: 6, addresses: ['fd00::1', 'fd00:1:2:3:4:5:6:7'] },
    { source: 'fe80::1', destination: 'ff02::12' },
  );
  t.equal(v6.toString('hex'), hex(`
    3101 ff02 0fff c7ae                         // v3, VRID 1, prio 255, 2 addrs, 4095 cs, checksum
    fd00 0000 0000 0000 0000 0000 0000 0001
    fd00 0001 0002 0003 0004 0005 0006 0007
  `).toString('hex'), 'v3 IPv6, fe80::1 -> ff02::12');
  const v4 = encodeAdvertisement(
    { version: 3, vrid: 200, priority: 1, advertIntervalCs: 7, family: 4, addresses: ['10.1.2.3', '10.255.255.254', '10.0.0.0'] },
    { source: '10.9.8.7', destination: '10.9.8.6' },
  );
  t.equal(v4.toString('hex'), hex(`
    31c8 0103 0007 8788                         // v3, VRID 200, prio 1, 3 addrs, 7 cs, checksum
    0a01 0203 0aff fffe 0a00 0000
  `).toString('hex'), 'v3 IPv4 unicast, 10.9.8.7 -> 10.9.8.6');
});

// Error table: each parse failure, in the fixed order. Each row mutates a good packet.
function patch(packet: Buffer, edits: Array<[number, number]>): Buffer {
  const p = Buffer.from(packet);
  for (const [i, v] of edits) p[i] = v;
  return p;
}

t.test('parse failures (IPv4 packets)', async (t) => {
  const good = V2_PASS_ONE_VIP; // VRRP starts at 20
  const table: Array<{ name: string; packet: Uint8Array; reason: string; opts?: Parameters<typeof parseIpv4Packet>[1] }> = [
    { name: 'empty', packet: Buffer.alloc(0), reason: 'ip-header' },
    { name: 'short IP header', packet: good.subarray(0, 19), reason: 'ip-header' },
    { name: 'IPv6 version nibble', packet: patch(good, [[0, 0x65]]), reason: 'ip-header' },
    { name: 'IHL 4', packet: patch(good, [[0, 0x44]]), reason: 'ip-header' },
    { name: 'IHL past the end', packet: patch(good, [[0, 0x4f]]), reason: 'ip-header' },
    { name: 'total length < header', packet: patch(good, [[2, 0], [3, 10]]), reason: 'ip-header' },
    { name: 'protocol 17', packet: patch(good, [[9, 17]]), reason: 'ip-header' },
    { name: 'fragment', packet: patch(good, [[6, 0x20]]), reason: 'ip-header' },
    { name: 'TTL 254', packet: patch(good, [[8, 254]]), reason: 'ttl' },
    { name: 'TTL 1 and bad everything else', packet: patch(good, [[8, 1], [20, 0x51], [27, 0]]), reason: 'ttl' },
    { name: 'truncated read', packet: good.subarray(0, 30), reason: 'length' },
    { name: 'version 1', packet: patch(good, [[20, 0x11]]), reason: 'version' },
    { name: 'version 3 when 2 expected', packet: V3_IPV4, reason: 'version', opts: { version: 2 } },
    { name: 'version 2 when 3 expected', packet: good, reason: 'version', opts: { version: 3 } },
    { name: 'VRRP header cut', packet: patch(good.subarray(0, 26), [[3, 26]]), reason: 'length' },
    { name: 'count says 2, room for 1', packet: patch(good, [[23, 2]]), reason: 'length' },
    { name: 'count 0', packet: patch(good, [[23, 0]]), reason: 'length' },
    { name: 'v2 without auth data', packet: patch(good.subarray(0, 32), [[3, 32]]), reason: 'length' },
    { name: 'checksum', packet: patch(good, [[27, 0xef]]), reason: 'checksum' },
    { name: 'priority changed, checksum not', packet: patch(good, [[22, 100]]), reason: 'checksum' },
    { name: 'v3 checksum', packet: patch(V3_IPV4, [[31, 0xab]]), reason: 'checksum' },
  ];
  for (const row of table) {
    const r = parseIpv4Packet(row.packet, row.opts);
    t.match(r, { ok: false, reason: row.reason }, row.name);
  }
  // Type 2 with a checksum fixed up: the type check comes after the checksum.
  const typed = Buffer.from(good);
  typed[20] = 0x22;
  typed.writeUInt16BE(0, 26);
  typed.writeUInt16BE(internetChecksum(typed.subarray(20)), 26);
  t.match(parseIpv4Packet(typed), { ok: false, reason: 'type', vrid: 51 }, 'type 2');
});

t.test('parse failures (payload with socket metadata)', async (t) => {
  const payload = V3_IPV6.subarray(40);
  const meta = { family: 6 as const, source: V3_IPV6_SOURCE, destination: 'ff02::12', ttl: 255 };
  t.match(parseVrrpMessage(payload, { ...meta, ttl: 64 }), { ok: false, reason: 'ttl' });
  t.match(parseVrrpMessage(payload, { ...meta, source: 'nonsense' }), { ok: false, reason: 'ip-header' });
  t.match(parseVrrpMessage(payload, { ...meta, source: '10.0.0.1' }), { ok: false, reason: 'ip-header' });
  t.match(parseVrrpMessage(V2_PASS_ONE_VIP.subarray(20), meta), { ok: false, reason: 'version' }, 'v2 over IPv6');
  t.match(parseVrrpMessage(payload.subarray(0, 39), meta), { ok: false, reason: 'length' });
  t.match(parseVrrpMessage(Buffer.alloc(0), meta), { ok: false, reason: 'length' });
});

t.test('encode rejects values that cannot go on the wire', async (t) => {
  const base: Advertisement = { version: 2, vrid: 1, priority: 100, advertIntervalCs: 100, family: 4, addresses: ['10.0.0.1'] };
  const bad: Array<[string, Partial<Advertisement>]> = [
    ['vrid 0', { vrid: 0 }],
    ['vrid 256', { vrid: 256 }],
    ['priority 256', { priority: 256 }],
    ['v2 half second', { advertIntervalCs: 50 }],
    ['v2 IPv6', { family: 6, addresses: ['fd00::1'] }],
    ['no addresses', { addresses: [] }],
    ['wrong family address', { addresses: ['fd00::1'] }],
    ['v3 interval 4096', { version: 3, advertIntervalCs: 4096 }],
    ['bad auth data', { authType: 1, authData: Buffer.alloc(7) }],
  ];
  for (const [name, change] of bad) {
    t.throws(() => encodeAdvertisement({ ...base, ...change }, { source: '10.0.0.2', destination: '224.0.0.18' }), { code: 'VIPD_ERR_VRRP_ENCODE' }, name);
  }
  t.throws(() => encodeAdvertisement({ ...base, version: 3 }), { code: 'VIPD_ERR_VRRP_ENCODE' }, 'v3 needs addresses for the checksum');
});

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
const ipv6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((ws) => ws.map((w) => w.toString(16)).join(':'));

t.test('round trip: encode then parse gives the advert back (fast-check)', async (t) => {
  const advert = fc.oneof(
    fc.record({
      version: fc.constant(2 as const),
      vrid: fc.integer({ min: 1, max: 255 }),
      priority: fc.integer({ min: 0, max: 255 }),
      advertIntervalCs: fc.integer({ min: 1, max: 255 }).map((s) => s * 100),
      family: fc.constant(4 as const),
      addresses: fc.array(ipv4, { minLength: 1, maxLength: 20 }),
      authType: fc.constantFrom(0, 1),
      authData: fc.string({ maxLength: 8 }).map((s) => passwordAuthData(s)),
    }),
    fc.record({
      version: fc.constant(3 as const),
      vrid: fc.integer({ min: 1, max: 255 }),
      priority: fc.integer({ min: 0, max: 255 }),
      advertIntervalCs: fc.integer({ min: 1, max: 4095 }),
      family: fc.constant(4 as const),
      addresses: fc.array(ipv4, { minLength: 1, maxLength: 20 }),
    }),
    fc.record({
      version: fc.constant(3 as const),
      vrid: fc.integer({ min: 1, max: 255 }),
      priority: fc.integer({ min: 0, max: 255 }),
      advertIntervalCs: fc.integer({ min: 1, max: 4095 }),
      family: fc.constant(6 as const),
      addresses: fc.array(ipv6, { minLength: 1, maxLength: 10 }),
    }),
  );
  fc.assert(
    fc.property(advert, fc.boolean(), (adv, noPseudo) => {
      const source = adv.family === 4 ? '10.1.2.3' : 'fe80::1';
      const destination = adv.family === 4 ? '224.0.0.18' : 'ff02::12';
      const bytes = encodeAdvertisement(adv, { source, destination, checksum: noPseudo ? 'no-pseudo' : 'pseudo' });
      const r = parseVrrpMessage(bytes, { family: adv.family, source, destination, ttl: 255 }, { checksum: 'either' });
      if (!r.ok) return false;
      const back = r.advert;
      const norm = (xs: readonly string[]) => xs.map((x) => ipToBytes(x).toString('hex'));
      return (
        back.version === adv.version &&
        back.vrid === adv.vrid &&
        back.priority === adv.priority &&
        back.advertIntervalCs === adv.advertIntervalCs &&
        JSON.stringify(norm(back.addresses)) === JSON.stringify(norm(adv.addresses)) &&
        (adv.version === 3 || (back.authType === adv.authType && Buffer.compare(Buffer.from(back.authData!), adv.authData) === 0))
      );
    }),
    { numRuns: 300 },
  );
  t.pass('round trips');
});

t.test('garbage never throws, and parsing is linear', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 0, max: 255 }), (bytes, ttl) => {
      parseIpv4Packet(bytes);
      parseVrrpMessage(bytes, { family: 4, source: '10.0.0.1', destination: '224.0.0.18', ttl });
      parseVrrpMessage(bytes, { family: 6, source: 'fe80::1', destination: 'ff02::12', ttl: 255 }, { checksum: 'either' });
      return true;
    }),
    { numRuns: 2000 },
  );
  // Mutations of real packets (with valid-looking headers) too.
  fc.assert(
    fc.property(fc.constantFrom(V2_PASS_TWO_VIPS, V3_IPV4, V2_UNICAST), fc.array(fc.tuple(fc.nat(50), fc.nat(255)), { maxLength: 6 }), fc.nat(60), (p, edits, cut) => {
      const m = patch(p, edits.filter(([i]) => i < p.length) as Array<[number, number]>);
      parseIpv4Packet(m.subarray(0, Math.min(cut, m.length)));
      parseIpv4Packet(m);
      return true;
    }),
    { numRuns: 2000 },
  );
  // A 64 KiB packet parses in well under a millisecond per KiB: no quadratic paths.
  const big = Buffer.alloc(65535, 0xff);
  const start = process.hrtime.bigint();
  for (let i = 0; i < 100; i++) parseIpv4Packet(big);
  t.ok(Number(process.hrtime.bigint() - start) / 1e6 < 1000, 'fast on large garbage');
});
