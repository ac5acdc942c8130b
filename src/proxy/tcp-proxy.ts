// The userspace proxy's sockets: a TCP listener on every address; each accepted connection is
// joined to one backend picked by dialOrder() (balancer.ts). A backend that refuses or does not
// answer within the connect timeout is skipped for the next in the order, so a client sees a
// failed dial only when every candidate failed. Bytes are piped both ways with half-close kept
// (TLS close_notify, HTTP/1.0 clients); either side failing ends both.
import { EventEmitter } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { ProxyBalance } from '../config/types.js';
import { dialOrder } from './balancer.js';

export interface ProxyBackend {
  address: string;
  port: number;
}

export interface TcpProxyOptions {
  balance: ProxyBalance;
  connectTimeoutMs?: number;
  /** TCP keep-alive on both legs (k0s's proxy: 1 minute). */
  keepAliveMs?: number;
  /** Whether a backend is healthy now (BackendHealth.healthy). */
  healthy: (key: string) => boolean;
}

export interface TcpProxyEvents {
  /** A backend could not be reached for a connection; the next one is tried. */
  dialError: [{ backend: string; reason: string }];
  /** No backend could be reached: the client connection was closed. */
  unserved: [{ client: string; tried: number }];
}

export interface BackendStats {
  backend: string;
  healthy: boolean;
  active: number;
  total: number;
}

export const backendKey = (b: ProxyBackend): string => (b.address.includes(':') ? `[${b.address}]:${b.port}` : `${b.address}:${b.port}`);

interface BackendRun extends ProxyBackend {
  key: string;
  active: number;
  total: number;
}

export class TcpProxy extends EventEmitter<TcpProxyEvents> {
  #opts: Required<Omit<TcpProxyOptions, 'healthy'>> & Pick<TcpProxyOptions, 'healthy'>;
  #backends: BackendRun[] = [];
  #cursor = 0;
  #server: Server | undefined;
  #port: number | undefined;
  readonly #clients = new Set<Socket>();

  constructor(opts: TcpProxyOptions) {
    super();
    this.#opts = { connectTimeoutMs: 3000, keepAliveMs: 60_000, ...opts };
  }

  get port(): number | undefined {
    return this.#port;
  }

  setBalance(balance: ProxyBalance): void {
    this.#opts.balance = balance;
  }

  /** Replaces the backend list; counters of backends that stay are kept. */
  setBackends(backends: readonly ProxyBackend[]): void {
    const old = new Map(this.#backends.map((b) => [b.key, b]));
    this.#backends = backends.map((b) => old.get(backendKey(b)) ?? { ...b, key: backendKey(b), active: 0, total: 0 });
  }

  /** Listens on `port` on every address (IPv6 and IPv4; IPv4 alone where the host has no IPv6). */
  async listen(port: number): Promise<void> {
    if (this.#server) throw new Error(`the proxy already listens on port ${this.#port}`);
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (c) => this.#accept(c));
    try {
      await listenOn(server, port, '::');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAFNOSUPPORT' && (err as NodeJS.ErrnoException).code !== 'EADDRNOTAVAIL') throw err;
      await listenOn(server, port, '0.0.0.0');
    }
    server.on('error', () => undefined);
    this.#server = server;
    this.#port = port;
  }

  /** Stops listening; with `connections`, also ends every proxied connection. */
  async close(opts: { connections: boolean }): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#port = undefined;
    if (opts.connections) for (const c of this.#clients) c.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  stats(): BackendStats[] {
    return this.#backends.map((b) => ({ backend: b.key, healthy: this.#opts.healthy(b.key), active: b.active, total: b.total }));
  }

  #accept(client: Socket): void {
    this.#clients.add(client);
    client.once('close', () => this.#clients.delete(client));
    client.on('error', () => client.destroy());
    client.setKeepAlive(true, this.#opts.keepAliveMs);
    const loads = this.#backends.map((b) => ({ key: b.key, healthy: this.#opts.healthy(b.key), active: b.active }));
    const { order, cursor } = dialOrder(this.#opts.balance, loads, this.#cursor);
    this.#cursor = cursor;
    const byKey = new Map(this.#backends.map((b) => [b.key, b]));
    void this.#dial(client, order.map((k) => byKey.get(k)!), 0);
  }

  async #dial(client: Socket, order: BackendRun[], i: number): Promise<void> {
    if (client.destroyed) return;
    const backend = order[i];
    if (!backend) {
      this.emit('unserved', { client: `${client.remoteAddress ?? '?'}:${client.remotePort ?? '?'}`, tried: order.length });
      client.destroy();
      return;
    }
    const upstream = connect({ host: backend.address, port: backend.port, allowHalfOpen: true });
    upstream.on('error', () => undefined);
    const timer = setTimeout(() => upstream.destroy(new Error(`connect timeout after ${this.#opts.connectTimeoutMs} ms`)), this.#opts.connectTimeoutMs);
    const failed = (err: Error) => {
      clearTimeout(timer);
      upstream.removeListener('connect', connected);
      this.emit('dialError', { backend: backend.key, reason: (err as NodeJS.ErrnoException).code ?? err.message });
      void this.#dial(client, order, i + 1);
    };
    const connected = () => {
      clearTimeout(timer);
      upstream.removeListener('error', failed);
      if (client.destroyed) {
        upstream.destroy();
        return;
      }
      this.#join(client, upstream, backend);
    };
    upstream.once('error', failed);
    upstream.once('connect', connected);
  }

  #join(client: Socket, upstream: Socket, backend: BackendRun): void {
    backend.active++;
    backend.total++;
    upstream.setKeepAlive(true, this.#opts.keepAliveMs);
    let closed = 0;
    const onClose = () => {
      if (++closed === 1) {
        backend.active--;
        client.destroy();
        upstream.destroy();
      }
    };
    client.once('close', onClose);
    upstream.once('close', onClose);
    upstream.on('error', () => upstream.destroy());
    // Half-close: a FIN from one side ends writing to the other, which may still answer.
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  }
}

function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ port, host, ipv6Only: false }, () => {
      server.removeListener('error', onError);
      resolve();
    });
  });
}
