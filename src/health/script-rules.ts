// keepalived's rules for every script it runs (VRRP notify, vrrp_script, notify FIFO scripts,
// MISC_CHECK, notify_up/notify_down): whether it may run, as whom, and what is said about it, in
// keepalived's words (observed on keepalived 2.2.7 and 2.4.3). Decided over an injected host (user
// database, file system, PATH: script-host.ts is the real one), so it is testable without either.
// - Who: the script's own `user [group]`, else global script_user, else the user keepalived_script
//   when it exists, else vipd's own user; but with enable_script_security and neither of the first
//   two nor keepalived_script, a script that names no user is not run. A script_user that does not
//   exist leaves scripts that name no user without one: they are not run (keepalived 2.2.7 -t).
// - The program: a bare name is looked up in PATH (with a warning), a name found nowhere or a path
//   that does not exist is not run; it must be executable by that user (directories searchable).
// - A script that runs as root is insecure when a non-root user could change it: the file or a
//   directory above it (symlinks resolved) is owned by a non-root user, writable by "other", or by
//   a group other than root; a sticky directory (/tmp) does not count. With enable_script_security
//   it is not run, without it, it runs and is reported.
import { UserLookupError } from './errors.js';
import type { RunAs } from './passwd.js';

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

export interface ScriptHost {
  /** Ids of `user [group]`; throws (UserLookupError) when they do not exist. */
  lookupUser(user: string, group?: string): RunAs;
  fs: ScriptFs;
  /** Directories a bare command name is looked up in ($PATH). */
  searchPath: string[];
  /** vipd's own ids: what a script runs as when nobody is named and keepalived_script does not exist. */
  self: RunAs;
}

/** The global_defs settings the rules read. */
export interface ScriptSettings {
  enableScriptSecurity: boolean;
  scriptUser?: string;
  scriptGroup?: string;
}

/** keepalived's default script user, used when it exists and script_user is not set. */
export const DEFAULT_SCRIPT_USER = 'keepalived_script';

/** What kind of script, for keepalived's words: 'check' is MISC_CHECK (the checker process's scripts). */
export type ScriptKind = 'notify' | 'vrrp_script' | 'fifo' | 'check';

/** One thing to say about a script: keepalived's words in `text`, vipd's explanation in `detail`. */
export interface ScriptNote {
  level: 'warn' | 'info';
  text: string;
  detail?: string;
}

export type ScriptDecision =
  /** argv[0] is the program found (PATH resolved); asSelf: nobody named, vipd's own ids. */
  | { runs: true; argv: string[]; runAs: RunAs; asSelf: boolean; insecure: boolean; notes: ScriptNote[] }
  | { runs: false; notes: ScriptNote[] };

export type ScriptCheck =
  | { ok: true; path: string; searched: boolean; insecure: boolean; unsafe?: string }
  | { ok: false; why: 'not-in-path' | 'missing' | 'not-executable'; path: string; detail?: string };

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_ISVTX = 0o001000;

const isDir = (s: PathStat) => (s.mode & S_IFMT) === S_IFDIR;

/** Whether uid:gid may execute (or, a directory, search) it; root may execute anything with an x bit. */
function mayExecute(s: PathStat, uid: number, gid: number): boolean {
  if (uid === 0) return isDir(s) || (s.mode & 0o111) !== 0;
  if (s.uid === uid) return (s.mode & 0o100) !== 0;
  if (s.gid === gid) return (s.mode & 0o010) !== 0;
  return (s.mode & 0o001) !== 0;
}

/** Why a non-root user could replace or change this path (undefined: none could). */
export function unsafeReason(path: string, s: PathStat): string | undefined {
  const what = isDir(s) ? `directory ${path}` : path;
  if (s.uid !== 0) return `${what} is owned by uid ${s.uid}`;
  if (isDir(s) && (s.mode & S_ISVTX) !== 0) return undefined;
  if (s.mode & 0o002) return `${what} is writable by others`;
  if (s.mode & 0o020 && s.gid !== 0) return `${what} is writable by group ${s.gid}`;
  return undefined;
}

/** `/a/b/c` -> ['/', '/a', '/a/b', '/a/b/c'] */
function chain(path: string): string[] {
  const out = ['/'];
  let cur = '';
  for (const part of path.split('/').filter(Boolean)) out.push((cur += `/${part}`));
  return out;
}

/** The file checks for `file` run as `runAs`. */
export function checkScript(file: string, runAs: RunAs, fs: ScriptFs, searchPath: readonly string[] = []): ScriptCheck {
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
  const paths = chain(real);
  const stats = paths.map((p) => fs.stat(p));
  const target = stats.at(-1)!;
  const searchable = stats.slice(0, -1).every((s) => mayExecute(s, runAs.uid, runAs.gid));
  if ((target.mode & S_IFMT) !== S_IFREG || !searchable || !mayExecute(target, runAs.uid, runAs.gid)) {
    return { ok: false, why: 'not-executable', path };
  }
  if (runAs.uid !== 0) return { ok: true, path, searched, insecure: false };
  // The file first, then its directories up to /: the nearest cause is the one to name.
  const unsafe = paths.map((p, i) => unsafeReason(p, stats[i]!)).reverse().find((r) => r !== undefined);
  return { ok: true, path, searched, insecure: unsafe !== undefined, ...(unsafe ? { unsafe } : {}) };
}

/** keepalived's log line for a check that failed or found the script insecure (undefined: nothing to say). */
export function scriptCheckMessage(c: ScriptCheck, runAs: RunAs, security: boolean): string | undefined {
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

/** Who names the script's user, and its vrrp_script name (keepalived's messages name it). */
export interface ScriptOwner {
  user?: string;
  group?: string;
  name?: string;
}

/**
 * The rules of one configuration. The default user is found at the first decision and its notes
 * come with that decision (keepalived says them once); which scripts run as root, and whether
 * insecure, feed the configuration's SECURITY VIOLATION summary.
 */
export class ScriptRules {
  readonly #settings: ScriptSettings;
  readonly #host: ScriptHost;
  #default: { runAs: RunAs | undefined; asSelf: boolean } | undefined;
  #asRoot = false;
  #insecure = false;

  constructor(settings: ScriptSettings, host: ScriptHost) {
    this.#settings = settings;
    this.#host = host;
  }

  get security(): boolean {
    return this.#settings.enableScriptSecurity;
  }

  #findDefault(notes: ScriptNote[]): { runAs: RunAs | undefined; asSelf: boolean } {
    const { scriptUser, scriptGroup } = this.#settings;
    if (scriptUser !== undefined) {
      try {
        return { runAs: this.#host.lookupUser(scriptUser, scriptGroup), asSelf: false };
      } catch (e) {
        if (!(e instanceof UserLookupError)) throw e;
        notes.push({ level: 'warn', text: 'Error setting global script uid/gid', detail: `script_user: ${e.message}` });
        return { runAs: undefined, asSelf: false };
      }
    }
    try {
      return { runAs: this.#host.lookupUser(DEFAULT_SCRIPT_USER), asSelf: false };
    } catch (e) {
      if (!(e instanceof UserLookupError)) throw e;
      if (!this.security) {
        // The usual case (Debian does not create the user): information only.
        notes.push({ level: 'info', text: `Script user '${DEFAULT_SCRIPT_USER}' does not exist` });
        return { runAs: this.#host.self, asSelf: true };
      }
      notes.push({ level: 'warn', text: `Script user '${DEFAULT_SCRIPT_USER}' does not exist` });
      notes.push({
        level: 'warn', text: `Unable to set default user ${DEFAULT_SCRIPT_USER} for script`,
        detail: `${DEFAULT_SCRIPT_USER} does not exist and script_user is not set (enable_script_security)`,
      });
      return { runAs: undefined, asSelf: false };
    }
  }

  /** Whether `argv` may run, as whom, with what notes. */
  decide(argv: readonly string[], kind: ScriptKind, own: ScriptOwner = {}): ScriptDecision {
    const notes: ScriptNote[] = [];
    const refused = (): ScriptDecision => ({ runs: false, notes });
    const file = argv[0] ?? '';
    const label = kind === 'vrrp_script' ? `vrrp script ${own.name ?? file}`
      : kind === 'check' ? `misc script '${file}'` : `${kind === 'fifo' ? 'fifo' : 'notify'} script ${file}`;
    let runAs: RunAs;
    let asSelf = false;
    if (own.user !== undefined) {
      try {
        runAs = this.#host.lookupUser(own.user, own.group);
      } catch (e) {
        if (!(e instanceof UserLookupError)) throw e;
        notes.push(kind === 'check'
          ? { level: 'warn', text: `Failed to set uid/gid for misc checker script '${file}' - removing`, detail: e.message }
          : { level: 'warn', text: `${e.message}: Invalid user/group for ${label} - ignoring` });
        return refused();
      }
    } else {
      this.#default ??= this.#findDefault(notes);
      if (!this.#default.runAs) {
        notes.push({
          level: 'warn',
          text: kind === 'fifo' || kind === 'notify' ? `Failed to set default user for ${label} - ignoring` : `Unable to set default user for ${label} - removing`,
        });
        return refused();
      }
      runAs = this.#default.runAs;
      asSelf = this.#default.asSelf;
    }
    const check = checkScript(file, runAs, this.#host.fs, this.#host.searchPath);
    if (check.ok && check.searched) notes.push({ level: 'warn', text: `WARNING - script \`${file}\` resolved by path search to \`${check.path}\`. Please specify full path.` });
    const message = scriptCheckMessage(check, runAs, this.security);
    if (message) notes.push({ level: 'warn', text: message, ...(check.ok && check.unsafe ? { detail: check.unsafe } : {}) });
    if (!scriptRuns(check, this.security) || !check.ok) {
      if (kind === 'vrrp_script') notes.push({ level: 'warn', text: `Disabling track script ${own.name ?? file} ${check.ok ? 'due to insecure' : 'since not found/accessible'}` });
      return refused();
    }
    if (runAs.uid === 0) this.#asRoot = true;
    if (check.insecure) this.#insecure = true;
    return { runs: true, argv: [check.path, ...argv.slice(1)], runAs, asSelf, insecure: check.insecure, notes };
  }

  /** keepalived's warning once the scripts are decided: scripts run as root without enable_script_security. */
  summary(kind: 'vrrp' | 'check' = 'vrrp'): string | undefined {
    if (this.security || !this.#asRoot) return undefined;
    const what = kind === 'check' ? 'check scripts' : 'scripts';
    return `SECURITY VIOLATION - ${what} are being executed but script_security not enabled.${this.#insecure ? ' There are insecure scripts.' : ''}`;
  }
}
