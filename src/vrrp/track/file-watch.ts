// A track_file's value, kept current: the file is read at start (after init_file) and again as
// soon as its directory reports a change to it (fs.watch: inotify), so a write, a rename over it,
// a removal (the value becomes 0, as keepalived reads a missing file) or a re-creation is seen at
// once. Events are coalesced for a few milliseconds, so `echo 5 > file` (truncate, then write) is
// read once, after the write, like keepalived's IN_CLOSE_WRITE. Emits 'change' with the new value.
import { EventEmitter } from 'node:events';
import { closeSync, constants, existsSync, openSync, readSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { parseTrackFileValue, trackFileContent } from './file-value.js';

export interface FileWatchOptions {
  file: string;
  /** init_file: written at start if the file is missing (always with overwrite). */
  init?: { value: number; overwrite: boolean };
  /** Coalescing delay, ms (default 5). */
  settleMs?: number;
}

export interface FileWatchEvents {
  change: [number];
  /** Something keepalived would log: an invalid number (kept the last value), a watch that failed. */
  warning: [string];
}

/** keepalived reads at most this much of a track file. */
const READ_MAX = 127;

export class FileWatch extends EventEmitter<FileWatchEvents> {
  readonly file: string;
  #opts: FileWatchOptions;
  #value = 0;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(opts: FileWatchOptions) {
    super();
    this.file = opts.file;
    this.#opts = opts;
  }

  /** Whether the file's directory exists (keepalived removes a track_file whose directory does not). */
  static directoryExists(file: string): boolean {
    return existsSync(dirname(file));
  }

  get value(): number {
    return this.#value;
  }

  /** Writes init_file, reads the value and starts watching. Synchronous: the value is known on return. */
  start(): void {
    const init = this.#opts.init;
    if (init && (init.overwrite || !existsSync(this.file))) {
      try {
        writeFileSync(this.file, trackFileContent(init.value), { mode: 0o600 });
      } catch (err) {
        this.emit('warning', `init_file ${this.file}: ${(err as Error).message}`);
      }
    }
    this.#value = this.#read() ?? 0;
    this.#watch();
  }

  #watch(): void {
    if (this.#closed) return;
    const name = basename(this.file);
    try {
      this.#watcher = watch(dirname(this.file), { persistent: false }, (_event, f) => {
        if (f === null || f === name) this.#changed();
      });
      this.#watcher.on('error', (err) => this.#lost(err));
    } catch (err) {
      this.#lost(err as Error);
    }
  }

  /** The directory went away (or cannot be watched): try again every second, re-reading then. */
  #lost(err: Error): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    if (this.#closed || this.#retry) return;
    this.emit('warning', `cannot watch ${dirname(this.file)} for ${this.file}: ${err.message}`);
    this.#retry = setInterval(() => {
      if (!existsSync(dirname(this.file))) return;
      clearInterval(this.#retry);
      this.#retry = undefined;
      this.#watch();
      this.#changed();
    }, 1000);
    this.#retry.unref();
  }

  #changed(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const v = this.#read();
      if (v === undefined || v === this.#value) return;
      this.#value = v;
      this.emit('change', v);
    }, this.#opts.settleMs ?? 5);
  }

  /** The value now; undefined when the file holds a number out of range (the last value stays). */
  #read(): number | undefined {
    let text = '';
    try {
      const fd = openSync(this.file, constants.O_RDONLY | constants.O_NONBLOCK);
      try {
        const buf = Buffer.alloc(READ_MAX);
        text = buf.subarray(0, readSync(fd, buf, 0, READ_MAX, null)).toString('latin1');
      } finally {
        closeSync(fd);
      }
    } catch {
      return 0; // a missing or unreadable file reads as 0
    }
    const v = parseTrackFileValue(text);
    if (v === undefined) this.emit('warning', `Invalid number ${text.trim()} read from ${this.file} - ignoring`);
    return v;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearInterval(this.#retry);
    this.#watcher?.close();
    this.#watcher = undefined;
  }
}
