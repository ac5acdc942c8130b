// The daemon's flags (keepalived's, as k0s passes them, plus vipd's own), one table for both
// parsers: yargs (cli.ts: help, subcommands, errors) and the daemon's fast path (daemon-argv.ts).
import { isIP } from 'node:net';
import { parseListen } from '../daemon/listen.js';
import { DEFAULT_CONFIG_FILE, DEFAULT_DUMP_FILE, DEFAULT_STATUS_SOCKET } from '../daemon/options.js';

export type RunArgs = {
  'use-file': string; 'config-id'?: string; 'k0s-config'?: string; 'k0s-controllers'?: string[]; 'k0s-proxy-balance'?: string; 'k0s-proxy-check'?: string; 'dont-fork': boolean; 'no-syslog': boolean; 'log-console': boolean;
  'log-detail': boolean; 'dump-conf': boolean; vrrp: boolean; check: boolean; pid?: string; vrrp_pid?: string;
  checkers_pid?: string; 'config-test': boolean; 'status-socket': string; metrics?: string; 'dump-file': string;
  'log-json'?: boolean; nice: number;
};

export interface RunFlag {
  readonly name: keyof RunArgs;
  readonly alias?: string;
  readonly type: 'string' | 'boolean' | 'number' | 'array';
  readonly requiresArg?: boolean;
  readonly default?: string | boolean | number;
  readonly choices?: readonly string[];
  readonly describe: string;
}

export const RUN_FLAGS: readonly RunFlag[] = [
  { name: 'use-file', requiresArg: true, alias: 'f', type: 'string', default: DEFAULT_CONFIG_FILE, describe: 'keepalived.conf to use' },
  { name: 'config-id', requiresArg: true, alias: 'i', type: 'string', describe: 'configuration id for @id lines (default: the host name up to its first dot)' },
  { name: 'k0s-config', requiresArg: true, type: 'string', describe: 'run from a k0s ClusterConfig / controlPlaneLoadBalancing YAML' },
  { name: 'k0s-controllers', type: 'array', describe: 'with --k0s-config: controller addresses, the real servers of the virtual servers (a,b,c or repeated)' },
  {
    name: 'k0s-proxy-balance', requiresArg: true, type: 'string', choices: ['round-robin', 'least-connections'],
    describe: "with --k0s-config, k0s's userspace proxy (no virtualServers): how an API server is picked (default round-robin, as k0s)",
  },
  {
    name: 'k0s-proxy-check', requiresArg: true, type: 'string', choices: ['readyz', 'tcp'],
    describe: 'with --k0s-config, the userspace proxy: how API servers are checked, GET https://<controller>:<api port>/readyz (not verified; default) or a TCP connect',
  },
  { name: 'dont-fork', alias: 'n', type: 'boolean', default: false, describe: 'stay in the foreground (vipd always does; accepted for keepalived compatibility)' },
  { name: 'no-syslog', type: 'boolean', default: false, describe: 'accepted for keepalived compatibility (vipd logs to stdout)' },
  { name: 'log-console', alias: 'l', type: 'boolean', default: false, describe: 'log to the console (always on)' },
  { name: 'log-detail', alias: 'D', type: 'boolean', default: false, describe: 'detailed logs: every packet and timer' },
  { name: 'dump-conf', alias: 'd', type: 'boolean', default: false, describe: 'log the parsed configuration at start' },
  { name: 'vrrp', alias: 'P', type: 'boolean', default: false, describe: 'run only VRRP' },
  { name: 'check', alias: 'C', type: 'boolean', default: false, describe: 'run only IPVS and health checks' },
  { name: 'pid', requiresArg: true, alias: 'p', type: 'string', describe: 'pid file' },
  { name: 'vrrp_pid', requiresArg: true, alias: 'r', type: 'string', describe: 'VRRP pid file (keepalived compatibility)' },
  { name: 'checkers_pid', requiresArg: true, alias: 'c', type: 'string', describe: 'checkers pid file (keepalived compatibility)' },
  {
    name: 'config-test', alias: 't', type: 'boolean', default: false,
    describe: 'check the configuration (and that its interfaces exist) and exit: 0 OK, 5 runs but with warnings, 1 cannot run',
  },
  { name: 'status-socket', requiresArg: true, type: 'string', default: DEFAULT_STATUS_SOCKET, describe: 'Unix socket for `vipd status`' },
  { name: 'metrics', requiresArg: true, type: 'string', describe: 'serve Prometheus metrics on [host:]port, e.g. :9650' },
  { name: 'dump-file', requiresArg: true, type: 'string', default: DEFAULT_DUMP_FILE, describe: 'where SIGUSR1 writes the state dump' },
  { name: 'nice', type: 'number', default: -20, describe: 'scheduling priority of the daemon (-20..19): high by default so a busy host does not delay adverts and timers' },
  { name: 'log-json', type: 'boolean', describe: 'JSON logs even on a terminal (default: JSON unless stdout is a TTY)' },
];

/** The checks of the flags together; throws an Error that says what is wrong. */
export function checkRunArgs(r: RunArgs): void {
  if (r.vrrp && r.check) throw new Error('--vrrp and --check exclude each other');
  // Flags given without their value arrive as '' (or true): say so instead of running on defaults.
  for (const k of ['use-file', 'config-id', 'k0s-config', 'pid', 'vrrp_pid', 'checkers_pid', 'status-socket', 'dump-file', 'metrics'] as const) {
    const v = r[k] as unknown;
    if (v !== undefined && (typeof v !== 'string' || v === '')) throw new Error(`--${k} needs a value`);
  }
  if (r.metrics !== undefined) parseListen(r.metrics);
  for (const c of r['k0s-controllers'] ?? []) if (!isIP(c)) throw new Error(`--k0s-controllers: '${c}' is not an IP address`);
  for (const k of ['k0s-controllers', 'k0s-proxy-balance', 'k0s-proxy-check'] as const) {
    if (r[k] !== undefined && !r['k0s-config']) throw new Error(`--${k} needs --k0s-config`);
  }
}
