// The tracked things instances share: one FileWatch per track_file and one ProcessTracker per
// vrrp_track_process (on one ProcessMonitor), whoever tracks them (instances, sync groups).
// Started on first use, as keepalived reads a file only if something tracks it; a reload keeps
// what did not change and replaces the rest.
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { TrackFileSpec, TrackProcessSpec, VipdConfig } from '../config/types.js';
import type { FileWatchOptions } from '../vrrp/track/file-watch.js';
import { needsCmdline, processMatches, type ProcessPattern } from '../vrrp/track/process-match.js';
import type { MonitorMode, ProcessMonitorOptions } from '../vrrp/track/process-monitor.js';
import { ProcessTracker, type ProcessSource } from '../vrrp/track/process-tracker.js';

export interface FileWatchPort {
  readonly value: number;
  start(): void;
  close(): void;
  on(event: 'change', listener: (value: number) => void): unknown;
  on(event: 'warning', listener: (message: string) => void): unknown;
  off(event: 'change', listener: (value: number) => void): unknown;
}

export interface ProcessMonitorPort extends ProcessSource {
  start(): void;
  close(): void;
  on(event: 'mode', listener: (mode: MonitorMode, why: string) => void): unknown;
  on(event: 'process', listener: Parameters<ProcessSource['on']>[1]): unknown;
}

export interface TrackHubDeps {
  fileWatch(opts: FileWatchOptions): FileWatchPort;
  /** undefined: the directory of `file` does not exist (keepalived removes such a track_file). */
  fileDirectoryExists(file: string): boolean;
  processMonitor(opts: ProcessMonitorOptions): ProcessMonitorPort;
}

export function patternOf(p: TrackProcessSpec): ProcessPattern {
  return { name: p.process, params: p.params, fullCommand: p.fullCommand, ...(p.paramMatch ? { paramMatch: p.paramMatch } : {}) };
}

const strip = ({ where: _w, ...rest }: { where: unknown } & Record<string, unknown>) => rest;

export class TrackHub {
  #deps: TrackHubDeps;
  #log: Logger;
  #fileSpecs = new Map<string, TrackFileSpec>();
  #processSpecs = new Map<string, TrackProcessSpec>();
  #files = new Map<string, FileWatchPort | null>();
  #trackers = new Map<string, ProcessTracker>();
  #monitor: ProcessMonitorPort | undefined;
  #monitorCmdline = false;

  constructor(deps: TrackHubDeps, log: Logger) {
    this.#deps = deps;
    this.#log = log;
  }

  /** The blocks of a (new) configuration: changed or dropped watches and trackers are closed. */
  configure(config: Pick<VipdConfig, 'trackFiles' | 'trackProcesses'>): void {
    const files = new Map(config.trackFiles.map((f) => [f.name, f]));
    for (const [name, w] of this.#files) {
      const next = files.get(name);
      if (next && isDeepStrictEqual(strip(next as never), strip(this.#fileSpecs.get(name) as never))) continue;
      w?.close();
      this.#files.delete(name);
    }
    this.#fileSpecs = files;
    const procs = new Map(config.trackProcesses.map((p) => [p.name, p]));
    const cmdline = config.trackProcesses.some((p) => needsCmdline(patternOf(p)));
    const monitorChanges = this.#monitor !== undefined && cmdline !== this.#monitorCmdline;
    for (const [name, t] of this.#trackers) {
      const next = procs.get(name);
      if (!monitorChanges && next && isDeepStrictEqual(strip(next as never), strip(this.#processSpecs.get(name) as never))) continue;
      t.close();
      this.#trackers.delete(name);
    }
    this.#processSpecs = procs;
    if (monitorChanges || (this.#monitor && procs.size === 0)) {
      this.#monitor?.close();
      this.#monitor = undefined;
    }
  }

  /** The watch of a track_file, started on first use; undefined when it cannot be tracked. */
  file(name: string): FileWatchPort | undefined {
    const known = this.#files.get(name);
    if (known !== undefined) return known ?? undefined;
    const spec = this.#fileSpecs.get(name);
    if (!spec) return undefined;
    if (!this.#deps.fileDirectoryExists(spec.file)) {
      this.#log.warn(`Track file directory for ${name} does not exist - removing (${spec.file})`);
      this.#files.set(name, null);
      return undefined;
    }
    const w = this.#deps.fileWatch({ file: spec.file, ...(spec.init ? { init: spec.init } : {}) });
    w.on('warning', (m) => this.#log.warn(`track_file ${name}: ${m}`));
    w.start();
    this.#files.set(name, w);
    return w;
  }

  /** The tracker of a vrrp_track_process, started on first use. */
  process(name: string): ProcessTracker | undefined {
    const known = this.#trackers.get(name);
    if (known) return known;
    const spec = this.#processSpecs.get(name);
    if (!spec) return undefined;
    const t = new ProcessTracker({
      name,
      pattern: patternOf(spec),
      quorum: { quorum: spec.quorum, quorumMax: spec.quorumMax ?? Infinity, forkDelayMs: spec.forkDelay * 1000, terminateDelayMs: spec.terminateDelay * 1000 },
    }, this.#monitorNow());
    t.start();
    this.#trackers.set(name, t);
    return t;
  }

  #monitorNow(): ProcessMonitorPort {
    if (this.#monitor) return this.#monitor;
    this.#monitorCmdline = [...this.#processSpecs.values()].some((p) => needsCmdline(patternOf(p)));
    const m = this.#deps.processMonitor({
      cmdline: this.#monitorCmdline,
      interesting: (info) => [...this.#processSpecs.values()].some((p) => processMatches(patternOf(p), info)),
    });
    m.on('mode', (mode, why) => (mode === 'connector' ? this.#log.info(`track_process: following processes with the ${why}`)
      : this.#log.info(`track_process: the process events connector is not available, ${why}; exits are still seen at once`)));
    m.start();
    this.#monitor = m;
    return m;
  }

  close(): void {
    for (const w of this.#files.values()) w?.close();
    for (const t of this.#trackers.values()) t.close();
    this.#files.clear();
    this.#trackers.clear();
    this.#monitor?.close();
    this.#monitor = undefined;
  }
}
