// File access for the config loader, injected so tests can use an in-memory tree and the
// daemon the real disk. Synchronous on purpose: config loading happens before anything runs.
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../errors.js';

/** The main configuration file's text; a file that cannot be read is a ConfigError naming it. */
export function readConfigFile(fs: ConfigFs, file: string): string {
  try {
    return fs.readFile(file);
  } catch (err) {
    throw unreadableConfig(file, err);
  }
}

/** The ConfigError of a configuration file that could not be read (ENOENT, EACCES...). */
export function unreadableConfig(file: string, err: unknown): ConfigError {
  return new ConfigError(`cannot read configuration: ${(err as Error).message}`, { file });
}

export type FileKind = 'file' | 'directory' | 'other';

export interface ConfigFs {
  /** Whole file as UTF-8. Throws an error with `code` ENOENT/EACCES... like node:fs. */
  readFile(file: string): string;
  /** Kind after following symlinks, or undefined when it does not exist (or a dangling link). */
  stat(file: string): FileKind | undefined;
  /** Entry names of a directory (unsorted). */
  readdir(dir: string): string[];
  /** Canonical path with symlinks resolved (used to detect include loops). */
  realpath(file: string): string;
}

export const nodeConfigFs: ConfigFs = {
  readFile: (file) => nodeFs.readFileSync(file, 'utf8'),
  stat(file) {
    try {
      const s = nodeFs.statSync(file);
      return s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other';
    } catch {
      return undefined;
    }
  },
  readdir: (dir) => nodeFs.readdirSync(dir),
  realpath: (file) => nodeFs.realpathSync(file),
};

function enoent(file: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`ENOENT: no such file or directory, open '${file}'`);
  e.code = 'ENOENT';
  return e;
}

/**
 * An in-memory tree: absolute paths to file contents, plus symlinks (absolute or relative
 * targets). `/dev/null` reads as empty, like the real one.
 */
export class MemoryConfigFs implements ConfigFs {
  private readonly files = new Map<string, string>();
  private readonly links = new Map<string, string>();

  constructor(files: Record<string, string> = {}, symlinks: Record<string, string> = {}) {
    this.files.set('/dev/null', '');
    for (const [p, text] of Object.entries(files)) this.files.set(path.resolve('/', p), text);
    for (const [p, target] of Object.entries(symlinks)) this.links.set(path.resolve('/', p), target);
  }

  writeFile(p: string, text: string): void {
    this.files.set(path.resolve('/', p), text);
  }

  symlink(target: string, p: string): void {
    this.links.set(path.resolve('/', p), target);
  }

  unlink(p: string): void {
    const abs = path.resolve('/', p);
    this.files.delete(abs);
    this.links.delete(abs);
  }

  realpath(file: string): string {
    let p = path.resolve('/', file);
    for (let hops = 0; hops < 40; hops++) {
      // Resolve links component by component so links to directories work too.
      const parts = p.split('/').filter(Boolean);
      let cur = '/';
      let changed = false;
      for (let i = 0; i < parts.length; i++) {
        const next = path.join(cur, parts[i]!);
        const target = this.links.get(next);
        if (target !== undefined) {
          p = path.resolve(cur, target, ...parts.slice(i + 1));
          changed = true;
          break;
        }
        cur = next;
      }
      if (!changed) {
        if (!this.exists(p)) throw enoent(file);
        return p;
      }
    }
    const e: NodeJS.ErrnoException = new Error(`ELOOP: too many symbolic links, '${file}'`);
    e.code = 'ELOOP';
    throw e;
  }

  readFile(file: string): string {
    const real = this.realpath(file);
    const text = this.files.get(real);
    if (text === undefined) {
      const e: NodeJS.ErrnoException = new Error(`EISDIR: illegal operation on a directory, read '${file}'`);
      e.code = 'EISDIR';
      throw e;
    }
    return text;
  }

  stat(file: string): FileKind | undefined {
    let real: string;
    try {
      real = this.realpath(file);
    } catch {
      return undefined;
    }
    if (this.files.has(real)) return real === '/dev/null' ? 'other' : 'file';
    return 'directory';
  }

  readdir(dir: string): string[] {
    const real = this.realpath(dir);
    const prefix = real === '/' ? '/' : `${real}/`;
    const names = new Set<string>();
    for (const p of [...this.files.keys(), ...this.links.keys()]) {
      if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0]!);
    }
    return [...names];
  }

  private exists(p: string): boolean {
    if (this.files.has(p) || p === '/') return true;
    const prefix = `${p}/`;
    for (const k of this.files.keys()) if (k.startsWith(prefix)) return true;
    for (const k of this.links.keys()) if (k.startsWith(prefix)) return true;
    return false;
  }
}
