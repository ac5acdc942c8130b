// The one configuration model the daemon runs from. Both keepalived.conf and k0s's
// controlPlaneLoadBalancing map to it, with every default already applied, so the daemon
// never asks "was this set?". Source positions are kept so reload/diagnostics can point at lines.
// Block types end in `Spec` (VrrpInstanceSpec, VirtualServerSpec...): what the operator asked for,
// kept apart from the runtime objects of the same name (vrrp.VrrpInstance, ipvs.VirtualServerConfig).
import type { RouteMetrics } from '../netif/rtnetlink/route.js';
import type { HmacKey } from '../vrrp/auth-hmac/keys.js';
import type { AntiReplay } from '../vrrp/auth-hmac/sequence.js';
import type { AuthMode } from '../vrrp/auth-hmac/settings.js';

/** Where a config element came from (file:line). k0s YAML documents use line 0 when unknown. */
export interface SourceRef {
  file: string;
  line: number;
}

/** A non-fatal problem: unknown or unsupported keyword, missing include, truncation... */
export interface ConfigWarning extends SourceRef {
  message: string;
}

/**
 * A script to run without a shell: argv already split with keepalived's quoting rules.
 * `user`/`group` are the optional trailing `[username [groupname]]` of notify keywords.
 */
export interface ScriptCommand {
  argv: string[];
  /** The command string as written (after config-level unquoting). */
  text: string;
  user?: string;
  group?: string;
  /**
   * Who it runs as, when the loader could ask the host (script checks, `vipd -t` and the daemon):
   * the resolved `user [group]` / script_user / keepalived_script; absent = vipd's own user.
   */
  runAs?: { uid: number; gid: number };
  where: SourceRef;
}

export type IpFamilyName = 'inet' | 'inet6';

export interface GlobalDefs {
  routerId?: string;
  /** Default VRRP version for instances (IPv6 instances always run v3). Default 2. */
  vrrpVersion: 2 | 3;
  /** Seconds until the second GARP burst after becoming master; 0 = none. Default 5. */
  garpMasterDelay: number;
  /** GARPs per burst after becoming master. Default 5. */
  garpMasterRepeat: number;
  /** Seconds between GARP refreshes while master; 0 = off. Default 0. */
  garpMasterRefresh: number;
  /** GARPs per refresh. Default 1. */
  garpMasterRefreshRepeat: number;
  /** Default garpMasterDelay after a lower-priority advert while master. */
  garpLowerPrioDelay: number;
  garpLowerPrioRepeat: number;
  /** Seconds between two GARPs on one interface. Default 0. */
  garpInterval: number;
  /** Seconds between two unsolicited NAs on one interface. Default 0. */
  gnaInterval: number;
  /** Scripts that would run as root are refused when a non-root user could change them. */
  enableScriptSecurity: boolean;
  /** script_user: who scripts run as when they name nobody (keepalived: keepalived_script if it exists, else us). */
  scriptUser?: string;
  scriptGroup?: string;
  /** checker_log_all_failures: every failed check is logged, not only state changes (checkers may override). */
  checkerLogAllFailures?: boolean;
  /** rs_init_notifies: notify_up for every real server that starts up, at start. */
  rsInitNotifies?: boolean;
  /** notify_fifo: every VRRP (and LVS) notification, one line each. */
  notifyFifo?: NotifyFifoSpec;
  /** vrrp_notify_fifo: VRRP notifications only. */
  vrrpNotifyFifo?: NotifyFifoSpec;
  /** lvs_notify_fifo: real server and virtual server (quorum) notifications only. */
  lvsNotifyFifo?: NotifyFifoSpec;
  /** vrrp_notify_priority_changes: the default of instances' notify_priority_changes. */
  vrrpNotifyPriorityChanges: boolean;
  /** fifo_write_vrrp_states_on_reload: write every instance's and group's state to the FIFOs after a reload. */
  fifoWriteVrrpStatesOnReload: boolean;
  /** Flush IPVS at startup (`lvs_flush`). */
  lvsFlush: boolean;
  /** Flush IPVS at shutdown: false, true (everything) or 'VS' (only our virtual servers). */
  lvsFlushOnStop: boolean | 'VS';
  /** `lvs_timeouts`: IPVS connection timeouts in seconds; an unset one keeps the value found at start. */
  lvsTimeouts?: LvsTimeouts;
  /** `lvs_sync_daemon`: the kernel's IPVS connection sync daemon. */
  lvsSyncDaemon?: LvsSyncDaemonSpec;
  checkUnicastSrc: boolean;
  strict: boolean;
  skipCheckAdvAddr: boolean;
  /** vrrp_mcast_group4 / vrrp_mcast_group6: the default advert groups. */
  mcastGroup4?: string;
  mcastGroup6?: string;
  /** vmac_prefix: name prefix of VMACs without a name (default "vrrp"). */
  vmacPrefix?: string;
  /** vrrp_lower_prio_no_advert, vrrp_higher_prio_send_advert: the instances' defaults. */
  lowerPrioNoAdvert?: boolean;
  higherPrioSendAdvert?: boolean;
  /** vrrp_garp_extra_if: the instances' default. */
  garpExtraIf?: GarpExtraIf;
  /** vrrp_startup_delay: seconds before the instances start. */
  startupDelay?: number;
  /** The VRRP process's scheduling (vipd is one process: they apply to it). */
  vrrpPriority?: number;
  vrrpRtPriority?: number;
  vrrpNoSwap?: boolean;
  vrrpCpuAffinity?: number[];
  /** The SSL {} block (SSL_GET client certificate, key, CA, key password). */
  ssl?: SslSpec;
  where?: SourceRef;
}

/** `lvs_timeouts [tcp SECS] [tcpfin SECS] [udp SECS]` (0 = leave the kernel's value). */
export interface LvsTimeouts {
  tcp?: number;
  tcpFin?: number;
  udp?: number;
  where: SourceRef;
}

/**
 * `lvs_sync_daemon INTERFACE [[inst] VRRP_INSTANCE] [id N] [maxlen N] [port N] [ttl N] [group ADDR]`:
 * the master daemon runs while the instance is MASTER, the backup daemon otherwise; without an
 * instance both run.
 */
export interface LvsSyncDaemonSpec {
  interface: string;
  instance?: string;
  /** 0..255; default the instance's virtual_router_id, 0 without an instance. */
  syncId: number;
  /** UDP payload size; undefined = the kernel's (MTU-based). */
  maxLen?: number;
  /** Default 8848 (the kernel's). */
  port?: number;
  ttl?: number;
  /** Multicast group, IPv4 or IPv6; default 224.0.0.81 (the kernel's). */
  group?: string;
  where: SourceRef;
}

/** garp_extra_if [all] SECONDS: periodic GARP/NA on the VIPs' other interfaces (VMACs only, or all). */
export interface GarpExtraIf {
  intervalS: number;
  all: boolean;
}

/** A notify FIFO (`*notify_fifo PATH [user [group]]`) and the optional script reading it (`*_script`). */
export interface NotifyFifoSpec {
  path: string;
  /** Owner of the FIFO vipd creates. */
  user?: string;
  group?: string;
  /** Started with the FIFO's path as its last argument; SIGTERM when vipd stops or reloads. */
  script?: ScriptCommand;
  where: SourceRef;
}

export type VrrpState = 'MASTER' | 'BACKUP';

export interface VirtualAddressSpec {
  address: string;
  /** Prefix length; default 32 / 128 as `ip addr add` does. */
  prefixLength: number;
  family: 4 | 6;
  /** Interface to put it on; undefined = the instance's interface. */
  dev?: string;
  label?: string;
  scope?: 'global' | 'site' | 'link' | 'host' | 'nowhere';
  broadcast?: string;
  peer?: string;
  noTrack: boolean;
  where: SourceRef;
}

/** An address with its prefix length (`from`/`to` of routes and rules). */
export interface PrefixSpec {
  address: string;
  prefixLength: number;
}

export type RouteTypeName = 'unicast' | 'local' | 'broadcast' | 'anycast' | 'multicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw' | 'nat';

/** RTA_METRICS of a route, in the kernel's units (rtt: ms x 8, rttvar: ms x 4, rto_min: ms). */
export type RouteMetricsSpec = RouteMetrics;

export interface RouteNextHopSpec {
  gateway?: string;
  dev?: string;
  /** 1..256. */
  weight?: number;
  onlink: boolean;
  /** (from << 16) | to. */
  realms?: number;
}

/**
 * One line of virtual_routes / static_routes, as keepalived sends it to the kernel: its defaults
 * applied (protocol keepalived, scope global), names resolved to numbers.
 */
export interface RouteSpec {
  family: 4 | 6;
  type: RouteTypeName;
  /** `default` is 0.0.0.0/0 or ::/0. */
  destination: PrefixSpec;
  /** `from` (IPv6 source-specific routes). */
  source?: PrefixSpec;
  /** `src`: the preferred source address. */
  preferredSource?: string;
  gateway?: string;
  /** `dev`/`oif`; undefined: none (the kernel picks it from the gateway). */
  dev?: string;
  table: number;
  /** `metric`/`priority`/`preference`. */
  metric?: number;
  tos: number;
  scope: number;
  protocol: number;
  onlink: boolean;
  metrics: RouteMetricsSpec;
  realms?: number;
  nexthops: RouteNextHopSpec[];
  /** IPv6 router preference: 3 low, 0 medium, 1 high. */
  pref?: number;
  /** Seconds (IPv6). */
  expires?: number;
  ttlPropagate?: boolean;
  /** `append`: after matching routes (else unicast routes are prepended, others added). */
  append: boolean;
  /** Not watched: deleted by someone else, it stays deleted and the instance stays MASTER. */
  noTrack: boolean;
  where: SourceRef;
}

export type RuleActionName = 'table' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';

/** One line of virtual_rules / static_rules, as keepalived sends it (priority assigned if missing). */
export interface RuleSpec {
  family: 4 | 6;
  action: RuleActionName;
  /** action 'table' (also with l3mdev: 0). */
  table: number;
  goto?: number;
  l3mdev: boolean;
  priority: number;
  /** `not`. */
  invert: boolean;
  /** `from` / `to`; `all` is 0.0.0.0/0 (::/0), sent as an address like keepalived does. */
  from?: PrefixSpec;
  to?: PrefixSpec;
  tos: number;
  fwmark?: number;
  fwmask?: number;
  iif?: string;
  oif?: string;
  uidRange?: { start: number; end: number };
  sport?: { start: number; end: number };
  dport?: { start: number; end: number };
  ipProto?: number;
  suppressPrefixLength?: number;
  suppressIfgroup?: number;
  realms?: number;
  /** FRA_PROTOCOL; keepalived's (18) unless no_track. */
  protocol?: number;
  noTrack: boolean;
  where: SourceRef;
}

export interface TrackedInterface {
  name: string;
  weight: number;
  reverse: boolean;
  where: SourceRef;
}

/** A track_script / track_file / track_process entry: a named tracker, optionally re-weighted. */
export interface TrackedRef {
  name: string;
  /** undefined = the tracker's own weight. */
  weight?: number;
  /** undefined = the tracker's own (`noreverse` gives false). */
  reverse?: boolean;
  where: SourceRef;
}

export type TrackedScript = TrackedRef;
export type TrackedFile = TrackedRef;
export type TrackedProcess = TrackedRef;

export interface UnicastPeer {
  address: string;
  minTtl?: number;
  maxTtl?: number;
}

export interface Authentication {
  type: 'PASS' | 'AH';
  /** At most 8 characters: longer passwords are an error (k0s's contract too). */
  pass: string;
}

/**
 * auth_hmac { } (draft-cassen-vrrp-auth-hmac, as keepalived 2.4.3), defaults applied. Keys print
 * masked (id, size, origin) in dumps and logs; `file:` keys are read when the configuration loads.
 */
export interface VrrpAuthHmacSpec {
  /** In configuration order; the receiver accepts any of them. */
  keys: HmacKey[];
  activeKey: number;
  mode: AuthMode;
  antiReplay: AntiReplay;
  /** Seconds (keepalived's default, 3 x advert_int and 5..300, already applied). */
  timeWindow: number;
  where: SourceRef;
}

export interface VrrpInstanceSpec {
  name: string;
  /** Initial state. Default BACKUP. */
  state: VrrpState;
  interface: string;
  virtualRouterId: number;
  /** 1..255; 255 = address owner. Default 100. */
  priority: number;
  /** Advertisement interval in centiseconds (VRRPv3's wire unit; v2 uses whole seconds = multiples of 100). Default 100. */
  advertIntervalCs: number;
  /** Effective version: explicit `version`, else global vrrp_version; IPv6 forces 3. */
  version: 2 | 3;
  family: 4 | 6;
  authentication?: Authentication;
  /** With it, `authentication` is dropped (as keepalived does). */
  authHmac?: VrrpAuthHmacSpec;
  virtualIpAddresses: VirtualAddressSpec[];
  virtualIpAddressesExcluded: VirtualAddressSpec[];
  unicastSrcIp?: string;
  unicastPeers: UnicastPeer[];
  checkUnicastSrc: boolean;
  /** true unless `nopreempt`. */
  preempt: boolean;
  /** Seconds. Default 0. */
  preemptDelay: number;
  /** Accept mode; default true unless strict mode. */
  accept: boolean;
  strict: boolean;
  trackInterfaces: TrackedInterface[];
  trackScripts: TrackedScript[];
  trackFiles: TrackedFile[];
  trackProcesses: TrackedProcess[];
  dontTrackPrimary: boolean;
  nativeIpv6: boolean;
  notifyMaster?: ScriptCommand;
  notifyBackup?: ScriptCommand;
  notifyFault?: ScriptCommand;
  notifyStop?: ScriptCommand;
  notify?: ScriptCommand;
  /** Run when, as master, an advert with a lower priority arrives. */
  notifyMasterRxLowerPri?: ScriptCommand;
  /** notify_deleted [script]: a reload that removes the instance reports DELETED, not FAULT. */
  notifyDeleted?: { script?: ScriptCommand };
  /** MASTER_PRIORITY / BACKUP_PRIORITY lines on the notify FIFOs (instance, else its group, else global). */
  notifyPriorityChanges: boolean;
  garpMasterDelay: number;
  garpMasterRepeat: number;
  garpMasterRefresh: number;
  garpMasterRefreshRepeat: number;
  garpLowerPrioDelay: number;
  garpLowerPrioRepeat: number;
  /** Adverts missed before a backup takes over (`down_timer_adverts`); undefined = 3, the RFC's. */
  downTimerAdverts?: number;
  /** use_vmac [NAME] [MAC] (with vmac_xmit_base). */
  vmac?: { name?: string; mac?: string; xmitBase: boolean };
  /** use_ipvlan [NAME] [ADDRESS] [MODE]. */
  ipvlan?: { name?: string; address?: string; mode?: 'bridge' | 'private' | 'vepa' };
  /** unicast_ttl. */
  unicastTtl?: number;
  /** mcast_dst_ip (or the global vrrp_mcast_group4/6). */
  mcastDstIp?: string;
  trackSrcIp?: boolean;
  lowerPrioNoAdvert?: boolean;
  higherPrioSendAdvert?: boolean;
  /** unicast_fault_no_peer, and whether a unicast keyword was used (unicast_src_ip, unicast_peer). */
  unicastFaultNoPeer?: boolean;
  unicastKeyword?: boolean;
  /** old_unicast_checksum: 'send' (set), 'never' (never); undefined detects. */
  oldUnicastChecksum?: 'send' | 'never';
  garpExtraIf?: GarpExtraIf;
  /** `virtual_routes`: added while MASTER, removed otherwise. Absent: none. */
  virtualRoutes?: RouteSpec[];
  /** `virtual_rules`: added while MASTER, removed otherwise. Absent: none. */
  virtualRules?: RuleSpec[];
  where: SourceRef;
}

export interface VrrpSyncGroupSpec {
  name: string;
  group: string[];
  /** Tracked for every member (with their weights, whatever sync_group_tracking_weight says). */
  trackInterfaces: TrackedInterface[];
  trackScripts: TrackedScript[];
  trackFiles: TrackedFile[];
  trackProcesses: TrackedProcess[];
  notifyMaster?: ScriptCommand;
  notifyBackup?: ScriptCommand;
  notifyFault?: ScriptCommand;
  notifyStop?: ScriptCommand;
  notify?: ScriptCommand;
  /** notify_deleted on the group: its members report DELETED when a reload removes them. */
  notifyDeleted?: { script?: ScriptCommand };
  notifyPriorityChanges?: boolean;
  /** sync_group_tracking_weight (or the deprecated global_tracking): members keep their tracking weights. */
  trackingWeight: boolean;
  where: SourceRef;
}

/** track_file NAME (vrrp_track_file): a number in a file that moves priorities or means FAULT. */
export interface TrackFileSpec {
  name: string;
  file: string;
  /** Default weight of its trackers (1). */
  weight: number;
  reverse: boolean;
  /** init_file [VALUE] [overwrite]: write VALUE at start-up if the file is missing (always, with overwrite). */
  init?: { value: number; overwrite: boolean };
  where: SourceRef;
}

/** vrrp_track_process NAME: whether enough (and not too many) matching processes run. */
export interface TrackProcessSpec {
  name: string;
  /** The process name (or argv[0]) and the parameters to match. */
  process: string;
  params: string[];
  /** param_match: 'exact' when given without a value. */
  paramMatch?: 'exact' | 'partial' | 'initial';
  fullCommand: boolean;
  /** Default weight of its trackers (1). */
  weight: number;
  reverse: boolean;
  /** Default 1. */
  quorum: number;
  /** undefined = no maximum. */
  quorumMax?: number;
  /** Seconds (fork_delay / terminate_delay; `delay` sets both). Default 0. */
  forkDelay: number;
  terminateDelay: number;
  where: SourceRef;
}

export interface VrrpScriptSpec {
  name: string;
  script: ScriptCommand;
  /** Seconds. Default 1. */
  interval: number;
  /** Seconds. Default: interval. */
  timeout: number;
  /** -253..253. Default 0. */
  weight: number;
  weightReverse: boolean;
  rise: number;
  fall: number;
  initFail: boolean;
  user?: string;
  group?: string;
  where: SourceRef;
}

export const LVS_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'] as const;
export type LvsScheduler = (typeof LVS_SCHEDULERS)[number];
export type LvsMethod = 'NAT' | 'DR' | 'TUN';

/** `lvs_method TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]`. */
export interface TunnelSpec {
  type: 'ipip' | 'gue' | 'gre';
  /** GUE only (and required there). */
  port?: number;
  checksum?: 'nocsum' | 'csum' | 'remcsum';
}
export type LvsProtocol = 'TCP' | 'UDP' | 'SCTP';

/** Timing knobs shared by the virtual server, real server and checker levels (seconds). */
export interface CheckTiming {
  connectTimeout: number;
  retry: number;
  delayBeforeRetry: number;
  /** Maximum random delay before the first check; 0 = none. */
  warmup: number;
  delayLoop: number;
}

/** What every checker has: its timing, and alpha (checker, else real server, else virtual server). */
export interface CheckerCommon {
  retry: number;
  delayBeforeRetry: number;
  warmup: number;
  delayLoop: number;
  /** Starts down until its first success; resolved from the checker, real server and virtual server. */
  alpha: boolean;
  /** log_all_failures (checker, else global_defs checker_log_all_failures): log every failed check. */
  logAllFailures?: true;
  where: SourceRef;
}

export interface CheckerBase extends CheckerCommon {
  connectTimeout: number;
  /** Target: defaults to the real server's address and port. */
  connectIp: string;
  connectPort: number;
  bindTo?: string;
  bindPort?: number;
  bindIf?: string;
  fwmark?: number;
}

export interface TcpCheckSpec extends CheckerBase {
  type: 'TCP_CHECK';
}

/** url `regex` with its options (PCRE2 option names, translated when the probe is built). */
export interface UrlRegex {
  pattern: string;
  options: string[];
  /** regex_no_match: a match is the failure. */
  noMatch: boolean;
  minOffset?: number;
  maxOffset?: number;
}

export interface HttpUrl {
  path: string;
  /** Inclusive ranges; default [[200, 299]]. */
  statusCodes: Array<[number, number]>;
  digest?: string;
  /** Host header: the url's, else the checker's, real server's or virtual server's (resolved). */
  virtualhost?: string;
  regex?: UrlRegex;
}

export interface HttpCheckSpec extends CheckerBase {
  type: 'HTTP_GET' | 'SSL_GET';
  urls: HttpUrl[];
  virtualhost?: string;
  enableSni: boolean;
  /** keepalived http_protocol; default 1.0. */
  httpProtocol: '1.0' | '1.0C' | '1.1';
  /** A recovering server checks all URLs at once instead of one per delay_loop. */
  fastRecovery: boolean;
}

export interface SmtpCheckSpec extends CheckerBase {
  type: 'SMTP_CHECK';
  /** HELO name; default this host's name. */
  heloName?: string;
}

export const DNS_QUERY_TYPES = ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA'] as const;

export interface DnsCheckSpec extends CheckerBase {
  type: 'DNS_CHECK';
  /** Default SOA. */
  queryType: (typeof DNS_QUERY_TYPES)[number];
  /** Default ".". */
  name: string;
}

export interface PingCheckSpec extends CheckerBase {
  type: 'PING_CHECK';
}

export interface UdpCheckSpec extends CheckerBase {
  type: 'UDP_CHECK';
  /** Hex digits of the datagram (keepalived HEX_STR, normalised); default a fixed text. */
  payload?: string;
  /** true = any reply; a string = the reply pattern (hex digits and x, normalised: "ab 12 0x"). */
  requireReply?: true | string;
  minReplyLength: number;
  maxReplyLength: number;
}

export interface MiscCheckSpec extends CheckerCommon {
  type: 'MISC_CHECK';
  path: ScriptCommand;
  /** Seconds; default: delay_loop. */
  timeout: number;
  dynamic: boolean;
  user?: string;
  group?: string;
}

/** FILE_CHECK: the value of a track_file's file, times the weight, adjusts the real server's weight. */
export interface FileCheckSpec {
  type: 'FILE_CHECK';
  trackFile: string;
  path: string;
  /** The checker's weight, else the track_file's (default 1). */
  weight: number;
  reverse: boolean;
  where: SourceRef;
}

export type CheckerSpec =
  | TcpCheckSpec | HttpCheckSpec | SmtpCheckSpec | DnsCheckSpec | PingCheckSpec | UdpCheckSpec
  | MiscCheckSpec | FileCheckSpec;

/** track_file NAME { file, weight, init_file }. */
export interface TrackFileSpec {
  name: string;
  file: string;
  weight: number;
  reverse: boolean;
  /** init_file: the value written at start when the file is missing (or always, with overwrite). */
  init?: { value: number; overwrite: boolean };
  where: SourceRef;
}

/** The global SSL {} block: what SSL_GET presents and loads. */
export interface SslSpec {
  password?: string;
  ca?: string;
  certificate?: string;
  key?: string;
  where: SourceRef;
}

export interface RealServerSpec {
  address: string;
  /** 0 when not given (fwmark services). */
  port: number;
  weight: number;
  method: LvsMethod;
  /** With method TUN: the tunnel type; undefined = ipip. */
  tunnel?: TunnelSpec;
  inhibitOnFailure: boolean;
  upperThreshold?: number;
  lowerThreshold?: number;
  notifyUp?: ScriptCommand;
  notifyDown?: ScriptCommand;
  checkers: CheckerSpec[];
  where: SourceRef;
}

export type VirtualServerTarget =
  | { kind: 'address'; address: string; port: number; family: 4 | 6 }
  | { kind: 'fwmark'; fwmark: number; family: 4 | 6 }
  | { kind: 'group'; group: string };

export interface VirtualServerSpec {
  target: VirtualServerTarget;
  /** Seconds between checks. Default 60. */
  delayLoop: number;
  /** Default wlc, as keepalived. */
  scheduler: LvsScheduler;
  /** Scheduler flags (flag-1, sh-port, ...). */
  schedulerFlags: string[];
  method: LvsMethod;
  /** With method TUN: the tunnel type; undefined = ipip. */
  tunnel?: TunnelSpec;
  /** Default UDP: what keepalived 2.2.7 does when `protocol` is missing (with a warning). */
  protocol: LvsProtocol;
  /** Seconds; undefined = not persistent. `persistence_timeout` alone = 360. */
  persistenceTimeout?: number;
  persistenceGranularity?: string;
  /** `persistence_engine` (e.g. sip): the kernel module ip_vs_pe_<name>. */
  persistenceEngine?: string;
  ops: boolean;
  quorum: number;
  hysteresis: number;
  alpha: boolean;
  omega: boolean;
  inhibitOnFailure: boolean;
  quorumUp?: ScriptCommand;
  quorumDown?: ScriptCommand;
  /** inhibit: kept at weight 0 while not in use; method: its own forwarding (default the virtual server's). */
  sorryServer?: { address: string; port: number; inhibit: boolean; method?: LvsMethod; tunnel?: TunnelSpec };
  /** `ha_suspend`: the checkers pause while the virtual server's address is not local. */
  haSuspend?: boolean;
  virtualhost?: string;
  realServers: RealServerSpec[];
  where: SourceRef;
}

export type VirtualServerGroupEntry =
  | { kind: 'address'; first: string; last: string; port: number; family: 4 | 6 }
  | { kind: 'fwmark'; fwmark: number; family?: 4 | 6 };

export interface VirtualServerGroupSpec {
  name: string;
  entries: VirtualServerGroupEntry[];
  where: SourceRef;
}

/** Extras that only the k0s input sets (keepalived.conf never does). */
export interface K0sExtras {
  /** dummyvip0 holds every VIP as /32 or /128 (LVS-DR real servers accept VIP traffic). */
  dummyVipInterface?: string;
  /**
   * Program IPVS only while MASTER (k0s #5178: DR on every node loops packets). With
   * keepalived k0s gets this from notify scripts + a symlinked include; vipd does it directly.
   */
  virtualServersOnMasterOnly: boolean;
  /** Address label for IPv6 VIPs so they are not picked as source addresses (per instance name). */
  ipv6AddressLabels: Record<string, number>;
  userSpaceProxyBindPort?: number;
  disableLoadBalancer: boolean;
  /**
   * How VIP:apiPort is balanced, chosen as k0s does (cplb_linux.go Start): `ipvs` when
   * virtualServers are configured, else k0s's default, the `userspace` proxy; `none` with
   * disableLoadBalancer (VRRP only).
   */
  loadBalancer: K0sLoadBalancer;
  /** loadBalancer `userspace`: the TCP proxy on userSpaceProxyBindPort and the VIP:apiPort redirect to it. */
  userSpaceProxy?: K0sUserSpaceProxy;
}

export type K0sLoadBalancer = 'ipvs' | 'userspace' | 'none';

/** How the userspace proxy picks an API server for a new connection. */
export type ProxyBalance = 'round-robin' | 'least-connections';

/** How the userspace proxy checks an API server: GET https://<address>:<apiPort>/readyz (not verified), or a TCP connect. */
export type ProxyHealthCheck = 'readyz' | 'tcp';

export interface K0sUserSpaceProxy {
  /** Where the proxy listens, on every address (k0s: userSpaceProxyBindPort, default 6444). */
  bindPort: number;
  /** The API servers' port (spec.api.port) and the port redirected on the VIPs. */
  apiPort: number;
  /** API server addresses the proxy spreads connections over. */
  backends: string[];
  /** Where `backends` came from: --k0s-controllers, the instances' unicast source + peers, or this node's API server alone. */
  backendsFrom: 'controllers' | 'unicast' | 'local';
  balance: ProxyBalance;
  healthCheck: ProxyHealthCheck;
}

export interface VipdConfig {
  /** Where this came from: the main keepalived.conf or the k0s YAML. */
  source: { kind: 'keepalived' | 'k0s'; file: string };
  /** Every file read (main + includes), for reload/watch. */
  files: string[];
  global: GlobalDefs;
  vrrpScripts: VrrpScriptSpec[];
  trackFiles: TrackFileSpec[];
  trackProcesses: TrackProcessSpec[];
  vrrpSyncGroups: VrrpSyncGroupSpec[];
  vrrpInstances: VrrpInstanceSpec[];
  virtualServerGroups: VirtualServerGroupSpec[];
  virtualServers: VirtualServerSpec[];
  /** `static_ipaddress`, `static_routes`, `static_rules`: added at start, removed at stop. Absent: none. */
  staticAddresses?: VirtualAddressSpec[];
  staticRoutes?: RouteSpec[];
  staticRules?: RuleSpec[];
  k0s?: K0sExtras;
}

export interface LoadResult {
  config: VipdConfig;
  warnings: ConfigWarning[];
}

export function formatWarning(w: ConfigWarning): string {
  return w.line > 0 ? `${w.file}:${w.line}: ${w.message}` : `${w.file}: ${w.message}`;
}
