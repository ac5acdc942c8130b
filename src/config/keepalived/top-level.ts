// The blocks (and the few process-wide keywords) a keepalived.conf may hold at its top level.
import type { ConfigDraft } from './draft.js';
import { globalDefs } from './global-defs.js';
import { implemented, warned, type KeywordTable } from './kit.js';
import { virtualServerGroup } from './lvs-groups.js';
import { virtualServer } from './lvs-virtual-server.js';
import { BFD_NOTE, GARP_GROUP_NOTE, LINKBEAT_NOTE, TRACK_GROUP_NOTE } from './skipped-blocks.js';
import { sslBlock } from './ssl.js';
import { trackFile } from './track-file.js';
import { trackProcess } from './track-process.js';
import { vrrpInstance } from './vrrp-instance.js';
import { STATIC_ADDRESSES, STATIC_ROUTES, STATIC_RULES } from './vrrp-routes.js';
import { vrrpScript } from './vrrp-script.js';
import { syncGroup } from './vrrp-sync-group.js';

// Include lines are expanded while the file is read (source.ts); one that reaches the table was
// not at the start of a statement (e.g. after a continued line), as keepalived also ignores it.
const INCLUDE = implemented<ConfigDraft>((s, _d, kit) => kit.warn(s, `${s.keyword}: only read at the start of a line, ignored`), { note: 'expanded while the file is read' });

export const TOP_LEVEL: KeywordTable<ConfigDraft> = {
  include: INCLUDE,
  includer: INCLUDE,
  includem: INCLUDE,
  includew: INCLUDE,
  includeb: INCLUDE,
  includea: INCLUDE,
  global_defs: implemented(globalDefs, { block: 'global_defs' }),
  vrrp_script: implemented(vrrpScript, { block: 'vrrp_script' }),
  vrrp_sync_group: implemented(syncGroup, { block: 'vrrp_sync_group' }),
  vrrp_instance: implemented(vrrpInstance, { block: 'vrrp_instance' }),
  virtual_server_group: implemented(virtualServerGroup, { list: true }),
  virtual_server: implemented(virtualServer, { block: 'virtual_server' }),
  static_ipaddress: STATIC_ADDRESSES,
  static_routes: STATIC_ROUTES,
  static_rules: STATIC_RULES,
  track_group: warned(TRACK_GROUP_NOTE, undefined, { block: 'track_group' }),
  track_file: implemented(trackFile, { block: 'track_file', note: 'tracked by instances and sync groups; its file feeds FILE_CHECK' }),
  vrrp_track_file: implemented(trackFile, { block: 'track_file', note: 'deprecated name of track_file (warns, as keepalived)' }),
  vrrp_track_process: implemented(trackProcess, { block: 'vrrp_track_process' }),
  bfd_instance: warned(BFD_NOTE, undefined, { block: 'bfd_instance' }),
  linkbeat_interfaces: warned(LINKBEAT_NOTE, undefined, { list: true }),
  linkbeat_use_polling: warned(LINKBEAT_NOTE),
  garp_group: warned(GARP_GROUP_NOTE, undefined, { block: 'garp_group' }),
  SSL: implemented(sslBlock, { block: 'SSL' }),
  net_namespace: warned('vipd runs in the network namespace it is started in'),
  net_namespace_ipvs: warned('IPVS is programmed in the network namespace vipd is started in'),
  namespace_with_ipsets: warned('no ipsets are used'),
  instance: warned('pid files keep the names given on the command line'),
  use_pid_dir: warned('pid files keep the names given on the command line'),
  child_wait_time: warned('vipd is one process'),
};
