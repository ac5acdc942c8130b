// The only module that loads the addon. Everything else uses src/netif/socket.ts or src/os/.
import { createRequire } from 'node:module';
import { closeSync, constants, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A raw received datagram as the kernel handed it over: [data, struct sockaddr of the sender,
 * control messages (struct cmsghdr...), recvmsg flags (MSG_TRUNC, MSG_CTRUNC...), the
 * datagram's real length (larger than data when it was cut), CLOCK_REALTIME - CLOCK_MONOTONIC
 * in ms read right after the receive (for SO_TIMESTAMPNS stamps)]. Parse with socket.ts / cmsg.ts.
 */
export type NativeMessage = [data: Buffer, addr: Buffer, control: Buffer, flags: number, length: number, clockOffsetMs: number];

/** An open socket: owns `fd` and closes it when garbage-collected without close(). */
export interface NativeSocket {
  readonly fd: number;
}

/**
 * The readiness callback: events > 0 is the poll mask (readable); events < 0 is -errno of a
 * socket error (ENOBUFS...), read and cleared, with its Error. The watch stays armed after an
 * error unless the fd is gone (EBADF).
 */
export type WatchCallback = (events: number, error?: NodeJS.ErrnoException) => void;

/** Limits of one receive, as in native/common.h (RECV_MAX, BATCH_MAX, BATCH_DATA, CONTROL_MAX). */
export const RECV_LIMITS = { maxLen: 256 * 1024, batch: 64, batchBytes: 1024 * 1024, controlLen: 4096 } as const;

/** Datagrams one recvmmsg returns at most for this maxLen (slots of maxLen bytes share batchBytes). */
export function recvmmsgCapacity(maxLen: number): number {
  const slot = maxLen <= 0 || maxLen > RECV_LIMITS.maxLen ? RECV_LIMITS.maxLen : maxLen;
  return Math.max(1, Math.min(RECV_LIMITS.batch, Math.floor(RECV_LIMITS.batchBytes / slot)));
}

export interface NativeAddon {
  socket(family: number, type: number, protocol: number): NativeSocket;
  setsockopt(fd: number, level: number, name: number, value: number | Buffer): void;
  getsockopt(fd: number, level: number, name: number, maxLen: number): Buffer;
  bind(fd: number, sockaddr: Buffer): void;
  /** 0 when connected, -1 when a non-blocking connect is under way (wait for writable, then SO_ERROR). */
  connect(fd: number, sockaddr: Buffer): number;
  getsockname(fd: number): Buffer;
  /** Returns bytes sent, or -1 when the socket buffer is full (EAGAIN). */
  sendmsg(fd: number, data: Buffer, sockaddr?: Buffer | null, control?: Buffer | null): number;
  /** One datagram; null when nothing is queued. */
  recvmsg(fd: number, maxLen: number, controlLen: number): NativeMessage | null;
  /** Up to `count` queued datagrams in one system call (fewer when maxLen is large); null when none. */
  recvmmsg(fd: number, maxLen: number, controlLen: number, count: number): NativeMessage[] | null;
  close(socket: NativeSocket): void;
  /** Gives up the fd (the caller owns it now, e.g. a net.Socket): the handle no longer closes it. */
  detach(socket: NativeSocket): number;
  /** events: 1 readable (default), 2 writable, 3 both. */
  watch(fd: number, callback: WatchCallback, events?: number): unknown;
  unwatch(handle: unknown): void;
  ref(handle: unknown, on: boolean): void;
  /** tid 0 = the calling thread; policy may include SCHED_RESET_ON_FORK. */
  schedSetscheduler(tid: number, policy: number, priority: number): void;
  /** [policy (with SCHED_RESET_ON_FORK when set), priority] */
  schedGetscheduler(tid: number): [policy: number, priority: number];
  schedGetPriorityMin(policy: number): number;
  schedGetPriorityMax(policy: number): number;
  schedSetaffinity(tid: number, cpus: readonly number[]): void;
  schedGetaffinity(tid: number): number[];
  mlockall(current: boolean, future: boolean, onFault: boolean): void;
  munlockall(): void;
  /** getrlimit(RLIMIT_NOFILE): [soft, hard] (Infinity: unlimited). */
  getOpenFileLimit(): [soft: number, hard: number];
  /** setrlimit(RLIMIT_NOFILE); raising the hard limit needs CAP_SYS_RESOURCE (and at most fs.nr_open). */
  setOpenFileLimit(soft: number, hard: number): void;
  /** malloc_trim(0): true when the C heap gave memory back (false without glibc). */
  mallocTrim(): boolean;
  /** pidfd_open(2): readable once the process has exited. Closed with close(handle). */
  pidfdOpen(pid: number): NativeSocket;
  mkfifo(path: string, mode: number): void;
  /** epoll_create1(2): a set of fds to watch as one (watch() its fd). Closing it leaves its members open. */
  epollCreate(): NativeSocket;
  /**
   * A non-blocking TCP socket (SO_BINDTODEVICE with `ifname`, a NUL-terminated name; SO_MARK;
   * bound to `local`), connecting to `peer`, added to the epoll set: its fd; or
   * -(step << 16 | errno) when a step failed (CONNECT_PROBE_STEPS), the socket then closed.
   */
  connectProbe(epfd: number, family: number, peer: Buffer, local: Buffer | null, ifname: Buffer | null, mark: number | null): number;
  /** Connects of the set that are done, each closed: out[2i] = fd, out[2i+1] = SO_ERROR (0: connected). Returns how many. */
  connectResults(epfd: number, out: Int32Array): number;
  /** close(2) of a plain fd (a connectProbe socket given up). */
  closeFd(fd: number): void;
  /** Who hears of the advert thread's send errors: [schedule id, destination index, Error] each; `lost` errors did not fit the queue. */
  advertCallback(fn: (errors: Array<[id: number, index: number, error: NodeJS.ErrnoException]>, lost: number) => void): void;
  /**
   * Adds or replaces the periodic advert schedule `id` on the socket `fd` (dup'd): one message per
   * destination (sockaddr, control). First advert firstInMs from now (< 0: a replaced schedule
   * keeps its deadline); no advert once leaseMs passed without advertRenew.
   */
  advertSchedule(id: number, fd: number, messages: Buffer[], sockaddrs: Buffer[], controls: Buffer[], intervalMs: number, firstInMs: number, leaseMs: number): void;
  /** Renews the leases of `ids`; out gets ADVERT_COUNTERS numbers per id (see AdvertCounters; -1s: unknown id). */
  advertRenew(ids: Int32Array, out: Float64Array): void;
  /** Stops schedule `id` (nothing of it is sent once this returns); its last counters go to out. */
  advertStop(id: number, out: Float64Array): boolean;
}

/** Numbers per schedule in advertRenew / advertStop: sent, sent late (since the last read), worst lateness ms, next due in ms. */
export const ADVERT_COUNTERS = 4;

/** connectProbe's failed step, by the high bits of its negative result. */
export const CONNECT_PROBE_STEPS = ['connect', 'socket', 'SO_BINDTODEVICE', 'SO_MARK', 'bind', 'epoll_ctl'] as const;

/** Every function of NativeAddon, in native/functions.h order (checked by test/unit/native-addon.test.ts). */
export const NATIVE_FUNCTIONS = [
  'socket', 'setsockopt', 'getsockopt', 'bind', 'connect', 'getsockname', 'sendmsg', 'recvmsg', 'recvmmsg', 'close', 'detach',
  'watch', 'unwatch', 'ref',
  'schedSetscheduler', 'schedGetscheduler', 'schedGetPriorityMin', 'schedGetPriorityMax', 'schedSetaffinity',
  'schedGetaffinity', 'mlockall', 'munlockall', 'getOpenFileLimit', 'setOpenFileLimit', 'mallocTrim', 'pidfdOpen', 'mkfifo',
  'epollCreate', 'connectProbe', 'connectResults', 'closeFd',
  'advertCallback', 'advertSchedule', 'advertRenew', 'advertStop',
] as const satisfies ReadonlyArray<keyof NativeAddon>;

// Compile-time: the list names every member of NativeAddon (a missing one fails tsc here).
const listsEveryFunction: [Exclude<keyof NativeAddon, (typeof NATIVE_FUNCTIONS)[number]>] extends [never] ? true : never = true;
void listsEveryFunction;

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('vipd: cannot find the package root (binding.gyp)');
    dir = up;
  }
}

/** The SEA asset that holds the addon in the single executable (scripts/package.sh). */
const SEA_ADDON_ASSET = 'vipd_native.node';

type SeaModule = { isSea(): boolean; getRawAsset(key: string): ArrayBuffer };

/** node:sea when this process is a single executable (Node >= 20.12 has the module). */
function seaModule(require: NodeJS.Require): SeaModule | undefined {
  try {
    const sea = require('node:sea') as SeaModule;
    return sea.isSea() ? sea : undefined;
  } catch {
    return undefined;
  }
}

/**
 * dlopen() needs a file: the addon goes to a fresh private directory (mkdtemp: 0700, a random
 * name), is written with O_EXCL|O_NOFOLLOW (nothing planted there can be opened instead), loaded,
 * and removed at once: the mapping outlives the file, so nothing is left even after SIGKILL.
 */
function loadSeaAddon(sea: SeaModule): NativeAddon {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-'));
  try {
    const file = join(dir, SEA_ADDON_ASSET);
    const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o500);
    try {
      writeFileSync(fd, new Uint8Array(sea.getRawAsset(SEA_ADDON_ASSET)));
    } finally {
      closeSync(fd);
    }
    const mod = { exports: {} as NativeAddon };
    try {
      process.dlopen(mod, file);
    } catch (err) {
      throw new Error(`vipd: cannot load the addon from ${dir} (a noexec mount? set TMPDIR to another directory): ${(err as Error).message}`, { cause: err });
    }
    return mod.exports;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let addon: NativeAddon | undefined;

/**
 * Loads the addon on first use, so pure modules never need it: from the single executable's
 * asset, else with node-gyp-build (build/Release, then prebuilds/<platform>-<arch>/).
 */
export function nativeAddon(): NativeAddon {
  if (!addon) {
    const require = createRequire(import.meta.url);
    const sea = seaModule(require);
    if (sea) return (addon = loadSeaAddon(sea));
    const load = require('node-gyp-build') as (dir: string) => NativeAddon;
    let loaded: NativeAddon;
    try {
      loaded = load(packageRoot());
    } catch (err) {
      throw new Error(`vipd: the native addon is not built (run "npm run build"): ${(err as Error).message}`, { cause: err });
    }
    const missing = NATIVE_FUNCTIONS.filter((f) => typeof loaded[f] !== 'function');
    if (missing.length) throw new Error(`vipd: the native addon is stale (no ${missing.join(', ')}): rebuild it ("npm run build")`);
    addon = loaded;
  }
  return addon;
}
