// keepalived's checks of a script before it is ever run (enable_script_security, keepalived.conf(5);
// messages and outcomes observed on keepalived 2.2.7 and 2.4.3), over an injected file system:
// - a bare name is looked up in PATH ("resolved by path search ... Please specify full path"), a
//   name found nowhere is disabled; a path that does not exist is disabled;
// - the script must be executable by the user it runs as (directories searchable on the way);
// - a script that runs as root is insecure when a non-root user could change it: the file or any
//   directory above it (symlinks resolved) is owned by a non-root user, or writable by "other",
//   or by a group other than root; a directory with the sticky bit (/tmp) does not count. With
//   enable_script_security an insecure script is disabled, without it only reported.
export interface PathStat {
  uid: number;
  gid: number;
  /** st_mode: type and permission bits. */
  mode: number;
}

/** What the checks read: realpath(3) and stat(2). Both throw (with `code`) when the path does not exist. */
export interface ScriptFs {
  realpath(path: string): string;
  stat(path: string): PathStat;
}

export type ScriptCheck =
  | { ok: true; path: string; searched: boolean; insecure: boolean }
  | { ok: false; why: 'not-in-path' | 'missing' | 'not-executable'; path: string; detail?: string };

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_ISVTX = 0o001000;

const isDir = (s: PathStat) => (s.mode & S_IFMT) === S_IFDIR;

/** Whether uid:gid may do `bit` (4 read, 2 write, 1 execute) on a file with this stat; root may execute anything with an x bit. */
function may(s: PathStat, uid: number, gid: number, bit: number): boolean {
  if (uid === 0) return bit !== 1 || isDir(s) || (s.mode & 0o111) !== 0;
  if (s.uid === uid) return (s.mode & (bit << 6)) !== 0;
  if (s.gid === gid) return (s.mode & (bit << 3)) !== 0;
  return (s.mode & bit) !== 0;
}

/** Whether a non-root user could replace or change it. */
function unsafe(s: PathStat): boolean {
  if (s.uid !== 0) return true;
  if (isDir(s) && (s.mode & S_ISVTX) !== 0) return false;
  return (s.mode & 0o002) !== 0 || ((s.mode & 0o020) !== 0 && s.gid !== 0);
}

/** `/a/b/c` -> ['/', '/a', '/a/b', '/a/b/c'] */
function chain(path: string): string[] {
  const out = ['/'];
  let cur = '';
  for (const part of path.split('/').filter(Boolean)) out.push((cur += `/${part}`));
  return out;
}

export function checkScript(file: string, runAs: { uid: number; gid: number }, fs: ScriptFs, searchPath: string[] = []): ScriptCheck {
  let path = file;
  let searched = false;
  if (!file.includes('/')) {
    const found = searchPath.map((d) => `${d.replace(/\/$/, '')}/${file}`).find((p) => {
      try {
        return (fs.stat(p).mode & S_IFMT) === S_IFREG;
      } catch {
        return false;
      }
    });
    if (!found) return { ok: false, why: 'not-in-path', path: file };
    path = found;
    searched = true;
  }
  let real: string;
  try {
    real = fs.realpath(path);
  } catch (e) {
    return { ok: false, why: 'missing', path, detail: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
  }
  const stats = chain(real).map((p) => fs.stat(p));
  const target = stats.at(-1)!;
  const searchable = stats.slice(0, -1).every((s) => may(s, runAs.uid, runAs.gid, 1));
  if ((target.mode & S_IFMT) !== S_IFREG || !searchable || !may(target, runAs.uid, runAs.gid, 1)) {
    return { ok: false, why: 'not-executable', path };
  }
  return { ok: true, path, searched, insecure: runAs.uid === 0 && stats.some(unsafe) };
}

/** keepalived's log line for a check that failed or found the script insecure (undefined: nothing to say). */
export function scriptCheckMessage(c: ScriptCheck, runAs: { uid: number; gid: number }, security: boolean): string | undefined {
  if (c.ok) return c.insecure ? `Unsafe permissions found for script '${c.path}'${security ? ' - disabling' : ''}.` : undefined;
  switch (c.why) {
    case 'not-in-path': return `Cannot find script ${c.path} in path - disabling`;
    case 'missing': return `Script ${c.path} cannot be accessed - ${c.detail === 'ENOENT' ? 'No such file or directory' : c.detail ?? 'error'}`;
    case 'not-executable': return `WARNING - script '${c.path}' is not executable for uid:gid ${runAs.uid}:${runAs.gid} - disabling.`;
  }
}

/** Whether the script may run: it exists, can be executed, and is not refused as insecure. */
export function scriptRuns(c: ScriptCheck, security: boolean): boolean {
  return c.ok && !(c.insecure && security);
}
