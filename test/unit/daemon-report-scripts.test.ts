// The script counters in `vipd status` and /metrics: a hanging MISC_CHECK or notify script shows
// as timed out (and killed when SIGTERM was not enough), not only in the log.
import t from 'tap';
import { newCommandStats } from '../../src/health/command-stats.js';
import { renderMetrics } from '../../src/daemon/metrics.js';
import { metricFamilies, statusReport, type ReportSources } from '../../src/daemon/report.js';

const sources = (scripts?: ReportSources['scripts']): ReportSources => ({
  startedAt: 0, now: 1000, pid: 1, config: undefined, instances: [], unknownVrid: 0, trackers: {}, transitions: 0, notifyRuns: 0,
  ipvs: null, loop: { samples: 0, sumSeconds: 0, buckets: [], p99Ms: null, maxMs: null, stalls: 0, lateMasterAdverts: {} },
  ...(scripts ? { scripts } : {}),
});

t.test('script outcomes are counted in status and metrics', async (t) => {
  const stats = { ...newCommandStats(), started: 7, running: 1, timedOut: 3, killed: 1, spawnFailed: 2, skippedBusy: 4 };
  t.same(statusReport(sources(stats)).scripts, stats);
  const text = renderMetrics(metricFamilies(sources(stats)));
  for (const line of [
    '# TYPE vipd_scripts_running gauge', 'vipd_scripts_running 1',
    '# TYPE vipd_script_runs_total counter',
    'vipd_script_runs_total{outcome="started"} 7', 'vipd_script_runs_total{outcome="timed_out"} 3', 'vipd_script_runs_total{outcome="killed"} 1',
    'vipd_script_runs_total{outcome="spawn_failed"} 2', 'vipd_script_runs_total{outcome="skipped_busy"} 4',
  ]) t.ok(text.split('\n').includes(line), line);
  t.notOk('scripts' in statusReport(sources()), 'absent without counters');
});
