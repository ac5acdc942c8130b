// Names and values from the uapi header linux/ip_vs.h (Linux 6.1), kept verbatim so the code
// reads like the kernel side. test/unit/ipvs-constants.test.ts pins them to the header.

/** IP_VS_VERSION_CODE: 1.2.1, what GET_INFO reports on every current kernel. */
export const IP_VS_VERSION_CODE = 0x010201;

// Virtual service flags (struct ip_vs_flags.flags).
/** persistent port */
export const IP_VS_SVC_F_PERSISTENT = 0x0001;
/** hashed entry: set by the kernel on every service in its table */
export const IP_VS_SVC_F_HASHED = 0x0002;
/** one-packet scheduling (UDP) */
export const IP_VS_SVC_F_ONEPACKET = 0x0004;
/** scheduler flag 1 */
export const IP_VS_SVC_F_SCHED1 = 0x0008;
/** scheduler flag 2 */
export const IP_VS_SVC_F_SCHED2 = 0x0010;
/** scheduler flag 3 */
export const IP_VS_SVC_F_SCHED3 = 0x0020;
/** SH fallback: sh picks another server when the hashed one is unavailable */
export const IP_VS_SVC_F_SCHED_SH_FALLBACK = IP_VS_SVC_F_SCHED1;
/** SH use port: sh hashes the source port too */
export const IP_VS_SVC_F_SCHED_SH_PORT = IP_VS_SVC_F_SCHED2;

// Sync daemon states (IPVS_DAEMON_ATTR_STATE).
/** daemon is stopped */
export const IP_VS_STATE_NONE = 0x0000;
/** started as master */
export const IP_VS_STATE_MASTER = 0x0001;
/** started as backup */
export const IP_VS_STATE_BACKUP = 0x0002;
/** Room for the multicast interface name, NUL included. */
export const IP_VS_IFNAME_MAXLEN = 16;

// Connection flags; the low 3 bits are the forwarding method of a destination.
/** mask for the fwd methods */
export const IP_VS_CONN_F_FWD_MASK = 0x0007;
/** masquerading/NAT */
export const IP_VS_CONN_F_MASQ = 0x0000;
/** local node */
export const IP_VS_CONN_F_LOCALNODE = 0x0001;
/** tunneling */
export const IP_VS_CONN_F_TUNNEL = 0x0002;
/** direct routing */
export const IP_VS_CONN_F_DROUTE = 0x0003;
/** cache bypass */
export const IP_VS_CONN_F_BYPASS = 0x0004;
/** forward only one packet */
export const IP_VS_CONN_F_ONE_PACKET = 0x2000;

export const IP_VS_SCHEDNAME_MAXLEN = 16;
export const IP_VS_PENAME_MAXLEN = 16;

// Tunnel types (IPVS_DEST_ATTR_TUN_TYPE).
/** IPIP */
export const IP_VS_CONN_F_TUNNEL_TYPE_IPIP = 0;
/** GUE */
export const IP_VS_CONN_F_TUNNEL_TYPE_GUE = 1;
/** GRE */
export const IP_VS_CONN_F_TUNNEL_TYPE_GRE = 2;

// Tunnel encapsulation flags (IPVS_DEST_ATTR_TUN_FLAGS).
export const IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM = 0;
export const IP_VS_TUNNEL_ENCAP_FLAG_CSUM = 1 << 0;
export const IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM = 1 << 1;

/** Generic netlink family name */
export const IPVS_GENL_NAME = 'IPVS';
/** Generic netlink family version */
export const IPVS_GENL_VERSION = 0x1;

// Commands.
/** add service */
export const IPVS_CMD_NEW_SERVICE = 1;
/** modify service */
export const IPVS_CMD_SET_SERVICE = 2;
/** delete service */
export const IPVS_CMD_DEL_SERVICE = 3;
/** get service info (one, or all with NLM_F_DUMP) */
export const IPVS_CMD_GET_SERVICE = 4;
/** add destination */
export const IPVS_CMD_NEW_DEST = 5;
/** modify destination */
export const IPVS_CMD_SET_DEST = 6;
/** delete destination */
export const IPVS_CMD_DEL_DEST = 7;
/** get destination info (dump of one service's destinations) */
export const IPVS_CMD_GET_DEST = 8;
/** start sync daemon */
export const IPVS_CMD_NEW_DAEMON = 9;
/** stop sync daemon */
export const IPVS_CMD_DEL_DAEMON = 10;
/** get sync daemon status */
export const IPVS_CMD_GET_DAEMON = 11;
/** set config settings */
export const IPVS_CMD_SET_CONFIG = 12;
/** get config settings */
export const IPVS_CMD_GET_CONFIG = 13;
/** only used in GET_INFO reply */
export const IPVS_CMD_SET_INFO = 14;
/** get general IPVS info */
export const IPVS_CMD_GET_INFO = 15;
/** zero all counters and stats */
export const IPVS_CMD_ZERO = 16;
/** flush services and dests */
export const IPVS_CMD_FLUSH = 17;

// Attributes at the first level of commands.
/** nested service attribute */
export const IPVS_CMD_ATTR_SERVICE = 1;
/** nested destination attribute */
export const IPVS_CMD_ATTR_DEST = 2;
/** nested sync daemon attribute */
export const IPVS_CMD_ATTR_DAEMON = 3;
/** TCP connection timeout (u32 seconds) */
export const IPVS_CMD_ATTR_TIMEOUT_TCP = 4;
/** TCP FIN wait timeout (u32 seconds) */
export const IPVS_CMD_ATTR_TIMEOUT_TCP_FIN = 5;
/** UDP timeout (u32 seconds) */
export const IPVS_CMD_ATTR_TIMEOUT_UDP = 6;

// Service attributes, inside IPVS_CMD_ATTR_SERVICE.
/** address family (u16) */
export const IPVS_SVC_ATTR_AF = 1;
/** virtual service protocol (u16, IPPROTO_*) */
export const IPVS_SVC_ATTR_PROTOCOL = 2;
/** virtual service address (union nf_inet_addr: 16 bytes, IPv4 in the first 4) */
export const IPVS_SVC_ATTR_ADDR = 3;
/** virtual service port (u16, network byte order) */
export const IPVS_SVC_ATTR_PORT = 4;
/** firewall mark of service (u32) */
export const IPVS_SVC_ATTR_FWMARK = 5;
/** name of scheduler (string) */
export const IPVS_SVC_ATTR_SCHED_NAME = 6;
/** virtual service flags (struct ip_vs_flags: flags, mask) */
export const IPVS_SVC_ATTR_FLAGS = 7;
/** persistent timeout (u32 seconds) */
export const IPVS_SVC_ATTR_TIMEOUT = 8;
/** persistent netmask (IPv4: __be32 mask; IPv6: u32 prefix length) */
export const IPVS_SVC_ATTR_NETMASK = 9;
/** nested attribute for service stats (32-bit rates) */
export const IPVS_SVC_ATTR_STATS = 10;
/** name of ct retriever (persistence engine, string) */
export const IPVS_SVC_ATTR_PE_NAME = 11;
/** nested attribute for service stats (64-bit) */
export const IPVS_SVC_ATTR_STATS64 = 12;

// Destination attributes, inside IPVS_CMD_ATTR_DEST.
/** real server address (16 bytes) */
export const IPVS_DEST_ATTR_ADDR = 1;
/** real server port (u16, network byte order) */
export const IPVS_DEST_ATTR_PORT = 2;
/** forwarding method (u32, IP_VS_CONN_F_*) */
export const IPVS_DEST_ATTR_FWD_METHOD = 3;
/** destination weight (u32) */
export const IPVS_DEST_ATTR_WEIGHT = 4;
/** upper threshold (u32) */
export const IPVS_DEST_ATTR_U_THRESH = 5;
/** lower threshold (u32) */
export const IPVS_DEST_ATTR_L_THRESH = 6;
/** active connections (u32) */
export const IPVS_DEST_ATTR_ACTIVE_CONNS = 7;
/** inactive connections (u32) */
export const IPVS_DEST_ATTR_INACT_CONNS = 8;
/** persistent connections (u32) */
export const IPVS_DEST_ATTR_PERSIST_CONNS = 9;
/** nested attribute for dest stats */
export const IPVS_DEST_ATTR_STATS = 10;
/** Address family of address (u16): a v6 service may have v4 destinations (tunnel) */
export const IPVS_DEST_ATTR_ADDR_FAMILY = 11;
/** nested attribute for dest stats (64-bit) */
export const IPVS_DEST_ATTR_STATS64 = 12;
/** tunnel type (u8) */
export const IPVS_DEST_ATTR_TUN_TYPE = 13;
/** tunnel port (u16, network byte order) */
export const IPVS_DEST_ATTR_TUN_PORT = 14;
/** tunnel flags (u16) */
export const IPVS_DEST_ATTR_TUN_FLAGS = 15;

// Statistics attributes, inside the *_STATS and *_STATS64 nests.
/** connections scheduled */
export const IPVS_STATS_ATTR_CONNS = 1;
/** incoming packets */
export const IPVS_STATS_ATTR_INPKTS = 2;
/** outgoing packets */
export const IPVS_STATS_ATTR_OUTPKTS = 3;
/** incoming bytes */
export const IPVS_STATS_ATTR_INBYTES = 4;
/** outgoing bytes */
export const IPVS_STATS_ATTR_OUTBYTES = 5;
/** current connection rate */
export const IPVS_STATS_ATTR_CPS = 6;
/** current in packet rate */
export const IPVS_STATS_ATTR_INPPS = 7;
/** current out packet rate */
export const IPVS_STATS_ATTR_OUTPPS = 8;
/** current in byte rate */
export const IPVS_STATS_ATTR_INBPS = 9;
/** current out byte rate */
export const IPVS_STATS_ATTR_OUTBPS = 10;
/** alignment padding for 64-bit values */
export const IPVS_STATS_ATTR_PAD = 11;

// Sync daemon attributes, inside IPVS_CMD_ATTR_DAEMON.
/** sync daemon state (u32: master/backup) */
export const IPVS_DAEMON_ATTR_STATE = 1;
/** multicast interface name (NUL-terminated string) */
export const IPVS_DAEMON_ATTR_MCAST_IFN = 2;
/** SyncID we belong to (u32) */
export const IPVS_DAEMON_ATTR_SYNC_ID = 3;
/** UDP payload size (u16, host order) */
export const IPVS_DAEMON_ATTR_SYNC_MAXLEN = 4;
/** IPv4 multicast address (4 bytes, network order) */
export const IPVS_DAEMON_ATTR_MCAST_GROUP = 5;
/** IPv6 multicast address (16 bytes) */
export const IPVS_DAEMON_ATTR_MCAST_GROUP6 = 6;
/** multicast port, base (u16, host order) */
export const IPVS_DAEMON_ATTR_MCAST_PORT = 7;
/** multicast TTL (u8) */
export const IPVS_DAEMON_ATTR_MCAST_TTL = 8;

// GET_INFO reply attributes.
/** IPVS version number (u32) */
export const IPVS_INFO_ATTR_VERSION = 1;
/** size of connection hash table (u32) */
export const IPVS_INFO_ATTR_CONN_TAB_SIZE = 2;

// From <linux/socket.h> and <netinet/in.h>: values the IPVS attributes carry.
export const AF_INET = 2;
export const AF_INET6 = 10;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_SCTP = 132;
