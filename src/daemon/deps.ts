// What the daemon's runners need from the host, as narrow interfaces. realDependencies() gives the
// real ones (raw sockets, rtnetlink, generic netlink, /proc/sys, child processes); tests hand in
// fakes so the whole daemon starts without a kernel.
import { writeFileSync } from 'node:fs';
import type { InitialTracking, RouterEvents } from '../vrrp/router.js';
import { VrrpRouter } from '../vrrp/router.js';
import { realClock, type Clock, type InstanceConfig, type InstanceStatus, type VrrpInstance } from '../vrrp/instance.js';
import { httpProbe, scriptProbe, tcpProbe, type Probe } from '../vrrp/track/probes.js';
import { runNotify, type NotifyCommand, type NotifyResult } from '../vrrp/notify.js';
import { RtNetlink } from '../netif/rtnetlink.js';
import { nftAvailable } from '../netif/nftables.js';
import { NftFilter } from '../vrrp/accept-filter.js';
import type { RunAs } from '../health/passwd.js';
import { FileWatch } from '../vrrp/track/file-watch.js';
import { ProcessMonitor } from '../vrrp/track/process-monitor.js';
import { NotifyFifo, type NotifyFifoOptions, type NotifyFifoPort } from '../vrrp/notify-fifo.js';
import type { TrackHubDeps } from './track-hub.js';
import { nodeScriptHost } from '../health/script-host.js';
import type { ScriptHost } from '../health/script-rules.js';
import { IpvsClient, type ProbeRunner, type Timers } from '../ipvs/index.js';
import { watchLocalAddresses, type LocalAddressWatch } from './local-addresses.js';
import type { RouteNetlink } from './route-runner.js';
import { buildProbe, type ProbeSpec } from '../health/index.js';
import { runNft, type NftRunner } from '../netif/nftables.js';
import { TcpProxy, type BackendStats, type ProxyBackend, type TcpProxyEvents, type TcpProxyOptions } from '../proxy/index.js';
import type { ProxyBalance } from '../config/types.js';
import type { OpenFileOps } from '../os/open-files.js';

/** The VrrpRouter surface the daemon uses (a fake router implements the same). */
export interface VrrpRouterPort {
  on<K extends keyof RouterEvents>(event: K, listener: (...args: RouterEvents[K]) => void): unknown;
  off<K extends keyof RouterEvents>(event: K, listener: (...args: RouterEvents[K]) => void): unknown;
  add(cfg: InstanceConfig, opts?: { tracked?: InitialTracking[] }): Promise<VrrpInstance>;
  remove(name: string): Promise<void>;
  instance(name: string): VrrpInstance | undefined;
  trackInterface(instance: string, ifname: string, weight?: number, reverse?: boolean): Promise<void>;
  setTracked(instance: string, source: string, ok: boolean, weight: number): void;
  status(): InstanceStatus[];
  readonly unknownVridCount: number;
  close(): Promise<void>;
}

/** The TcpProxy surface the k0s userspace proxy runner uses (tests hand in a fake). */
export interface TcpProxyPort {
  readonly port: number | undefined;
  listen(port: number): Promise<void>;
  close(opts: { connections: boolean }): Promise<void>;
  setBackends(backends: readonly ProxyBackend[]): void;
  setBalance(balance: ProxyBalance): void;
  stats(): BackendStats[];
  on<K extends keyof TcpProxyEvents>(event: K, listener: (...args: TcpProxyEvents[K]) => void): unknown;
}

/** The rtnetlink calls of the k0s host setup (dummy link, its /32s, IPv6 address labels). */
export type HostNetlink = Pick<RtNetlink, 'createLink' | 'link' | 'addAddress' | 'deleteAddress' | 'addAddressLabel' | 'deleteAddressLabel'>;

export interface DaemonDeps {
  /** The clock VRRP timers run on (the daemon wraps it to measure event-loop delay). */
  clock: Clock;
  /** `vmacPrefix`: keepalived's vmac_prefix, the name prefix of VMACs without a name. */
  createRouter(opts: { clock: Clock; vmacPrefix?: string }): VrrpRouterPort;
  /** Removes vipd's firewall tables a run that died may have left (no_accept, VMAC rules). */
  resetFirewall?(): Promise<void>;
  /** Opened on first use: a VRRP-less (-C) daemon opens no rtnetlink socket. */
  hostNetlink(): HostNetlink;
  /** Static and virtual routes, rules, static addresses (opened on first use). */
  routeNetlink?(): RouteNetlink;
  /** Writes /proc/sys/<key> (e.g. net/ipv4/conf/eth0/arp_ignore). */
  writeSysctl(key: string, value: string): void;
  openIpvs(): Promise<IpvsClient>;
  /** IPVS health checks; undefined = the real TCP/HTTP probes. */
  ipvsProbe?: ProbeRunner;
  ipvsTimers?: Timers;
  /** RLIMIT_NOFILE, raised for the checkers; undefined = the process's (setrlimit). */
  openFiles?: OpenFileOps;
  /** ha_suspend: the host's addresses, live (the set after the first dump and after each change). */
  watchLocalAddresses?(onChange: (addresses: ReadonlySet<string>) => void, onError: (err: Error) => void): LocalAddressWatch;
  /** The probe a vrrp_script runs (a program runs as `runAs`). */
  trackProbe(argv: string[], runAs?: RunAs): Probe;
  runNotify(cmd: NotifyCommand): Promise<NotifyResult>;
  /** track_file watches and the process monitor of vrrp_track_process. */
  trackSources: TrackHubDeps;
  openFifo(opts: NotifyFifoOptions): NotifyFifoPort;
  /** Users and file checks of scripts (script_user, enable_script_security). */
  scriptHost: ScriptHost;
  /** k0s userspace proxy: `nft -f -` for its redirect table, the TCP proxy, its backends' probes. */
  nft: NftRunner;
  createTcpProxy(opts: TcpProxyOptions): TcpProxyPort;
  proxyProbe(spec: ProbeSpec): Probe;
  proxyTimers?: Timers;
  /** Releases what the dependencies opened (after the runners stopped). */
  close(): void;
}

/** vrrp_script `script` may name a built-in probe instead of a program: http(s)://... or tcp://host:port. */
export function builtinProbe(argv: string[], runAs?: RunAs): Probe {
  const first = argv[0] ?? '';
  if (/^https?:\/\//.test(first)) return httpProbe(first);
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:]+):(\d+)$/.exec(first);
  if (tcp) return tcpProbe(tcp[1]!.replace(/^\[|\]$/g, ''), Number(tcp[2]));
  return scriptProbe(argv, runAs);
}

/** The host: one rtnetlink socket shared by the router and the host setup. */
export function realDependencies(): DaemonDeps {
  let rt: RtNetlink | undefined;
  const rtnetlink = () => (rt ??= RtNetlink.open());
  return {
    clock: realClock,
    createRouter: ({ clock, vmacPrefix }) => new VrrpRouter({ rtnetlink: rtnetlink(), clock, ...(vmacPrefix ? { vmacPrefix } : {}) }),
    resetFirewall: async () => {
      if (nftAvailable()) await new NftFilter().reset();
    },
    hostNetlink: rtnetlink,
    routeNetlink: rtnetlink,
    writeSysctl: (key, value) => writeFileSync(`/proc/sys/${key}`, value),
    openIpvs: () => IpvsClient.open(),
    watchLocalAddresses: (onChange, onError) => watchLocalAddresses(rtnetlink(), onChange, onError),
    trackProbe: builtinProbe,
    runNotify: (cmd) => runNotify(cmd),
    trackSources: {
      fileWatch: (opts) => new FileWatch(opts),
      fileDirectoryExists: (file) => FileWatch.directoryExists(file),
      processMonitor: (opts) => new ProcessMonitor(opts),
    },
    openFifo: (opts) => NotifyFifo.open(opts),
    scriptHost: nodeScriptHost(),
    nft: runNft,
    createTcpProxy: (opts) => new TcpProxy(opts),
    proxyProbe: buildProbe,
    close: () => {
      rt?.close();
      rt = undefined;
    },
  };
}
