// What an operator sees: the state `vipd status` and SIGUSR1 show, and the Prometheus families.
// Pure functions of snapshots the runners give, so the shapes are tested without a daemon.
import type { InstanceStatus } from '../vrrp/instance.js';
import { VERSION } from '../version.js';
import { histogramFamily, type MetricFamily } from './metrics.js';
import type { IpvsView } from './ipvs-runner.js';
import type { ProxyView } from './k0s-proxy-runner.js';
import { DELAY_BUCKETS_S, type LoopSnapshot } from './loop-health.js';
import { emptyAuthCounters, type AuthHmacCounters } from '../vrrp/auth-hmac/decision.js';
import { AUTH_MODES } from '../vrrp/auth-hmac/settings.js';
import type { CommandStats } from '../health/command-stats.js';

export interface ReportSources {
  startedAt: number;
  now: number;
  pid: number;
  config: { kind: string; file: string } | undefined;
  instances: InstanceStatus[];
  unknownVrid: number;
  trackers: Record<string, Array<{ name: string; ok: boolean }>>;
  transitions: number;
  notifyRuns: number;
  ipvs: IpvsView | null;
  /** k0s's userspace proxy; absent or null when not running. */
  proxy?: ProxyView | null;
  loop: LoopSnapshot;
  /** The child processes vipd ran (notify scripts, vrrp_script and MISC_CHECK programs); absent: none counted. */
  scripts?: CommandStats;
}

const round3 = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);

export function statusReport(s: ReportSources): Record<string, unknown> {
  return {
    vipd: VERSION,
    pid: s.pid,
    uptimeSeconds: Math.round((s.now - s.startedAt) / 1000),
    config: s.config,
    instances: s.instances,
    unknownVridPackets: s.unknownVrid,
    ipvs: s.ipvs ? {
      active: s.ipvs.active,
      desired: s.ipvs.desired,
      health: Object.fromEntries([...s.ipvs.health].map(([k, m]) => [k, Object.fromEntries(m)])),
      driftRepaired: s.ipvs.driftRepaired,
      syncDaemons: s.ipvs.syncDaemons,
    } : null,
    ...(s.proxy ? { proxy: s.proxy } : {}),
    trackers: s.trackers,
    ...(s.scripts ? { scripts: { ...s.scripts } } : {}),
    eventLoop: {
      // How late the VRRP timers fired (README: event-loop health).
      delayP99Ms: round3(s.loop.p99Ms),
      delayMaxMs: round3(s.loop.maxMs),
      samples: s.loop.samples,
      stallsOverMasterDown: s.loop.stalls,
      lateMasterAdverts: s.loop.lateMasterAdverts,
    },
  };
}

const STATES = ['initialize', 'backup', 'master', 'fault'] as const;
const DROPS = ['ipTtlErrors', 'checksumErrors', 'versionErrors', 'vrIdErrors', 'authFailures', 'invalidAuthType', 'authTypeMismatch',
  'intervalErrors', 'addressListErrors', 'packetLengthErrors', 'invalidTypeErrors', 'unicastPeerErrors', 'ownerDiscards'] as const;

const AUTH_RESULTS = Object.keys(emptyAuthCounters()) as Array<keyof AuthHmacCounters>;

const SCRIPT_OUTCOMES: Array<[keyof CommandStats, string]> = [
  ['started', 'started'], ['timedOut', 'timed_out'], ['killed', 'killed'], ['spawnFailed', 'spawn_failed'], ['skippedBusy', 'skipped_busy'],
];

const fam = (name: string, help: string, type: 'counter' | 'gauge', samples: MetricFamily['samples']): MetricFamily => ({ name, help, type, samples });

export function metricFamilies(s: ReportSources): MetricFamily[] {
  const inst = s.instances;
  const stat = (key: keyof InstanceStatus['stats']) => inst.map((i) => ({ labels: { instance: i.name }, value: Number(i.stats[key]) }));
  const families: MetricFamily[] = [
    fam('vipd_vrrp_state', 'VRRP state per instance (1 = current)', 'gauge',
      inst.flatMap((i) => STATES.map((st) => ({ labels: { instance: i.name, state: st }, value: i.state === st ? 1 : 0 })))),
    fam('vipd_vrrp_priority', 'Effective priority', 'gauge', inst.map((i) => ({ labels: { instance: i.name }, value: i.priority }))),
    fam('vipd_vrrp_transitions_total', 'State transitions since start', 'counter', [{ value: s.transitions }]),
    fam('vipd_vrrp_master_transitions_total', 'Transitions to MASTER', 'counter', stat('masterTransitions')),
    fam('vipd_vrrp_adverts_received_total', 'Advertisements received', 'counter', stat('rcvdAdvertisements')),
    fam('vipd_vrrp_adverts_sent_total', 'Advertisements sent', 'counter', stat('sentAdvertisements')),
    fam('vipd_vrrp_adverts_late_total', 'Our adverts sent more than one advert interval late while MASTER', 'counter',
      inst.map((i) => ({ labels: { instance: i.name }, value: s.loop.lateMasterAdverts[i.name] ?? 0 }))),
    fam('vipd_vrrp_garp_sent_total', 'Gratuitous ARPs / unsolicited NAs sent', 'counter', inst.map((i) => ({ labels: { instance: i.name }, value: i.garpsSent }))),
    fam('vipd_notify_runs_total', 'Notify scripts started', 'counter', [{ value: s.notifyRuns }]),
    fam('vipd_vrrp_unknown_vrid_total', 'Datagrams for VRIDs not configured here', 'counter', [{ value: s.unknownVrid }]),
    fam('vipd_vrrp_drops_total', 'Advertisements dropped, by reason', 'counter',
      inst.flatMap((i) => DROPS.map((d) => ({ labels: { instance: i.name, reason: d }, value: Number(i.stats[d]) })))),
    fam('vipd_vrrp_auth_hmac_adverts_total', 'auth_hmac: received adverts by verification result (authenticated, or why not)', 'counter',
      inst.flatMap((i) => (i.authHmac ? AUTH_RESULTS.map((r) => ({ labels: { instance: i.name, result: r }, value: i.authHmac!.counters[r] })) : []))),
    fam('vipd_vrrp_auth_hmac_mode', 'auth_hmac rollout mode per instance (1 = current)', 'gauge',
      inst.flatMap((i) => (i.authHmac ? AUTH_MODES.map((m) => ({ labels: { instance: i.name, mode: m }, value: i.authHmac!.mode === m ? 1 : 0 })) : []))),
    histogramFamily('vipd_event_loop_delay_seconds', 'How late VRRP timers fired (event-loop delay)', DELAY_BUCKETS_S,
      s.loop.buckets, s.loop.sumSeconds, s.loop.samples),
    fam('vipd_event_loop_stalls_total', 'Event-loop stalls longer than the shortest Master_Down_Interval', 'counter', [{ value: s.loop.stalls }]),
  ];
  if (s.scripts) {
    const c = s.scripts;
    families.push(
      fam('vipd_scripts_running', 'Scripts running now (notify, vrrp_script, MISC_CHECK)', 'gauge', [{ value: c.running }]),
      // A hanging script shows here: timed out (SIGTERM to its process group), killed (SIGKILL after the grace), skipped while still running.
      fam('vipd_script_runs_total', 'Script runs by outcome', 'counter', SCRIPT_OUTCOMES.map(([k, outcome]) => ({ labels: { outcome }, value: c[k] }))),
    );
  }
  if (s.ipvs) {
    const { desired, health } = s.ipvs;
    families.push(
      fam('vipd_ipvs_services', 'Virtual services programmed (or to program)', 'gauge', [{ value: desired.length }]),
      fam('vipd_ipvs_destinations', 'Real servers programmed', 'gauge', [{ value: desired.reduce((n, x) => n + x.destinations.length, 0) }]),
      fam('vipd_ipvs_active', '1 when this node programs IPVS', 'gauge', [{ value: s.ipvs.active ? 1 : 0 }]),
      fam('vipd_checker_up', 'Health of each real server (1 = up)', 'gauge',
        [...health].flatMap(([svc, m]) => [...m].map(([d, up]) => ({ labels: { service: svc, real_server: d }, value: up ? 1 : 0 })))),
      fam('vipd_ipvs_drift_repaired_total', 'Owned services found changed by someone else (background audit) and put back', 'counter', [{ value: s.ipvs.driftRepaired }]),
      fam('vipd_ipvs_sync_daemon', 'IPVS connection sync daemons running (lvs_sync_daemon), by state', 'gauge',
        (['master', 'backup'] as const).map((st) => ({ labels: { state: st }, value: s.ipvs!.syncDaemons.some((d) => d.state === st) ? 1 : 0 }))),
    );
  }
  return families;
}
