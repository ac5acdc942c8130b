// The blocks a keepalived.conf may hold at its top level.
import type { ConfigDraft } from './draft.js';
import { globalDefs } from './global-defs.js';
import { implemented, warned, type KeywordTable } from './kit.js';
import { virtualServerGroup } from './lvs-groups.js';
import { virtualServer } from './lvs-virtual-server.js';
import { vrrpInstance } from './vrrp-instance.js';
import { vrrpScript } from './vrrp-script.js';
import { syncGroup } from './vrrp-sync-group.js';

export const TOP_LEVEL: KeywordTable<ConfigDraft> = {
  global_defs: implemented(globalDefs, { block: 'global_defs' }),
  vrrp_script: implemented(vrrpScript, { block: 'vrrp_script' }),
  vrrp_sync_group: implemented(syncGroup, { block: 'vrrp_sync_group' }),
  vrrp_instance: implemented(vrrpInstance, { block: 'vrrp_instance' }),
  virtual_server_group: implemented(virtualServerGroup),
  virtual_server: implemented(virtualServer, { block: 'virtual_server' }),
  static_ipaddress: warned('these addresses are not added'),
  static_routes: warned('these routes are not added'),
  static_rules: warned('these rules are not added'),
  vrrp_track_file: warned('the file is not tracked'),
  vrrp_track_process: warned('the processes are not tracked'),
  bfd_instance: warned('no BFD session is run'),
  linkbeat_interfaces: warned('link state comes from netlink'),
  garp_group: warned('GARP intervals come from global_defs and the instances'),
  SSL: warned('SSL_GET uses no client certificate'),
  net_namespace: warned('vipd runs in the namespace it is started in'),
  instance: warned('pid files keep their names'),
};
