// vrrp_instance NAME { ... }: one virtual router. Read into an InstanceDraft; finish.ts resolves
// it against global_defs (version, GARP, strict) once the whole file is read.
import type { Statement } from '../block-parser.js';
import { argText, boolArg, fail, intArg, ipArg, timerArg, whereOf } from '../values.js';
import type { ConfigDraft, GarpKey, InstanceDraft } from './draft.js';
import { implemented, warned, type Handler, type Kit, type KeywordTable } from './kit.js';
import { authentication, unicastPeers, virtualAddresses } from './vrrp-addresses.js';
import { FILE_WEIGHT, notifyKeywords, trackInterfaces, trackRefs, trackScripts } from './vrrp-track.js';
import { VIRTUAL_ROUTES, VIRTUAL_RULES } from './vrrp-routes.js';
import { authHmacBlock } from './vrrp-auth-hmac.js';

function garp(key: GarpKey): Handler<InstanceDraft> {
  return (s, d) => (d.garp[key] = intArg(s, 0, 0, 2 ** 31 - 1));
}

const sourceIp: Handler<InstanceDraft> = (s, d) => {
  d.unicastSrcIp = ipArg(s, 0);
  d.unicastSrcWhere = whereOf(s);
};

export const VRRP_INSTANCE: KeywordTable<InstanceDraft> = {
  state: implemented((s, d) => {
    const v = argText(s, 0, 'state');
    if (v !== 'MASTER' && v !== 'BACKUP') fail(s, `state: '${v}' is not MASTER or BACKUP`);
    d.state = v;
  }),
  interface: implemented((s, d) => (d.interface = argText(s, 0, 'interface name'))),
  virtual_router_id: implemented((s, d) => (d.virtualRouterId = intArg(s, 0, 1, 255))),
  priority: implemented((s, d) => (d.priority = intArg(s, 0, 1, 255))),
  advert_int: implemented((s, d) => {
    d.advertInt = timerArg(s, 0);
    if (d.advertInt === 0) fail(s, `advert_int: must be greater than 0`);
    d.advertIntWhere = whereOf(s);
  }),
  version: implemented((s, d) => (d.version = intArg(s, 0, 2, 3) as 2 | 3)),
  authentication: implemented((s, d, kit) => {
    d.authentication = authentication(s, kit);
    d.authWhere = whereOf(s);
  }, { block: 'authentication' }),
  auth_hmac: implemented((s, d, kit) => (d.authHmac = authHmacBlock(s, d.authHmac, kit)), {
    block: 'auth_hmac', note: 'HMAC-SHA256 trailer on every advert (draft-cassen-vrrp-auth-hmac, as keepalived 2.4.3)',
  }),
  virtual_ipaddress: implemented((s, d, kit) => {
    d.vipsWhere = whereOf(s);
    for (const v of virtualAddresses(s, kit)) d.vips.push(v);
  }),
  virtual_ipaddress_excluded: implemented((s, d, kit) => {
    for (const v of virtualAddresses(s, kit)) d.excluded.push(v);
  }),
  unicast_src_ip: implemented(sourceIp),
  mcast_src_ip: implemented(sourceIp),
  unicast_peer: implemented((s, d, kit) => {
    d.unicastPeersWhere = whereOf(s);
    for (const p of unicastPeers(s, kit)) d.unicastPeers.push(p);
  }),
  // vipd always takes unicast adverts from the listed peers only.
  check_unicast_src: implemented((s, d) => (d.checkUnicastSrc = boolArg(s, 0))),
  nopreempt: implemented((_s, d) => (d.preempt = false)),
  preempt: implemented((_s, d) => (d.preempt = true)),
  preempt_delay: implemented((s, d) => (d.preemptDelay = timerArg(s, 0, 1000))),
  accept: implemented((_s, d) => (d.accept = true)),
  no_accept: warned('packets to the VIPs are not dropped while master', (_s, d) => (d.accept = false)),
  strict_mode: warned("received adverts are not checked strictly and no filter drops packets to the VIPs (strict mode's authentication ban and no_accept default do apply)", (s, d) => (d.strict = boolArg(s, 0))),
  track_interface: implemented((s, d, kit) => trackInterfaces(s, d.trackInterfaces, kit)),
  track_script: implemented((s, d, kit) => trackScripts(s, d.trackScripts, kit)),
  track_file: implemented((s, d, kit) => trackRefs(s, d.trackFiles, kit, FILE_WEIGHT)),
  track_process: implemented((s, d, kit) => trackRefs(s, d.trackProcesses, kit, FILE_WEIGHT)),
  ...notifyKeywords<InstanceDraft>(),
  notify_master_rx_lower_pri: implemented((s, d, kit) => (d.notify.notifyMasterRxLowerPri = kit.command(s)), {
    note: 'also a MASTER_RX_LOWER_PRI line on the notify FIFOs',
  }),
  garp_master_delay: implemented(garp('garpMasterDelay')),
  garp_master_repeat: implemented(garp('garpMasterRepeat')),
  garp_master_refresh: implemented(garp('garpMasterRefresh')),
  garp_master_refresh_repeat: implemented(garp('garpMasterRefreshRepeat')),
  garp_lower_prio_delay: implemented(garp('garpLowerPrioDelay')),
  garp_lower_prio_repeat: implemented(garp('garpLowerPrioRepeat')),
  down_timer_adverts: implemented((s, d) => (d.downTimerAdverts = intArg(s, 0, 1, 100))),
  native_ipv6: implemented((_s, d) => (d.nativeIpv6 = true)),
  no_virtual_ipaddress: implemented((_s, d) => (d.noVips = true)),
  dont_track_primary: implemented((_s, d) => (d.dontTrackPrimary = true)),
  track_bfd: warned('no BFD session is tracked'),
  use_vmac: warned("no VMAC interface is created (the VIPs go on the instance's interface)"),
  use_vmac_addr: warned('no VMAC interface is created'),
  vmac_xmit_base: warned('no VMAC interface is created'),
  use_ipvlan: warned("no ipvlan interface is created (the VIPs go on the instance's interface)"),
  vrf: warned('the instance is not bound to a VRF'),
  mcast_dst_ip: warned('IPv4 adverts go to 224.0.0.18, IPv6 adverts to ff02::12'),
  track_src_ip: warned('a change of the source address is not tracked'),
  unicast_fault_no_peer: warned('a unicast instance without peers is not put in FAULT'),
  unicast_ttl: warned('unicast adverts are sent with TTL 255 and any TTL is accepted'),
  old_unicast_checksum: warned('unicast adverts carry the RFC checksum'),
  garp_extra_if: warned('no periodic GARP/NA is sent on the other interfaces of VIPs'),
  lower_prio_no_advert: warned('a master still answers a lower-priority advert with its own'),
  higher_prio_send_advert: warned('a master does not send an advert before yielding to a higher priority'),
  timer_expired_backup: warned('the backup does not change its priority when its timer expires'),
  v3_checksum_as_v2: warned('VRRPv3 adverts carry the RFC 5798 checksum (both checksums are accepted)'),
  virtual_routes: VIRTUAL_ROUTES,
  virtual_rules: VIRTUAL_RULES,
  promote_secondaries: warned('promote_secondaries is not set on the interface'),
  skip_check_adv_addr: warned('the address lists of received adverts are still compared (and mismatches logged)'),
  smtp_alert: warned('no e-mail is sent'),
  debug: warned('no extra debug output (use -D)'),
  kernel_rx_buf_size: warned("the VRRP socket's default receive buffer is used"),
  linkbeat_use_polling: warned('link state comes from netlink'),
  lvs_sync_daemon_interface: warned('no IPVS connection sync daemon is started'),
};

export function vrrpInstance(st: Statement, config: ConfigDraft, kit: Kit): void {
  const name = kit.name(st);
  const d: InstanceDraft = {
    name,
    vips: [],
    excluded: [],
    unicastPeers: [],
    preempt: true,
    preemptDelay: 0,
    trackInterfaces: [],
    trackScripts: [],
    trackFiles: [],
    trackProcesses: [],
    dontTrackPrimary: false,
    nativeIpv6: false,
    notify: {},
    garp: {},
    where: whereOf(st),
  };
  kit.apply(kit.needBlock(st), VRRP_INSTANCE, d, `vrrp_instance ${name}`);
  if (config.instances.some((i) => i.name === name)) fail(st, `vrrp_instance ${name}: defined twice`);
  config.instances.push(d);
}
