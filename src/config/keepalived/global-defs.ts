// global_defs { ... }: process-wide settings and the defaults instances inherit.
import type { Statement } from '../block-parser.js';
import { argText, boolArg, fail, intArg, optArg, timerArg, whereOf } from '../values.js';
import type { ConfigDraft, GarpKey } from './draft.js';
import { implemented, warned, type Handler, type Kit, type KeywordTable } from './kit.js';

type Key = GarpKey | 'garpInterval' | 'gnaInterval';

function nonNegative(key: Key, timer = false): Handler<ConfigDraft> {
  return (s, d) => {
    d.global[key] = timer ? timerArg(s, 0) : intArg(s, 0, 0, 2 ** 31 - 1);
    if (key === 'garpLowerPrioDelay') d.lowerPrioDelaySet = true;
    if (key === 'garpLowerPrioRepeat') d.lowerPrioRepeatSet = true;
  };
}

const NO_MAIL = 'no e-mail is sent';
const NO_SNMP = 'there is no SNMP agent and no SNMP traps are sent';

export const GLOBAL_DEFS: KeywordTable<ConfigDraft> = {
  router_id: implemented((s, d) => (d.global.routerId = argText(s, 0, 'router id'))),
  vrrp_version: implemented((s, d) => (d.global.vrrpVersion = intArg(s, 0, 2, 3) as 2 | 3)),
  vrrp_garp_master_delay: implemented(nonNegative('garpMasterDelay')),
  vrrp_garp_master_repeat: implemented(nonNegative('garpMasterRepeat')),
  vrrp_garp_master_refresh: implemented(nonNegative('garpMasterRefresh')),
  vrrp_garp_master_refresh_repeat: implemented(nonNegative('garpMasterRefreshRepeat')),
  vrrp_garp_lower_prio_delay: implemented(nonNegative('garpLowerPrioDelay')),
  vrrp_garp_lower_prio_repeat: implemented(nonNegative('garpLowerPrioRepeat')),
  vrrp_garp_interval: implemented(nonNegative('garpInterval', true)),
  vrrp_gna_interval: implemented(nonNegative('gnaInterval', true)),
  enable_script_security: implemented((s, d) => (d.global.enableScriptSecurity = boolArg(s, 0))),
  script_user: implemented((s, d) => {
    d.global.scriptUser = argText(s, 0, 'user name');
    const grp = optArg(s, 1);
    if (grp !== undefined) d.global.scriptGroup = grp;
  }),
  lvs_flush: implemented((s, d) => (d.global.lvsFlush = boolArg(s, 0))),
  lvs_flush_on_stop: implemented((s, d) => {
    const a = optArg(s, 0);
    d.global.lvsFlushOnStop = a === undefined ? true : a === 'VS' ? 'VS' : fail(s, `lvs_flush_on_stop: '${a}' is not VS`);
  }),
  vrrp_check_unicast_src: implemented((s, d) => (d.global.checkUnicastSrc = boolArg(s, 0))),
  vrrp_strict: implemented((s, d) => (d.global.strict = boolArg(s, 0))),
  vrrp_skip_check_adv_addr: implemented((s, d) => (d.global.skipCheckAdvAddr = boolArg(s, 0))),
  notification_email: warned(NO_MAIL),
  notification_email_from: warned(NO_MAIL),
  smtp_server: warned(NO_MAIL),
  smtp_connect_timeout: warned(NO_MAIL),
  smtp_alert: warned(NO_MAIL),
  enable_traps: warned(NO_SNMP),
  enable_snmp_vrrp: warned(NO_SNMP),
  enable_snmp_checker: warned(NO_SNMP),
  max_auto_priority: warned('the realtime scheduling priority is not changed'),
  vrrp_min_garp: warned('the GARP settings are not changed'),
  vrrp_mcast_group4: warned('adverts use 224.0.0.18'),
  vrrp_mcast_group6: warned('adverts use ff02::12'),
  dynamic_interfaces: warned('interfaces must exist when vipd starts'),
};

export function globalDefs(st: Statement, d: ConfigDraft, kit: Kit): void {
  d.global.where = whereOf(st);
  kit.apply(kit.needBlock(st), GLOBAL_DEFS, d, 'global_defs');
}
