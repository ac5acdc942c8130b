// keepalived's documented defaults that both inputs share (keepalived.conf(5), and what
// keepalived 2.2.7 --dump-conf prints for an empty global_defs).
import type { GlobalDefs } from './types.js';

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
