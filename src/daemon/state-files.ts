// Files root writes at run time (the SIGUSR1 dump, pid files, the status socket's directory),
// written the way keepalived had to learn (CVE-2018-19044): never through a path a local user
// can plant. A file is created fresh under a temporary name (O_CREAT|O_EXCL|O_NOFOLLOW, our mode)
// and renamed over the target, so a symlink or a foreign file planted there is replaced, never
// followed or written into. The directory must be one only root or we can change: every
// directory on the way is owned by root or by us, and none of them (the last excepted, see
// checkStateDir) is writable by others unless sticky (/tmp). vipd's own runtime directory
// (/run/vipd) is stricter: not a symlink, ours or root's, writable by nobody else.
import {
  closeSync, constants, fchmodSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, renameSync, unlinkSync,
  writeSync, type Stats,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { VipdError } from '../errors.js';

/** vipd's runtime directory: the default home of the status socket, the dump and pid files. */
export const RUNTIME_DIR = '/run/vipd';

/** A state file or directory that is unsafe or cannot be written; the message says which and why. */
export class StateFileError extends VipdError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('VIPD_ERR_STATE_FILE', message, options);
    this.path = path;
  }
}

/** Who may own the directories we write into: root and the effective user. */
export interface Identity { uid: number }

export const currentIdentity = (): Identity => ({ uid: process.geteuid?.() ?? 0 });

const trustedOwner = (st: Stats, id: Identity) => st.uid === 0 || st.uid === id.uid;
const othersMayWrite = (st: Stats) => (st.mode & 0o022) !== 0;
const sticky = (st: Stats) => (st.mode & 0o1000) !== 0; // S_ISVTX

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateFileError(path, `${path}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The runtime directory: created (mode 0755: the socket and the dump carry their own 0600) when
 * missing; refused when it is a symlink, not a directory, someone else's, or writable by others.
 */
export function ensureRuntimeDir(dir: string, id: Identity = currentIdentity()): void {
  let st = lstatOrUndefined(dir);
  if (!st) {
    checkStateDir(dirname(dir), id);
    try {
      mkdirSync(dir, { mode: 0o755 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StateFileError(dir, `cannot create ${dir}: ${(err as Error).message}`, { cause: err });
      }
    }
    st = lstatSync(dir);
  }
  if (st.isSymbolicLink()) throw new StateFileError(dir, `${dir} is a symlink; refusing to write state there (remove it: vipd creates the directory itself)`);
  if (!st.isDirectory()) throw new StateFileError(dir, `${dir} is not a directory`);
  if (!trustedOwner(st, id)) throw new StateFileError(dir, `${dir} is owned by uid ${st.uid}, not by root or this process (uid ${id.uid}); refusing to write state there`);
  if (othersMayWrite(st)) throw new StateFileError(dir, `${dir} is writable by group or others (mode ${(st.mode & 0o7777).toString(8)}); refusing to write state there (chmod 755 it)`);
}

/**
 * A directory given on the command line (`-p /var/run/keepalived.pid`...): created when missing;
 * every directory on the way must be root's or ours and, but for the last one, not writable by
 * others unless sticky. Symlinks on the way are followed when root or we own them (/var/run ->
 * /run). The last directory may be writable by others: files are renamed into place, so nothing
 * can be redirected there, only replaced afterwards by whoever may write the directory anyway.
 */
export function checkStateDir(dir: string, id: Identity = currentIdentity()): void {
  const abs = resolve(dir);
  if (!lstatOrUndefined(abs)) {
    checkStateDir(dirname(abs), id);
    try {
      mkdirSync(abs, { recursive: true, mode: 0o755 });
    } catch (err) {
      throw new StateFileError(abs, `cannot create ${abs}: ${(err as Error).message}`, { cause: err });
    }
  }
  walk(abs, id, 0);
}

function walk(abs: string, id: Identity, depth: number): void {
  if (depth > 16) throw new StateFileError(abs, `${abs}: too many symlinks on the way`);
  const parts = abs.split(sep).filter(Boolean);
  let cur: string = sep;
  for (let i = 0; i <= parts.length; i++) {
    const st = lstatOrUndefined(cur);
    if (!st) throw new StateFileError(abs, `${cur} does not exist`);
    if (st.isSymbolicLink()) {
      if (!trustedOwner(st, id)) throw new StateFileError(abs, `${cur} is a symlink owned by uid ${st.uid}; refusing to follow it`);
      const target = readlinkSync(cur);
      const rest = parts.slice(i);
      walk(resolve(isAbsolute(target) ? target : join(dirname(cur), target), ...rest), id, depth + 1);
      return;
    }
    if (!st.isDirectory()) throw new StateFileError(abs, `${cur} is not a directory`);
    if (!trustedOwner(st, id)) throw new StateFileError(abs, `${cur} is owned by uid ${st.uid}, not by root or this process (uid ${id.uid}); refusing to write state under it`);
    const last = i === parts.length;
    if (!last && othersMayWrite(st) && !sticky(st)) {
      throw new StateFileError(abs, `${cur} is writable by group or others and not sticky; refusing to write state under it`);
    }
    if (i < parts.length) cur = join(cur, parts[i]!);
  }
}

/** The directory of a state file, checked the right way for where it is. */
export function prepareStateDir(file: string, id: Identity = currentIdentity()): string {
  const dir = dirname(resolve(file));
  if (dir === RUNTIME_DIR) ensureRuntimeDir(dir, id);
  else checkStateDir(dir, id);
  return dir;
}

/**
 * Writes `data` to `path` as a new file with `mode`: a temporary name in the same directory,
 * created exclusively without following symlinks, then renamed over `path`.
 */
export function writeStateFile(path: string, data: string, opts: { mode?: number; id?: Identity } = {}): void {
  const mode = opts.mode ?? 0o600;
  const dir = prepareStateDir(path, opts.id);
  const target = join(dir, basename(path));
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  let tmp = '';
  let fd = -1;
  for (let attempt = 0; fd < 0; attempt++) {
    tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      fd = openSync(tmp, flags, mode);
    } catch (err) {
      // Someone holds that name: another random one (a planted file is never opened).
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 8) continue;
      throw new StateFileError(target, `cannot create a file in ${dir}: ${(err as Error).message}`, { cause: err });
    }
  }
  try {
    fchmodSync(fd, mode); // the umask must not widen or narrow what we asked for
    const buf = Buffer.from(data);
    for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, target);
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    try { unlinkSync(tmp); } catch { /* gone already */ }
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EISDIR' ? `${target} is a directory`
      : code === 'EPERM' || code === 'EACCES' ? `cannot replace ${target} (${(err as Error).message}): remove it`
        : `${target}: ${(err as Error).message}`;
    throw new StateFileError(target, why, { cause: err });
  }
}

/** Removes `path` only while it is still a regular file with exactly `content` (our pid file, not a successor's). */
export function removeStateFileIf(path: string, content: string): boolean {
  try {
    const st = lstatSync(path);
    if (!st.isFile() || readFileSync(path, 'utf8') !== content) return false;
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}
