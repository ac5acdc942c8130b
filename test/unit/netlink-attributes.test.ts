// struct nlattr codec: golden bytes, strict-length error tables, sticky errors, round trips.
// Golden rows come from strace of `ip link add mv0 link va type macvlan mode bridge` and
// `ip addr add 10.1.2.4/32 dev va label va:vip` (iproute2 6.1).
import t from 'tap';
import fc from 'fast-check';
import { AttributeDecoder, AttributeEncoder, EncodeError } from '../../src/netif/netlink/attributes.js';
import { DecodeError } from '../../src/errors.js';
import { hex } from '../helpers/nltest.js';

// IFLA_* attributes of the macvlan RTM_NEWLINK (after the 16-byte ifinfomsg).
const macvlanAttrs = hex(`
  08 00 05 00 03 00 00 00                 // IFLA_LINK 3
  08 00 03 00 6d 76 30 00                 // IFLA_IFNAME "mv0"
  1c 00 12 00                             // IFLA_LINKINFO (no NLA_F_NESTED, as iproute2 sends it)
    0b 00 01 00 6d 61 63 76 6c 61 6e 00   //   IFLA_INFO_KIND "macvlan" (7 bytes: iproute2 sends no NUL)
    0c 00 02 00                           //   IFLA_INFO_DATA
      08 00 01 00 04 00 00 00             //     IFLA_MACVLAN_MODE bridge
`);

// IFA_* attributes with a label: the string "va:vip" is padded from 11 to 12 bytes.
const labelAttrs = hex(`
  08 00 02 00 0a 01 02 04                 // IFA_LOCAL
  0b 00 03 00 76 61 3a 76 69 70 00 00     // IFA_LABEL "va:vip"
  08 00 01 00 0a 01 02 04                 // IFA_ADDRESS
`);

t.test('encoder reproduces iproute2 attributes', async (t) => {
  const mv = new AttributeEncoder()
    .uint32(5, 3)
    .string(3, 'mv0')
    .nested(18, (i) => i.bytes(1, Buffer.from('macvlan')).nested(2, (d) => d.uint32(1, 4)))
    .encode();
  t.equal(mv.toString('hex'), macvlanAttrs.toString('hex'));
  const ip = Buffer.from([10, 1, 2, 4]);
  const lb = new AttributeEncoder().bytes(2, ip).string(3, 'va:vip').bytes(1, ip).encode();
  t.equal(lb.toString('hex'), labelAttrs.toString('hex'));
});

t.test('decoder reads nested attributes and skips unknown ones', async (t) => {
  const d = new AttributeDecoder(macvlanAttrs);
  const seen: unknown[] = [];
  while (d.next()) {
    if (d.type === 3) seen.push(['name', d.string()]);
    else if (d.type === 18) {
      d.nested((info) => {
        while (info.next()) {
          if (info.type === 1) seen.push(['kind', info.string()]);
          if (info.type === 2) info.nested((dd) => { while (dd.next()) seen.push(['mode', dd.uint32()]); });
        }
      });
    }
    // type 5 (IFLA_LINK) is not asked for: skipped
  }
  t.equal(d.err(), undefined);
  t.same(seen, [['name', 'mv0'], ['kind', 'macvlan'], ['mode', 4]]);
});

t.test('every integer width and byte order', async (t) => {
  const b = new AttributeEncoder()
    .uint8(1, 0xab).uint16(2, 0xbeef).uint32(3, 0xdeadbeef).uint64(4, 0x0102030405060708n)
    .int32(5, -2).be16(6, 80).be32(7, 0x0a000001).flag(8).bytes(9, new Uint8Array([1, 2, 3])).encode();
  t.equal(b.toString('hex'), [
    '05000100ab000000', '06000200efbe0000', '08000300efbeadde', '0c0004000807060504030201',
    '08000500feffffff', '0600060000500000', '080007000a000001', '04000800', '0700090001020300',
  ].join(''));
  const d = new AttributeDecoder(b);
  const got: unknown[] = [];
  while (d.next()) {
    switch (d.type) {
      case 1: got.push(d.uint8()); break;
      case 2: got.push(d.uint16()); break;
      case 3: got.push(d.uint32()); break;
      case 4: got.push(d.uint64()); break;
      case 5: got.push(d.int32()); break;
      case 6: got.push(d.be16()); break;
      case 7: got.push(d.be32()); break;
      case 8: got.push(d.flag()); break;
      case 9: got.push([...d.bytes()]); break;
    }
  }
  t.equal(d.err(), undefined);
  t.same(got, [0xab, 0xbeef, 0xdeadbeef, 0x0102030405060708n, -2, 80, 0x0a000001, true, [1, 2, 3]]);
});

t.test('NLA_F_NESTED only when asked, and masked off on decode', async (t) => {
  const b = new AttributeEncoder().nested(7, (e) => e.uint8(1, 1), { flag: true }).encode();
  t.equal(b.readUInt16LE(2), 0x8007);
  const d = new AttributeDecoder(b);
  t.ok(d.next());
  t.equal(d.type, 7);
  t.ok(d.nestedFlag);
});

t.test('decode errors are typed, sticky and carry offsets', async (t) => {
  const cases: Array<[string, Buffer, (d: AttributeDecoder) => void, RegExp, number]> = [
    ['truncated header', hex('08 00 01'), () => {}, /header truncated: 3 of 4/, 0],
    ['length below header', hex('02 00 01 00'), () => {}, /shorter than its header/, 0],
    ['length past end', hex('08 00 01 00 01 00'), () => {}, /runs past its container/, 0],
    ['second attribute past end', hex('05 00 01 00 01 00 00 00 0c 00 02 00 00'), () => {}, /runs past/, 8],
    ['uint32 of 2 bytes', hex('06 00 01 00 01 00 00 00'), (d) => d.uint32(), /uint32 needs 4 bytes, has 2/, 0],
    ['uint8 of 4 bytes', hex('08 00 01 00 01 00 00 00'), (d) => d.uint8(), /uint8 needs 1 bytes, has 4/, 0],
    ['uint64 of 4 bytes', hex('08 00 01 00 01 00 00 00'), (d) => d.uint64(), /uint64 needs 8/, 0],
    ['flag with payload', hex('05 00 01 00 01 00 00 00'), (d) => d.flag(), /flag needs 0 bytes/, 0],
    ['nested garbage', hex('08 00 01 00 01 00 ff ff'), (d) => d.nested((n) => { while (n.next()); }), /shorter than its header/, 4],
  ];
  for (const [name, b, read, re, offset] of cases) {
    const d = new AttributeDecoder(b);
    while (d.next()) read(d);
    const err = d.err();
    t.ok(err instanceof DecodeError, name);
    t.match(err?.message, re, name);
    t.equal((err as DecodeError).offset, offset, `${name}: offset`);
    t.notOk(d.next(), `${name}: sticky`);
    t.equal(d.uint32(), 0, `${name}: reads after the error are zero`);
  }
});

t.test('strings without NUL and empty buffers decode', async (t) => {
  const d = new AttributeDecoder(hex('06 00 03 00 76 61 00 00'));
  t.ok(d.next());
  t.equal(d.string(), 'va');
  t.notOk(d.next());
  t.equal(d.err(), undefined);
  const e = new AttributeDecoder(Buffer.alloc(0));
  t.notOk(e.next());
  t.equal(e.err(), undefined);
});

t.test('encode errors are sticky and thrown by encode()', async (t) => {
  const cases: Array<[string, (e: AttributeEncoder) => void, RegExp]> = [
    ['uint8 overflow', (e) => e.uint8(1, 256), /256 does not fit uint8/],
    ['uint16 negative', (e) => e.uint16(1, -1), /does not fit uint16/],
    ['uint32 fraction', (e) => e.uint32(1, 1.5), /does not fit uint32/],
    ['int32 overflow', (e) => e.int32(1, 2 ** 31), /does not fit int32/],
    ['uint64 negative', (e) => e.uint64(1, -1n), /does not fit uint64/],
    ['NUL in string', (e) => e.string(1, 'a\0b'), /contains NUL/],
    ['type too big', (e) => e.flag(0x4000), /attribute type 16384/],
    ['payload too long', (e) => e.bytes(1, new Uint8Array(70000)), /too long/],
    ['error inside nested', (e) => e.nested(1, (n) => n.uint8(2, 999)), /999 does not fit uint8/],
  ];
  for (const [name, fn, re] of cases) {
    const e = new AttributeEncoder();
    fn(e);
    e.uint32(9, 1); // ignored after the failure
    t.match(e.err()?.message, re, name);
    t.throws(() => e.encode(), EncodeError, name);
  }
});

t.test('round trip (fast-check)', async (t) => {
  const attr = fc.oneof(
    fc.record({ kind: fc.constant('u8' as const), type: fc.integer({ min: 0, max: 0x3fff }), v: fc.integer({ min: 0, max: 0xff }) }),
    fc.record({ kind: fc.constant('u16' as const), type: fc.integer({ min: 0, max: 0x3fff }), v: fc.integer({ min: 0, max: 0xffff }) }),
    fc.record({ kind: fc.constant('u32' as const), type: fc.integer({ min: 0, max: 0x3fff }), v: fc.nat({ max: 0xffffffff }) }),
    fc.record({ kind: fc.constant('u64' as const), type: fc.integer({ min: 0, max: 0x3fff }), v: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
    fc.record({ kind: fc.constant('str' as const), type: fc.integer({ min: 0, max: 0x3fff }), v: fc.string({ maxLength: 40 }).filter((s) => !s.includes('\0')) }),
    fc.record({ kind: fc.constant('bytes' as const), type: fc.integer({ min: 0, max: 0x3fff }), v: fc.uint8Array({ maxLength: 40 }) }),
  );
  const tree = fc.array(fc.oneof(attr, fc.record({ kind: fc.constant('nest' as const), type: fc.integer({ min: 0, max: 0x3fff }), v: fc.array(attr, { maxLength: 5 }) })), { maxLength: 12 });
  type A = { kind: string; type: number; v: unknown };
  const enc = (e: AttributeEncoder, as: A[]): void => {
    for (const a of as) {
      switch (a.kind) {
        case 'u8': e.uint8(a.type, a.v as number); break;
        case 'u16': e.uint16(a.type, a.v as number); break;
        case 'u32': e.uint32(a.type, a.v as number); break;
        case 'u64': e.uint64(a.type, a.v as bigint); break;
        case 'str': e.string(a.type, a.v as string); break;
        case 'bytes': e.bytes(a.type, a.v as Uint8Array); break;
        case 'nest': e.nested(a.type, (n) => enc(n, a.v as A[])); break;
      }
    }
  };
  const dec = (d: AttributeDecoder, as: A[]): unknown[] => {
    const out: unknown[] = [];
    for (const a of as) {
      if (!d.next()) return [...out, 'missing'];
      if (d.type !== a.type) out.push(['type', d.type]);
      switch (a.kind) {
        case 'u8': out.push(d.uint8()); break;
        case 'u16': out.push(d.uint16()); break;
        case 'u32': out.push(d.uint32()); break;
        case 'u64': out.push(d.uint64()); break;
        case 'str': out.push(d.string()); break;
        case 'bytes': out.push(new Uint8Array(d.bytes())); break;
        case 'nest': { let inner: unknown[] = []; d.nested((n) => { inner = dec(n, a.v as A[]); }); out.push(inner); break; }
      }
    }
    if (d.next()) out.push('extra');
    return out;
  };
  const expect = (as: A[]): unknown[] => as.map((a) => (a.kind === 'nest' ? expect(a.v as A[]) : a.v));
  fc.assert(fc.property(tree, (as) => {
    const e = new AttributeEncoder();
    enc(e, as as A[]);
    const b = e.encode();
    if (b.length % 4 !== 0) return false;
    const d = new AttributeDecoder(b);
    const got = dec(d, as as A[]);
    t.same(got, expect(as as A[]));
    return d.err() === undefined;
  }), { numRuns: 300 });
});
