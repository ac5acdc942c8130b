// IPVS codecs against golden bytes. Requests were captured with
//   strace -f -e trace=sendmsg,recvmsg -xx -s 4096 ipvsadm ...
// inside Debian's user-mode-linux 6.1 kernel (ipvsadm 1.31 on libnl 3); each row set is a generic
// netlink payload: the 4-byte genl header (cmd, version 1, reserved) and the attributes.
import t from 'tap';
import fc from 'fast-check';
import { AttributeDecoder, AttributeEncoder } from '../../src/netif/netlink/attributes.js';
import { encodeOp, encodeServiceQuery } from '../../src/ipvs/ops.js';
import * as C from '../../src/ipvs/constants.js';
import { makeService, packService, serviceKey, unpackService, type Service } from '../../src/ipvs/service.js';
import { makeDestination, packDestination, unpackDestination, type Destination } from '../../src/ipvs/destination.js';
import { decodeStats } from '../../src/ipvs/stats.js';
import { decodeNested } from '../../src/ipvs/client.js';

const hex = (rows: string[]) => Buffer.from(rows.join(' ').replace(/\s+/g, ''), 'hex');
const genl = (cmd: number, attrs: Buffer) => Buffer.concat([Buffer.from([cmd, 1, 0, 0]), attrs]);

// ipvsadm -A -t 10.0.0.100:6443 -s rr -p 360
const NEW_SERVICE_TCP = hex([
  '01 01 00 00 54 00 01 80 06 00 01 00 02 00 00 00', // NEW_SERVICE; SERVICE nest (NLA_F_NESTED); AF=2
  '06 00 02 00 06 00 00 00 14 00 03 00 0a 00 00 64', // PROTOCOL=6; ADDR 16 bytes: 10.0.0.100
  '00 00 00 00 00 00 00 00 00 00 00 00 06 00 04 00', // ...; PORT
  '19 2b 00 00 07 00 06 00 72 72 00 00 0c 00 07 00', // 6443 (be16); SCHED_NAME "rr"; FLAGS
  '01 00 00 00 ff ff ff ff 08 00 08 00 68 01 00 00', // persistent, mask ~0; TIMEOUT=360
  '08 00 09 00 ff ff ff ff',                         // NETMASK 255.255.255.255
]);
// ipvsadm -A -f 7 -s sh -b sh-fallback,sh-port
const NEW_SERVICE_FWMARK = hex([
  '01 01 00 00 38 00 01 80 06 00 01 00 02 00 00 00',
  '08 00 05 00 07 00 00 00 07 00 06 00 73 68 00 00', // FWMARK=7; SCHED "sh"
  '0c 00 07 00 18 00 00 00 ff ff ff ff 08 00 08 00', // FLAGS sched1|sched2
  '00 00 00 00 08 00 09 00 ff ff ff ff',
]);
// ipvsadm -A -u [fd00::1]:53 -s wrr
const NEW_SERVICE_UDP6 = hex([
  '01 01 00 00 54 00 01 80 06 00 01 00 0a 00 00 00', // AF=10
  '06 00 02 00 11 00 00 00 14 00 03 00 fd 00 00 00', // PROTOCOL=17; fd00::1
  '00 00 00 00 00 00 00 00 00 00 00 01 06 00 04 00',
  '00 35 00 00 08 00 06 00 77 72 72 00 0c 00 07 00', // port 53; "wrr"
  '00 00 00 00 ff ff ff ff 08 00 08 00 00 00 00 00',
  '08 00 09 00 80 00 00 00',                         // NETMASK: IPv6 prefix length 128 (host order)
]);
// ipvsadm -Ln: the GET_DEST dump request carries the service identity only.
const GET_DEST_QUERY = hex([
  '08 01 00 00 30 00 01 80 06 00 01 00 02 00 00 00',
  '06 00 02 00 06 00 00 00 14 00 03 00 0a 00 00 64',
  '00 00 00 00 00 00 00 00 00 00 00 00 06 00 04 00',
  '19 2b 00 00',
]);
// ipvsadm -a -t 10.0.0.100:6443 -r 10.0.0.11:6443 -g -w 1: the DEST nest (ipvsadm also repeats a
// full, empty service config in the SERVICE nest; vipd sends only the identity, as GET_DEST does).
const DEST_NEST_ROUTE_W1 = hex([
  '60 00 02 80 06 00 0b 00 02 00 00 00 14 00 01 00', // DEST nest; ADDR_FAMILY=2; ADDR
  '0a 00 00 0b 00 00 00 00 00 00 00 00 00 00 00 00', // 10.0.0.11
  '06 00 02 00 19 2b 00 00 08 00 03 00 03 00 00 00', // PORT 6443; FWD_METHOD=DROUTE
  '08 00 04 00 01 00 00 00 05 00 0d 00 00 00 00 00', // WEIGHT=1; TUN_TYPE
  '06 00 0e 00 00 00 00 00 06 00 0f 00 00 00 00 00', // TUN_PORT; TUN_FLAGS
  '08 00 05 00 00 00 00 00 08 00 06 00 00 00 00 00', // U_THRESH; L_THRESH
]);
// ipvsadm --set 900 120 300
const SET_CONFIG = hex(['0c 01 00 00 08 00 04 00 84 03 00 00 08 00 05 00', '78 00 00 00 08 00 06 00 2c 01 00 00']);

// Kernel replies to ipvsadm -Ln --stats (after the commands above and -e ... -w 3).
const DUMP_SERVICE_TCP = hex([
  '01 01 00 00 54 01 01 00 06 00 01 00 02 00 00 00', // NEW_SERVICE; SERVICE nest (no NLA_F_NESTED)
  '06 00 02 00 06 00 00 00 14 00 03 00 0a 00 00 64',
  '00 00 00 00 00 00 00 00 00 00 00 00 06 00 04 00',
  '19 2b 00 00 07 00 06 00 72 72 00 00 0c 00 07 00',
  '03 00 00 00 ff ff ff ff 08 00 08 00 68 01 00 00', // persistent|hashed
  '08 00 09 00 ff ff ff ff 60 00 0a 00 08 00 01 00', // STATS (32-bit) nest
  '00 00 00 00 08 00 02 00 00 00 00 00 08 00 03 00',
  '00 00 00 00 0c 00 04 00 00 00 00 00 00 00 00 00',
  '04 00 0b 00 0c 00 05 00 00 00 00 00 00 00 00 00', // PAD; OUTBYTES
  '08 00 06 00 00 00 00 00 08 00 07 00 00 00 00 00',
  '08 00 08 00 00 00 00 00 08 00 09 00 00 00 00 00',
  '08 00 0a 00 00 00 00 00 a0 00 0c 00 0c 00 01 00', // STATS64 nest
  '00 00 00 00 00 00 00 00 04 00 0b 00 0c 00 02 00',
  '00 00 00 00 00 00 00 00 04 00 0b 00 0c 00 03 00',
  '00 00 00 00 00 00 00 00 04 00 0b 00 0c 00 04 00',
  '00 00 00 00 00 00 00 00 04 00 0b 00 0c 00 05 00',
  '00 00 00 00 00 00 00 00 04 00 0b 00 0c 00 06 00',
  '00 00 00 00 00 00 00 00 04 00 0b 00 0c 00 07 00',
  '00 00 00 00 00 00 00 00 04 00 0b 00 0c 00 08 00',
  '00 00 00 00 00 00 00 00 04 00 0b 00 0c 00 09 00',
  '00 00 00 00 00 00 00 00 04 00 0b 00 0c 00 0a 00',
  '00 00 00 00 00 00 00 00',
]);
const DUMP_SERVICE_FWMARK_HEAD = hex([
  '01 01 00 00 38 00 01 00 06 00 01 00 02 00 00 00', // (stats nests cut; nest length adjusted)
  '08 00 05 00 07 00 00 00 07 00 06 00 73 68 00 00',
  '0c 00 07 00 1a 00 00 00 ff ff ff ff 08 00 08 00',
  '00 00 00 00 08 00 09 00 ff ff ff ff',
]);
const DUMP_DEST = hex([
  '05 01 00 00 78 00 02 00 14 00 01 00 0a 00 00 0b', // NEW_DEST; DEST nest (stats cut, length adjusted)
  '00 00 00 00 00 00 00 00 00 00 00 00 06 00 02 00',
  '19 2b 00 00 08 00 03 00 03 00 00 00 08 00 04 00', // DROUTE; WEIGHT
  '03 00 00 00 05 00 0d 00 00 00 00 00 06 00 0e 00', // 3
  '00 00 00 00 06 00 0f 00 00 00 00 00 08 00 05 00',
  '00 00 00 00 08 00 06 00 00 00 00 00 08 00 07 00', // ...; ACTIVE_CONNS
  '00 00 00 00 08 00 08 00 00 00 00 00 08 00 09 00',
  '00 00 00 00 06 00 0b 00 02 00 00 00',             // ADDR_FAMILY=2
]);

const seed = makeService({ family: 4, protocol: 'tcp', address: '10.0.0.100', port: 6443, scheduler: 'rr', flags: { persistent: true }, timeout: 360 });
const seedId = { family: 4 as const, protocol: 'tcp' as const, address: '10.0.0.100', port: 6443 };

t.test('requests are byte-identical to ipvsadm', async (t) => {
  const enc = (op: Parameters<typeof encodeOp>[0]) => { const c = encodeOp(op); return genl(c.cmd, c.attrs); };
  t.same(enc({ kind: 'createService', service: seed }), NEW_SERVICE_TCP, '-A -t 10.0.0.100:6443 -s rr -p 360');
  t.same(enc({ kind: 'createService', service: makeService({ family: 4, fwmark: 7, scheduler: 'sh', flags: { shFallback: true, shPort: true } }) }),
    NEW_SERVICE_FWMARK, '-A -f 7 -s sh -b sh-fallback,sh-port');
  t.same(enc({ kind: 'createService', service: makeService({ family: 6, protocol: 'udp', address: 'fd00::1', port: 53, scheduler: 'wrr' }) }),
    NEW_SERVICE_UDP6, '-A -u [fd00::1]:53 -s wrr');
  t.same(genl(C.IPVS_CMD_GET_DEST, encodeServiceQuery(seedId)), GET_DEST_QUERY, 'GET_DEST query');
  const dest = makeDestination({ family: 4, address: '10.0.0.11', port: 6443, forward: 'route', weight: 1 });
  const expected = Buffer.concat([Buffer.from([C.IPVS_CMD_NEW_DEST, 1, 0, 0]), GET_DEST_QUERY.subarray(4), DEST_NEST_ROUTE_W1]);
  t.same(enc({ kind: 'createDestination', service: seedId, destination: dest }), expected, '-a ... -r 10.0.0.11:6443 -g -w 1');
  const set = enc({ kind: 'updateDestination', service: seedId, destination: { ...dest, weight: 3 } });
  // ipvsadm -e -t 10.0.0.100:6443 -r 10.0.0.11:6443 -g -w 3: the same DEST nest with WEIGHT=3.
  const w3 = Buffer.from(DEST_NEST_ROUTE_W1);
  w3[52] = 3;
  t.equal(set[0], C.IPVS_CMD_SET_DEST);
  t.same(set.subarray(GET_DEST_QUERY.length), w3, '-e ... -w 3');
  const cfg = new AttributeEncoder().uint32(C.IPVS_CMD_ATTR_TIMEOUT_TCP, 900).uint32(C.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, 120).uint32(C.IPVS_CMD_ATTR_TIMEOUT_UDP, 300).encode();
  t.same(genl(C.IPVS_CMD_SET_CONFIG, cfg), SET_CONFIG, '--set 900 120 300 (the encoding IpvsClient.setConfig uses)');
});

t.test('kernel dump replies decode', async (t) => {
  const m = (b: Buffer) => ({ cmd: b[0]!, version: b[1]!, attrs: b.subarray(4) });
  const tcp = decodeNested(m(DUMP_SERVICE_TCP), C.IPVS_CMD_ATTR_SERVICE, unpackService);
  t.same(tcp.service, { ...seed, flags: { persistent: true, hashed: true } });
  t.equal(tcp.stats.conns, 0n);
  const fw = decodeNested(m(DUMP_SERVICE_FWMARK_HEAD), C.IPVS_CMD_ATTR_SERVICE, unpackService);
  t.same(fw.service, { family: 4, fwmark: 7, scheduler: 'sh', flags: { hashed: true, shFallback: true, shPort: true }, timeout: 0, netmask: 32 });
  const d = decodeNested(m(DUMP_DEST), C.IPVS_CMD_ATTR_DEST, (n) => unpackDestination(n, 4));
  t.same(d.destination, { family: 4, address: '10.0.0.11', port: 6443, forward: 'route', weight: 3, upperThreshold: 0, lowerThreshold: 0 });
  t.equal(d.activeConns, 0);
});

t.test('unknown attributes are ignored; IPv4 address in a 4- or 16-byte field', async (t) => {
  const e = new AttributeEncoder()
    .uint16(C.IPVS_SVC_ATTR_AF, C.AF_INET).uint16(C.IPVS_SVC_ATTR_PROTOCOL, 17)
    .bytes(C.IPVS_SVC_ATTR_ADDR, Buffer.from([10, 1, 2, 3])).be16(C.IPVS_SVC_ATTR_PORT, 53)
    .string(C.IPVS_SVC_ATTR_SCHED_NAME, 'wlc').bytes(99, Buffer.from('future')).uint32(C.IPVS_SVC_ATTR_TIMEOUT, 0)
    .be32(C.IPVS_SVC_ATTR_NETMASK, 0xffffff00).string(C.IPVS_SVC_ATTR_PE_NAME, 'sip');
  const s = unpackService(new AttributeDecoder(e.encode())).service;
  t.same(s, { family: 4, protocol: 'udp', address: '10.1.2.3', port: 53, scheduler: 'wlc', flags: {}, timeout: 0, netmask: 24, pe: 'sip' });
});

t.test('stats: 64-bit nest and 32-bit fallback', async (t) => {
  const s64 = new AttributeEncoder().uint64(C.IPVS_STATS_ATTR_CONNS, 1n << 40n).uint64(C.IPVS_STATS_ATTR_INBYTES, 12345678901234n)
    .flag(C.IPVS_STATS_ATTR_PAD).uint64(C.IPVS_STATS_ATTR_OUTBPS, 7n).uint64(77, 1n).encode();
  const a = decodeStats(new AttributeDecoder(s64));
  t.equal(a.conns, 1n << 40n); t.equal(a.inBytes, 12345678901234n); t.equal(a.outBps, 7n);
  const s32 = new AttributeEncoder().uint32(C.IPVS_STATS_ATTR_CONNS, 5).uint32(C.IPVS_STATS_ATTR_INPKTS, 9).uint64(C.IPVS_STATS_ATTR_OUTBYTES, 4n).encode();
  const b = decodeStats(new AttributeDecoder(s32));
  t.equal(b.conns, 5n); t.equal(b.inPackets, 9n); t.equal(b.outBytes, 4n);
  // A service with only the old nest uses it; with both, STATS64 wins.
  const svc = (nests: Array<[number, Buffer]>) => {
    const e = new AttributeEncoder();
    packService(e, seed);
    for (const [type, b] of nests) e.bytes(type, b);
    return unpackService(new AttributeDecoder(e.encode())).stats;
  };
  t.equal(svc([[C.IPVS_SVC_ATTR_STATS, s32]]).conns, 5n);
  t.equal(svc([[C.IPVS_SVC_ATTR_STATS, s32], [C.IPVS_SVC_ATTR_STATS64, s64]]).conns, 1n << 40n);
});

t.test('destinations: tunnel options, own family, thresholds', async (t) => {
  const d: Destination = makeDestination({ family: 4, address: '10.9.0.1', port: 0, forward: 'tunnel', weight: 5, upperThreshold: 100, lowerThreshold: 10, tunnel: { type: 'gue', port: 6080, csum: true } });
  const e = new AttributeEncoder();
  packDestination(e, d);
  t.same(unpackDestination(new AttributeDecoder(e.encode()), 6).destination, d, 'v4 destination of a v6 service keeps its family');
  for (const forward of ['masq', 'route', 'local', 'bypass'] as const) {
    const x = makeDestination({ family: 6, address: 'fd00::5', port: 80, forward });
    const b = new AttributeEncoder(); packDestination(b, x);
    t.same(unpackDestination(new AttributeDecoder(b.encode()), 6).destination, x, forward);
  }
});

t.test('bad input: clear errors', async (t) => {
  t.throws(() => unpackService(new AttributeDecoder(new AttributeEncoder().uint16(C.IPVS_SVC_ATTR_PROTOCOL, 6).encode())), /without IPVS_SVC_ATTR_AF/);
  t.throws(() => unpackService(new AttributeDecoder(new AttributeEncoder().uint16(C.IPVS_SVC_ATTR_AF, 2).encode())), /protocol\/address\/port nor fwmark/);
  t.throws(() => unpackService(new AttributeDecoder(new AttributeEncoder().uint32(C.IPVS_SVC_ATTR_AF, 2).encode())), /uint16 needs 2 bytes/);
  t.throws(() => unpackService(new AttributeDecoder(Buffer.from([8, 0, 1, 0, 2]))), /runs past/);
  t.throws(() => unpackDestination(new AttributeDecoder(new AttributeEncoder().be16(C.IPVS_DEST_ATTR_PORT, 1).encode()), 4), /without address/);
  t.throws(() => encodeOp({ kind: 'createService', service: { ...seed, scheduler: 'a-very-long-scheduler' } }), /1..15 characters/);
  t.throws(() => encodeOp({ kind: 'createService', service: { ...seed, address: 'fd00::1' } as Service }), /not an IPv4 address/);
  t.throws(() => encodeOp({ kind: 'createDestination', service: seedId, destination: makeDestination({ family: 4, address: '10.0.0.1', port: 1, weight: -1 }) }), /bad weight/);
  t.equal(serviceKey(seedId), 'tcp:10.0.0.100:6443');
  t.equal(serviceKey({ family: 6, protocol: 'udp', address: 'FD00:0::1', port: 53 }), 'udp:[fd00::1]:53');
});

t.test('round trip: random services and destinations', async (t) => {
  const svcArb = fc.record({
    v6: fc.boolean(), fw: fc.boolean(), fwmark: fc.integer({ min: 1, max: 0xffffffff }),
    proto: fc.constantFrom('tcp', 'udp', 'sctp'), a: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 16, maxLength: 16 }),
    port: fc.integer({ min: 0, max: 65535 }), sched: fc.constantFrom('rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'),
    persistent: fc.boolean(), onePacket: fc.boolean(), shFallback: fc.boolean(), shPort: fc.boolean(),
    timeout: fc.integer({ min: 0, max: 0xffffffff }), mask: fc.integer({ min: 0, max: 128 }), pe: fc.constantFrom(undefined, 'sip'),
  });
  fc.assert(fc.property(svcArb, (r) => {
    const family: 4 | 6 = r.v6 ? 6 : 4;
    const addr = r.v6 ? Array.from({ length: 8 }, (_, i) => ((r.a[2 * i]! << 8) | r.a[2 * i + 1]!).toString(16)).join(':') : r.a.slice(0, 4).join('.');
    const flags = Object.fromEntries(Object.entries({ persistent: r.persistent, onePacket: r.onePacket, shFallback: r.shFallback, shPort: r.shPort }).filter(([, v]) => v));
    const config = { scheduler: r.sched, flags, timeout: r.timeout, netmask: family === 4 ? Math.min(r.mask, 32) : r.mask, pe: r.pe };
    const s: Service = r.fw ? makeService({ family, fwmark: r.fwmark, ...config }) : makeService({ family, protocol: r.proto as 'tcp', address: addr, port: r.port, ...config });
    const e = new AttributeEncoder(); packService(e, s);
    const back = unpackService(new AttributeDecoder(e.encode())).service;
    t.same(back, s);
  }), { numRuns: 200 });
});
