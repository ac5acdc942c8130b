// rtnetlink numbers from <linux/rtnetlink.h>, <linux/if_link.h>, <linux/if_addr.h>,
// <linux/if_addrlabel.h>, <linux/if.h>, <linux/fib_rules.h>. Names kept as in the headers.

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;
export const RTM_NEWRULE = 32;
export const RTM_DELRULE = 33;
export const RTM_GETRULE = 34;
export const RTM_NEWADDRLABEL = 72;
export const RTM_DELADDRLABEL = 73;
export const RTM_GETADDRLABEL = 74;

const names: Record<number, string> = {
  16: 'RTM_NEWLINK', 17: 'RTM_DELLINK', 18: 'RTM_GETLINK', 19: 'RTM_SETLINK',
  20: 'RTM_NEWADDR', 21: 'RTM_DELADDR', 22: 'RTM_GETADDR',
  24: 'RTM_NEWROUTE', 25: 'RTM_DELROUTE', 26: 'RTM_GETROUTE', 32: 'RTM_NEWRULE', 33: 'RTM_DELRULE', 34: 'RTM_GETRULE',
  72: 'RTM_NEWADDRLABEL', 73: 'RTM_DELADDRLABEL', 74: 'RTM_GETADDRLABEL',
};
export function rtmName(type: number): string {
  return names[type] ?? `RTM type ${type}`;
}

/** Legacy multicast group masks for bind(). */
export const RTMGRP_LINK = 0x1;
export const RTMGRP_IPV4_IFADDR = 0x10;
export const RTMGRP_IPV6_IFADDR = 0x100;
export const RTMGRP_IPV4_ROUTE = 0x40;
export const RTMGRP_IPV4_RULE = 0x80;
export const RTMGRP_IPV6_ROUTE = 0x400;
/** RTNLGRP_IPV6_RULE (19) has no RTMGRP_ name; as a bind() mask it is bit 18. */
export const RTMGRP_IPV6_RULE = 1 << (19 - 1);
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

/** struct rtmsg is 12 bytes; RTA_* attributes follow. */
export const RTMSG_LEN = 12;
export const RTA_DST = 1;
export const RTA_SRC = 2;
export const RTA_IIF = 3;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_METRICS = 8;
export const RTA_MULTIPATH = 9;
export const RTA_FLOW = 11;
export const RTA_CACHEINFO = 12;
export const RTA_TABLE = 15;
export const RTA_MARK = 16;
export const RTA_VIA = 18;
export const RTA_PREF = 20;
export const RTA_ENCAP_TYPE = 21;
export const RTA_ENCAP = 22;
export const RTA_EXPIRES = 23;
export const RTA_TTL_PROPAGATE = 26;
export const RTA_NH_ID = 30;

/** rtm_type. */
export const RTN_UNSPEC = 0;
export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;
export const RTN_BROADCAST = 3;
export const RTN_ANYCAST = 4;
export const RTN_MULTICAST = 5;
export const RTN_BLACKHOLE = 6;
export const RTN_UNREACHABLE = 7;
export const RTN_PROHIBIT = 8;
export const RTN_THROW = 9;
export const RTN_NAT = 10;
export const RTN_XRESOLVE = 11;

/** rtm_protocol values vipd names itself (the rest come from /etc/iproute2/rt_protos). */
export const RTPROT_UNSPEC = 0;
export const RTPROT_KERNEL = 2;
export const RTPROT_BOOT = 3;
export const RTPROT_STATIC = 4;
export const RTPROT_KEEPALIVED = 18;

/** Reserved routing tables. */
export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_DEFAULT = 253;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;

/** rtm_flags / rtnh_flags. */
export const RTNH_F_DEAD = 1;
export const RTNH_F_PERVASIVE = 2;
export const RTNH_F_ONLINK = 4;
export const RTNH_F_OFFLOAD = 8;
export const RTNH_F_LINKDOWN = 16;
export const RTNH_F_UNRESOLVED = 32;
export const RTM_F_NOTIFY = 0x100;
export const RTM_F_CLONED = 0x200;

/** struct rtnexthop is 8 bytes; RTA_GATEWAY / RTA_FLOW... follow inside. */
export const RTNEXTHOP_LEN = 8;

/** RTA_METRICS members (RTAX_*). */
export const RTAX_LOCK = 1;
export const RTAX_MTU = 2;
export const RTAX_WINDOW = 3;
export const RTAX_RTT = 4;
export const RTAX_RTTVAR = 5;
export const RTAX_SSTHRESH = 6;
export const RTAX_CWND = 7;
export const RTAX_ADVMSS = 8;
export const RTAX_REORDERING = 9;
export const RTAX_HOPLIMIT = 10;
export const RTAX_INITCWND = 11;
export const RTAX_FEATURES = 12;
export const RTAX_RTO_MIN = 13;
export const RTAX_INITRWND = 14;
export const RTAX_QUICKACK = 15;
export const RTAX_CC_ALGO = 16;
export const RTAX_FASTOPEN_NO_COOKIE = 17;

/** RTAX_FEATURES bits. */
export const RTAX_FEATURE_ECN = 1;

/** RTA_PREF (IPv6 router preference, RFC 4191). */
export const ICMPV6_ROUTER_PREF_LOW = 3;
export const ICMPV6_ROUTER_PREF_MEDIUM = 0;
export const ICMPV6_ROUTER_PREF_HIGH = 1;

/** struct fib_rule_hdr is 12 bytes; FRA_* attributes follow. */
export const FIB_RULE_HDR_LEN = 12;
export const FRA_DST = 1;
export const FRA_SRC = 2;
export const FRA_IIFNAME = 3;
export const FRA_GOTO = 4;
export const FRA_PRIORITY = 6;
export const FRA_FWMARK = 10;
export const FRA_FLOW = 11;
export const FRA_TUN_ID = 12;
export const FRA_SUPPRESS_IFGROUP = 13;
export const FRA_SUPPRESS_PREFIXLEN = 14;
export const FRA_TABLE = 15;
export const FRA_FWMASK = 16;
export const FRA_OIFNAME = 17;
export const FRA_L3MDEV = 19;
export const FRA_UID_RANGE = 20;
export const FRA_PROTOCOL = 21;
export const FRA_IP_PROTO = 22;
export const FRA_SPORT_RANGE = 23;
export const FRA_DPORT_RANGE = 24;

/** fib_rule_hdr.action. */
export const FR_ACT_UNSPEC = 0;
export const FR_ACT_TO_TBL = 1;
export const FR_ACT_GOTO = 2;
export const FR_ACT_NOP = 3;
export const FR_ACT_BLACKHOLE = 6;
export const FR_ACT_UNREACHABLE = 7;
export const FR_ACT_PROHIBIT = 8;

/** fib_rule_hdr.flags. */
export const FIB_RULE_PERMANENT = 0x1;
export const FIB_RULE_INVERT = 0x2;
export const FIB_RULE_UNRESOLVED = 0x4;
