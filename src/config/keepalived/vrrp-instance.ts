// vrrp_instance NAME { ... }: one virtual router. Read into an InstanceDraft; finish.ts resolves
// it against global_defs (version, GARP, strict) once the whole file is read.
import type { Statement } from '../block-parser.js';
import { argText, boolArg, fail, familyOf, intArg, ipArg, isIp, optArg, parseCidr, timerArg, whereOf } from '../values.js';
import type { GarpExtraIf } from '../types.js';
import { ConfigError } from '../../errors.js';
import type { ConfigDraft, GarpKey, InstanceDraft } from './draft.js';
import { asKeepalived, implemented, warned, type Handler, type Kit, type KeywordEntry, type KeywordTable } from './kit.js';
import { authentication, unicastPeers, virtualAddresses } from './vrrp-addresses.js';
import { FILE_WEIGHT, notifyKeywords, trackInterfaces, trackRefs, trackScripts } from './vrrp-track.js';
import { VIRTUAL_ROUTES, VIRTUAL_RULES } from './vrrp-routes.js';
import { authHmacBlock } from './vrrp-auth-hmac.js';

/** keepalived logs a bad value of these and keeps what it had (the default, or an earlier line). */
const IGNORED = 'ignored';

function garp(key: GarpKey): Handler<InstanceDraft> {
  return asKeepalived((s, d) => (d.garp[key] = intArg(s, 0, 0, 2 ** 31 - 1)), IGNORED);
}

const sourceIp: Handler<InstanceDraft> = asKeepalived((s, d) => {
  d.unicastSrcIp = ipArg(s, 0);
  d.unicastSrcWhere = whereOf(s);
}, IGNORED);

const MAC = /^[0-9a-f]{1,2}([:-][0-9a-f]{1,2}){4,5}$/i;

const IFNAME = /^[^\s/:]{1,15}$/;

/**
 * use_vmac [NAME] [MAC]: a word that looks like a MAC (5 or 6 bytes) is the MAC. keepalived 2.2.7
 * leaves out a bad name (the VMAC is then vrrp.VRID), a multicast MAC and words after a name.
 */
const useVmac: Handler<InstanceDraft> = (s, d, kit) => {
  const v: { name?: string; mac?: string } = {};
  for (const a of s.args.map((x) => x.text)) {
    if (MAC.test(a)) {
      if (parseInt(a.split(/[:-]/)[0]!, 16) & 1) kit.instead(s, `use_vmac: ${a} is a multicast MAC address`, 'the MAC is ignored');
      else if (v.mac === undefined) v.mac = a;
      else kit.instead(s, `use_vmac: the MAC is already given (${v.mac})`, `'${a}' ignored`);
    } else if (v.name !== undefined) kit.instead(s, `use_vmac: the interface name is already given (${v.name})`, `'${a}' ignored`);
    else if (IFNAME.test(a)) v.name = a;
    else kit.instead(s, `use_vmac: '${a}' is not an interface name (up to 15 characters)`, 'the VMAC is named vrrp.VRID');
  }
  d.vmac = v;
  d.at.vmac = whereOf(s);
};

/**
 * use_ipvlan [NAME] [ADDRESS[/LEN]] [bridge|private|vepa]: keepalived 2.2.7 takes the first other
 * word as the name and leaves out any further one (a bad address too).
 */
const useIpvlan: Handler<InstanceDraft> = (s, d, kit) => {
  const v: NonNullable<InstanceDraft['ipvlan']> = {};
  const cidr = (a: string): string | undefined => {
    if (!/^[0-9a-f.:]+(\/\d+)?$/i.test(a) || !/[.:]/.test(a)) return undefined;
    try {
      const c = parseCidr(s, a, 'use_ipvlan');
      return `${c.address}/${c.prefixLength}`;
    } catch (err) {
      if (err instanceof ConfigError) return undefined;
      throw err;
    }
  };
  for (const a of s.args.map((x) => x.text)) {
    const address = cidr(a);
    if (a === 'bridge' || a === 'private' || a === 'vepa') v.mode = a;
    else if (address !== undefined && v.address === undefined) v.address = address;
    else if (v.name === undefined && IFNAME.test(a)) v.name = a;
    else if (v.name === undefined) kit.instead(s, `use_ipvlan: '${a}' is not an interface name (up to 15 characters)`, 'ignored');
    else kit.instead(s, `use_ipvlan: ${/[.:]/.test(a) && address === undefined ? `'${a}' is not a valid IP address, and ` : ''}the interface name is already given (${v.name})`, `'${a}' ignored`);
  }
  d.ipvlan = v;
  d.at.ipvlan = whereOf(s);
};

/** garp_extra_if [all] SECONDS (0 turns it off; at most a day). */
export function garpExtraIf(s: Statement): GarpExtraIf {
  const all = optArg(s, 0) === 'all';
  if (all && s.args.length === 1) fail(s, `${s.keyword}: 'all' without a time`);
  const intervalS = intArg(s, all ? 1 : 0, 0, 86400, 'interval');
  return { intervalS, all };
}

/** mcast_dst_ip: a multicast address; IPv6 ones link-local (ffX2::). */
export function multicastArg(s: Statement): string {
  const a = ipArg(s, 0);
  const ok = familyOf(a) === 4 ? /^2(2[4-9]|3\d)\./.test(a) : /^ff[0-9a-f]2:/i.test(a);
  if (!ok) fail(s, `${s.keyword}: ${a} is not ${familyOf(a) === 4 ? 'an IPv4 multicast address' : 'a link-local IPv6 multicast address (ffX2::)'}`);
  return a;
}

/** keepalived ignores words after a block keyword, and the keyword when no block follows it. */
function blockAsKeepalived(e: KeywordEntry<InstanceDraft>): KeywordEntry<InstanceDraft> {
  const read = e.handler!;
  return {
    ...e,
    handler: (s, d, kit) => {
      if (s.args.length) kit.instead(s, `${s.keyword}: unexpected '${s.args.map((a) => a.text).join(' ')}' before its '{' block`, 'ignored');
      if (!s.block) return kit.instead(s, `${s.keyword}: expected a '{' block`, IGNORED);
      read(s, d, kit);
    },
  };
}

export const VRRP_INSTANCE: KeywordTable<InstanceDraft> = {
  state: implemented(asKeepalived((s, d) => {
    const v = argText(s, 0, 'state');
    if (v !== 'MASTER' && v !== 'BACKUP') fail(s, `state: '${v}' is not MASTER or BACKUP`);
    d.state = v;
    d.at.state = whereOf(s);
  }, { says: 'using BACKUP', apply: (d) => (d.state = 'BACKUP') })),
  interface: implemented((s, d) => (d.interface = argText(s, 0, 'interface name'))),
  // keepalived ignores a bad id, but refuses to run an instance left without one (finish.ts).
  virtual_router_id: implemented((s, d, kit) => {
    const read = () => (d.virtualRouterId = intArg(s, 0, 1, 255));
    if (d.virtualRouterId === undefined) read();
    else kit.tolerate(s, read, `ignored (${d.virtualRouterId} stays)`);
  }),
  priority: implemented(asKeepalived((s, d) => (d.priority = intArg(s, 0, 1, 255)), { says: 'using 100', apply: (d) => (d.priority = 100) })),
  advert_int: implemented(asKeepalived((s, d) => {
    const v = timerArg(s, 0);
    if (v === 0) fail(s, `advert_int: must be greater than 0`);
    d.advertInt = v;
    d.advertIntWhere = whereOf(s);
  }, IGNORED)),
  version: implemented(asKeepalived((s, d) => (d.version = intArg(s, 0, 2, 3) as 2 | 3), IGNORED)),
  authentication: implemented(asKeepalived((s, d, kit) => {
    const a = authentication(s, kit);
    if (a) d.authentication = a;
    d.authWhere = whereOf(s);
  }, IGNORED), { block: 'authentication' }),
  auth_hmac: implemented((s, d, kit) => (d.authHmac = authHmacBlock(s, d.authHmac, kit)), {
    block: 'auth_hmac', note: 'HMAC-SHA256 trailer on every advert (draft-cassen-vrrp-auth-hmac, as keepalived 2.4.3)',
  }),
  virtual_ipaddress: implemented(asKeepalived((s, d, kit) => {
    for (const v of virtualAddresses(s, kit)) d.vips.push(v);
    d.vipsWhere = whereOf(s);
  }, IGNORED), { list: true }),
  virtual_ipaddress_excluded: implemented(asKeepalived((s, d, kit) => {
    for (const v of virtualAddresses(s, kit)) d.excluded.push(v);
  }, IGNORED), { list: true }),
  unicast_src_ip: implemented((s, d, kit) => {
    sourceIp(s, d, kit);
    d.unicastSrcKeyword = true;
  }),
  mcast_src_ip: implemented(sourceIp),
  unicast_peer: implemented(asKeepalived((s, d, kit) => {
    for (const p of unicastPeers(s, kit)) d.unicastPeers.push(p);
    d.unicastPeersWhere = whereOf(s);
  }, IGNORED), { list: true }),
  check_unicast_src: implemented(asKeepalived((s, d) => (d.checkUnicastSrc = boolArg(s, 0)), IGNORED)),
  nopreempt: implemented((_s, d) => (d.preempt = false)),
  preempt: implemented((_s, d) => (d.preempt = true)),
  preempt_delay: implemented(asKeepalived((s, d) => {
    d.preemptDelay = timerArg(s, 0, 1000);
    d.at.preemptDelay = whereOf(s);
  }, IGNORED)),
  accept: implemented((s, d) => {
    d.accept = true;
    d.at.accept = whereOf(s);
  }),
  no_accept: implemented((s, d) => {
    d.accept = false;
    d.at.accept = whereOf(s);
  }, { note: 'traffic to the VIPs of a master that is not the owner is dropped (nftables tables ip/ip6 vipd_vrrp)' }),
  strict_mode: implemented(asKeepalived((s, d) => (d.strict = boolArg(s, 0)), IGNORED)),
  track_interface: implemented(asKeepalived((s, d, kit) => trackInterfaces(s, d.trackInterfaces, kit), IGNORED), { list: true }),
  track_script: implemented(asKeepalived((s, d, kit) => trackScripts(s, d.trackScripts, kit), IGNORED), { list: true }),
  track_file: implemented((s, d, kit) => trackRefs(s, d.trackFiles, kit, FILE_WEIGHT), { list: true }),
  track_process: implemented((s, d, kit) => trackRefs(s, d.trackProcesses, kit, FILE_WEIGHT), { list: true }),
  ...notifyKeywords<InstanceDraft>(),
  notify_master_rx_lower_pri: implemented(asKeepalived((s, d, kit) => (d.notify.notifyMasterRxLowerPri = kit.command(s)), 'ignored (the script is not run)'), {
    note: 'also a MASTER_RX_LOWER_PRI line on the notify FIFOs',
  }),
  garp_master_delay: implemented(garp('garpMasterDelay')),
  garp_master_repeat: implemented(garp('garpMasterRepeat')),
  garp_master_refresh: implemented(garp('garpMasterRefresh')),
  garp_master_refresh_repeat: implemented(garp('garpMasterRefreshRepeat')),
  garp_lower_prio_delay: implemented(garp('garpLowerPrioDelay')),
  garp_lower_prio_repeat: implemented(garp('garpLowerPrioRepeat')),
  down_timer_adverts: implemented(asKeepalived((s, d) => (d.downTimerAdverts = intArg(s, 0, 1, 100)), IGNORED)),
  native_ipv6: implemented((_s, d) => (d.nativeIpv6 = true)),
  no_virtual_ipaddress: implemented((_s, d) => (d.noVips = true)),
  dont_track_primary: implemented((_s, d) => (d.dontTrackPrimary = true)),
  track_bfd: warned('no BFD session is tracked', undefined, { list: true }),
  use_vmac: implemented(useVmac),
  use_vmac_addr: warned('no VMAC is created for the VIPs on other interfaces'),
  vmac_xmit_base: implemented((_s, d) => (d.vmacXmitBase = true)),
  use_ipvlan: implemented(useIpvlan),
  vrf: warned('the instance is not bound to a VRF'),
  // keepalived skips a bad IPv4 group; with an IPv6 one it goes on as an IPv6 instance and (in the
  // cases seen) refuses it for want of an IPv6 VIP: that error stays.
  mcast_dst_ip: implemented((s, d, kit) => {
    const read = () => (d.mcastDstIp = multicastArg(s));
    const a = optArg(s, 0);
    if (a !== undefined && isIp(a) && familyOf(a) === 6) read();
    else kit.tolerate(s, read, IGNORED);
  }),
  track_src_ip: implemented((_s, d) => (d.trackSrcIp = true)),
  unicast_fault_no_peer: implemented((_s, d) => (d.unicastFaultNoPeer = true)),
  unicast_ttl: implemented(asKeepalived((s, d) => (d.unicastTtl = intArg(s, 0, 0, 255)), IGNORED)),
  // keepalived ignores an unknown mode (adverts keep the standard checksum: seen on the wire).
  old_unicast_checksum: implemented(asKeepalived((s, d) => {
    const a = optArg(s, 0);
    if (a !== undefined && a !== 'never') fail(s, `old_unicast_checksum: '${a}' is not never`);
    d.oldUnicastChecksum = a === 'never' ? 'never' : 'send';
  }, IGNORED)),
  // `garp_extra_if all` without its interval: keepalived ignores the line (it runs).
  garp_extra_if: implemented(asKeepalived((s, d) => (d.garpExtraIf = garpExtraIf(s)), IGNORED)),
  lower_prio_no_advert: implemented(asKeepalived((s, d) => {
    d.lowerPrioNoAdvert = boolArg(s, 0);
    d.at.lowerPrio = whereOf(s);
  }, IGNORED)),
  higher_prio_send_advert: implemented(asKeepalived((s, d) => {
    d.higherPrioSendAdvert = boolArg(s, 0);
    d.at.higherPrio = whereOf(s);
  }, IGNORED)),
  timer_expired_backup: warned('the backup does not change its priority when its timer expires'),
  v3_checksum_as_v2: warned('VRRPv3 adverts carry the RFC 5798 checksum (both checksums are accepted)'),
  virtual_routes: blockAsKeepalived(VIRTUAL_ROUTES),
  virtual_rules: blockAsKeepalived(VIRTUAL_RULES),
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
    at: {},
    where: whereOf(st),
  };
  if (kit.skippedRedefinition(st, `vrrp_instance ${name}`, config.instances.find((i) => i.name === name))) return;
  kit.apply(kit.needBlock(st), VRRP_INSTANCE, d, `vrrp_instance ${name}`);
  config.instances.push(d);
}
