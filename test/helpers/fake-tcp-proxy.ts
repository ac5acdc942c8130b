// A TcpProxy stand-in for daemon tests (src/daemon/k0s-proxy-runner.ts): records what the runner
// asks of it (port, backends, balance) and listens on nothing. `busy` ports fail like EADDRINUSE.
import { EventEmitter } from 'node:events';
import type { ProxyBalance } from '../../src/config/types.js';
import type { TcpProxyPort } from '../../src/daemon/deps.js';
import { backendKey, type BackendStats, type ProxyBackend, type TcpProxyEvents, type TcpProxyOptions } from '../../src/proxy/index.js';

export class FakeTcpProxy extends EventEmitter<TcpProxyEvents> implements TcpProxyPort {
  port: number | undefined;
  balance: ProxyBalance;
  backends: ProxyBackend[] = [];
  closed: { connections: boolean } | undefined;
  readonly #opts: TcpProxyOptions;
  readonly #busy: Set<number>;

  constructor(opts: TcpProxyOptions, busy: Set<number>) {
    super();
    this.#opts = opts;
    this.balance = opts.balance;
    this.#busy = busy;
  }

  async listen(port: number): Promise<void> {
    if (this.#busy.has(port)) throw Object.assign(new Error(`listen EADDRINUSE: address already in use :::${port}`), { code: 'EADDRINUSE' });
    this.port = port;
  }

  async close(opts: { connections: boolean }): Promise<void> {
    this.closed = opts;
    this.port = undefined;
  }

  setBackends(backends: readonly ProxyBackend[]): void {
    this.backends = [...backends];
  }

  setBalance(balance: ProxyBalance): void {
    this.balance = balance;
  }

  stats(): BackendStats[] {
    return this.backends.map((b) => ({ backend: backendKey(b), healthy: this.#opts.healthy(backendKey(b)), active: 0, total: 0 }));
  }
}
