// What the command line tells the daemon. keepalived's flags map onto these one to one.
import type { ProxyBalance, ProxyHealthCheck } from '../config/types.js';

export interface DaemonOptions {
  /** keepalived.conf path (-f/--use-file). */
  configFile: string;
  /** -i/--config-id: selects `@id` lines of keepalived.conf; default the host name up to its first dot. */
  configId?: string;
  /** k0s ClusterConfig or controlPlaneLoadBalancing YAML instead of keepalived.conf. */
  k0sConfig?: string;
  /** k0s input: controller addresses, the real servers of every virtual server (k0s learns them from etcd/the API). */
  k0sControllers?: string[];
  /** k0s input, userspace proxy: how a backend is picked and how backends are checked. */
  k0sProxyBalance?: ProxyBalance;
  k0sProxyCheck?: ProxyHealthCheck;
  /** -D/--log-detail: per-packet debug logs. */
  logDetail: boolean;
  /** -d/--dump-conf: log the parsed configuration at start. */
  dumpConf: boolean;
  /** -P/--vrrp only, -C/--check only; both false = both subsystems. */
  vrrpOnly: boolean;
  checkOnly: boolean;
  /** -p/--pid (main), -r/--vrrp_pid, -c/--checkers_pid. */
  pidFile?: string;
  vrrpPidFile?: string;
  checkersPidFile?: string;
  /** Unix socket for `vipd status`. */
  statusSocket: string;
  /** host:port for the Prometheus endpoint; undefined = off. */
  metrics?: string;
  /** Where SIGUSR1 writes the state dump (a new file, mode 0600, renamed into place). */
  dumpFile: string;
  /**
   * Scheduling priority (nice, -20..19) of the daemon's event loop. Default -20: adverts and the
   * master-down timer must not wait behind busy processes, or a loaded host fails over falsely.
   */
  nice: number;
  /** Force JSON logs (default: JSON unless stdout is a TTY). */
  jsonLogs?: boolean;
}

export const DEFAULT_CONFIG_FILE = '/etc/keepalived/keepalived.conf';
export const DEFAULT_STATUS_SOCKET = '/run/vipd/vipd.sock';
// In the runtime directory, not /tmp: a file a local user planted there must never be written through.
export const DEFAULT_DUMP_FILE = '/run/vipd/vipd.json';
