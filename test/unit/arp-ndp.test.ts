// ARP and neighbour-advertisement codecs against frames captured from real tools.
//
// Golden frames: captured with `tcpdump -xx` in a two-namespace lab (test/helpers/netns-lab.ts) on
// node b, while node a (MAC 02:77:01:00:00:0a) ran
//   - arping 2.23 `arping -c1 -U -i eth0 -S 10.119.1.10 10.119.1.10` and the same with `-P`;
//   - keepalived 2.2.7 (`--vrrp`, one instance with virtual_ipaddress 10.119.1.100/24 and
//     virtual_ipaddress_excluded fd00:119:1::100/64) becoming MASTER: its gratuitous ARP and its
//     unsolicited neighbour advertisement. tcpdump reported "[icmp6 sum ok]" for the NA.
import t from 'tap';
import { DecodeError } from '../../src/errors.js';
import { decodeArp, encodeArp, encodeGratuitousArp, isGratuitousArp, ARP_REPLY, ARP_REQUEST } from '../../src/netif/arp.js';
import { decodeNeighborAdvert, encodeNeighborAdvert, encodeUnsolicitedNa, icmpv6Checksum } from '../../src/netif/ndp.js';
import { ipToBytes } from '../../src/netif/ip-address.js';

const hex = (rows: string) => Buffer.from(rows.replace(/#.*$/gm, '').replace(/\s+/g, ''), 'hex');

// keepalived 2.2.7 gratuitous ARP for 10.119.1.100 (42 bytes, unpadded)
const KEEPALIVED_GARP = hex(`
  ffff ffff ffff 0277 0100 000a 0806 0001   # eth dst broadcast, src, type ARP; htype 1
  0800 0604 0001 0277 0100 000a 0a77 0164   # ptype IPv4, hlen 6, plen 4, op 1 (request), sha, spa 10.119.1.100
  ffff ffff ffff 0a77 0164                  # tha ff:ff:ff:ff:ff:ff, tpa 10.119.1.100
`);

// arping 2.23 -U (request form), 58 bytes: arping appends 16 zero bytes of padding
const ARPING_U = hex(`
  ffff ffff ffff 0277 0100 000a 0806 0001
  0800 0604 0001 0277 0100 000a 0a77 010a   # op 1, spa 10.119.1.10
  ffff ffff ffff 0a77 010a 0000 0000 0000   # tha broadcast, tpa 10.119.1.10, padding
  0000 0000 0000 0000 0000
`);

// arping 2.23 -U -P (reply form), 58 bytes with arping's padding
const ARPING_U_P = hex(`
  ffff ffff ffff 0277 0100 000a 0806 0001
  0800 0604 0002 0277 0100 000a 0a77 010a   # op 2 (reply)
  ffff ffff ffff 0a77 010a 0000 0000 0000
  0000 0000 0000 0000 0000
`);

// keepalived 2.2.7 unsolicited NA for fd00:119:1::100 (86 bytes)
const KEEPALIVED_NA = hex(`
  3333 0000 0001 0277 0100 000a 86dd 6000   # eth dst 33:33:00:00:00:01, src, IPv6; version 6
  0000 0020 3aff fd00 0119 0001 0000 0000   # payload 32, next header 58, hop limit 255, src fd00:119:1::100
  0000 0000 0100 ff02 0000 0000 0000 0000   # dst ff02::1
  0000 0000 0001 8800 54e9 2000 0000 fd00   # type 136 code 0, checksum 54e9, flags O, target...
  0119 0001 0000 0000 0000 0000 0100 0201   # ...fd00:119:1::100; option 2 (target lladdr) length 1
  0277 0100 000a                            # 02:77:01:00:00:0a
`);

// Linux router solicitation from the same capture (not an NA)
const ROUTER_SOLICITATION = hex(`
  3333 0000 0002 0277 0100 000b 86dd 6000
  0000 0010 3aff fe80 0000 0000 0000 0077
  01ff fe00 000b ff02 0000 0000 0000 0000
  0000 0000 0002 8500 782a 0000 0000 0101
  0277 0100 000b
`);

const MAC = '02:77:01:00:00:0a';

t.test('gratuitous ARP, request form, equals keepalived', async (t) => {
  t.same(encodeGratuitousArp({ mac: MAC, address: '10.119.1.100', form: 'request' }), KEEPALIVED_GARP);
  t.same(encodeGratuitousArp({ mac: MAC, address: '10.119.1.100' }), KEEPALIVED_GARP, 'request is the default');
  t.same(encodeGratuitousArp({ mac: MAC, address: '10.119.1.10', form: 'request' }), ARPING_U.subarray(0, 42), 'equals arping -U without its padding');
  t.ok(ARPING_U.subarray(42).every((b) => b === 0), 'arping padding is zeros');
});

t.test('gratuitous ARP, reply form, equals arping -U -P', async (t) => {
  t.same(encodeGratuitousArp({ mac: MAC, address: '10.119.1.10', form: 'reply' }), ARPING_U_P.subarray(0, 42), 'equals arping -U -P without its padding');
});

t.test('ARP decode', async (t) => {
  const k = decodeArp(KEEPALIVED_GARP);
  t.same(k, {
    ethDestination: 'ff:ff:ff:ff:ff:ff', ethSource: MAC, op: ARP_REQUEST,
    senderMac: MAC, senderIp: '10.119.1.100', targetMac: 'ff:ff:ff:ff:ff:ff', targetIp: '10.119.1.100',
  });
  t.ok(isGratuitousArp(k));
  const r = decodeArp(ARPING_U_P);
  t.equal(r.op, ARP_REPLY, 'padding ignored');
  t.equal(r.senderIp, '10.119.1.10');
  t.same(encodeArp(decodeArp(KEEPALIVED_GARP)), KEEPALIVED_GARP, 'round trip');
  t.notOk(isGratuitousArp({ ...k, targetIp: '10.119.1.1' }));
});

t.test('ARP decode rejects bad input with DecodeError', async (t) => {
  t.throws(() => decodeArp(Buffer.alloc(5)), DecodeError);
  t.throws(() => decodeArp(KEEPALIVED_GARP.subarray(0, 30)), { name: 'DecodeError', message: /truncated/ });
  t.throws(() => decodeArp(KEEPALIVED_NA), { name: 'DecodeError', message: /not ARP: EtherType 0x86dd/ });
  const weird = Buffer.from(KEEPALIVED_GARP);
  weird.writeUInt16BE(6, 14); // hardware type IEEE 802
  t.throws(() => decodeArp(weird), { name: 'DecodeError', message: /hardware type 6/ });
  t.throws(() => encodeGratuitousArp({ mac: MAC, address: 'fd00::1' }), TypeError);
});

t.test('unsolicited NA equals keepalived', async (t) => {
  t.same(encodeUnsolicitedNa({ mac: MAC, address: 'fd00:119:1::100' }), KEEPALIVED_NA);
});

t.test('NA decode', async (t) => {
  const na = decodeNeighborAdvert(KEEPALIVED_NA);
  t.same(na, {
    ethDestination: '33:33:00:00:00:01', ethSource: MAC, source: 'fd00:119:1::100', destination: 'ff02::1',
    hopLimit: 255, router: false, solicited: false, override: true, target: 'fd00:119:1::100', targetMac: MAC,
  });
  t.same(encodeNeighborAdvert(na), KEEPALIVED_NA, 'round trip');
  const router = decodeNeighborAdvert(encodeUnsolicitedNa({ mac: MAC, address: 'fd00:119:1::100', router: true }));
  t.ok(router.router && router.override && !router.solicited, 'router flag, checksum still valid');
  const ll = decodeNeighborAdvert(encodeUnsolicitedNa({ mac: MAC, address: 'fe80::1', source: 'fe80::77:1ff:fe00:a' }));
  t.equal(ll.source, 'fe80::77:1ff:fe00:a');
  t.equal(ll.target, 'fe80::1');
  const padded = Buffer.concat([KEEPALIVED_NA, Buffer.alloc(4)]);
  t.equal(decodeNeighborAdvert(padded).target, 'fd00:119:1::100', 'Ethernet padding ignored');
});

t.test('ICMPv6 checksum', async (t) => {
  const msg = Buffer.from(KEEPALIVED_NA.subarray(54));
  t.equal(icmpv6Checksum(ipToBytes('fd00:119:1::100'), ipToBytes('ff02::1'), msg), 0, 'a valid message sums to 0');
  msg.writeUInt16BE(0, 2);
  t.equal(icmpv6Checksum(ipToBytes('fd00:119:1::100'), ipToBytes('ff02::1'), msg), 0x54e9, 'keepalived value');
});

t.test('NA decode rejects bad input with DecodeError', async (t) => {
  t.throws(() => decodeNeighborAdvert(ROUTER_SOLICITATION), { name: 'DecodeError', message: /type 133/ });
  t.throws(() => decodeNeighborAdvert(KEEPALIVED_GARP), { name: 'DecodeError', message: /not IPv6/ });
  t.throws(() => decodeNeighborAdvert(KEEPALIVED_NA.subarray(0, 70)), { name: 'DecodeError', message: /truncated/ });
  const bad = Buffer.from(KEEPALIVED_NA);
  bad[80] = 0x11; // flip a MAC byte in the option: checksum no longer matches
  t.throws(() => decodeNeighborAdvert(bad), { name: 'DecodeError', message: /checksum/ });
  const zeroOpt = Buffer.from(KEEPALIVED_NA);
  zeroOpt[79] = 0; // option length 0
  zeroOpt.writeUInt16BE(0, 56);
  zeroOpt.writeUInt16BE(icmpv6Checksum(zeroOpt.subarray(22, 38), zeroOpt.subarray(38, 54), zeroOpt.subarray(54)), 56);
  t.throws(() => decodeNeighborAdvert(zeroOpt), { name: 'DecodeError', message: /length 0/ });
  const v4 = Buffer.from(KEEPALIVED_NA);
  v4[14] = 0x45;
  t.throws(() => decodeNeighborAdvert(v4), { name: 'DecodeError', message: /version 4/ });
  const ext = Buffer.from(KEEPALIVED_NA);
  ext[20] = 0; // hop-by-hop options header
  t.throws(() => decodeNeighborAdvert(ext), { name: 'DecodeError', message: /not ICMPv6/ });
});

t.test('fuzz: decoders only ever throw DecodeError', async (t) => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 2000; i++) {
    const base = i % 2 ? KEEPALIVED_NA : KEEPALIVED_GARP;
    const b = Buffer.from(base.subarray(0, Math.floor(rnd() * (base.length + 1))));
    for (let j = 0; j < 3 && b.length; j++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
    for (const decode of [decodeArp, decodeNeighborAdvert]) {
      try {
        decode(b);
      } catch (e) {
        if (!(e instanceof DecodeError)) t.fail(`non-DecodeError ${String(e)} for ${b.toString('hex')}`);
      }
    }
  }
  t.pass('2000 mutated frames');
});
