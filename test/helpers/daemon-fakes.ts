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
  /** Every `nft -f -` ruleset, in order. */
  nftRulesets: string[];
  /** Every TCP proxy the daemon created; ports in `busyPorts` fail to listen. */
  proxies: FakeTcpProxy[];
  busyPorts: Set<number>;
  /** Userspace proxy backend probe results by address (default: up). */
  backendResults: Map<string, boolean>;
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
    nftRulesets: [], proxies: [], busyPorts: new Set(), backendResults: new Map(),
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
      trackProbe: (argv) => async () => ({ ok: host.scriptResults.get(argv[0] ?? '') ?? true }),
      runNotify: async (cmd) => {
        host.notifies.push(cmd.argv);
        return { argv: cmd.argv, code: 0, signal: null, timedOut: false };
      },
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
