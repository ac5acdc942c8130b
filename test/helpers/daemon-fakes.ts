// A whole fake host for the Daemon (src/daemon/daemon.ts): FakeVrrpRouter on a ManualClock, a real
// RtNetlink over FakeRtnetlinkKernel, a real IpvsClient over FakeIpvsKernel, recorded sysctl writes
// and notify scripts, probes answered from a table, nft rulesets recorded, TCP proxies faked (fake-tcp-proxy.ts).
// Plus a logger that keeps its lines.
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { IpvsClient } from '../../src/ipvs/index.js';
import type { DaemonDeps } from '../../src/daemon/deps.js';
import { FakeIpvsKernel } from './ipvs-fake-kernel.js';
import { FakeRtnetlinkKernel } from './rtnetlink-fake-kernel.js';
import { FakeVrrpRouter } from './fake-vrrp-router.js';
import { ManualClock } from './manual-clock.js';
import { EventEmitter } from 'node:events';
import type { ProcessInfo } from '../../src/vrrp/track/process-match.js';
import type { ProcessChange } from '../../src/vrrp/track/process-monitor.js';
import type { FileWatchPort, ProcessMonitorPort } from '../../src/daemon/track-hub.js';
import type { ScriptHost } from '../../src/health/script-rules.js';
import { UserLookupError } from '../../src/health/errors.js';
import type { OpenFileLimit } from '../../src/os/open-files.js';

/** A track_file whose value the test sets. */
export class FakeFile extends EventEmitter implements FileWatchPort {
  value = 0;
  started = false;
  closed = false;
  start(): void { this.started = true; }
  close(): void { this.closed = true; }
  set(v: number): void {
    if (v === this.value) return;
    this.value = v;
    this.emit('change', v);
  }
}

/** The host's processes, as the test says. */
export class FakeProcesses extends EventEmitter implements ProcessMonitorPort {
  readonly table = new Map<number, ProcessInfo>();
  start(): void { this.emit('mode', 'scan', 'fake'); }
  close(): void { this.removeAllListeners(); }
  processes(): ReadonlyMap<number, ProcessInfo> { return this.table; }
  run(pid: number, info: ProcessInfo, viaFork = false): void {
    this.table.set(pid, info);
    this.emit('process', { pid, info, viaFork } satisfies ProcessChange);
  }
  exit(pid: number): void {
    this.table.delete(pid);
    this.emit('process', { pid, info: undefined, viaFork: false } satisfies ProcessChange);
  }
}

/** Users root and nobody; every path a root-owned 0755 file (good enough for the checks: executable, safe). */
export function permissiveScriptHost(users: Record<string, { uid: number; gid: number }> = { root: { uid: 0, gid: 0 }, nobody: { uid: 65534, gid: 65534 } }): ScriptHost {
  return {
    lookupUser: (user, group) => {
      const u = users[user];
      if (!u) throw new UserLookupError(`script user "${user}" does not exist`);
      if (group !== undefined && !users[group]) throw new UserLookupError(`script group "${group}" does not exist`);
      return group !== undefined ? { uid: u.uid, gid: users[group]!.gid } : u;
    },
    fs: { realpath: (p) => p, stat: () => ({ uid: 0, gid: 0, mode: 0o100755 }) },
    searchPath: ['/usr/bin'],
    self: { uid: 0, gid: 0 },
  };
}
import { FakeTcpProxy } from './fake-tcp-proxy.js';

export interface FakeHost {
  deps: DaemonDeps;
  kernel: FakeRtnetlinkKernel;
  ipvs: FakeIpvsKernel;
  clock: ManualClock;
  /** The router the daemon created (after start). */
  router(): FakeVrrpRouter;
  sysctls: Map<string, string>;
  /** argv of every notify script started, in order. */
  notifies: string[][];
  /** vrrp_script results by the script's first word (default: success). */
  scriptResults: Map<string, boolean>;
  /** track_file watches by path (created when first tracked). */
  files: Map<string, FakeFile>;
  processes: FakeProcesses;
  /** Lines written to each notify FIFO path; and the FIFOs open now. */
  fifoLines: Map<string, string[]>;
  openFifos: Set<string>;
  /** uid of every notify script started, in order (undefined: ours). */
  notifyUids: Array<number | undefined>;
  /** Every `nft -f -` ruleset, in order. */
  nftRulesets: string[];
  /** Every TCP proxy the daemon created; ports in `busyPorts` fail to listen. */
  proxies: FakeTcpProxy[];
  busyPorts: Set<number>;
  /** Userspace proxy backend probe results by address (default: up). */
  backendResults: Map<string, boolean>;
  /** RLIMIT_NOFILE as the daemon sees it; a hard limit above `maxHard` is refused (EPERM: no CAP_SYS_RESOURCE). */
  openFiles: OpenFileLimit & { maxHard: number };
  closed: boolean;
}

export function fakeHost(opts: { autoLinks?: boolean; links?: string[] } = {}): FakeHost {
  const kernel = new FakeRtnetlinkKernel({ autoLinks: opts.autoLinks ?? true });
  for (const l of opts.links ?? ['eth0']) kernel.addLink(l);
  const ipvs = new FakeIpvsKernel();
  const clock = new ManualClock();
  let router: FakeVrrpRouter | undefined;
  let rt: ReturnType<FakeRtnetlinkKernel['client']> | undefined;
  const rtnetlink = () => (rt ??= kernel.client());
  const host: FakeHost = {
    kernel, ipvs, clock, sysctls: new Map(), notifies: [], scriptResults: new Map(), closed: false,
    files: new Map(), processes: new FakeProcesses(), fifoLines: new Map(), openFifos: new Set(), notifyUids: [],
    nftRulesets: [], proxies: [], busyPorts: new Set(), backendResults: new Map(),
    openFiles: { soft: 65536, hard: 65536, maxHard: 65536 },
    router: () => {
      if (!router) throw new Error('the daemon has not created its router');
      return router;
    },
    deps: {
      clock,
      createRouter: ({ clock: c }) => (router = new FakeVrrpRouter(rtnetlink(), c)),
      hostNetlink: rtnetlink,
      routeNetlink: rtnetlink,
      writeSysctl: (key, value) => { host.sysctls.set(key, value); },
      openIpvs: () => IpvsClient.open({ genl: ipvs }),
      ipvsProbe: async () => ({ ok: true }),
      ipvsTimers: clock,
      openFiles: {
        get: () => ({ soft: host.openFiles.soft, hard: host.openFiles.hard }),
        set: (l) => {
          if (l.soft > l.hard || l.hard > Math.max(host.openFiles.hard, host.openFiles.maxHard)) throw Object.assign(new Error('setrlimit EPERM: Operation not permitted'), { code: 'EPERM' });
          host.openFiles.soft = l.soft;
          host.openFiles.hard = l.hard;
        },
      },
      trackProbe: (argv) => async () => ({ ok: host.scriptResults.get(argv[0] ?? '') ?? true }),
      runNotify: async (cmd) => {
        host.notifies.push(cmd.argv);
        host.notifyUids.push(cmd.uid);
        return { argv: cmd.argv, code: 0, signal: null, timedOut: false };
      },
      trackSources: {
        fileWatch: (o) => {
          const f = host.files.get(o.file) ?? new FakeFile();
          if (o.init && (o.init.overwrite || !host.files.has(o.file))) f.value = o.init.value;
          host.files.set(o.file, f);
          return f;
        },
        fileDirectoryExists: (file) => !file.startsWith('/nonexistent/'),
        processMonitor: () => host.processes,
      },
      openFifo: (o) => {
        const lines = host.fifoLines.get(o.path) ?? [];
        host.fifoLines.set(o.path, lines);
        host.openFifos.add(o.path);
        return { path: o.path, write: (l) => { lines.push(l); }, stopScript: () => undefined, close: () => { host.openFifos.delete(o.path); } };
      },
      scriptHost: permissiveScriptHost(),
      nft: async (ruleset) => {
        host.nftRulesets.push(ruleset);
        return { argv: ['nft', '-f', '-'], code: 0, signal: null, timedOut: false, aborted: false, killed: false, stdout: '', stderr: '', durationMs: 0 };
      },
      createTcpProxy: (o) => {
        const p = new FakeTcpProxy(o, host.busyPorts);
        host.proxies.push(p);
        return p;
      },
      proxyProbe: (spec) => async () => ({ ok: host.backendResults.get('address' in spec.options ? spec.options.address : '') ?? true }),
      proxyTimers: clock,
      close: () => {
        rt?.close();
        rt = undefined;
        host.closed = true;
      },
    },
  };
  return host;
}

export interface CapturedLog {
  log: Logger;
  lines: Array<Record<string, unknown>>;
  /** Lines at warn (40) and above. */
  problems(): Array<Record<string, unknown>>;
}

export function captureLogger(): CapturedLog {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines, problems: () => lines.filter((l) => Number(l.level) >= 40) };
}

/** Lets promise chains (netlink replies arrive on setImmediate) run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}
