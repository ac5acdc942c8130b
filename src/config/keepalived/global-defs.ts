// global_defs { ... }: process-wide settings and the defaults instances inherit.
import type { Statement } from '../block-parser.js';
import { argText, boolArg, fail, familyOf, intArg, optArg, parseIntText, timerArg, whereOf } from '../values.js';
import type { ConfigDraft, GarpKey } from './draft.js';
import { asKeepalivedTable, implemented, warned, type Handler, type Kit, type KeywordTable } from './kit.js';
import { lvsSyncDaemon, lvsTimeouts } from './lvs-globals.js';
import { garpExtraIf, multicastArg } from './vrrp-instance.js';

type Key = GarpKey | 'garpInterval' | 'gnaInterval';
type FifoKey = 'notifyFifo' | 'vrrpNotifyFifo' | 'lvsNotifyFifo';

/**
 * A value keepalived goes on without (it logs and ignores the line), unlike most missing values:
 * a plain ConfigError, so the table's asKeepalived turns it into a warning.
 */
function wanted(s: Statement, what: string): string {
  const v = optArg(s, 0);
  if (v === undefined || v === '') fail(s, `${s.keyword}: no ${what}`);
  return v;
}

/** `*notify_fifo PATH [username [groupname]]` */
function fifo(key: FifoKey): Handler<ConfigDraft> {
  return (s, d) => {
    const path = wanted(s, 'FIFO name');
    if (s.args.length > 3) fail(s, `${s.keyword}: too many arguments (${s.keyword} FIFO_NAME [username [groupname]])`);
    const user = optArg(s, 1);
    const group = optArg(s, 2);
    d.global[key] = { path, ...(user !== undefined ? { user } : {}), ...(group !== undefined ? { group } : {}), where: whereOf(s) };
  };
}

/** `*notify_fifo_script COMMAND [username [groupname]]`: kept until the FIFO is known (finish.ts). */
function fifoScript(key: FifoKey): Handler<ConfigDraft> {
  return (s, d, kit) => {
    d.fifoScripts[key] = kit.command(s);
  };
}

function nonNegative(key: Key, timer = false): Handler<ConfigDraft> {
  return (s, d) => {
    d.global[key] = timer ? timerArg(s, 0) : intArg(s, 0, 0, 2 ** 31 - 1);
    if (key === 'garpLowerPrioDelay') d.lowerPrioDelaySet = true;
    if (key === 'garpLowerPrioRepeat') d.lowerPrioRepeatSet = true;
  };
}

const NO_MAIL = 'no e-mail is sent';
const NO_SNMP = 'there is no SNMP agent and no SNMP traps are sent';
const NO_FIREWALL = 'no firewall rules are added';
const VIPD_TABLES = "vipd's rules are in its own tables ip/ip6 vipd_vrrp (nftables), whatever this says";
const SCHEDULING = "process scheduling is not changed (vipd has --nice)";
const ONE_PROCESS = 'vipd runs its checkers in its one process: the vrrp_* scheduling settings apply to it';
const BUFFERS = "vipd's own netlink socket buffer sizes are used";
const PROCESS_NAME = 'vipd is one process and keeps its name';
const NO_DBUS = 'there is no D-Bus interface';
const RELOAD = 'configuration reloads happen on SIGHUP only';
const STATE_FILES = 'SIGUSR1 writes the state to --dump-file';

/** Every global_defs keyword of keepalived.conf(5), 2.2.7 and 2.4. */
// keepalived ignores a global value it cannot use (its default applies).
export const GLOBAL_DEFS: KeywordTable<ConfigDraft> = asKeepalivedTable({
  router_id: implemented((s, d) => (d.global.routerId = wanted(s, 'router id'))),
  vrrp_version: implemented((s, d) => (d.global.vrrpVersion = intArg(s, 0, 2, 3) as 2 | 3)),
  vrrp_garp_master_delay: implemented(nonNegative('garpMasterDelay')),
  vrrp_garp_master_repeat: implemented(nonNegative('garpMasterRepeat')),
  vrrp_garp_master_refresh: implemented(nonNegative('garpMasterRefresh')),
  vrrp_garp_master_refresh_repeat: implemented(nonNegative('garpMasterRefreshRepeat')),
  vrrp_garp_lower_prio_delay: implemented(nonNegative('garpLowerPrioDelay')),
  vrrp_garp_lower_prio_repeat: implemented(nonNegative('garpLowerPrioRepeat')),
  vrrp_garp_interval: implemented(nonNegative('garpInterval', true)),
  vrrp_gna_interval: implemented(nonNegative('gnaInterval', true)),
  // One GARP/NA burst of one message, no second burst.
  vrrp_min_garp: implemented((s, d) => {
    if (!boolArg(s, 0)) return;
    d.global.garpMasterDelay = 0;
    d.global.garpMasterRepeat = 1;
  }),
  vrrp_down_timer_adverts: implemented((s, d) => (d.downTimerAdverts = intArg(s, 0, 1, 100))),
  vrrp_garp_extra_if: implemented((s, d) => (d.global.garpExtraIf = garpExtraIf(s))),
  vrrp_lower_prio_no_advert: implemented((s, d) => (d.global.lowerPrioNoAdvert = boolArg(s, 0))),
  vrrp_higher_prio_send_advert: implemented((s, d) => (d.global.higherPrioSendAdvert = boolArg(s, 0))),
  vrrp_check_unicast_src: implemented((s, d) => (d.global.checkUnicastSrc = boolArg(s, 0))),
  vrrp_skip_check_adv_addr: warned('the address lists of received adverts are still compared (and mismatches logged)', (s, d) => (d.global.skipCheckAdvAddr = boolArg(s, 0))),
  vrrp_strict: implemented((s, d) => (d.global.strict = boolArg(s, 0))),
  vrrp_notify_priority_changes: implemented((s, d) => (d.global.vrrpNotifyPriorityChanges = boolArg(s, 0))),
  vrrp_startup_delay: implemented((s, d) => (d.global.startupDelay = timerArg(s, 0))),
  vrrp_delay_after_boot: warned('VRRP starts at once'),
  log_unknown_vrids: warned('adverts for unknown VRIDs are not logged'),
  vrrp_mcast_group4: implemented((s, d) => {
    const a = multicastArg(s);
    if (familyOf(a) !== 4) fail(s, `vrrp_mcast_group4: ${a} is not IPv4`);
    d.global.mcastGroup4 = a;
  }),
  vrrp_mcast_group6: implemented((s, d) => {
    const a = multicastArg(s);
    if (familyOf(a) !== 6) fail(s, `vrrp_mcast_group6: ${a} is not IPv6`);
    d.global.mcastGroup6 = a;
  }),
  vmac_prefix: implemented((s, d) => {
    const p = argText(s, 0, 'prefix');
    if (!/^[^\s/:]{1,11}$/.test(p)) fail(s, `vmac_prefix: '${p}' cannot start an interface name (at most 11 characters, no / or :)`);
    d.global.vmacPrefix = p;
  }),
  vmac_addr_prefix: warned('no VMAC is created for the VIPs on other interfaces (use_vmac_addr)'),
  v3_checksum_as_v2: warned('VRRPv3 adverts carry the RFC 5798 checksum (both checksums are accepted)'),
  default_interface: implemented((s, d) => (d.defaultInterface = wanted(s, 'interface name')), { note: 'the interface of static_ipaddress entries without dev (default eth0)' }),
  dynamic_interfaces: warned('interfaces must exist when vipd starts'),
  enable_script_security: implemented((s, d) => (d.global.enableScriptSecurity = boolArg(s, 0))),
  script_user: implemented((s, d) => {
    d.global.scriptUser = wanted(s, 'user name');
    const grp = optArg(s, 1);
    if (grp !== undefined) d.global.scriptGroup = grp;
    if (s.args.length > 2) fail(s, `script_user: unexpected '${s.args[2]!.text}' (script_user username [groupname])`);
  }),
  startup_script: warned('the start-up script is not run'),
  startup_script_timeout: warned('the start-up script is not run'),
  shutdown_script: warned('the shutdown script is not run'),
  shutdown_script_timeout: warned('the shutdown script is not run'),
  lvs_flush: implemented((s, d) => (d.global.lvsFlush = boolArg(s, 0))),
  lvs_flush_on_stop: implemented((s, d) => {
    const a = optArg(s, 0);
    d.global.lvsFlushOnStop = a === undefined ? true : a === 'VS' ? 'VS' : fail(s, `lvs_flush_on_stop: '${a}' is not VS`);
  }),
  lvs_sync_daemon: implemented((s, d, kit) => {
    const sync = lvsSyncDaemon(s, kit);
    if (sync) d.syncDaemon = sync;
  }),
  lvs_timeouts: implemented((s, d) => (d.global.lvsTimeouts = lvsTimeouts(s))),
  // keepalived reads no argument: `rs_init_notifies off` still turns it on.
  rs_init_notifies: implemented((_s, d) => (d.global.rsInitNotifies = true)),
  checker_log_all_failures: implemented((s, d) => (d.global.checkerLogAllFailures = boolArg(s, 0))),
  notification_email: warned(NO_MAIL, undefined, { list: true }),
  notification_email_from: warned(NO_MAIL),
  smtp_server: warned(NO_MAIL),
  smtp_helo_name: warned(NO_MAIL),
  smtp_connect_timeout: warned(NO_MAIL),
  smtp_alert: warned(NO_MAIL),
  smtp_alert_vrrp: warned(NO_MAIL),
  smtp_alert_checker: warned(NO_MAIL),
  no_email_faults: warned(NO_MAIL),
  no_checker_emails: warned(NO_MAIL),
  snmp_socket: warned(NO_SNMP),
  enable_snmp_vrrp: warned(NO_SNMP),
  enable_snmp_checker: warned(NO_SNMP),
  enable_snmp_rfc: warned(NO_SNMP),
  enable_snmp_rfcv2: warned(NO_SNMP),
  enable_snmp_rfcv3: warned(NO_SNMP),
  enable_traps: warned(NO_SNMP),
  snmp_vs_stats_update_interval: warned(NO_SNMP),
  snmp_rs_stats_update_interval: warned(NO_SNMP),
  enable_dbus: warned(NO_DBUS),
  dbus_service_name: warned(NO_DBUS),
  dbus_no_interface_name: warned(NO_DBUS),
  notify_fifo: implemented(fifo('notifyFifo')),
  notify_fifo_script: implemented(fifoScript('notifyFifo')),
  vrrp_notify_fifo: implemented(fifo('vrrpNotifyFifo')),
  vrrp_notify_fifo_script: implemented(fifoScript('vrrpNotifyFifo')),
  lvs_notify_fifo: implemented(fifo('lvsNotifyFifo')),
  lvs_notify_fifo_script: implemented(fifoScript('lvsNotifyFifo')),
  fifo_write_vrrp_states_on_reload: implemented((s, d) => (d.global.fifoWriteVrrpStatesOnReload = boolArg(s, 0))),
  nftables: warned(VIPD_TABLES),
  nftables_priority: warned("vipd's chains hook at priority filter - 1"),
  nftables_counters: warned("vipd's rules have no counters"),
  nftables_ifindex: warned("vipd's rules name interfaces (link-local VIPs are dropped on every interface)"),
  nftables_ipvs: warned(NO_FIREWALL),
  nftables_ipvs_priority: warned(NO_FIREWALL),
  nftables_ipvs_start_fwmark: warned(NO_FIREWALL),
  vrrp_iptables: warned(`iptables is not used: ${VIPD_TABLES}`),
  vrrp_ipsets: warned(`ipsets are not used: ${VIPD_TABLES}`),
  max_auto_priority: warned(SCHEDULING),
  min_auto_priority_delay: warned(SCHEDULING),
  vrrp_priority: implemented((s, d) => (d.global.vrrpPriority = intArg(s, 0, -20, 19)), { note: "vipd's nice value (over --nice)" }),
  checker_priority: warned(ONE_PROCESS),
  bfd_priority: warned(SCHEDULING),
  vrrp_no_swap: implemented((_s, d) => (d.global.vrrpNoSwap = true), { note: "vipd's memory is locked (mlockall)" }),
  checker_no_swap: warned(ONE_PROCESS),
  bfd_no_swap: warned('memory is not locked'),
  vrrp_cpu_affinity: implemented((s, d) => {
    if (s.args.length === 0) fail(s, 'vrrp_cpu_affinity: missing CPU number');
    d.global.vrrpCpuAffinity = s.args.map((a) => parseIntText(s, a.text, 'vrrp_cpu_affinity', 0, 4095));
  }, { note: "vipd's threads run on these CPUs" }),
  checker_cpu_affinity: warned(ONE_PROCESS),
  bfd_cpu_affinity: warned(SCHEDULING),
  vrrp_rt_priority: implemented((s, d) => (d.global.vrrpRtPriority = intArg(s, 0, 1, 99)), { note: 'vipd runs SCHED_RR at this priority' }),
  checker_rt_priority: warned(ONE_PROCESS),
  bfd_rt_priority: warned(SCHEDULING),
  vrrp_rlimit_rttime: warned('RLIMIT_RTTIME is not set (a JavaScript garbage collection may exceed it without a blocking call)'),
  checker_rlimit_rttime: warned(SCHEDULING),
  bfd_rlimit_rttime: warned(SCHEDULING),
  vrrp_netlink_cmd_rcv_bufs: warned(BUFFERS),
  vrrp_netlink_cmd_rcv_bufs_force: warned(BUFFERS),
  vrrp_netlink_monitor_rcv_bufs: warned(BUFFERS),
  vrrp_netlink_monitor_rcv_bufs_force: warned(BUFFERS),
  lvs_netlink_cmd_rcv_bufs: warned(BUFFERS),
  lvs_netlink_cmd_rcv_bufs_force: warned(BUFFERS),
  lvs_netlink_monitor_rcv_bufs: warned(BUFFERS),
  lvs_netlink_monitor_rcv_bufs_force: warned(BUFFERS),
  process_monitor_rcv_bufs: warned(BUFFERS),
  process_monitor_rcv_bufs_force: warned(BUFFERS),
  vrrp_rx_bufs_policy: warned("the VRRP socket's default receive buffer is used"),
  vrrp_rx_bufs_multiplier: warned("the VRRP socket's default receive buffer is used"),
  process_names: warned(PROCESS_NAME),
  process_name: warned(PROCESS_NAME),
  vrrp_process_name: warned(PROCESS_NAME),
  checker_process_name: warned(PROCESS_NAME),
  bfd_process_name: warned(PROCESS_NAME),
  umask: warned("files are created with vipd's umask"),
  random_seed: warned('the random generator is not seeded'),
  tmp_config_directory: warned('the configuration is not copied'),
  config_save_dir: warned('configurations are not saved on reload'),
  use_symlink_paths: warned('include paths are shown as written'),
  include_check: warned('each include keyword keeps its own checks'),
  reload_check_config: warned('a reload is checked in-process (a bad config keeps the old one running)'),
  reload_time_file: warned(RELOAD),
  reload_repeat: warned(RELOAD),
  reload_file: warned(RELOAD),
  data_use_instance: warned(STATE_FILES),
  state_file_location: warned(STATE_FILES),
  stats_file_location: warned(STATE_FILES),
  json_file_location: warned(STATE_FILES),
  json_version: warned(STATE_FILES),
  iproute_usr_dir: warned('route and rule tables are not read from iproute2 files'),
  iproute_etc_dir: warned('route and rule tables are not read from iproute2 files'),
}, 'ignored', { lvs_sync_daemon: null });

export function globalDefs(st: Statement, d: ConfigDraft, kit: Kit): void {
  d.global.where = whereOf(st);
  kit.apply(kit.needBlock(st), GLOBAL_DEFS, d, 'global_defs');
}
