// keepalived's defaults, written once: keepalived.conf(5) and what keepalived 2.2.7 --dump-conf
// prints for blocks that set nothing. Both inputs (keepalived.conf and k0s YAML) start from these.
import type { CheckTiming, GlobalDefs, VirtualServerSpec } from './types.js';

export function defaultGlobal(): GlobalDefs {
  return {
    vrrpVersion: 2,
    garpMasterDelay: 5,
    garpMasterRepeat: 5,
    garpMasterRefresh: 0,
    garpMasterRefreshRepeat: 1,
    garpLowerPrioDelay: 5,
    garpLowerPrioRepeat: 5,
    garpInterval: 0,
    gnaInterval: 0,
    enableScriptSecurity: false,
    lvsFlush: false,
    lvsFlushOnStop: false,
    checkUnicastSrc: false,
    strict: false,
    skipCheckAdvAddr: false,
    vrrpNotifyPriorityChanges: false,
    fifoWriteVrrpStatesOnReload: false,
  };
}

/** Per-instance GARP settings when neither the instance nor global_defs set them. */
export function defaultGarp(g: GlobalDefs = defaultGlobal()) {
  return {
    garpMasterDelay: g.garpMasterDelay,
    garpMasterRepeat: g.garpMasterRepeat,
    garpMasterRefresh: g.garpMasterRefresh,
    garpMasterRefreshRepeat: g.garpMasterRefreshRepeat,
    garpLowerPrioDelay: g.garpLowerPrioDelay,
    garpLowerPrioRepeat: g.garpLowerPrioRepeat,
  };
}

/** A vrrp_instance that sets nothing but its name, interface and VRID. */
export const INSTANCE_DEFAULTS = {
  state: 'BACKUP',
  priority: 100,
  /** advert_int 1 */
  advertIntervalCs: 100,
  preempt: true,
  preemptDelay: 0,
  dontTrackPrimary: false,
} as const;

/** A vrrp_script that sets nothing but `script` (timeout defaults to the interval). */
export const SCRIPT_DEFAULTS = { interval: 1, weight: 0, rise: 1, fall: 1 } as const;

/** A virtual_server that sets nothing (keepalived 2.2.7 picks UDP, with a warning, when `protocol` is missing). */
export const VIRTUAL_SERVER_DEFAULTS: Readonly<Pick<VirtualServerSpec,
  'delayLoop' | 'scheduler' | 'method' | 'protocol' | 'ops' | 'quorum' | 'hysteresis' | 'alpha' | 'omega' | 'inhibitOnFailure'>> = {
  delayLoop: 60,
  scheduler: 'wlc',
  method: 'NAT',
  protocol: 'UDP',
  ops: false,
  quorum: 1,
  hysteresis: 0,
  alpha: false,
  omega: false,
  inhibitOnFailure: false,
};

/** `persistence_timeout` without a value. */
export const PERSISTENCE_TIMEOUT_DEFAULT = 360;

export const REAL_SERVER_WEIGHT_DEFAULT = 1;

/**
 * Checker timing when no level (checker, real server, virtual server) sets it (keepalived.conf(5)).
 * `delay_loop` and `warmup` default to the virtual server's delay_loop; HTTP_GET/SSL_GET wait 3 s
 * before a retry, DNS_CHECK a delay_loop and retries 3 times, MISC_CHECK does not retry.
 */
export function checkerTimingDefaults(kind: string, delayLoop: number): CheckTiming {
  const http = kind === 'HTTP_GET' || kind === 'SSL_GET';
  const dns = kind === 'DNS_CHECK';
  return {
    connectTimeout: 5,
    retry: kind === 'MISC_CHECK' ? 0 : dns ? 3 : 1,
    delayBeforeRetry: http ? 3 : dns ? delayLoop : 1,
    warmup: delayLoop,
    delayLoop,
  };
}
