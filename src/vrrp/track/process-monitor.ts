// The processes of the host as vrrp_track_process needs them: pid -> name (and command line), kept
// current from the kernel's process events connector (NETLINK_CONNECTOR, proc-events.ts) where
// it answers (the initial network and PID namespaces, CAP_NET_ADMIN): a fork, exec, rename or exit
// is known within a millisecond. Elsewhere (vipd in a network namespace: the connector refuses)
// /proc is scanned every `scanIntervalMs` for new and renamed processes, and each interesting
// process gets a pidfd, so its exit is still known at once. Emits 'process' for every change
// (info undefined: gone); zombies count as gone. Threads are not processes here.
import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { Socket } from '../../netif/socket.js';
import { AF_NETLINK, SOCK_DGRAM } from '../../netif/constants.js';
import { nativeAddon, type NativeSocket } from '../../netif/native.js';
import { parseProcStat } from '../../health/process-group.js';
import { CN_IDX_PROC, NETLINK_CONNECTOR, PROC_CN_MCAST_LISTEN, decodeProcEvents, encodeMcastOp } from './proc-events.js';
import { parseCmdline, type ProcessInfo } from './process-match.js';

export interface ProcessChange {
  pid: number;
  /** undefined: the process is gone (exited, or a zombie). */
  info: ProcessInfo | undefined;
  /** It appeared by fork() of a process we knew (fork_delay applies). */
  viaFork: boolean;
}

export interface ProcessMonitorOptions {
  /** Read /proc/PID/cmdline too (some vrrp_track_process needs it). */
  cmdline: boolean;
  /** Processes whose exit matters (fallback mode: they get a pidfd). Default: all. */
  interesting?: (info: ProcessInfo) => boolean;
  /** Fallback scan period, ms (default 1000). */
  scanIntervalMs?: number;
  /** /proc, for tests. */
  procRoot?: string;
  /** false: never try the connector (tests of the fallback). */
  connector?: boolean;
}

export type MonitorMode = 'connector' | 'scan';

export interface ProcessMonitorEvents {
  process: [ProcessChange];
  /** The way processes are followed: once at start, again if the connector fails later. */
  mode: [MonitorMode, string];
}

export class ProcessMonitor extends EventEmitter<ProcessMonitorEvents> {
  #opts: ProcessMonitorOptions;
  #root: string;
  #table = new Map<number, ProcessInfo>();
  #sock: Socket | undefined;
  #scan: NodeJS.Timeout | undefined;
  #pidfds = new Map<number, { handle: NativeSocket; watch: unknown }>();
  #mode: MonitorMode = 'scan';
  #closed = false;

  constructor(opts: ProcessMonitorOptions) {
    super();
    this.#opts = opts;
    this.#root = opts.procRoot ?? '/proc';
  }

  get mode(): MonitorMode {
    return this.#mode;
  }

  /** Every running process now (after start()). */
  processes(): ReadonlyMap<number, ProcessInfo> {
    return this.#table;
  }

  /** Subscribes (connector first, so nothing is missed between the scan and the first event), then scans. */
  start(): void {
    let why = 'the connector is disabled';
    if (this.#opts.connector !== false) {
      try {
        this.#openConnector();
        this.#mode = 'connector';
      } catch (err) {
        why = (err as Error).message;
      }
    }
    for (const [pid, info] of this.#scanProc()) this.#table.set(pid, info);
    if (this.#mode === 'scan') this.#startScanning();
    this.emit('mode', this.#mode, this.#mode === 'connector' ? 'process events connector' : `/proc scan every ${this.#opts.scanIntervalMs ?? 1000} ms (${why})`);
  }

  #openConnector(): void {
    const sock = Socket.open(AF_NETLINK, SOCK_DGRAM, NETLINK_CONNECTOR, { maxLen: 1 << 16 });
    try {
      sock.bind({ family: 'netlink', pid: 0, groups: CN_IDX_PROC });
      const local = sock.localAddress();
      const port = local?.family === 'netlink' ? local.pid ?? 0 : 0;
      // Outside the initial namespaces the kernel has no connector to talk to: ECONNREFUSED here.
      sock.send(encodeMcastOp(PROC_CN_MCAST_LISTEN, 1, port), { family: 'netlink', pid: 0, groups: 0 });
    } catch (err) {
      sock.close();
      throw err;
    }
    sock.on('message', (d) => this.#onDatagram(d.data));
    sock.on('error', (err) => this.#connectorError(err));
    sock.start(256);
    sock.ref(false);
    this.#sock = sock;
  }

  #onDatagram(data: Buffer): void {
    let events;
    try {
      events = decodeProcEvents(data);
    } catch {
      return; // not ours to understand: the next rescan (on overrun) or event corrects the table
    }
    for (const e of events) {
      if (e.what === 'ack') {
        if (e.err !== 0) this.#connectorError(new Error(`the process events connector refused to listen (errno ${e.err})`));
      } else if (e.what === 'fork') {
        if (e.childPid !== e.childTgid) continue; // a thread
        const parent = this.#table.get(e.parentTgid);
        const info = parent ? { ...parent } : this.#read(e.childPid);
        if (info) this.#set(e.childPid, info, true);
      } else if (e.what === 'exec') {
        if (e.pid !== e.tgid) continue;
        const info = this.#read(e.pid);
        if (info) this.#set(e.pid, info, false);
        else this.#gone(e.pid);
      } else if (e.what === 'comm') {
        if (e.pid !== e.tgid) continue;
        const old = this.#table.get(e.pid);
        this.#set(e.pid, old ? { ...old, comm: e.comm } : this.#read(e.pid) ?? { comm: e.comm }, false);
      } else if (e.what === 'exit') {
        if (e.pid === e.tgid) this.#gone(e.pid);
      }
    }
  }

  /** An overrun (ENOBUFS) lost events: resynchronise from /proc. A dead connector: scan from now on. */
  #connectorError(err: Error & { code?: string; errno?: number }): void {
    if (this.#closed) return;
    const overrun = err.code === 'ENOBUFS' || /ENOBUFS/.test(err.message);
    if (overrun) {
      this.#resync();
      return;
    }
    this.#sock?.close();
    this.#sock = undefined;
    this.#mode = 'scan';
    this.#startScanning();
    this.emit('mode', 'scan', `/proc scan (${err.message})`);
  }

  #startScanning(): void {
    for (const [pid, info] of this.#table) this.#watchExit(pid, info);
    this.#scan = setInterval(() => this.#resync(), this.#opts.scanIntervalMs ?? 1000);
    this.#scan.unref();
  }

  #resync(): void {
    if (this.#closed) return;
    const now = this.#scanProc();
    for (const pid of [...this.#table.keys()]) if (!now.has(pid)) this.#gone(pid);
    for (const [pid, info] of now) {
      const old = this.#table.get(pid);
      if (!old || old.comm !== info.comm || (info.cmdline && old.cmdline?.join('\0') !== info.cmdline.join('\0'))) this.#set(pid, info, false);
    }
  }

  #set(pid: number, info: ProcessInfo, viaFork: boolean): void {
    this.#table.set(pid, info);
    if (this.#mode === 'scan') this.#watchExit(pid, info);
    this.emit('process', { pid, info, viaFork });
  }

  #gone(pid: number): void {
    this.#unwatchExit(pid);
    if (!this.#table.delete(pid)) return;
    this.emit('process', { pid, info: undefined, viaFork: false });
  }

  /** Fallback mode: a pidfd tells the exit of an interesting process at once. */
  #watchExit(pid: number, info: ProcessInfo): void {
    const wanted = this.#opts.interesting?.(info) ?? true;
    if (!wanted) {
      this.#unwatchExit(pid);
      return;
    }
    if (this.#pidfds.has(pid)) return;
    let handle: NativeSocket;
    const native = nativeAddon();
    try {
      handle = native.pidfdOpen(pid);
    } catch {
      return; // gone already (the next scan says so), or no pidfd (Linux < 5.3): scans only
    }
    const watch = native.watch(handle.fd, () => this.#gone(pid));
    native.ref(watch, false);
    this.#pidfds.set(pid, { handle, watch });
  }

  #unwatchExit(pid: number): void {
    const w = this.#pidfds.get(pid);
    if (!w) return;
    this.#pidfds.delete(pid);
    const native = nativeAddon();
    native.unwatch(w.watch);
    native.close(w.handle);
  }

  #scanProc(): Map<number, ProcessInfo> {
    const out = new Map<number, ProcessInfo>();
    let names: string[];
    try {
      names = readdirSync(this.#root);
    } catch {
      return out;
    }
    for (const n of names) {
      if (!/^\d+$/.test(n)) continue;
      const info = this.#read(Number(n));
      if (info) out.set(Number(n), info);
    }
    return out;
  }

  /** A process's name (and command line); undefined when it is gone or a zombie. */
  #read(pid: number): ProcessInfo | undefined {
    try {
      const st = parseProcStat(readFileSync(`${this.#root}/${pid}/stat`, 'utf8'));
      if (!st || st.state === 'Z' || st.state === 'X') return undefined;
      if (!this.#opts.cmdline) return { comm: st.comm };
      return { comm: st.comm, cmdline: parseCmdline(readFileSync(`${this.#root}/${pid}/cmdline`, 'utf8')) };
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#scan);
    this.#sock?.close();
    this.#sock = undefined;
    for (const pid of [...this.#pidfds.keys()]) this.#unwatchExit(pid);
  }
}
