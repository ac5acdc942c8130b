// Chooses the configuration source the command line names (keepalived.conf or k0s YAML).
import { loadKeepalivedConfig, loadK0sConfig } from '../config/index.js';
import { interfaceMtu, interfaceOfAddress } from '../config/host-interfaces.js';
import type { LoadResult } from '../config/types.js';
import { defaultRouteInterface, interfaceForMac } from './host-facts.js';
import { nodeScriptHost } from '../health/script-host.js';
import type { DaemonOptions } from './options.js';

export function loadDaemonConfig(opts: Pick<DaemonOptions, 'configFile' | 'k0sConfig' | 'k0sControllers' | 'k0sProxyBalance' | 'k0sProxyCheck' | 'configId'>): LoadResult {
  if (!opts.k0sConfig) {
    // Scripts are checked as keepalived checks them at load (user, file, permissions).
    return loadKeepalivedConfig(opts.configFile, { interfaceOfAddress, mtuOf: interfaceMtu, scripts: nodeScriptHost(), ...(opts.configId !== undefined ? { configId: opts.configId } : {}) });
  }
  return loadK0sConfig(opts.k0sConfig, {
    defaultInterface: () => defaultRouteInterface(),
    interfaceForMac: (mac) => interfaceForMac(mac),
    ...(opts.k0sControllers ? { controllers: opts.k0sControllers } : {}),
    ...(opts.k0sProxyBalance ? { proxyBalance: opts.k0sProxyBalance } : {}),
    ...(opts.k0sProxyCheck ? { proxyHealthCheck: opts.k0sProxyCheck } : {}),
  });
}
