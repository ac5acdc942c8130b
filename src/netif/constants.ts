// Linux socket constants (from <linux/socket.h>, <linux/in.h>, <linux/in6.h>, <linux/if_packet.h>,
// <linux/if_ether.h>, <linux/netlink.h>). x86_64/arm64 generic values.
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_PACKET = 17;
export const AF_NETLINK = 16;

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;

export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_ERROR = 4;
export const SO_BINDTODEVICE = 25;
export const SO_MARK = 36;
export const SO_RCVBUFFORCE = 33;
/** Receive timestamps (struct timespec, CLOCK_REALTIME) as SCM_TIMESTAMPNS control messages. */
export const SO_TIMESTAMPNS = 35;
export const SCM_TIMESTAMPNS = SO_TIMESTAMPNS;

export const IPPROTO_IP = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_VRRP = 112;
export const IPPROTO_AH = 51;

export const IP_TOS = 1;
export const IP_TTL = 2;
export const IP_HDRINCL = 3;
export const IP_PKTINFO = 8;
export const IP_TRANSPARENT = 19;
export const IP_RECVTTL = 12;
export const IP_MULTICAST_IF = 32;
export const IP_MULTICAST_TTL = 33;
export const IP_MULTICAST_LOOP = 34;
export const IP_ADD_MEMBERSHIP = 35;
export const IP_DROP_MEMBERSHIP = 36;

/** <linux/icmp.h>: a raw IPv4 ICMP socket's type filter (level SOL_RAW). */
export const SOL_RAW = 255;
export const ICMP_FILTER = 1;
/** <linux/icmpv6.h>: a raw ICMPv6 socket's type filter (level IPPROTO_ICMPV6). */
export const ICMPV6_FILTER = 1;

export const IPV6_CHECKSUM = 7;
export const IPV6_UNICAST_HOPS = 16;
export const IPV6_MULTICAST_IF = 17;
export const IPV6_MULTICAST_HOPS = 18;
export const IPV6_MULTICAST_LOOP = 19;
export const IPV6_ADD_MEMBERSHIP = 20;
export const IPV6_DROP_MEMBERSHIP = 21;
export const IPV6_V6ONLY = 26;
export const IPV6_RECVPKTINFO = 49;
export const IPV6_PKTINFO = 50;
export const IPV6_RECVHOPLIMIT = 51;
export const IPV6_HOPLIMIT = 52;
export const IPV6_TCLASS = 67;
export const IPV6_TRANSPARENT = 75;

export const SOL_PACKET = 263;
export const PACKET_ADD_MEMBERSHIP = 1;
export const PACKET_MR_PROMISC = 1;
export const PACKET_MR_ALLMULTI = 2;

export const ETH_P_ALL = 0x0003;
export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_IPV6 = 0x86dd;

export const SOL_NETLINK = 270;
export const NETLINK_ADD_MEMBERSHIP = 1;
export const NETLINK_DROP_MEMBERSHIP = 2;
export const NETLINK_PKTINFO = 3;
export const NETLINK_NO_ENOBUFS = 5;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;

export const NETLINK_ROUTE = 0;
export const NETLINK_GENERIC = 16;

export const MSG_TRUNC = 0x20;
export const MSG_CTRUNC = 0x08;
