// Runs inside the UML kernel (bench/ipvs.ts): the daemon path, vipd beside keepalived in one boot.
// Each case starts the daemon on a keepalived.conf of N virtual servers x M real servers
// (bench/lib/lvs-conf.ts) from an empty table and times spawn -> the kernel holds every entry
// (/proc/net/ip_vs polled every pollMs). With a TCP_CHECK on every real server it then measures
// the daemon's CPU over a window and how stale the checks got (a TCP listener in a namespace
// `rs` holds every real server address and logs each check's arrival). The reload case changes
// one real server's weight in the file, sends SIGHUP and times signal -> the kernel shows the
// new weight (one GET_DEST dump of that service every 5 ms). `ipvsadm -R` and `ipvsadm -e` of
// the same table are the reference. One JSON line per result on stdout:
//   {"kind":"result","case":"program"|"checks"|"reload"|"ipvsadm-restore"|"ipvsadm-edit",...}
//   {"kind":"progress","text":...}   {"kind":"done","failures":n}
//   node uml-ipvs-bench.js '<IpvsCaseSpec JSON>'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { IpvsClient } from '../../src/ipvs/client.js';
import type { CheckReport } from './check-log.js';
import { countIpvsEntries, REAL_SERVER_NET, realServerAddress, renderRestoreFile, renderVirtualServers, SERVICE_PORT, serviceAddress, type LvsTable } from './lvs-conf.js';
import { ProcSampler } from './proc-sampler.js';
import { counterDelta, listenCounters, parseNetstat, type ListenCounters } from './netstat.js';
import { parseMaxOpenFiles } from '../../src/os/open-files.js';
import { reloadPhasesLine, type ReloadTimes } from '../../src/daemon/reload-timing.js';
import { queryStatus } from '../../src/daemon/status-server.js';

export type DaemonImpl = 'vipd' | 'keepalived';

export interface IpvsCaseSpec {
  sizes: number[];
  dests: number;
  /** Run the no-check cases, the TCP_CHECK cases, or both. */
  checks: Array<'none' | 'tcp'>;
  impls: DaemonImpl[];
  ipvsadm: boolean;
  /** Seconds of the CPU window of the TCP_CHECK cases. */
  windowS: number;
  delayLoop: number;
  connectTimeout: number;
  /** Services of the reload case (0: skip it). */
  reload: number;
  pollMs: number;
  /** Runs of every case (interleaved: all cases, then all again). */
  repeats: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as IpvsCaseSpec;
let rep = 1;
const emit = (kind: string, data: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ kind, ...(kind === 'result' ? { rep } : {}), ...data })}\n`);
const progress = (text: string) => emit('progress', { text });
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
let failures = 0;

function sh(cmd: string[], input?: string): { ms: number; code: number; stderr: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd[0]!, cmd.slice(1), { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { ms: performance.now() - t0, code: r.status ?? 128, stderr: (r.stderr ?? '').trim() };
}
function shOk(cmd: string[], input?: string): void {
  const r = sh(cmd, input);
  if (r.code !== 0) throw new Error(`${cmd.join(' ')}: exit ${r.code}: ${r.stderr}`);
}
const entries = () => countIpvsEntries(readFileSync('/proc/net/ip_vs', 'utf8'));
/** The real servers' kernel: handshakes completed and dropped at the listener (namespace rs). */
function rsCounters(): ListenCounters {
  const r = spawnSync('ip', ['netns', 'exec', 'rs', 'cat', '/proc/net/snmp', '/proc/net/netstat'], { encoding: 'utf8' });
  return listenCounters(parseNetstat(r.stdout ?? ''));
}
const flush = () => shOk(['ipvsadm', '-C']);

// The real servers: every address of REAL_SERVER_NET is local in namespace `rs` (a local route
// on lo), reached over a veth. Not local here: IPVS turns a local destination into a
// "Local" (LOCALNODE) one, and a daemon reading the table back would see a difference.
function setupNetwork(): void {
  shOk(['ip', 'netns', 'add', 'rs']);
  shOk(['ip', '-batch', '-'], [
    'link add v0 type veth peer name v1 netns rs',
    'address add 10.250.0.1/30 dev v0',
    'link set v0 up',
    `route add ${REAL_SERVER_NET} via 10.250.0.2`,
  ].join('\n') + '\n');
  shOk(['ip', '-n', 'rs', '-batch', '-'], [
    'link set lo up',
    'address add 10.250.0.2/30 dev v1',
    'link set v1 up',
    `route add local ${REAL_SERVER_NET} dev lo`,
  ].join('\n') + '\n');
  for (const [k, v] of [['net.core.somaxconn', '65535'], ['net.ipv4.tcp_max_syn_backlog', '65535']]) sh(['ip', 'netns', 'exec', 'rs', 'sysctl', '-qw', `${k}=${v}`]);
}

interface Listener { pid: number; reset(): Promise<void>; report(staleMs: number): Promise<CheckReport>; stop(): void }

async function startListener(): Promise<Listener> {
  const child = spawn('ip', ['netns', 'exec', 'rs', 'node', 'dist/bench/lib/agent.js', 'listen', String(SERVICE_PORT)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: Array<(j: Record<string, unknown>) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      const j = JSON.parse(line) as Record<string, unknown>;
      waiting.shift()?.(j);
    } catch {
      // not ours
    }
  });
  const next = () => new Promise<Record<string, unknown>>((r) => waiting.push(r));
  await next(); // ready
  return {
    pid: child.pid!,
    reset: async () => {
      const p = next();
      child.stdin!.write('reset\n');
      await p;
    },
    report: async (staleMs) => {
      const p = next();
      child.stdin!.write(`report ${staleMs}\n`);
      return (await p).report as CheckReport;
    },
    stop: () => child.kill('SIGKILL'),
  };
}

interface Daemon { impl: DaemonImpl; child: ChildProcess; startedAt: number; pids(): number[]; exited: boolean; log(): string; fullLog(): string }

function startDaemon(impl: DaemonImpl, conf: string): Daemon {
  const logFile = `/tmp/${impl}.log`;
  const fd = openSync(logFile, 'w');
  const cmd = impl === 'vipd'
    ? ['node', 'bin/vipd.js', '--dont-fork', '-f', conf, '--no-syslog', '--log-console', '--status-socket', '/tmp/vipd.sock', '--pid', '/tmp/vipd.pid']
    : ['keepalived', '--dont-fork', '-f', conf, '--no-syslog', '--log-console', '-p', '/tmp/ka.pid', '-r', '/tmp/ka-vrrp.pid', '-c', '/tmp/ka-chk.pid'];
  for (const f of ['/tmp/ka.pid', '/tmp/ka-vrrp.pid', '/tmp/ka-chk.pid']) rmSync(f, { force: true });
  const startedAt = performance.now();
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const d: Daemon = {
    impl, child, startedAt, exited: false,
    // keepalived: the parent and its children (checker; VRRP when it starts one).
    pids: () => {
      const pids = child.pid !== undefined ? [child.pid] : [];
      if (impl === 'keepalived') {
        for (const f of ['/tmp/ka-vrrp.pid', '/tmp/ka-chk.pid']) {
          try {
            const p = Number(readFileSync(f, 'utf8').trim());
            if (p && !pids.includes(p)) pids.push(p);
          } catch {
            // not started
          }
        }
      }
      return pids;
    },
    fullLog: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
    log: () => d.fullLog().split('\n').slice(-20).join('\n'),
  };
  child.on('exit', () => { d.exited = true; });
  return d;
}

/**
 * SIGTERM, then until every process of the daemon is gone (keepalived's checker child goes on
 * removing its services after the parent exited: the next case must not start before).
 */
async function stopDaemon(d: Daemon): Promise<{ stopMs: number; left: { services: number; destinations: number } }> {
  const pids = d.pids();
  const t0 = performance.now();
  if (!d.exited) {
    const gone = new Promise<void>((r) => d.child.once('exit', () => r()));
    d.child.kill('SIGTERM');
    const timeout = sleep(300_000).then(() => 'timeout');
    if ((await Promise.race([gone, timeout])) === 'timeout') {
      d.child.kill('SIGKILL');
      await gone;
    }
  }
  while (pids.some(alive) && performance.now() - t0 < 300_000) await sleep(100);
  for (const p of pids.filter(alive)) process.kill(p, 'SIGKILL');
  return { stopMs: performance.now() - t0, left: entries() };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls until the kernel holds `want`; returns ms since the daemon's spawn. */
async function waitFull(d: Daemon, want: { services: number; destinations: number }, label: string): Promise<number> {
  const deadline = performance.now() + Math.max(300_000, want.destinations * 30);
  let lastNote = performance.now();
  for (;;) {
    const got = entries();
    const now = performance.now();
    if (got.services === want.services && got.destinations === want.destinations) return now - d.startedAt;
    if (d.exited) throw new Error(`${d.impl} exited before the table was complete (${got.services}/${got.destinations}):\n${d.log()}`);
    if (now > deadline) throw new Error(`${d.impl}: ${got.services} services / ${got.destinations} real servers after ${((now - d.startedAt) / 1000).toFixed(0)} s (want ${want.services}/${want.destinations})`);
    if (now - lastNote > 3000) {
      progress(`${label}: ${got.destinations}/${want.destinations} real servers after ${((now - d.startedAt) / 1000).toFixed(0)} s`);
      lastNote = now;
    }
    await sleep(spec.pollMs);
  }
}

function writeConf(path: string, t: LvsTable): void {
  writeFileSync(path, renderVirtualServers(t));
}

async function programCase(impl: DaemonImpl, n: number, check: boolean, listener: Listener | undefined): Promise<void> {
  const t: LvsTable = { services: n, dests: spec.dests, ...(check ? { check: { delayLoop: spec.delayLoop, connectTimeout: spec.connectTimeout } } : {}) };
  const conf = `/tmp/vs-${n}${check ? '-tcp' : ''}.conf`;
  writeConf(conf, t);
  const want = { services: n, destinations: n * spec.dests };
  const label = `${impl} ${n} x ${spec.dests}${check ? ' + TCP_CHECK' : ''}`;
  flush();
  progress(`${label}: starting`);
  const d = startDaemon(impl, conf);
  const base = { impl, services: n, dests: spec.dests, check: check ? 'tcp' : 'none' };
  try {
    const ms = await waitFull(d, want, label);
    const res: Record<string, unknown> = { ...base, ms };
    if (check && listener) {
      // Warm-up: the first round of checks is spread over one delay_loop.
      const warm = (spec.delayLoop + spec.connectTimeout) * 1000;
      progress(`${label}: table complete in ${(ms / 1000).toFixed(1)} s; checks warming up ${warm / 1000} s`);
      await sleep(warm);
      await listener.reset();
      const counters0 = rsCounters();
      const sampler = new ProcSampler(() => d.pids());
      // The listener shares the one UML CPU: when it is busy, check arrivals are logged late.
      const listenerCpu = new ProcSampler([listener.pid]);
      sampler.start();
      listenerCpu.start();
      const t0 = performance.now();
      const cpuSamples: number[] = [];
      while (performance.now() - t0 < spec.windowS * 1000) {
        await sleep(1000);
        const pct = sampler.sample();
        cpuSamples.push(pct);
        progress(`${label}: CPU window ${Math.round((performance.now() - t0) / 1000)}/${spec.windowS} s, ${pct.toFixed(0)} % of a core`);
        if (d.exited) throw new Error(`${impl} exited during the CPU window:\n${d.log()}`);
      }
      const stats = sampler.stats();
      const windowS = (performance.now() - t0) / 1000;
      // What the real servers' kernel saw over the window: a starved listener accepts late (or its queue overflows), the handshakes still count here.
      res.kernel = { ...counterDelta(counters0, rsCounters()), windowS };
      listenerCpu.sample();
      res.listenerCpuPct = listenerCpu.stats().cpuPct;
      const staleMs = (spec.delayLoop + spec.connectTimeout) * 1000;
      const checks = await listener.report(staleMs);
      res.cpuPct = stats.cpuPct;
      res.cpuSamples = cpuSamples;
      res.rssMb = stats.rssKbMax / 1024;
      res.pids = d.pids().length;
      // Each process's open-file limit (soft): keepalived raises its checker's, vipd its own.
      res.openFileLimits = d.pids().map((p) => { try { return parseMaxOpenFiles(readFileSync(`/proc/${p}/limits`, 'utf8')) ?? null; } catch { return null; } });
      res.checks = { ...checks, expected: want.destinations, staleAfterMs: staleMs, neverChecked: want.destinations - checks.addresses };
      res.entriesAfterWindow = entries();
    }
    const stop = await stopDaemon(d);
    emit('result', { case: check ? 'checks' : 'program', ...res, ...stop });
  } catch (e) {
    failures++;
    await stopDaemon(d).catch(() => undefined);
    const events = check ? healthEvents(d) : undefined;
    emit('result', { case: check ? 'checks' : 'program', ...base, error: `${(e as Error).message}${events ? ` (${events})` : ''}` });
  }
  flush();
}

/** What the daemon's log says of its checkers: real servers taken out and back (vipd's and keepalived's words). */
function healthEvents(d: Daemon): string {
  const text = d.fullLog();
  const count = (re: RegExp) => text.match(re)?.length ?? 0;
  return `log: ${count(/ is down|Removing service/g)} real server(s) down, ${count(/ is up\b|Adding service/g)} up`;
}

async function reloadCase(impl: DaemonImpl, n: number): Promise<void> {
  const t: LvsTable = { services: n, dests: spec.dests };
  const conf = `/tmp/vs-reload-${n}.conf`;
  writeConf(conf, t);
  const changed = { service: n >> 1, dest: 0, weight: 2 };
  const want = { services: n, destinations: n * spec.dests };
  const label = `${impl} reload one weight among ${n}`;
  flush();
  progress(`${label}: starting`);
  // At the log level users run (--log-detail would time the debug logging too); the phases come from `vipd status`.
  const d = startDaemon(impl, conf);
  const base = { case: 'reload', impl, services: n, dests: spec.dests };
  const client = await IpvsClient.open();
  try {
    await waitFull(d, want, label);
    await sleep(2000); // start-up settled (keepalived's checker child, vipd's first reconcile)
    writeConf(conf, { ...t, changed });
    const id = { family: 4 as const, protocol: 'tcp' as const, address: serviceAddress(changed.service), port: SERVICE_PORT };
    const rs = realServerAddress(changed.service, changed.dest);
    const sentAt = Date.now();
    const t0 = performance.now();
    d.child.kill('SIGHUP');
    let polls = 0;
    let ms = NaN;
    const deadline = t0 + 300_000;
    while (performance.now() < deadline) {
      polls++;
      const dests = await client.destinations(id).catch(() => []);
      if (dests.find((x) => x.destination.address === rs)?.destination.weight === changed.weight) {
        ms = performance.now() - t0;
        break;
      }
      if (d.exited) throw new Error(`${impl} exited after SIGHUP:\n${d.log()}`);
      await sleep(5);
    }
    if (!Number.isFinite(ms)) throw new Error(`${impl}: the new weight did not show within 300 s of SIGHUP`);
    await sleep(2000);
    const after = entries();
    // vipd's own account of the reload (its status): "reload phases: read 1 ms, parse (block) 2 ms, ...".
    const phases = impl === 'vipd' ? await lastReloadPhases(sentAt) : undefined;
    const stop = await stopDaemon(d);
    emit('result', { ...base, ms, polls, entriesAfter: after, ...(phases ? { phases } : {}), ...stop });
  } catch (e) {
    failures++;
    await stopDaemon(d).catch(() => undefined);
    emit('result', { ...base, error: (e as Error).message });
  } finally {
    client.close();
  }
  flush();
}

/** The status's account of the last reload, and how long the signal took to reach the daemon's handler (`sentAt`: Date.now() at kill). */
async function lastReloadPhases(sentAt: number): Promise<string | undefined> {
  try {
    // A daemon busy for seconds (a garbage collection in UML) answers late.
    const status = await queryStatus('/tmp/vipd.sock', 30_000) as { lastReload?: ReloadTimes };
    const r = status.lastReload;
    return r ? `signal -> handler ${Date.parse(r.startedAt) - sentAt} ms, ${reloadPhasesLine(r)}` : 'reload phases: none in the status';
  } catch (err) {
    return `reload phases: status not read (${(err as Error).message})`;
  }
}

function ipvsadmCases(n: number, withEdit: boolean): void {
  const t: LvsTable = { services: n, dests: spec.dests };
  writeFileSync('/tmp/ipvs.rules', renderRestoreFile(t));
  flush();
  progress(`ipvsadm -R ${n} x ${spec.dests}`);
  const r = sh(['sh', '-c', 'ipvsadm -R < /tmp/ipvs.rules']);
  const got = entries();
  const ok = r.code === 0 && got.services === n && got.destinations === n * spec.dests;
  if (!ok) failures++;
  emit('result', { case: 'ipvsadm-restore', impl: 'ipvsadm', services: n, dests: spec.dests, ms: r.ms, ...(ok ? {} : { error: `exit ${r.code}, ${got.services}/${got.destinations}: ${r.stderr.slice(0, 300)}` }) });
  if (withEdit && ok) {
    const i = n >> 1;
    const e = sh(['ipvsadm', '-e', '-t', `${serviceAddress(i)}:${SERVICE_PORT}`, '-r', `${realServerAddress(i, 0)}:${SERVICE_PORT}`, '-g', '-w', '2']);
    emit('result', { case: 'ipvsadm-edit', impl: 'ipvsadm', services: n, dests: spec.dests, ms: e.ms, ...(e.code ? { error: e.stderr } : {}) });
  }
  flush();
}

setupNetwork();
emit('start', { kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(), keepalived: sh(['keepalived', '--version']).stderr.split('\n')[0] });
const listener = spec.checks.includes('tcp') ? await startListener() : undefined;
try {
  for (rep = 1; rep <= (spec.repeats || 1); rep++) {
    for (const n of spec.sizes) {
      if (spec.ipvsadm) ipvsadmCases(n, n === spec.reload);
      for (const check of spec.checks) {
        for (const impl of spec.impls) await programCase(impl, n, check === 'tcp', listener);
      }
    }
    if (spec.reload > 0) {
      if (spec.ipvsadm && !spec.sizes.includes(spec.reload)) ipvsadmCases(spec.reload, true);
      for (const impl of spec.impls) await reloadCase(impl, spec.reload);
    }
  }
} finally {
  listener?.stop();
}
emit('done', { failures });
process.exit(failures ? 1 : 0);
