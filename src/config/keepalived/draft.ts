// What the block readers collect before the cross-checks (finish.ts) turn it into a VipdConfig:
// the parts that need the whole file (defaults from global_defs, references between blocks) stay
// drafts until then.
import type { DNS_QUERY_TYPES } from '../types.js';
import type { AuthHmacDraft } from '../../vrrp/auth-hmac/config.js';
import type {
  Authentication,
  CheckTiming,
  GarpExtraIf,
  GlobalDefs,
  HttpUrl,
  RealServerSpec,
  RouteSpec,
  RuleSpec,
  ScriptCommand,
  SourceRef,
  TrackedInterface,
  TrackedRef,
  TrackFileSpec,
  TrackProcessSpec,
  UnicastPeer,
  VirtualAddressSpec,
  VirtualServerGroupSpec,
  VirtualServerSpec,
  VrrpScriptSpec,
  VrrpSyncGroupSpec,
} from '../types.js';
import type { SyncDaemonDraft } from './lvs-globals.js';

export type GarpKey =
  | 'garpMasterDelay'
  | 'garpMasterRepeat'
  | 'garpMasterRefresh'
  | 'garpMasterRefreshRepeat'
  | 'garpLowerPrioDelay'
  | 'garpLowerPrioRepeat';

export type NotifyKey = 'notifyMaster' | 'notifyBackup' | 'notifyFault' | 'notifyStop' | 'notify' | 'notifyMasterRxLowerPri';

export interface InstanceDraft {
  name: string;
  state?: 'MASTER' | 'BACKUP';
  interface?: string;
  virtualRouterId?: number;
  priority?: number;
  advertInt?: number;
  advertIntWhere?: SourceRef;
  version?: 2 | 3;
  authentication?: Authentication;
  authWhere?: SourceRef;
  /** auth_hmac { } blocks read so far (one draft: several blocks add up). */
  authHmac?: AuthHmacDraft;
  vips: VirtualAddressSpec[];
  vipsWhere?: SourceRef;
  /** `no_virtual_ipaddress`: none on purpose. */
  noVips?: boolean;
  excluded: VirtualAddressSpec[];
  unicastSrcIp?: string;
  unicastSrcWhere?: SourceRef;
  unicastPeers: UnicastPeer[];
  unicastPeersWhere?: SourceRef;
  checkUnicastSrc?: boolean;
  preempt: boolean;
  preemptDelay: number;
  accept?: boolean;
  strict?: boolean;
  trackInterfaces: TrackedInterface[];
  trackScripts: TrackedRef[];
  trackFiles: TrackedRef[];
  trackProcesses: TrackedRef[];
  dontTrackPrimary: boolean;
  nativeIpv6: boolean;
  downTimerAdverts?: number;
  notify: Partial<Record<NotifyKey, ScriptCommand>>;
  notifyDeleted?: { script?: ScriptCommand };
  notifyPriorityChanges?: boolean;
  garp: Partial<Record<GarpKey, number>>;
  vmac?: { name?: string; mac?: string };
  vmacXmitBase?: boolean;
  ipvlan?: { name?: string; address?: string; mode?: 'bridge' | 'private' | 'vepa' };
  unicastTtl?: number;
  mcastDstIp?: string;
  trackSrcIp?: boolean;
  lowerPrioNoAdvert?: boolean;
  higherPrioSendAdvert?: boolean;
  unicastFaultNoPeer?: boolean;
  /** unicast_src_ip was given (mcast_src_ip is not a unicast keyword). */
  unicastSrcKeyword?: boolean;
  oldUnicastChecksum?: 'send' | 'never';
  garpExtraIf?: GarpExtraIf;
  /** Where some keywords were, for strict mode's warnings. */
  at: Partial<Record<'accept' | 'preemptDelay' | 'vmac' | 'ipvlan' | 'lowerPrio' | 'higherPrio' | 'state', SourceRef>>;
  virtualRoutes?: RouteSpec[];
  virtualRules?: RuleSpec[];
  /** Where the block starts (not the statement: its tree is dropped once read). */
  where: SourceRef;
}

export type TimingDraft = Partial<CheckTiming>;

export type NetCheckerType = 'TCP_CHECK' | 'HTTP_GET' | 'SSL_GET' | 'SMTP_CHECK' | 'DNS_CHECK' | 'PING_CHECK' | 'UDP_CHECK';

export interface NetCheckerDraft {
  kind: 'net';
  type: NetCheckerType;
  timing: TimingDraft;
  alpha?: boolean;
  logAllFailures?: boolean;
  connectIp?: string;
  connectPort?: number;
  bindTo?: string;
  bindPort?: number;
  bindIf?: string;
  fwmark?: number;
  urls: HttpUrl[];
  virtualhost?: string;
  enableSni: boolean;
  httpProtocol?: '1.0' | '1.0C' | '1.1';
  fastRecovery?: boolean;
  heloName?: string;
  /** SMTP_CHECK host { } blocks: one more check each. */
  hosts: NetCheckerDraft[];
  dnsType?: (typeof DNS_QUERY_TYPES)[number];
  dnsName?: string;
  payload?: string;
  requireReply?: true | string;
  minReplyLength?: number;
  maxReplyLength?: number;
  replyLengthWhere?: SourceRef;
  /** Where the block starts (not the statement: its tree is dropped once read). */
  where: SourceRef;
}

export interface MiscCheckerDraft {
  kind: 'misc';
  timing: TimingDraft;
  alpha?: boolean;
  logAllFailures?: boolean;
  path?: ScriptCommand;
  timeout?: number;
  dynamic: boolean;
  user?: string;
  group?: string;
  /** Where the block starts (not the statement: its tree is dropped once read). */
  where: SourceRef;
}

export interface FileCheckerDraft {
  kind: 'file';
  /** Each track_file line: the last one naming a defined track_file counts (finish-checkers). */
  trackFiles?: Array<{ name: string; where: SourceRef }>;
  weight?: number;
  reverse?: boolean;
  where: SourceRef;
}

export interface BfdCheckerDraft {
  kind: 'bfd';
  name?: string;
  where: SourceRef;
}

export type CheckerDraft = NetCheckerDraft | MiscCheckerDraft | FileCheckerDraft | BfdCheckerDraft;

export interface RealServerDraft {
  rs: Omit<RealServerSpec, 'checkers'>;
  methodSet: boolean;
  timing: TimingDraft;
  checkers: CheckerDraft[];
  /** alpha of the real server (its checkers inherit it). */
  alpha?: boolean;
  /** virtualhost of the real server (its HTTP checkers inherit it). */
  virtualhost?: string;
}

export interface VsDraft {
  vs: Omit<VirtualServerSpec, 'realServers' | 'delayLoop'>;
  timing: TimingDraft;
  rs: RealServerDraft[];
  protocolSet: boolean;
  granularityWhere?: SourceRef;
  quorumWhere?: SourceRef;
  sorryWhere?: SourceRef;
  haSuspendWhere?: SourceRef;
  portGiven: boolean;
  /** Where the block starts (not the statement: its tree is dropped once read). */
  where: SourceRef;
}

/** The whole file as read so far. */
export interface ConfigDraft {
  global: GlobalDefs;
  lowerPrioDelaySet: boolean;
  lowerPrioRepeatSet: boolean;
  /** global_defs lvs_sync_daemon, completed once the instances are known. */
  syncDaemon?: SyncDaemonDraft;
  /** *notify_fifo_script, joined to their FIFO once the whole file is read. */
  fifoScripts: Partial<Record<'notifyFifo' | 'vrrpNotifyFifo' | 'lvsNotifyFifo', ScriptCommand>>;
  /** global_defs vrrp_down_timer_adverts (instances inherit it). */
  downTimerAdverts?: number;
  instances: InstanceDraft[];
  scripts: VrrpScriptSpec[];
  trackFiles: TrackFileSpec[];
  trackProcesses: TrackProcessSpec[];
  syncGroups: VrrpSyncGroupSpec[];
  vsGroups: VirtualServerGroupSpec[];
  servers: VsDraft[];
  /** global_defs default_interface: where static addresses without `dev` go (keepalived: eth0). */
  defaultInterface?: string;
  staticAddresses?: VirtualAddressSpec[];
  staticRoutes?: RouteSpec[];
  staticRules?: RuleSpec[];
}
