// Chooses the configuration source the command line names (keepalived.conf or k0s YAML). The k0s
// reader (and the YAML library, ~3 MB of RSS) is imported only by a run that reads k0s YAML.
import { loadKeepalivedConfig, type VirtualServerSink } from '../config/keepalived/index.js';
import { rereadKeepalived, type KeepalivedRead, type RereadOutcome } from '../config/keepalived/reparse.js';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { nodeConfigFs, unreadableConfig } from '../config/fs.js';
import { interfaceMtu, interfaceOfAddress } from '../config/host-interfaces.js';
import type { LoadResult } from '../config/types.js';
import { defaultRouteInterface, interfaceForMac } from './host-facts.js';
import { nodeScriptHost } from '../health/script-host.js';
import type { DaemonOptions } from './options.js';
import type { ReloadTiming } from './reload-timing.js';

type ConfigSource = Pick<DaemonOptions, 'configFile' | 'k0sConfig' | 'k0sControllers' | 'k0sProxyBalance' | 'k0sProxyCheck' | 'configId'>;

let k0sReader: typeof import('../config/k0s.js') | undefined;

/**
 * Imports what loadDaemonConfig needs for these options: nothing for keepalived.conf (its start-up
 * stays synchronous up to the pid file), the k0s reader for --k0s-config.
 */
export async function prepareConfigReader(opts: Pick<DaemonOptions, 'k0sConfig'>): Promise<void> {
  if (opts.k0sConfig) k0sReader ??= await import('../config/k0s.js');
}

const keepalivedOptions = (opts: ConfigSource) =>
  // Scripts are checked as keepalived checks them at load (user, file, permissions).
  ({ interfaceOfAddress, mtuOf: interfaceMtu, scripts: nodeScriptHost(), ...(opts.configId !== undefined ? { configId: opts.configId } : {}) });

/**
 * The daemon's reads of its configuration: a SIGHUP after a change inside one virtual_server
 * re-reads that block only (config/keepalived/reparse.ts), when the result is provably the same.
 */
export class ConfigLoader {
  #opts: ConfigSource;
  #last: KeepalivedRead | undefined;
  #bytes = new FileBytes();
  /** How the last load read keepalived.conf. */
  lastRead: Omit<RereadOutcome, 'read'> | undefined;

  constructor(opts: ConfigSource) {
    this.#opts = opts;
  }

  /** Throws ConfigError (and then keeps what it had read before). `timing`: the read is marked as a phase. */
  load(timing?: ReloadTiming): LoadResult {
    const opts = this.#opts;
    if (opts.k0sConfig) return loadDaemonConfig(opts);
    const file = opts.configFile;
    const bytes = this.#bytes.read(file);
    timing?.mark('read');
    const out = rereadKeepalived(this.#last, bytes, { ...keepalivedOptions(opts), file, fs: nodeConfigFs });
    // Unchanged: the last read keeps its own buffer, this one is reused.
    if (out.read !== this.#last) this.#bytes.keep();
    this.#last = out.read;
    this.lastRead = { how: out.how, ...(out.why ? { why: out.why } : {}) };
    return out.read.result;
  }
}

/**
 * Reads a file's bytes, undecoded (a reload compares them with the last ones and decodes only what
 * changed), into one of two buffers kept between reads: the last read's bytes stay intact in the
 * other. Fresh memory costs a page fault per page in UML (~20 ms for 2.5 MB); kept buffers do not.
 */
export class FileBytes {
  #buffers: [Buffer, Buffer] = [Buffer.alloc(0), Buffer.alloc(0)];
  #next = 0;

  /** The file's bytes: overwritten by the next read unless keep() is called, then by the one after. */
  read(file: string): Buffer {
    let fd: number | undefined;
    try {
      fd = openSync(file, 'r');
      let buf = this.#buffers[this.#next]!;
      const size = fstatSync(fd).size;
      if (buf.length < size + 1) {
        // Both at once, zero-filled (touched): the first reload then reads into memory already mapped.
        const length = Math.ceil((size + 1) * 1.25);
        // A replaced buffer stays alive while the last read's bytes are in it.
        if (this.#buffers[this.#next ^ 1]!.length < length) this.#buffers[this.#next ^ 1] = Buffer.alloc(length);
        buf = this.#buffers[this.#next] = Buffer.alloc(length);
      }
      let n = 0;
      for (let got; (got = readSync(fd, buf, n, buf.length - n, null)) > 0;) {
        n += got;
        // The file grew while read: a larger buffer, and on.
        if (n === buf.length) buf = this.#buffers[this.#next] = Buffer.concat([buf, Buffer.allocUnsafeSlow(buf.length)]);
      }
      return buf.subarray(0, n);
    } catch (err) {
      throw unreadableConfig(file, err);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** The last read's bytes are kept (in use by the caller): the next read goes into the other buffer. */
  keep(): void {
    this.#next ^= 1;
  }
}

/**
 * Throws ConfigError; with --k0s-config, after prepareConfigReader(). `virtualServerSink`
 * (keepalived.conf only): each virtual server goes there instead of into the config.
 */
export function loadDaemonConfig(opts: ConfigSource, virtualServerSink?: VirtualServerSink): LoadResult {
  if (!opts.k0sConfig) return loadKeepalivedConfig(opts.configFile, { ...keepalivedOptions(opts), ...(virtualServerSink ? { virtualServerSink } : {}) });
  if (!k0sReader) throw new Error('loadDaemonConfig: prepareConfigReader() was not called for --k0s-config');
  return k0sReader.loadK0sConfig(opts.k0sConfig, {
    defaultInterface: () => defaultRouteInterface(),
    interfaceForMac: (mac) => interfaceForMac(mac),
    ...(opts.k0sControllers ? { controllers: opts.k0sControllers } : {}),
    ...(opts.k0sProxyBalance ? { proxyBalance: opts.k0sProxyBalance } : {}),
    ...(opts.k0sProxyCheck ? { proxyHealthCheck: opts.k0sProxyCheck } : {}),
  });
}
