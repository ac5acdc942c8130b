// rtnetlink wire layouts: requests byte for byte as iproute2 6.1 sends them, and real kernel
// replies decoded. Golden bytes: `strace -f -e trace=sendmsg,recvmsg -e write=all -e read=all -xx`
// of the `ip` command named above each, in a throwaway namespace with a veth pair va (ifindex 3)
// / vb (ifindex 2), kernel 6.18. Sequence numbers are the ones ip used.
import t from 'tap';
import { encodeMessage, decodeMessages } from '../../src/netif/netlink/message.js';
import { NLM_F_ACK, NLM_F_REQUEST } from '../../src/netif/netlink/constants.js';
import type { NetlinkRequest } from '../../src/netif/netlink/conn.js';
import {
  createLinkRequest, decodeLink, deleteLinkRequest, dumpLinksRequest, getLinkRequest, setLinkUpRequest,
} from '../../src/netif/rtnetlink/link.js';
import {
  addAddressRequest, decodeAddress, deleteAddressRequest, dumpAddressesRequest,
} from '../../src/netif/rtnetlink/address.js';
import { addAddressLabelRequest, decodeAddressLabel, deleteAddressLabelRequest } from '../../src/netif/rtnetlink/addrlabel.js';
import { hex } from '../helpers/nltest.js';

const SEQ = 0x6b06dbc6;
/** What NetlinkConn puts on the wire for a request (it always adds REQUEST|ACK). */
function wire(r: NetlinkRequest, sequence = SEQ): string {
  return encodeMessage({ type: r.type, flags: r.flags | NLM_F_REQUEST | NLM_F_ACK, sequence, data: r.data }).toString('hex');
}

t.test('ip addr add 10.1.2.3/24 dev va', async (t) => {
  t.equal(wire(addAddressRequest({ ifindex: 3, address: '10.1.2.3', prefixLength: 24 })), hex(`
    28 00 00 00 14 00 05 06  c6 db 06 6b 00 00 00 00   // RTM_NEWADDR REQUEST|ACK|EXCL|CREATE
    02 18 00 00 03 00 00 00                            // AF_INET /24 ifindex 3
    08 00 02 00 0a 01 02 03  08 00 01 00 0a 01 02 03   // IFA_LOCAL, IFA_ADDRESS
  `).toString('hex'));
});

t.test('ip addr add fd00::1/64 dev va nodad', async (t) => {
  t.equal(wire(addAddressRequest({ ifindex: 3, address: 'fd00::1', prefixLength: 64, noDad: true })), hex(`
    40 00 00 00 14 00 05 06  c6 db 06 6b 00 00 00 00
    0a 40 02 00 03 00 00 00                            // AF_INET6 /64 IFA_F_NODAD
    14 00 02 00 fd 00 00 00  00 00 00 00 00 00 00 00  00 00 00 01   // IFA_LOCAL fd00::1
    14 00 01 00 fd 00 00 00  00 00 00 00 00 00 00 00  00 00 00 01   // IFA_ADDRESS fd00::1
  `).toString('hex'));
});

// strace -xx of iproute2 6.1 (nlmsg_len 48 / 40 as it sent them).
t.test('ip addr add 10.9.9.50/24 brd 10.9.9.255 scope link dev va', async (t) => {
  t.equal(wire(addAddressRequest({ ifindex: 3, address: '10.9.9.50', prefixLength: 24, broadcast: '10.9.9.255', scope: 253 })), hex(`
    30 00 00 00 14 00 05 06  c6 db 06 6b 00 00 00 00
    02 18 00 fd 03 00 00 00                            // AF_INET /24 RT_SCOPE_LINK
    08 00 02 00 0a 09 09 32                            // IFA_LOCAL
    08 00 04 00 0a 09 09 ff                            // IFA_BROADCAST
    08 00 01 00 0a 09 09 32                            // IFA_ADDRESS
  `).toString('hex'));
});

t.test('ip addr add / del 10.9.8.1/32 peer 10.9.8.2 dev va', async (t) => {
  const body = `
    02 20 00 00 03 00 00 00
    08 00 02 00 0a 09 08 01                            // IFA_LOCAL
    08 00 01 00 0a 09 08 02                            // IFA_ADDRESS: the peer
  `;
  t.equal(wire(addAddressRequest({ ifindex: 3, address: '10.9.8.1', prefixLength: 32, peer: '10.9.8.2' })), hex(`
    28 00 00 00 14 00 05 06  c6 db 06 6b 00 00 00 00 ${body}`).toString('hex'));
  t.equal(wire(deleteAddressRequest({ ifindex: 3, address: '10.9.8.1', prefixLength: 32, peer: '10.9.8.2' })), hex(`
    28 00 00 00 15 00 05 00  c6 db 06 6b 00 00 00 00 ${body}`).toString('hex'), 'the kernel matches a peer address by its peer');
  t.throws(() => addAddressRequest({ ifindex: 3, address: '10.9.8.1', prefixLength: 32, peer: 'fd00::2' }), RangeError);
});

t.test('ip addr add 10.1.2.4/32 dev va label va:vip', async (t) => {
  t.equal(wire(addAddressRequest({ ifindex: 3, address: '10.1.2.4', prefixLength: 32, label: 'va:vip' })), hex(`
    34 00 00 00 14 00 05 06  c6 db 06 6b 00 00 00 00
    02 20 00 00 03 00 00 00
    08 00 02 00 0a 01 02 04                            // IFA_LOCAL
    0b 00 03 00 76 61 3a 76  69 70 00 00               // IFA_LABEL "va:vip"
    08 00 01 00 0a 01 02 04                            // IFA_ADDRESS
  `).toString('hex'));
});

t.test('ip addr del 10.1.2.3/24 dev va', async (t) => {
  t.equal(wire(deleteAddressRequest({ ifindex: 3, address: '10.1.2.3', prefixLength: 24 })), hex(`
    28 00 00 00 15 00 05 00  c6 db 06 6b 00 00 00 00   // RTM_DELADDR REQUEST|ACK
    02 18 00 00 03 00 00 00
    08 00 02 00 0a 01 02 03  08 00 01 00 0a 01 02 03
  `).toString('hex'));
});

t.test('address request variants', async (t) => {
  const replace = addAddressRequest({ ifindex: 3, address: '10.1.2.3', prefixLength: 24 }, 'replace');
  t.equal(replace.flags, 0x500, 'CREATE|REPLACE');
  // Flags beyond 8 bits go in IFA_FLAGS, like iproute2.
  const wide = addAddressRequest({ ifindex: 3, address: 'fd00::1', prefixLength: 64, flags: 0x200, noDad: true });
  t.match(wide.data.subarray(wide.data.length - 8).toString('hex'), '0800080002020000');
  t.equal(wide.data[2], 0x02, 'ifa_flags keeps the low byte');
  // Labels are IPv4 only.
  t.equal(addAddressRequest({ ifindex: 3, address: 'fd00::1', prefixLength: 64, label: 'x' }).data.length, 8 + 40);
  t.throws(() => addAddressRequest({ ifindex: 3, address: '10.0.0.1', prefixLength: 33 }), RangeError);
  t.throws(() => addAddressRequest({ ifindex: 3, address: 'not-an-ip', prefixLength: 8 }), TypeError);
  const dump = dumpAddressesRequest({ ifindex: 3, family: 6 });
  t.equal(dump.flags, 0x300);
  t.equal(dump.data.toString('hex'), '0a00000003000000');
});

t.test('ip link add d0 type dummy', async (t) => {
  t.equal(wire(createLinkRequest({ name: 'd0', kind: 'dummy' })), hex(`
    38 00 00 00 10 00 05 06  c6 db 06 6b 00 00 00 00   // RTM_NEWLINK REQUEST|ACK|EXCL|CREATE
    00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00   // ifinfomsg: all zero
    07 00 03 00 64 30 00 00                            // IFLA_IFNAME "d0"
    10 00 12 00 09 00 01 00  64 75 6d 6d 79 00 00 00   // IFLA_LINKINFO { IFLA_INFO_KIND "dummy" }
  `).toString('hex'));
});

t.test('ip link add mv0 link va type macvlan mode bridge', async (t) => {
  t.equal(wire(createLinkRequest({ name: 'mv0', kind: 'macvlan', parent: 3, mode: 'bridge' })), hex(`
    4c 00 00 00 10 00 05 06  c6 db 06 6b 00 00 00 00
    00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00
    08 00 05 00 03 00 00 00                            // IFLA_LINK 3
    08 00 03 00 6d 76 30 00                            // IFLA_IFNAME "mv0"
    1c 00 12 00 0b 00 01 00  6d 61 63 76 6c 61 6e 00   // IFLA_LINKINFO { KIND "macvlan"
    0c 00 02 00 08 00 01 00  04 00 00 00               //   DATA { IFLA_MACVLAN_MODE bridge } }
  `).toString('hex'));
  const up = createLinkRequest({ name: 'd1', kind: 'dummy', up: true });
  t.equal(up.data.subarray(8, 16).toString('hex'), '0100000001000000', 'up: ifi_flags and ifi_change IFF_UP');
});

t.test('ip link set va down / ip link del vb', async (t) => {
  t.equal(wire(setLinkUpRequest(3, false)), hex(`
    20 00 00 00 10 00 05 00  c6 db 06 6b 00 00 00 00   // RTM_NEWLINK REQUEST|ACK
    00 00 00 00 03 00 00 00  00 00 00 00 01 00 00 00   // index 3, flags 0, change IFF_UP
  `).toString('hex'));
  t.equal(wire(deleteLinkRequest(2)), hex(`
    20 00 00 00 11 00 05 00  c6 db 06 6b 00 00 00 00   // RTM_DELLINK REQUEST|ACK
    00 00 00 00 02 00 00 00  00 00 00 00 00 00 00 00
  `).toString('hex'));
  t.equal(setLinkUpRequest(3, true).data.subarray(8).toString('hex'), '0100000001000000');
  t.equal(deleteLinkRequest('vb').data.subarray(16).toString('hex'), '0700030076620000');
  t.equal(getLinkRequest('va').data.subarray(16).toString('hex'), '0700030076610000');
  t.equal(getLinkRequest(3).data.readInt32LE(4), 3);
  t.equal(dumpLinksRequest().flags, 0x300);
});

t.test('ip addrlabel add prefix fd00:1::/64 label 100', async (t) => {
  t.equal(wire(addAddressLabelRequest({ prefix: 'fd00:1::', prefixLength: 64, label: 100 })), hex(`
    38 00 00 00 48 00 05 06  c6 db 06 6b 00 00 00 00   // RTM_NEWADDRLABEL REQUEST|ACK|EXCL|CREATE
    0a 00 40 00 00 00 00 00  00 00 00 00               // ifaddrlblmsg AF_INET6 /64
    08 00 02 00 64 00 00 00                            // IFAL_LABEL 100
    14 00 01 00 fd 00 00 01  00 00 00 00 00 00 00 00  00 00 00 00   // IFAL_ADDRESS fd00:1::
  `).toString('hex'));
  t.equal(deleteAddressLabelRequest({ prefix: 'fd00:1::', prefixLength: 64, label: 100 }).type, 73);
  t.throws(() => addAddressLabelRequest({ prefix: '10.0.0.0', prefixLength: 8, label: 1 }), /IPv6 only/);
});

// `ip -4 addr show dev va` reply part: RTM_NEWADDR for 10.1.2.3/24, label va, flags permanent.
const addr4Reply = hex(`
  4c 00 00 00 14 00 22 00  dc db 06 6b e0 24 00 00
  02 18 80 00 03 00 00 00                            // AF_INET /24 IFA_F_PERMANENT scope 0 ifindex 3
  08 00 01 00 0a 01 02 03                            // IFA_ADDRESS
  08 00 02 00 0a 01 02 03                            // IFA_LOCAL
  07 00 03 00 76 61 00 00                            // IFA_LABEL "va"
  08 00 08 00 80 00 00 00                            // IFA_FLAGS
  14 00 06 00 ff ff ff ff  ff ff ff ff 40 c8 00 00  40 c8 00 00   // IFA_CACHEINFO (not read)
`);

// `ip -6 addr show dev va` reply part: fd00::1/64 nodad.
const addr6Reply = hex(`
  48 00 00 00 14 00 22 00  dc db 06 6b f1 24 00 00
  0a 40 82 00 03 00 00 00
  14 00 01 00 fd 00 00 00  00 00 00 00 00 00 00 00  00 00 00 01
  14 00 06 00 ff ff ff ff  ff ff ff ff 40 c8 00 00  40 c8 00 00
  08 00 08 00 82 00 00 00
`);

t.test('decode RTM_NEWADDR replies', async (t) => {
  t.same(decodeAddress(decodeMessages(addr4Reply)[0]!), {
    ifindex: 3, address: '10.1.2.3', prefixLength: 24, family: 4, flags: 0x80, scope: 0, label: 'va',
  });
  t.same(decodeAddress(decodeMessages(addr6Reply)[0]!), {
    ifindex: 3, address: 'fd00::1', prefixLength: 64, family: 6, flags: 0x82, scope: 0,
  });
});

t.test('bad address replies', async (t) => {
  const m = decodeMessages(addr4Reply)[0]!;
  t.throws(() => decodeAddress({ header: m.header, data: m.data.subarray(0, 6) }), /ifaddrmsg truncated/);
  const wrongLen = Buffer.from(m.data);
  wrongLen.writeUInt16LE(7, 8); // IFA_ADDRESS of 3 bytes
  t.throws(() => decodeAddress({ header: m.header, data: wrongLen }), /has 3 bytes, not 4/);
  const noAddr = m.data.subarray(0, 8);
  t.throws(() => decodeAddress({ header: m.header, data: noAddr }), /neither IFA_LOCAL nor IFA_ADDRESS/);
  const other = Buffer.from(m.data);
  other[0] = 28; // AF_MPLS
  t.equal(decodeAddress({ header: m.header, data: other }), null);
  const cut = Buffer.from(m.data.subarray(0, m.data.length - 2));
  t.throws(() => decodeAddress({ header: m.header, data: cut }), /runs past its container/);
});

// `ip link show va` reply: RTM_NEWLINK for the veth va (ifindex 3, peer ifindex 2), 1124 bytes.
const linkReply = hex(`
  64 04 00 00 10 00 00 00 db db 06 6b e0 24 00 00
  00 00 01 00 03 00 00 00 03 10 00 00 00 00 00 00
  07 00 03 00 76 61 00 00 08 00 0d 00 e8 03 00 00
  05 00 10 00 03 00 00 00 05 00 11 00 00 00 00 00
  05 00 43 00 00 00 00 00 08 00 04 00 dc 05 00 00
  08 00 32 00 44 00 00 00 08 00 33 00 ff ff 00 00
  08 00 1b 00 00 00 00 00 08 00 1e 00 00 00 00 00
  08 00 3d 00 00 00 00 00 08 00 1f 00 02 00 00 00
  08 00 28 00 ff ff 00 00 08 00 29 00 00 00 01 00
  08 00 3a 00 00 00 01 00 08 00 3f 00 00 00 01 00
  08 00 40 00 00 00 01 00 08 00 3b 00 f8 ff 07 00
  08 00 3c 00 ff ff 00 00 08 00 42 00 00 00 00 00
  08 00 20 00 02 00 00 00 05 00 21 00 00 00 00 00
  08 00 23 00 01 00 00 00 08 00 2f 00 00 00 00 00
  08 00 30 00 01 00 00 00 06 00 44 00 00 00 00 00
  06 00 45 00 00 00 00 00 05 00 27 00 00 00 00 00
  0a 00 01 00 de eb b9 a6 39 89 00 00 0a 00 02 00
  ff ff ff ff ff ff 00 00 cc 00 17 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 64 00 07 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 0c 00 2b 00 05 00 02 00
  00 00 00 00 10 00 12 00 09 00 01 00 76 65 74 68
  00 00 00 00 08 00 05 00 02 00 00 00 0c 00 06 00
  6e 6f 71 75 65 75 65 00 c0 01 1a 00 8c 00 02 00
  88 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00
  01 00 00 00 01 00 00 00 01 00 00 00 01 00 00 00
  00 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 10 27 00 00
  e8 03 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 01 00 00 00 30 01 0a 00 08 00 01 00
  00 00 00 00 14 00 05 00 ff ff 00 00 3f c8 00 00
  90 a6 00 00 e8 03 00 00 f4 00 02 00 00 00 00 00
  40 00 00 00 dc 05 00 00 01 00 00 00 01 00 00 00
  01 00 00 00 01 00 00 00 ff ff ff ff a0 0f 00 00
  e8 03 00 00 00 00 00 00 80 3a 09 00 80 51 01 00
  03 00 00 00 58 02 00 00 10 00 00 00 00 00 00 00
  01 00 00 00 01 00 00 00 01 00 00 00 60 ea 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00
  00 00 00 00 10 27 00 00 e8 03 00 00 01 00 00 00
  00 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00
  00 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 80 ee 36 00 00 00 00 00
  00 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 04 00 00
  00 00 00 00 ff ff 00 00 ff ff ff ff 01 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 14 00 07 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  05 00 08 00 00 00 00 00 24 00 0e 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 04 00 3e 80
  04 00 41 80
`);

t.test('decode RTM_NEWLINK reply (veth, many attributes nobody reads)', async (t) => {
  const [m] = decodeMessages(linkReply);
  t.equal(m!.header.length, 1124);
  t.same(decodeLink(m!), {
    index: 3, name: 'va', mac: 'de:eb:b9:a6:39:89', flags: 0x1003, up: true, operstate: 'lowerlayerdown',
    mtu: 1500, kind: 'veth', parent: 2,
  });
  t.throws(() => decodeLink({ header: m!.header, data: m!.data.subarray(0, 10) }), /ifinfomsg truncated/);
});

// `ip addrlabel list`: the first two entries of the kernel's default table.
const addrlabelDump = hex(`
  38 00 00 00 48 00 02 00  db db 06 6b f9 24 00 00   // RTM_NEWADDRLABEL MULTI
  0a 00 80 00 00 00 00 00  0a 00 00 00               // AF_INET6 /128 index 0 seq 10
  14 00 01 00 00 00 00 00  00 00 00 00 00 00 00 00  00 00 00 01   // IFAL_ADDRESS ::1
  08 00 02 00 00 00 00 00                            // IFAL_LABEL 0
  38 00 00 00 48 00 02 00  db db 06 6b f9 24 00 00
  0a 00 60 00 00 00 00 00  0a 00 00 00               // /96
  14 00 01 00 00 00 00 00  00 00 00 00 00 00 00 00  00 00 00 00   // ::
  08 00 02 00 03 00 00 00                            // label 3
`);

t.test('decode RTM_NEWADDRLABEL dump', async (t) => {
  t.same(decodeMessages(addrlabelDump).map(decodeAddressLabel), [
    { prefix: '::1', prefixLength: 128, label: 0 },
    { prefix: '::', prefixLength: 96, label: 3 },
  ]);
  const m = decodeMessages(addrlabelDump)[0]!;
  t.throws(() => decodeAddressLabel({ header: m.header, data: m.data.subarray(0, 12) }), /lacks IFAL_ADDRESS/);
});
