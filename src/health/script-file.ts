// keepalived's script checks (keepalived.conf(5) enable_script_security; the rules observed in
// keepalived 2.2.7): a script run as root must not be replaceable by anyone else, so the file and
// every directory above it must be owned by root and not writable by a non-root group or by
// others (a sticky directory, like /tmp, is fine: others cannot replace what root owns there);
// and the file must exist and be executable by whom it runs as. The decisions are pure, over
// facts about the path; inspectScript() gathers those facts (realpath, stat) for one script.
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';

export interface FileFacts {
  path: string;
  uid: number;
  gid: number;
  /** st_mode permission and type bits. */
  mode: number;
  directory: boolean;
}

const S_ISVTX = 0o1000;

/** Why a root-run script at the end of `chain` (file first, then its directories up to /) is unsafe. */
export function unsafeReason(chain: readonly FileFacts[]): string | undefined {
  for (const f of chain) {
    const what = f.directory ? `directory ${f.path}` : f.path;
    if (f.uid !== 0) return `${what} is owned by uid ${f.uid}`;
    const sticky = f.directory && (f.mode & S_ISVTX) !== 0;
    if (sticky) continue;
    if (f.mode & 0o002) return `${what} is writable by others`;
    if (f.mode & 0o020 && f.gid !== 0) return `${what} is writable by group ${f.gid}`;
  }
  return undefined;
}

/** Whether uid/gid may execute the file (root: any execute bit). */
export function executableBy(f: FileFacts, uid: number, gid: number): boolean {
  if (f.directory) return false;
  if (uid === 0) return (f.mode & 0o111) !== 0;
  if (f.uid === uid) return (f.mode & 0o100) !== 0;
  if (f.gid === gid) return (f.mode & 0o010) !== 0;
  return (f.mode & 0o001) !== 0;
}

export type ScriptFile =
  | { kind: 'found'; path: string; viaPath: boolean; chain: FileFacts[] }
  | { kind: 'missing'; reason: string };

/** A command's program as it will run: found through PATH when it has no '/', symlinks resolved. */
export function inspectScript(program: string, pathEnv = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'): ScriptFile {
  let file = program;
  const viaPath = !program.includes('/');
  if (viaPath) {
    const hit = pathEnv.split(delimiter).filter(Boolean).map((d) => join(d, program)).find((p) => {
      try {
        accessSync(p, constants.F_OK);
        return statSync(p).isFile();
      } catch {
        return false;
      }
    });
    if (!hit) return { kind: 'missing', reason: `'${program}' is not found in PATH` };
    file = hit;
  }
  if (!isAbsolute(file)) file = join(process.cwd(), file);
  let real: string;
  try {
    real = realpathSync(file);
  } catch (e) {
    return { kind: 'missing', reason: `${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  const chain: FileFacts[] = [];
  for (let p = real; ; p = dirname(p)) {
    try {
      const st = statSync(p);
      chain.push({ path: p, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, directory: st.isDirectory() });
    } catch (e) {
      return { kind: 'missing', reason: `${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
    }
    if (dirname(p) === p) break;
  }
  return { kind: 'found', path: file, viaPath, chain };
}
