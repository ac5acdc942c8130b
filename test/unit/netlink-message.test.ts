// nlmsghdr framing and NLMSG_ERROR / NLMSG_DONE payloads.
// Golden bytes: `strace -f -e trace=sendmsg,recvmsg -e write=all -e read=all -xx ip ...` (iproute2 6.1,
// kernel 6.18) run in a throwaway network namespace with a veth pair, and `genl ctrl get name IPVS`.
import t from 'tap';
import { decodeDone, decodeError, decodeMessages, encodeMessage } from '../../src/netif/netlink/message.js';
import { NLMSG_DONE, NLMSG_ERROR, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST } from '../../src/netif/netlink/constants.js';
import { align } from '../../src/netif/netlink/align.js';
import { DecodeError } from '../../src/errors.js';
import { errnoName } from '../../src/netif/netlink/errors.js';
import { hex } from '../helpers/nltest.js';

// `ip addr add 10.1.2.3/24 dev va` (ifindex 3): RTM_NEWADDR, REQUEST|ACK|EXCL|CREATE, seq 0x6b06dbc6.
const addrAdd4 = hex(`
  28 00 00 00 14 00 05 06  c6 db 06 6b 00 00 00 00   // nlmsghdr len 40 type 20 flags 0x605 seq pid 0
  02 18 00 00 03 00 00 00                            // ifaddrmsg AF_INET /24 flags 0 scope 0 ifindex 3
  08 00 02 00 0a 01 02 03                            // IFA_LOCAL 10.1.2.3
  08 00 01 00 0a 01 02 03                            // IFA_ADDRESS 10.1.2.3
`);

// The kernel's ACK of it: NLMSG_ERROR, NLM_F_CAPPED, error 0, then the request's header only.
const ackCapped = hex(`
  24 00 00 00 02 00 00 01  c6 db 06 6b 28 1f 00 00
  00 00 00 00 28 00 00 00  14 00 05 06 c6 db 06 6b
  00 00 00 00
`);

// The same add again: EEXIST (-17) with NLM_F_ACK_TLVS, the whole request echoed, and extack.
const eexistExtack = hex(`
  60 00 00 00 02 00 00 02  c6 db 06 6b 35 1f 00 00   // NLMSG_ERROR flags ACK_TLVS
  ef ff ff ff                                        // error -17
  28 00 00 00 14 00 05 06  c6 db 06 6b 00 00 00 00   // echoed request...
  02 18 00 00 03 00 00 00  08 00 02 00 0a 01 02 03
  08 00 01 00 0a 01 02 03
  23 00 01 00 69 70 76 34  3a 20 41 64 64 72 65 73   // NLMSGERR_ATTR_MSG "ipv4: Address already assigned"
  73 20 61 6c 72 65 61 64  79 20 61 73 73 69 67 6e
  65 64 00 00
`);

// `genl ctrl get name IPVS` on a kernel without ip_vs: ENOENT (-2), no extack, not capped.
const enoentPlain = hex(`
  34 00 00 00 02 00 00 00  db db 06 6b fd 24 00 00
  fe ff ff ff
  20 00 00 00 10 00 05 00  db db 06 6b 00 00 00 00
  03 00 00 00 09 00 02 00  49 50 56 53 00 00 00 00
`);

// `ip -6 addr show dev va`: one RTM_NEWADDR part and NLMSG_DONE in one datagram.
const addr6Dump = hex(`
  48 00 00 00 14 00 22 00  dc db 06 6b f1 24 00 00   // RTM_NEWADDR MULTI|DUMP_FILTERED
  0a 40 82 00 03 00 00 00                            // AF_INET6 /64 flags 0x82 ifindex 3
  14 00 01 00 fd 00 00 00  00 00 00 00 00 00 00 00   // IFA_ADDRESS fd00::1
  00 00 00 01
  14 00 06 00 ff ff ff ff  ff ff ff ff 40 c8 00 00   // IFA_CACHEINFO
  40 c8 00 00
  08 00 08 00 82 00 00 00                            // IFA_FLAGS 0x82
  14 00 00 00 03 00 22 00  dc db 06 6b f1 24 00 00   // NLMSG_DONE
  00 00 00 00
`);

t.test('align', async (t) => {
  t.same([0, 1, 3, 4, 5, 15, 16].map(align), [0, 4, 4, 4, 8, 16, 16]);
});

t.test('encodeMessage matches ip addr add', async (t) => {
  const data = addrAdd4.subarray(16);
  const b = encodeMessage({ type: 20, flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE, sequence: 0x6b06dbc6, data });
  t.same(b.toString('hex'), addrAdd4.toString('hex'));
});

t.test('encodeMessage pads the payload but not nlmsg_len', async (t) => {
  const b = encodeMessage({ type: 16, flags: 1, data: Buffer.from([1, 2, 3, 4, 5]) });
  t.equal(b.length, 24);
  t.equal(b.readUInt32LE(0), 21);
});

t.test('decodeMessages splits a dump datagram', async (t) => {
  const ms = decodeMessages(addr6Dump);
  t.equal(ms.length, 2);
  t.same(ms[0]!.header, { length: 72, type: 20, flags: 0x22, sequence: 0x6b06dbdc, pid: 0x24f1 });
  t.equal(ms[0]!.data.length, 56);
  t.equal(ms[1]!.header.type, NLMSG_DONE);
  t.same(decodeDone(ms[1]!), { error: 0 });
});

t.test('decodeError: capped ACK', async (t) => {
  const [m] = decodeMessages(ackCapped);
  t.equal(m!.header.type, NLMSG_ERROR);
  const e = decodeError(m!);
  t.equal(e.error, 0);
  t.same(e.request, { length: 40, type: 20, flags: 0x605, sequence: 0x6b06dbc6, pid: 0 });
  t.equal(e.extack, undefined);
});

t.test('decodeError: EEXIST with extack after the echoed request', async (t) => {
  const e = decodeError(decodeMessages(eexistExtack)[0]!);
  t.equal(e.error, -17);
  t.equal(errnoName(-e.error), 'EEXIST');
  t.equal(e.extack, 'ipv4: Address already assigned');
  t.equal(e.offset, undefined);
});

t.test('decodeError: ENOENT without extack', async (t) => {
  const e = decodeError(decodeMessages(enoentPlain)[0]!);
  t.equal(e.error, -2);
  t.equal(errnoName(2), 'ENOENT');
  t.equal(e.extack, undefined);
});

t.test('errno names prefer Linux spellings', async (t) => {
  t.equal(errnoName(95), 'EOPNOTSUPP');
  t.equal(errnoName(11), 'EAGAIN');
  t.equal(errnoName(99999), 'E99999');
});

t.test('bad framing: typed errors', async (t) => {
  const cases: Array<[string, Buffer, RegExp]> = [
    ['truncated header', addrAdd4.subarray(0, 10), /header truncated: 10 of 16/],
    ['length below header', hex('08 00 00 00 14 00 05 06 00 00 00 00 00 00 00 00'), /shorter than its header/],
    ['length past datagram', addrAdd4.subarray(0, 36), /runs past the datagram/],
    ['second message truncated', Buffer.concat([ackCapped, Buffer.alloc(4)]), /header truncated: 4 of 16/],
  ];
  for (const [name, b, re] of cases) {
    t.throws(() => decodeMessages(b), re, name);
    t.throws(() => decodeMessages(b), DecodeError, name);
  }
  t.same(decodeMessages(Buffer.alloc(0)), [], 'empty datagram: no messages');
});

t.test('bad NLMSG_ERROR payloads', async (t) => {
  const short = encodeMessage({ type: NLMSG_ERROR, flags: 0, data: Buffer.alloc(8) });
  t.throws(() => decodeError(decodeMessages(short)[0]!), /payload truncated/);
  // ACK_TLVS, not capped, but the echoed request is longer than what is there.
  const lying = Buffer.from(eexistExtack.subarray(0, 56));
  lying.writeUInt32LE(56, 0);
  lying.writeUInt32LE(200, 20);
  t.throws(() => decodeError(decodeMessages(lying)[0]!), /echoes a 200-byte request/);
  // Garbage extack attribute.
  const bad = Buffer.concat([ackCapped, hex('02 00 01 00')]);
  bad.writeUInt32LE(bad.length, 0);
  bad.writeUInt16LE(0x300, 6); // CAPPED | ACK_TLVS
  t.throws(() => decodeError(decodeMessages(bad)[0]!), /shorter than its header/);
});

t.test('NLMSG_DONE with an error and an empty one', async (t) => {
  const failed = encodeMessage({ type: NLMSG_DONE, flags: 2, data: hex('f0 ff ff ff') });
  t.same(decodeDone(decodeMessages(failed)[0]!), { error: -16 });
  const empty = encodeMessage({ type: NLMSG_DONE, flags: 2, data: Buffer.alloc(0) });
  t.same(decodeDone(decodeMessages(empty)[0]!), { error: 0 });
});
