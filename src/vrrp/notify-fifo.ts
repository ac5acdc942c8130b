// A notify FIFO (notify_fifo, vrrp_notify_fifo, lvs_notify_fifo): created if missing (and removed
// at close when we created it), opened read-write and non-blocking so a missing or slow reader
// never stalls VRRP (a line that does not fit in the pipe is dropped and counted). The optional
// *_fifo_script is started with the FIFO's path as its last argument; when vipd stops it gets
// SIGTERM first and the last lines (STOP) are written after, as keepalived does.
import { closeSync, constants, chownSync, lstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { nativeAddon } from '../netif/native.js';
import { runCommand } from '../health/run-command.js';

export interface NotifyFifoOptions {
  path: string;
  /** Owner of a FIFO we create. */
  uid?: number;
  gid?: number;
  /** Started with the path appended; runs until close(). */
  script?: { argv: string[]; uid?: number; gid?: number };
}

export interface NotifyFifoPort {
  readonly path: string;
  write(line: string): void;
  /** SIGTERM to the script (keepalived does that before writing its last lines). */
  stopScript(): void;
  close(): void;
}

export class NotifyFifo implements NotifyFifoPort {
  readonly path: string;
  #fd: number;
  #created: boolean;
  #script: AbortController | undefined;
  #dropped = 0;

  private constructor(path: string, fd: number, created: boolean) {
    this.path = path;
    this.#fd = fd;
    this.#created = created;
  }

  /** Throws (with the reason) when the path exists and is not a FIFO, or cannot be created or opened. */
  static open(opts: NotifyFifoOptions): NotifyFifo {
    let created = false;
    let st;
    try {
      st = lstatSync(opts.path);
    } catch {
      st = undefined;
    }
    if (st && !st.isFIFO()) throw new Error(`${opts.path} exists and is not a FIFO`);
    if (!st) {
      nativeAddon().mkfifo(opts.path, 0o600);
      created = true;
      if (opts.uid !== undefined) chownSync(opts.path, opts.uid, opts.gid ?? -1);
    }
    let fd: number;
    try {
      fd = openSync(opts.path, constants.O_RDWR | constants.O_NONBLOCK);
    } catch (err) {
      if (created) unlinkSync(opts.path);
      throw err;
    }
    const fifo = new NotifyFifo(opts.path, fd, created);
    if (opts.script) fifo.#start(opts.script);
    return fifo;
  }

  #start(script: NonNullable<NotifyFifoOptions['script']>): void {
    const ac = new AbortController();
    this.#script = ac;
    void runCommand([...script.argv, this.path], {
      timeoutMs: Infinity, signal: ac.signal, unref: true,
      ...(script.uid !== undefined ? { uid: script.uid } : {}),
      ...(script.gid !== undefined ? { gid: script.gid } : {}),
    });
  }

  /** Lines dropped because the pipe was full. */
  get dropped(): number {
    return this.#dropped;
  }

  write(line: string): void {
    if (this.#fd < 0) return;
    try {
      writeSync(this.#fd, line);
    } catch {
      this.#dropped++; // EAGAIN: nobody reads (fast enough); VRRP must not wait for it
    }
  }

  stopScript(): void {
    this.#script?.abort(new Error('vipd is stopping'));
    this.#script = undefined;
  }

  /** Stops the script (if still running), closes, and removes the FIFO if we created it. */
  close(): void {
    this.stopScript();
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
    if (this.#created) {
      try {
        unlinkSync(this.path);
      } catch {
        // someone removed it already
      }
    }
  }
}
