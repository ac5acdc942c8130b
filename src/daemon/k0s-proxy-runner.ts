// k0s's userspace load balancing, run by vipd (`--k0s-config` without virtualServers): the TCP
// proxy listens on userSpaceProxyBindPort on every node (warm health state for a takeover), and
// the nftables redirect of VIP:apiPort to it exists only on the master, for exactly the VIPs of
// the instances that are MASTER. A table a crashed vipd left behind is removed at start; stop
// removes the table and closes the proxy.
import type { Logger } from 'pino';
import { NftTables } from '../netif/nftables.js';
import { BackendHealth, backendKey, backendProbeSpec, PROXY_REDIRECT_TABLE, redirectRuleset, type ProxyBackend } from '../proxy/index.js';
import type { DaemonDeps, TcpProxyPort } from './deps.js';
import type { ProxyPlan } from './reload-plan.js';
import { RateLimiter } from './rate-limit.js';

export interface ProxyView {
  listening: number | null;
  balance: string;
  healthCheck: string;
  redirecting: string[];
  backends: Array<{ backend: string; healthy: boolean; active: number; total: number; reason?: string }>;
}

type ProxyDeps = Pick<DaemonDeps, 'nft' | 'createTcpProxy' | 'proxyProbe' | 'proxyTimers'>;

/** The VIPs to redirect now (pure): those of the instances that are MASTER. */
export function redirectedVips(plan: ProxyPlan, isMaster: (instance: string) => boolean): string[] {
  return [...new Set([...plan.vips].filter(([name]) => isMaster(name)).flatMap(([, vips]) => vips))];
}

export class K0sProxyRunner {
  readonly #deps: ProxyDeps;
  readonly #log: Logger;
  readonly #isMaster: (instance: string) => boolean;
  readonly #nft: NftTables;
  #plan: ProxyPlan | undefined;
  #proxy: TcpProxyPort | undefined;
  #health: BackendHealth | undefined;
  #healthKind: string | undefined;
  readonly #backends = new Map<string, ProxyBackend>();
  /** The ruleset body in place: null = no table, undefined = unknown (the last nft call failed). */
  #applied: string | null | undefined;
  #redirecting: string[] = [];
  #rules: Promise<void> = Promise.resolve();
  readonly #limit = new RateLimiter(10_000);

  constructor(deps: ProxyDeps, log: Logger, opts: { isMaster: (instance: string) => boolean }) {
    this.#deps = deps;
    this.#log = log;
    this.#isMaster = opts.isMaster;
    this.#nft = new NftTables(deps.nft);
  }

  /** At start: a redirect left by a vipd that did not stop would send VIP:apiPort to nobody. */
  async clean(required: boolean): Promise<void> {
    try {
      await this.#nft.delete(PROXY_REDIRECT_TABLE);
      this.#applied = null;
    } catch (err) {
      if (required) this.#log.error(`userspace proxy: ${(err as Error).message}; VIP traffic is not redirected to the proxy (needs nft, Debian package nftables)`);
      else this.#log.debug(`userspace proxy cleanup: ${(err as Error).message}`);
    }
  }

  /** Start and reload: a port that cannot be listened on throws (start fails; a reload keeps the old proxy). */
  async apply(plan: ProxyPlan | undefined): Promise<void> {
    if (!plan) {
      if (this.#plan) await this.stop();
      return;
    }
    const s = plan.settings;
    if (this.#proxy?.port !== s.bindPort) {
      const next = this.#deps.createTcpProxy({ balance: s.balance, healthy: (key) => this.#health?.healthy(key) ?? true });
      try {
        await next.listen(s.bindPort);
      } catch (err) {
        throw new Error(`userspace proxy: cannot listen on port ${s.bindPort}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      this.#watch(next);
      const old = this.#proxy;
      this.#proxy = next;
      this.#log.info({ port: s.bindPort }, `userspace proxy listening on port ${s.bindPort}`);
      // Connections already proxied by the old listener keep running.
      if (old) await old.close({ connections: false });
    }
    const backends: ProxyBackend[] = s.backends.map((address) => ({ address, port: s.apiPort }));
    const kind = `${s.healthCheck}:${s.apiPort}`;
    if (this.#health && this.#healthKind !== kind) {
      this.#health.close();
      this.#health = undefined;
    }
    if (!this.#health) {
      const check = s.healthCheck;
      const health = new BackendHealth((key) => {
        const b = this.#backends.get(key)!;
        return this.#deps.proxyProbe(backendProbeSpec(b.address, b.port, check));
      }, this.#deps.proxyTimers ? { timers: this.#deps.proxyTimers } : {});
      health.on('change', (c) => {
        if (c.ok) this.#log.info({ backend: c.key }, `userspace proxy: API server ${c.key} is up`);
        else this.#log.warn({ backend: c.key, reason: c.reason }, `userspace proxy: API server ${c.key} is down${c.reason ? `: ${c.reason}` : ''}; no new connections go to it`);
      });
      this.#health = health;
      this.#healthKind = kind;
    }
    this.#backends.clear();
    for (const b of backends) this.#backends.set(backendKey(b), b);
    this.#proxy.setBalance(s.balance);
    this.#proxy.setBackends(backends);
    this.#health.set(backends.map(backendKey));
    this.#plan = plan;
    await this.#syncRules();
  }

  /** A VRRP state changed: redirect the VIPs of the instances that are MASTER now, and only those. */
  masterChanged(): void {
    if (this.#plan) void this.#syncRules();
  }

  async stop(): Promise<void> {
    // keepalived.conf (and a k0s input never started): nft was never asked, nor is it now.
    if (this.#applied === undefined && !this.#plan) return;
    this.#plan = undefined;
    await this.#syncRules();
    this.#health?.close();
    this.#health = undefined;
    await this.#proxy?.close({ connections: true });
    this.#proxy = undefined;
  }

  view(): ProxyView | null {
    const p = this.#plan;
    if (!p || !this.#proxy) return null;
    return {
      listening: this.#proxy.port ?? null, balance: p.settings.balance, healthCheck: p.settings.healthCheck, redirecting: this.#redirecting,
      backends: this.#proxy.stats().map((b) => {
        const reason = b.healthy ? undefined : this.#health?.lastReason(b.backend);
        return { ...b, ...(reason ? { reason } : {}) };
      }),
    };
  }

  #watch(proxy: TcpProxyPort): void {
    proxy.on('dialError', (e) => {
      const n = this.#limit.hit(`dial:${e.backend}`);
      if (n !== undefined) this.#log.warn({ backend: e.backend, reason: e.reason, suppressed: n }, `userspace proxy: cannot reach API server ${e.backend} (${e.reason}); trying the next`);
    });
    proxy.on('unserved', (e) => {
      const n = this.#limit.hit('unserved');
      if (n !== undefined) this.#log.error({ client: e.client, tried: e.tried, suppressed: n }, `userspace proxy: no API server reachable for ${e.client} (${e.tried} tried); connection closed`);
    });
  }

  /** nft calls one at a time, each applying the state of the moment it runs. */
  #syncRules(): Promise<void> {
    this.#rules = this.#rules.then(async () => {
      const p = this.#plan;
      const vips = p ? redirectedVips(p, this.#isMaster) : [];
      const body = p && vips.length ? redirectRuleset(vips, p.settings.apiPort, p.settings.bindPort) : null;
      if (body === this.#applied) return;
      try {
        if (body === null) await this.#nft.delete(PROXY_REDIRECT_TABLE);
        else await this.#nft.replace(PROXY_REDIRECT_TABLE, body);
        this.#applied = body;
        if (vips.join() !== this.#redirecting.join()) {
          this.#log.info({ vips }, vips.length ? `userspace proxy: ${vips.join(', ')} port ${p!.settings.apiPort} redirected to port ${p!.settings.bindPort}` : 'userspace proxy: no VIP redirected');
        }
        this.#redirecting = vips;
      } catch (err) {
        this.#applied = undefined;
        this.#log.error(`userspace proxy: ${(err as Error).message}${body === null ? '' : '; VIP traffic is not redirected to the proxy (needs nft, Debian package nftables)'}`);
      }
    });
    return this.#rules;
  }
}
