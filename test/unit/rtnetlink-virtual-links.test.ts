// The VMAC and ipvlan requests, byte for byte as iproute2 sends them (strace -e sendmsg -xx of
// `ip link add vt1 link eth0 address 00:00:5e:00:01:2a type macvlan mode private` and
// `ip link add ipv1 link eth0 type ipvlan mode l2 private`, eth0 being ifindex 2).
import t from 'tap';
import { encodeMessage } from '../../src/netif/netlink/message.js';
import { NLM_F_ACK, NLM_F_REQUEST } from '../../src/netif/netlink/constants.js';
import type { NetlinkRequest } from '../../src/netif/netlink/conn.js';
import { createLinkRequest } from '../../src/netif/rtnetlink/link.js';
import { hex } from '../helpers/nltest.js';

const wire = (r: NetlinkRequest) => encodeMessage({ type: r.type, flags: r.flags | NLM_F_REQUEST | NLM_F_ACK, sequence: 1, data: r.data }).toString('hex');

t.test('a VMAC: macvlan mode private with the virtual router MAC', async (t) => {
  t.equal(wire(createLinkRequest({ name: 'vt1', kind: 'macvlan', parent: 2, mode: 'private', mac: '00:00:5e:00:01:2a' })), hex(`
    58 00 00 00 10 00 05 06  01 00 00 00 00 00 00 00   // RTM_NEWLINK REQUEST|ACK|EXCL|CREATE, 88 bytes
    00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00   // ifinfomsg
    0a 00 01 00 00 00 5e 00  01 2a 00 00               // IFLA_ADDRESS 00:00:5e:00:01:2a
    08 00 05 00 02 00 00 00                            // IFLA_LINK 2
    08 00 03 00 76 74 31 00                            // IFLA_IFNAME "vt1"
    1c 00 12 00 0b 00 01 00  6d 61 63 76 6c 61 6e 00   // IFLA_LINKINFO { KIND "macvlan"
    0c 00 02 00 08 00 01 00  01 00 00 00               //   DATA { IFLA_MACVLAN_MODE private } }
  `).toString('hex'));
});

t.test('an ipvlan: mode L2, flags private', async (t) => {
  t.equal(wire(createLinkRequest({ name: 'ipv1', kind: 'ipvlan', parent: 2, mode: 'private' })), hex(`
    58 00 00 00 10 00 05 06  01 00 00 00 00 00 00 00
    00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00
    08 00 05 00 02 00 00 00                            // IFLA_LINK 2
    09 00 03 00 69 70 76 31  00 00 00 00               // IFLA_IFNAME "ipv1"
    24 00 12 00 0a 00 01 00  69 70 76 6c 61 6e 00 00   // IFLA_LINKINFO { KIND "ipvlan"
    14 00 02 00 06 00 01 00  00 00 00 00               //   DATA { IFLA_IPVLAN_MODE l2 (u16)
    06 00 02 00 01 00 00 00                            //          IFLA_IPVLAN_FLAGS private (u16) } }
  `).toString('hex'));
  t.throws(() => createLinkRequest({ name: 'x', kind: 'macvlan', parent: 2, mode: 'l3' as 'private' }), /macvlan mode l3 does not exist/);
});
