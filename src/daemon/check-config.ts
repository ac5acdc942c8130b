// `vipd -t` / `vipd check-config`: parse and validate, check that the interfaces the config names
// exist (as keepalived does), print problems with file:line, and exit like keepalived 2.2.7's
// config test (observed, 2.4.3 alike): 0 OK, 5 it runs but with warnings. keepalived has no
// distinct code for a config that cannot run at all (its man page says 3, its binaries return 0,
// 5 or 6); vipd exits 1 then.
import { linkNames } from '../config/host-interfaces.js';
import { formatWarning, type ConfigWarning, type RouteSpec, type SourceRef, type VipdConfig } from '../config/types.js';
import { loadDaemonConfig, prepareConfigReader } from './load-config.js';
import { planReload } from './reload-plan.js';
import type { DaemonOptions } from './options.js';

export const CHECK_OK = 0;
export const CHECK_WARNINGS = 5;
export const CHECK_CANNOT_RUN = 1;

export async function checkConfig(opts: DaemonOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let loaded;
  await prepareConfigReader(opts);
  try {
    loaded = loadDaemonConfig(opts);
  } catch (e) {
    err.write(`${(e as Error).message}\n`);
    return CHECK_CANNOT_RUN;
  }
  const { config } = loaded;
  try {
    planReload(undefined, config, true); // what start would run: a spec the runtime cannot take fails here, not at start
  } catch (e) {
    err.write(`${(e as Error).message}\n`);
    return CHECK_CANNOT_RUN;
  }
  const warnings = [...loaded.warnings, ...missingInterfaces(config, linkNames())];
  for (const w of warnings) err.write(`warning: ${formatWarning(w)}\n`);
  out.write(`${config.source.file}: OK${warnings.length ? ` with ${warnings.length} warning(s)` : ''} (${config.vrrpInstances.length} VRRP instance(s), ${config.virtualServers.length} virtual server(s))\n`);
  return warnings.length ? CHECK_WARNINGS : CHECK_OK;
}

/** A warning per interface the config names that this network namespace does not have. */
export function missingInterfaces(config: VipdConfig, links: Set<string>): ConfigWarning[] {
  const out: ConfigWarning[] = [];
  const need = (name: string | undefined, what: string, where: SourceRef) => {
    if (name && !links.has(name)) out.push({ ...where, message: `interface ${name} for ${what} does not exist` });
  };
  for (const i of config.vrrpInstances) {
    need(i.interface, `vrrp_instance ${i.name}`, i.where);
    for (const v of [...i.virtualIpAddresses, ...i.virtualIpAddressesExcluded]) need(v.dev, `${v.address} of vrrp_instance ${i.name}`, v.where);
    for (const t of i.trackInterfaces) need(t.name, `track_interface of vrrp_instance ${i.name}`, t.where);
  }
  const sync = config.global.lvsSyncDaemon;
  if (sync) need(sync.interface, 'lvs_sync_daemon', sync.where);
  for (const g of config.vrrpSyncGroups) for (const t of g.trackInterfaces) need(t.name, `track_interface of vrrp_sync_group ${g.name}`, t.where);
  const routeDevs = (r: RouteSpec) => [r.dev, ...r.nexthops.map((h) => h.dev)];
  for (const i of config.vrrpInstances) for (const r of i.virtualRoutes ?? []) for (const d of routeDevs(r)) need(d, `a virtual route of vrrp_instance ${i.name}`, r.where);
  for (const r of config.staticRoutes ?? []) for (const d of routeDevs(r)) need(d, 'a static route', r.where);
  for (const a of config.staticAddresses ?? []) need(a.dev, `static address ${a.address}`, a.where);
  for (const vs of config.virtualServers) {
    for (const rs of vs.realServers) for (const c of rs.checkers) if ('bindIf' in c) need(c.bindIf, `bind_if of real_server ${rs.address}`, c.where);
  }
  return out;
}
