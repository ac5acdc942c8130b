// rtnetlink numbers from <linux/rtnetlink.h>, <linux/if_link.h>, <linux/if_addr.h>,
// <linux/if_addrlabel.h>, <linux/if.h>. Names kept as in the headers.

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWADDRLABEL = 72;
export const RTM_DELADDRLABEL = 73;
export const RTM_GETADDRLABEL = 74;

const names: Record<number, string> = {
  16: 'RTM_NEWLINK', 17: 'RTM_DELLINK', 18: 'RTM_GETLINK', 19: 'RTM_SETLINK',
  20: 'RTM_NEWADDR', 21: 'RTM_DELADDR', 22: 'RTM_GETADDR',
  72: 'RTM_NEWADDRLABEL', 73: 'RTM_DELADDRLABEL', 74: 'RTM_GETADDRLABEL',
};
export function rtmName(type: number): string {
  return names[type] ?? `RTM type ${type}`;
}

/** Legacy multicast group masks for bind(). */
export const RTMGRP_LINK = 0x1;
export const RTMGRP_IPV4_IFADDR = 0x10;
export const RTMGRP_IPV6_IFADDR = 0x100;
/** Group numbers for NETLINK_ADD_MEMBERSHIP. */
export const RTNLGRP_LINK = 1;
export const RTNLGRP_IPV4_IFADDR = 5;
export const RTNLGRP_IPV6_IFADDR = 9;

/** struct ifinfomsg is 16 bytes; IFLA_* attributes follow. */
export const IFINFOMSG_LEN = 16;
export const IFLA_ADDRESS = 1;
export const IFLA_BROADCAST = 2;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_MASTER = 10;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKINFO = 18;
export const IFLA_EXT_MASK = 29;
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const IFLA_MACVLAN_MODE = 1;

export const MACVLAN_MODE_PRIVATE = 1;
export const MACVLAN_MODE_VEPA = 2;
export const MACVLAN_MODE_BRIDGE = 4;
export const MACVLAN_MODE_PASSTHRU = 8;
// <linux/if_link.h>: IFLA_IPVLAN_* in IFLA_INFO_DATA of kind "ipvlan".
export const IFLA_IPVLAN_MODE = 1;
export const IFLA_IPVLAN_FLAGS = 2;
export const IPVLAN_MODE_L2 = 0;
export const IPVLAN_F_PRIVATE = 0x01;
export const IPVLAN_F_VEPA = 0x02;

/** Interface flags (net_device_flags). */
export const IFF_UP = 0x1;
export const IFF_BROADCAST = 0x2;
export const IFF_LOOPBACK = 0x8;
export const IFF_POINTOPOINT = 0x10;
export const IFF_RUNNING = 0x40;
export const IFF_NOARP = 0x80;
export const IFF_PROMISC = 0x100;
export const IFF_MULTICAST = 0x1000;
export const IFF_LOWER_UP = 0x10000;

/** IF_OPER_* (RFC 2863 operational states) by value. */
export const OPERSTATES = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'] as const;

/** struct ifaddrmsg is 8 bytes; IFA_* attributes follow. */
export const IFADDRMSG_LEN = 8;
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_ANYCAST = 5;
export const IFA_CACHEINFO = 6;
export const IFA_MULTICAST = 7;
export const IFA_FLAGS = 8;

export const IFA_F_SECONDARY = 0x01;
export const IFA_F_NODAD = 0x02;
export const IFA_F_OPTIMISTIC = 0x04;
export const IFA_F_DADFAILED = 0x08;
export const IFA_F_HOMEADDRESS = 0x10;
export const IFA_F_DEPRECATED = 0x20;
export const IFA_F_TENTATIVE = 0x40;
export const IFA_F_PERMANENT = 0x80;
export const IFA_F_MANAGETEMPADDR = 0x100;
export const IFA_F_NOPREFIXROUTE = 0x200;
export const IFA_F_MCAUTOJOIN = 0x400;
export const IFA_F_STABLE_PRIVACY = 0x800;

export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_SITE = 200;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;

/** struct ifaddrlblmsg is 12 bytes; IFAL_* attributes follow. */
export const IFADDRLBLMSG_LEN = 12;
export const IFAL_ADDRESS = 1;
export const IFAL_LABEL = 2;
