// Every TCP connect probe of the process in one place: the addon's non-blocking connects sit in
// one epoll set that Node watches with one uv_poll, and their deadlines in one heap under one
// timer. An attempt is an fd number and a small record: no stream, no AbortController, no timer
// of its own (tens of thousands of TCP_CHECKs a minute made those most of the daemon's CPU).
import { errnoName } from '../netif/errno-name.js';
import { CONNECT_PROBE_STEPS, nativeAddon, type NativeAddon, type NativeSocket } from '../netif/native.js';
import { DeadlineHeap } from './deadline-heap.js';
import { ProbeTimeout } from './deadline.js';

/** Where to connect, as the addon takes it (built once per probe: tcp.ts). */
export interface ConnectTarget {
  /** AF_INET or AF_INET6. */
  family: number;
  /** struct sockaddr of the peer. */
  peer: Buffer;
  /** struct sockaddr to bind to (bindto / bind_port), or null. */
  local: Buffer | null;
  /** NUL-terminated interface name (SO_BINDTODEVICE), or null. */
  ifname: Buffer | null;
  /** SO_MARK, or null. */
  mark: number | null;
}

/** undefined: connected; else why not, for the log: "connect ECONNREFUSED", "connect timeout after 3000 ms". */
export type ConnectDone = (failure: string | undefined) => void;

/** A connect under way; abort() takes it. */
export interface PendingConnect {
  readonly deadline: number;
}

interface Pending extends PendingConnect {
  readonly fd: number;
  readonly timeoutMs: number;
  /** undefined once ended (the heap drops it when it comes to the top). */
  done: ConnectDone | undefined;
}

/** Results read per call of the addon. */
const BATCH = 256;

export class ConnectSet {
  readonly #native: NativeAddon;
  readonly #now: () => number;
  readonly #set: NativeSocket;
  readonly #watch: unknown;
  readonly #pending = new Map<number, Pending>();
  readonly #heap = new DeadlineHeap<Pending>();
  readonly #out = new Int32Array(2 * BATCH);
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #referenced = false;

  constructor(opts: { native?: NativeAddon; now?: () => number } = {}) {
    this.#native = opts.native ?? nativeAddon();
    this.#now = opts.now ?? (() => performance.now());
    this.#set = this.#native.epollCreate();
    this.#watch = this.#native.watch(this.#set.fd, () => this.#reap(), 1);
    this.#native.ref(this.#watch, false);
  }

  /** Connects under way. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Starts a connect; `done` is called once, when it is made, refused, or at the deadline (at
   * once, before this returns, when a step fails right away: bind EADDRNOTAVAIL...).
   */
  connect(t: ConnectTarget, timeoutMs: number, done: ConnectDone): PendingConnect | undefined {
    const fd = this.#native.connectProbe(this.#set.fd, t.family, t.peer, t.local, t.ifname, t.mark);
    if (fd < 0) {
      done(stepFailure(-fd));
      return undefined;
    }
    const p: Pending = { fd, timeoutMs, deadline: this.#now() + timeoutMs, done };
    this.#pending.set(fd, p);
    this.#heap.push(p);
    this.#hold();
    this.#arm(p.deadline);
    return p;
  }

  /** Gives a connect up now; its `done` gets `reason`. Nothing when it has ended. */
  abort(handle: PendingConnect, reason: string): void {
    const p = handle as Pending;
    if (!p.done || this.#pending.get(p.fd) !== p) return;
    this.#end(p, reason, true);
  }

  #end(p: Pending, failure: string | undefined, close: boolean): void {
    const done = p.done!;
    p.done = undefined;
    // A callback of the same batch may have started a connect on this number already.
    if (this.#pending.get(p.fd) === p) this.#pending.delete(p.fd);
    if (close) this.#native.closeFd(p.fd);
    if (this.#pending.size === 0) this.#release();
    done(failure);
  }

  /** Connects that are done, reported; the addon closed each before returning it. */
  #reap(): void {
    const out = this.#out;
    for (;;) {
      const n = this.#native.connectResults(this.#set.fd, out);
      if (n === 0) return;
      // Look every fd up before any callback runs: one may start a connect that reuses a number
      // closed in this batch.
      const ended: Array<[Pending, number]> = [];
      for (let i = 0; i < n; i++) {
        const p = this.#pending.get(out[2 * i]!);
        if (p) {
          this.#pending.delete(p.fd);
          ended.push([p, out[2 * i + 1]!]);
        }
      }
      for (const [p, err] of ended) if (p.done) this.#end(p, err === 0 ? undefined : `connect ${errnoName(err)}`, false);
      if (n < BATCH) return;
    }
  }

  #arm(at: number): void {
    if (at >= this.#timerAt) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(1, Math.ceil(at - this.#now())));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    // What the kernel has already finished counts before a deadline: a connect made while the
    // event loop was busy is a success, not a timeout (keepalived's scheduler also handles ready
    // descriptors before timeouts).
    this.#reap();
    const now = this.#now();
    for (const p of this.#heap.popDue(now)) if (p.done) this.#end(p, `connect ${new ProbeTimeout(p.timeoutMs).message}`, true);
    let next = this.#heap.peek();
    while (next && !next.done) {
      this.#heap.pop();
      next = this.#heap.peek();
    }
    if (next) this.#arm(next.deadline);
  }

  /** A connect under way keeps the process alive (as a net.Socket would); an idle set does not. */
  #hold(): void {
    if (this.#referenced) return;
    this.#referenced = true;
    this.#native.ref(this.#watch, true);
  }

  #release(): void {
    this.#referenced = false;
    this.#native.ref(this.#watch, false);
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#heap.clear();
  }
}

/** "connect ECONNREFUSED" from the addon's -(step << 16 | errno); bind's errors read as connect's, as node's. */
function stepFailure(code: number): string {
  const step = CONNECT_PROBE_STEPS[code >> 16] ?? 'connect';
  const name = errnoName(code & 0xffff);
  return step === 'connect' || step === 'bind' ? `connect ${name}` : `connect ${step} ${name}`;
}

let shared: ConnectSet | undefined;

/** The process's connect set, made on first use. */
export function connectSet(): ConnectSet {
  return (shared ??= new ConnectSet());
}
