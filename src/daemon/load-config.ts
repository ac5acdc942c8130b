// Chooses the configuration source the command line names (keepalived.conf or k0s YAML).
import { loadKeepalivedConfig, loadK0sConfig } from '../config/index.js';
import type { LoadResult } from '../config/types.js';
import type { DaemonOptions } from './options.js';

export function loadDaemonConfig(opts: Pick<DaemonOptions, 'configFile' | 'k0sConfig'>): LoadResult {
  return opts.k0sConfig ? loadK0sConfig(opts.k0sConfig) : loadKeepalivedConfig(opts.configFile);
}
