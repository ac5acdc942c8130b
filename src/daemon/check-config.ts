// `vipd -t` / `vipd check-config`: parse and validate, print problems with file:line, exit 0/1.
import { formatWarning } from '../config/types.js';
import { loadDaemonConfig } from './load-config.js';
import type { DaemonOptions } from './options.js';

export async function checkConfig(opts: DaemonOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  try {
    const { config, warnings } = loadDaemonConfig(opts);
    for (const w of warnings) err.write(`warning: ${formatWarning(w)}\n`);
    out.write(`${config.source.file}: OK (${config.vrrpInstances.length} VRRP instance(s), ${config.virtualServers.length} virtual server(s))\n`);
    return 0;
  } catch (e) {
    err.write(`${(e as Error).message}\n`);
    return 1;
  }
}
